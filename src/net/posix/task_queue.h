// Internal header (Linux backends, epoll and io_uring): the work their workers run besides the
// kernel's completions. A completion the backend made (a recv done, a send done, an accept, an
// on_closed()) or a post() becomes a Task.
//
// A task queued on one of the queue's own worker threads goes on that worker's local list, with
// no lock and no system call: it runs in the same batch, after what is already there. A task
// queued on any other thread goes on the shared list, and the first one on an empty shared list
// calls the backend's wake function (an eventfd write, a NOP in the ring), whose completion
// makes some worker drain the shared list into its own. So a task never runs inline in push().
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <system_error>
#include <vector>

#include "../conn_id.h"
#include "../endpoint.h"

namespace chat::net {

struct Task {
  enum class Kind : std::uint8_t { accept, recv, send_done, connect_done, closed, post };
  Kind kind;
  ConnId id;
  std::error_code ec;        // connect_done only
  std::function<void()> fn;  // post only
  Endpoint peer;             // accept only
};

class TaskQueue {
 public:
  // `wake` makes a worker drain the shared list soon; called outside the lock, on the pushing
  // thread. It must be safe to call from any thread.
  explicit TaskQueue(std::function<void()> wake) : wake_(std::move(wake)) {}

  struct Worker;
  // Makes the calling thread one of this queue's workers for the scope's life. Its tasks left
  // unrun at the end go to the shared list, for the workers still running (if any).
  class WorkerScope {
   public:
    explicit WorkerScope(TaskQueue& queue);
    ~WorkerScope();
    WorkerScope(const WorkerScope&) = delete;
    WorkerScope& operator=(const WorkerScope&) = delete;

   private:
    std::unique_ptr<Worker> worker_;
  };

  // Queues `task`. Thread-safe.
  void push(Task task);
  // True when the calling thread is a worker of this queue (inside a WorkerScope). Thread-safe.
  bool on_worker() const;
  // Moves the shared list's tasks to the end of the calling worker's list. Worker threads only.
  void drain_shared();
  // True when the calling worker has tasks to run. Worker threads only.
  bool has_local() const;
  // Runs the calling worker's tasks through `run(Task&)`, in order; tasks they queue run in the
  // next call. Worker threads only.
  template <typename Run>
  void run_local(Run&& run) {
    std::vector<Task>& batch = take_local();
    for (Task& task : batch) {
      run(task);
    }
    batch.clear();
  }

 private:
  Worker* this_worker() const;  // null when the calling thread is none of ours
  // Swaps the calling worker's list with its spare (empty) one and returns what was queued.
  std::vector<Task>& take_local();

  std::function<void()> wake_;
  std::mutex shared_mutex_;
  std::deque<Task> shared_;
};

}  // namespace chat::net
