// Linux has no --service: systemd runs chat_server through its unit
// (packaging/chat_server.service).
#include <cstdio>

#include "service_host.h"

namespace chat::server::service_host {

namespace {
constexpr const char* kNotHere =
    "--service is for Windows; on Linux systemd runs the server (chat_server.service, see "
    "README.md)\n";
}

int control(const std::string&, const std::vector<std::string>&) {
  std::fputs(kNotHere, stderr);
  return 2;
}

int run(bool as_service, const std::function<int()>& serve) {
  if (as_service) {
    std::fputs(kNotHere, stderr);
    return 2;
  }
  return serve();
}

}  // namespace chat::server::service_host
