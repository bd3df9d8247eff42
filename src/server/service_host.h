// Internal header (chat_server). The service manager's side of the server: telling systemd
// (sd_notify) or the Windows Service Control Manager that it is ready, stopping, and alive, and
// on Windows installing and running it as a service. One implementation per platform, picked by
// src/server/CMakeLists.txt: service_host_linux.cpp with systemd_notify.cpp (libsystemd) or
// systemd_notify_missing.cpp, and service_host_windows.cpp.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace chat::server {
class ChatServer;
}

namespace chat::server::service_host {

enum class Notice { ready, stopping, watchdog };

// Tells the service manager: ready (listening), stopping (a graceful shutdown began), or alive
// (a watchdog ping). `status` is a line for it to show (systemctl status); may be empty. Linux:
// sd_notify to $NOTIFY_SOCKET, nothing without one. Windows: the service's state, when running
// as one. Thread-safe.
void notify(Notice notice, const std::string& status = "");

// How often the service manager expects a watchdog ping: systemd's WatchdogSec (from
// $WATCHDOG_USEC, for this process). Zero: no watchdog (and always on Windows). Thread-safe.
std::chrono::microseconds watchdog_interval();

// --service install|uninstall|start|stop: Windows registers, removes, starts or stops the service
// "chat_server" through the Service Control Manager (install keeps `args` but --service for it
// to run with, and adds --service run). Linux has the systemd unit instead: a usage error.
// Returns the exit code; says what it did, or why not, on stdout or stderr.
int control(const std::string& command, const std::vector<std::string>& args);

// Runs `serve` (which returns the exit code) and returns its code. With `as_service` (--service
// run, as installed), Windows runs it under the Service Control Manager, whose stop, shutdown and
// parameter-change requests arrive as net::wait_for_shutdown_signal() requests; Linux refuses it
// (exit 2). Main thread.
int run(bool as_service, const std::function<int()>& serve);

// Pings the watchdog from the server's own worker threads every half watchdog_interval(): a
// thread of its own posts the ping to the workers, one at a time, so a server whose workers are
// stuck stops pinging and the service manager restarts it. Does nothing without a watchdog.
// Construct after ChatServer::start(), destroy before ChatServer::shutdown(); owning thread.
class Watchdog {
 public:
  explicit Watchdog(ChatServer& server);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  struct State;
  std::shared_ptr<State> state_;
  std::thread thread_;
};

}  // namespace chat::server::service_host
