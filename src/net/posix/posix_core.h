// Internal header (Linux backends): what the epoll and io_uring backends share. Both keep a
// ConnectionTable of slots derived from PosixConn, turn what the kernel reports into Tasks on a
// TaskQueue, and run those tasks the same way: a recv() into the worker's own buffer, then the
// IoHandler's callback with the slot's lock released, then the operation counted off. What
// differs (how readiness or a completion arrives, how a send reaches the kernel, how a close
// cancels) stays in each backend; PosixCore calls it through the hooks below.
#pragma once

#include <sys/types.h>

#include <functional>
#include <mutex>
#include <vector>

#include "../connection_table.h"
#include "../gather_cursor.h"
#include "../io_service.h"
#include "../wait_policy.h"
#include "task_queue.h"

namespace chat::net {

// The state both Linux backends keep per connection, guarded by ConnSlot::mutex; each backend
// derives its Conn from it and adds its own flags.
struct PosixConn : ConnSlot {
  // waiting: for the kernel to say the socket is readable (epoll: EPOLLIN; io_uring: a POLL_ADD
  // in the ring); queued: a recv task is queued and will read.
  enum class Recv : std::uint8_t { idle, waiting, queued };
  // after_connect: started before the connection was up (io_uring submits it then);
  // waiting: epoll waits for EPOLLOUT to write the rest, io_uring has a SENDMSG in the ring;
  // done: finished, its send_done task queued.
  enum class Send : std::uint8_t { idle, after_connect, waiting, done };

  int fd = -1;
  bool connecting = false;  // the connect's outcome has not come yet
  Recv recv = Recv::idle;
  Send send = Send::idle;
  std::error_code send_ec;  // the outcome of the send, once it is done
  GatherCursor send_left;   // what the send still has to write
};

class PosixCore : public IoService {
 public:
  using IoService::connect;
  // Starts the connect (posix::start_connect) and takes a slot for it; the outcome comes as a
  // completion (epoll: EPOLLOUT; io_uring: its POLLOUT), even an immediate one. Thread-safe.
  ConnId connect(const Endpoint& to, const Endpoint& from, std::error_code& ec) final;
  // Queues `fn` as a task. Thread-safe.
  void post(std::function<void()> fn) final;
  // Half-closes the socket (SHUT_WR) of an open connection. Thread-safe.
  void shutdown_send(ConnId id) final;

 protected:
  // `wake` is the TaskQueue's: it must make a worker drain the shared queue soon.
  PosixCore(IoHandler& handler, const IoConfig& config, std::function<void()> wake);

  // The backend's table, seen as PosixConn slots (ConnectionTable::at / lock_open).
  virtual PosixConn& conn_at(std::uint32_t index) = 0;
  virtual PosixConn* lock_open_conn(ConnId id, std::unique_lock<std::mutex>& lock) = 0;
  // Runs a queued recv task for `id` (recv_queued_locked(), then usually recv_some()).
  virtual void perform_recv(ConnId id) = 0;
  // Frees the slot of `id` after its on_closed() (ConnectionTable::release).
  virtual void release_slot(ConnId id) = 0;
  // Takes a free slot for the socket `fd` (`connecting`: its connect is under way) and has the
  // kernel watch it. Returns an invalid id when the table is full, or with `ec` set when the
  // kernel refused it (the slot is then free again). The caller still owns `fd` then.
  virtual ConnId allocate(int fd, bool connecting, std::error_code& ec) = 0;

  // One worker's view of the core for the life of its run(): it makes the thread a worker of
  // the task queue and gives it the receive buffer recv_some() reads into.
  class WorkerScope {
   public:
    explicit WorkerScope(PosixCore& core);
    ~WorkerScope();
    WorkerScope(const WorkerScope&) = delete;
    WorkerScope& operator=(const WorkerScope&) = delete;

   private:
    TaskQueue::WorkerScope tasks_;
    std::vector<std::byte> recv_buffer_;
  };

  // Queues a task for a connection. Thread-safe.
  void queue(Task::Kind kind, ConnId id, std::error_code ec = {}) {
    tasks_.push(Task{kind, id, ec, {}, {}});
  }
  // Queues the recv task of a locked connection whose receive was started.
  void queue_recv_locked(PosixConn& c, ConnId id);
  // Counts one operation of a locked connection off; after the last one of a closing
  // connection, closes its descriptor (if still open) and queues on_closed().
  void finish_op_locked(PosixConn& c, ConnId id);
  // Claims the queued recv of a locked `id`: false (nothing to read) when the slot moved on or
  // no recv is queued, or when the connection is closing (that receive is then counted off).
  bool recv_queued_locked(PosixConn& c, ConnId id);
  // Reads what is there (MSG_DONTWAIT) into the calling worker's buffer: recv()'s result, with
  // errno set when it is -1. Call with the slot's lock held.
  ssize_t recv_some(int fd) const;
  // Delivers a recv() result `n` (the worker's buffer, an end of stream, or the error in errno)
  // to on_recv() with `lock` released, then counts the receive off. Not for EAGAIN.
  void deliver_recv(PosixConn& c, ConnId id, std::unique_lock<std::mutex>& lock, ssize_t n);

  // Runs the calling worker's queued tasks, then tells the handler the batch ended.
  void run_tasks_and_end_batch(WaitPolicy& wait);
  bool has_tasks() const { return tasks_.has_local(); }

  IoHandler& handler_;
  const IoConfig config_;
  TaskQueue tasks_;

 private:
  void run_task(Task& task);
};

}  // namespace chat::net
