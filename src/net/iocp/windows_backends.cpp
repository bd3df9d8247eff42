// Windows has one backend, IOCP: "auto" and "iocp" both name it.
#include <stdexcept>

#include "iocp_service.h"

namespace chat::net {

std::vector<std::string> io_backend_names() {
  return {"iocp"};
}

std::unique_ptr<IoService> make_io_service(IoHandler& handler, const IoConfig& config) {
  if (config.backend != "auto" && config.backend != "iocp") {
    throw std::runtime_error("unknown I/O backend '" + config.backend +
                             "' (this Windows build has: auto, iocp)");
  }
  return std::make_unique<IocpService>(handler, config);
}

}  // namespace chat::net
