#include "task_queue.h"

namespace chat::net {

struct TaskQueue::Worker {
  TaskQueue* owner;
  std::vector<Task> local;    // queued by this worker, run in its next batch
  std::vector<Task> running;  // the batch being run: its tasks queue into `local`
};

namespace {
// The Worker of the queue this thread serves, if any. A plain pointer: the Worker belongs to the
// WorkerScope (see iocp_service.cpp for why thread_locals here are only pointers).
thread_local void* t_worker = nullptr;
}  // namespace

TaskQueue::WorkerScope::WorkerScope(TaskQueue& queue) : worker_(new Worker{&queue, {}, {}}) {
  t_worker = worker_.get();
}

TaskQueue::WorkerScope::~WorkerScope() {
  t_worker = nullptr;
  for (Task& task : worker_->local) {
    worker_->owner->push(std::move(task));  // no longer a worker: onto the shared list
  }
}

TaskQueue::Worker* TaskQueue::this_worker() const {
  auto* w = static_cast<Worker*>(t_worker);
  return w != nullptr && w->owner == this ? w : nullptr;
}

bool TaskQueue::on_worker() const {
  return this_worker() != nullptr;
}

void TaskQueue::push(Task task) {
  if (Worker* w = this_worker()) {
    w->local.push_back(std::move(task));
    return;
  }
  bool was_empty = false;
  {
    std::lock_guard lock(shared_mutex_);
    was_empty = shared_.empty();
    shared_.push_back(std::move(task));
  }
  if (was_empty) {
    wake_();
  }
}

void TaskQueue::drain_shared() {
  Worker* w = this_worker();
  std::lock_guard lock(shared_mutex_);
  for (Task& task : shared_) {
    w->local.push_back(std::move(task));
  }
  shared_.clear();
}

bool TaskQueue::has_local() const {
  return !this_worker()->local.empty();
}

std::vector<Task>& TaskQueue::take_local() {
  Worker* w = this_worker();
  w->running.swap(w->local);
  return w->running;
}

}  // namespace chat::net
