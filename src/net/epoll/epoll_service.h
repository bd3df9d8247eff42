// Internal header (epoll backend); include io_service.h instead.
//
// Adapts readiness to completions (Asio's "reactor emulating a proactor"): every worker calls
// epoll_wait on one shared epoll instance (edge-triggered for connections), performs the ready
// recv/send itself and hands the result to the IoHandler as a completion. Completions a worker
// produces for itself go on its own local queue; those produced on other threads go on a shared
// queue whose eventfd wakes a worker. So a completion is never delivered inline in start_*().
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "../io_service.h"
#include "../warnings.h"

namespace chat::net {

class EpollService final : public IoService {
 public:
  EpollService(IoHandler& handler, const IoConfig& config);
  ~EpollService() override;

  std::error_code listen(const Endpoint& at, Endpoint* bound) override;
  void stop_accepting() override;
  using IoService::connect;
  ConnId connect(const Endpoint& to, const Endpoint& from, std::error_code& ec) override;
  void start_recv(ConnId id) override;
  void start_send(ConnId id, std::span<const ByteSpan> buffers) override;
  void shutdown_send(ConnId id) override;
  void close(ConnId id) override;
  void post(std::function<void()> fn) override;
  void run() override;
  void stop() override;
  std::string backend_name() const override { return "epoll"; }

 private:
  struct Conn;
  struct Task {
    enum class Kind : std::uint8_t { accept, recv, send_done, connect_done, closed, post };
    Kind kind;
    ConnId id;
    std::error_code ec;
    std::function<void()> fn;  // post only
    Endpoint peer;             // accept only
  };
  struct Worker {
    EpollService* owner;
    std::vector<Task> local;
  };

  // Locks the slot `id` names and returns it if `id` is its open connection; otherwise returns
  // null with `lock` released (a stale id, or a connection already closing).
  Conn* lock_open(ConnId id, std::unique_lock<std::mutex>& lock);
  // Takes a free slot for `fd` and adds it to the epoll set. Returns an invalid id when the table
  // is full, or with `ec` set when the epoll set refused it (the slot is then free again). The
  // caller still owns `fd` in both cases.
  ConnId allocate(int fd, bool connecting, std::error_code& ec);
  void release_slot(ConnId id);
  // Drops one pending operation of a locked connection; queues on_closed() when it was the last
  // one of a closing connection.
  void finish_op_locked(Conn& c, ConnId id);

  void push_task(Task task);
  void drain_shared_queue(Worker& w);
  void run_task(Task& task);
  void on_event(std::uint64_t key, std::uint32_t events);
  void on_listener_ready();
  void perform_recv(ConnId id);
  void deliver(ConnId id, const std::function<void()>& callback);
  // Writes as much of the pending send as the socket takes; true once it is finished.
  bool write_some_locked(Conn& c, std::error_code& ec);

  IoHandler& handler_;
  const IoConfig config_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: the shared queue has tasks
  int stop_fd_ = -1;  // eventfd: never read, so once written it wakes every worker for good
  std::atomic<bool> stopping_{false};

  std::mutex listener_mutex_;  // guards listen_fd_ across the accepting worker and stop_accepting()
  int listen_fd_ = -1;
  int spare_fd_ = -1;  // closed to accept-and-drop a connection when the process is out of fds
  WarningThrottle accept_warnings_;
  WarningThrottle register_warnings_;

  std::unique_ptr<Conn[]> conns_;
  std::mutex free_mutex_;
  std::vector<std::uint32_t> free_slots_;

  std::mutex shared_mutex_;
  std::deque<Task> shared_queue_;
};

}  // namespace chat::net
