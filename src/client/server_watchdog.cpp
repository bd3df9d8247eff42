#include "server_watchdog.h"

#include <algorithm>
#include <string>

#include <fmt/format.h>

#include "net/thread_name.h"

namespace chat::client {

ServerWatchdog::ServerWatchdog(ChatConnection& connection, std::chrono::milliseconds interval,
                               std::chrono::milliseconds timeout)
    : connection_(connection),
      interval_(interval),
      timeout_(timeout),
      thread_(net::start_named_thread("client-watchdog", [this] { run(); })) {}

ServerWatchdog::~ServerWatchdog() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void ServerWatchdog::run() {
  using namespace std::chrono;
  // Often enough to act within a quarter interval of the deadline, rarely enough to cost nothing.
  const milliseconds tick = std::clamp(interval_ / 4, milliseconds(10), milliseconds(1000));
  steady_clock::time_point pinged_after{};  // the silence that has had its Ping already
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, tick, [&] { return stopping_; })) {
    if (!connection_.is_open()) {
      continue;  // not yet, or no longer: nothing to watch
    }
    const steady_clock::time_point heard = connection_.last_received();
    const auto silent = steady_clock::now() - heard;
    if (silent >= timeout_) {
      connection_.close(fmt::format("server not responding (nothing received for {:.3g} s)",
                                    duration<double>(silent).count()));
    } else if (silent >= interval_ && pinged_after != heard) {
      pinged_after = heard;
      proto::Envelope ping;
      ping.mutable_ping()->set_nonce(static_cast<std::uint64_t>(
          duration_cast<milliseconds>(heard.time_since_epoch()).count()));
      connection_.send(ping);
    }
  }
}

}  // namespace chat::client
