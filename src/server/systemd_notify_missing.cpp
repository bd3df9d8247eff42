// A Linux build without libsystemd (CMake did not find it; scripts/install_deps.sh installs
// libsystemd-dev): nothing to notify, no watchdog. Run such a build under systemd with
// Type=simple and without WatchdogSec, not with the shipped unit (Type=notify).
#include "service_host.h"

namespace chat::server::service_host {

void notify(Notice, const std::string&) {}

std::chrono::microseconds watchdog_interval() {
  return std::chrono::microseconds(0);
}

}  // namespace chat::server::service_host
