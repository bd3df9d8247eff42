// The service manager's side on Linux: systemd's notification socket, through libsystemd.
#include <systemd/sd-daemon.h>

#include <cstdint>

#include "service_host.h"

namespace chat::server::service_host {

void notify(Notice notice, const std::string& status) {
  std::string message = notice == Notice::ready      ? "READY=1"
                        : notice == Notice::stopping ? "STOPPING=1"
                                                     : "WATCHDOG=1";
  if (!status.empty()) {
    message += "\nSTATUS=" + status;
  }
  sd_notify(0, message.c_str());  // without $NOTIFY_SOCKET (not under systemd): nothing
}

std::chrono::microseconds watchdog_interval() {
  std::uint64_t usec = 0;
  // Checks $WATCHDOG_PID too: a watchdog set for another process (a parent) is not ours.
  if (sd_watchdog_enabled(0, &usec) <= 0) {
    return std::chrono::microseconds(0);
  }
  return std::chrono::microseconds(usec);
}

}  // namespace chat::server::service_host
