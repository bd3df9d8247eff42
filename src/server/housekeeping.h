// Internal header (server). The housekeeping thread: timeouts and heartbeat Pings, lingering
// closes that waited long enough, the per-address counters, and heap given back.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

namespace chat::server {

struct ServerCore;

class Housekeeping {
 public:
  explicit Housekeeping(ServerCore& core) : core_(core) {}
  ~Housekeeping() { stop(); }
  Housekeeping(const Housekeeping&) = delete;
  Housekeeping& operator=(const Housekeeping&) = delete;

  // Starts the thread: one round every config.sweep_interval. From the owning thread, once.
  void start();
  // Ends the thread after its current round. From the owning thread; idempotent.
  void stop();
  // One sweep of the handshake and heartbeat timeouts and heartbeat Pings, as if the steady
  // clock (ServerCore::steady_ms) read `now`. Any thread, at any moment (tests run extra ones).
  void check_timeouts(std::int64_t now);

 private:
  void run();
  void round();

  ServerCore& core_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace chat::server
