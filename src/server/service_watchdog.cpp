// The watchdog pinger: the same on every platform; only the ping itself (notify) differs.
#include <atomic>
#include <condition_variable>
#include <mutex>

#include "chat_server.h"
#include "net/thread_name.h"
#include "service_host.h"

namespace chat::server::service_host {

struct Watchdog::State {
  std::mutex mutex;
  std::condition_variable changed;
  bool stopping = false;                 // guarded by mutex
  std::atomic<bool> ping_queued{false};  // a ping is posted to the workers and has not run yet
};

Watchdog::Watchdog(ChatServer& server) : state_(std::make_shared<State>()) {
  const std::chrono::microseconds interval = watchdog_interval();
  if (interval.count() == 0) {
    return;
  }
  thread_ = net::start_named_thread("chat-watchdog", [state = state_, &server, interval] {
    std::unique_lock lock(state->mutex);
    while (!state->changed.wait_for(lock, interval / 2, [&] { return state->stopping; })) {
      // One ping in flight at a time: while the last one waits for a worker, none is added, so
      // stuck workers mean no pings (and no pile of them).
      if (!state->ping_queued.exchange(true)) {
        server.run_on_worker([state] {
          notify(Notice::watchdog);
          state->ping_queued.store(false);
        });
      }
    }
  });
}

Watchdog::~Watchdog() {
  if (!thread_.joinable()) {
    return;
  }
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
  }
  state_->changed.notify_all();
  thread_.join();
}

}  // namespace chat::server::service_host
