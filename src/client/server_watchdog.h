// Public header. Notices a chat server that went away without a word.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "chat_connection.h"

namespace chat::client {

// A crashed host or a pulled cable sends no FIN and no RST: the connection looks open forever
// and whatever we send just queues. The watchdog watches what arrives instead. Once nothing has
// arrived for `interval` it sends a Ping (any answer, or anything else, counts); once nothing has
// arrived for `timeout` it closes the connection, and the close handler gets the reason
// "server not responding (nothing received for N s)".
//
// Thread contract: construct and destroy on one thread, with `connection` alive throughout; the
// watchdog runs its own thread in between. `timeout` must be more than `interval`.
class ServerWatchdog {
 public:
  ServerWatchdog(ChatConnection& connection, std::chrono::milliseconds interval,
                 std::chrono::milliseconds timeout);
  ~ServerWatchdog();
  ServerWatchdog(const ServerWatchdog&) = delete;
  ServerWatchdog& operator=(const ServerWatchdog&) = delete;

 private:
  void run();

  ChatConnection& connection_;
  const std::chrono::milliseconds interval_;
  const std::chrono::milliseconds timeout_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;  // last: started once everything it uses exists
};

}  // namespace chat::client
