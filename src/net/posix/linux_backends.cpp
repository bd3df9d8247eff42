// Linux has two backends: epoll, and io_uring where the build found liburing. "auto" is epoll,
// with no fallback (every Linux kernel runs epoll): in docs/benchmarks.md ("the io_uring backend
// against epoll") io_uring cuts the system calls but does not win the best-measuring
// configuration, and many containers refuse it. "uring" asks for it by name, and fails saying
// why where it cannot run.
#include <stdexcept>

#include "../epoll/epoll_service.h"
#include "../uring/uring_factory.h"

namespace chat::net {

std::vector<std::string> io_backend_names() {
  std::vector<std::string> names{"epoll"};
  if (uring_built_in()) {
    names.emplace_back("uring");
  }
  return names;
}

std::unique_ptr<IoService> make_io_service(IoHandler& handler, const IoConfig& config) {
  if (config.backend == "auto" || config.backend == "epoll") {
    return std::make_unique<EpollService>(handler, config);
  }
  if (config.backend == "uring") {
    std::string why_not;
    if (auto service = make_uring_service(handler, config, why_not)) {
      return service;
    }
    throw std::runtime_error("I/O backend 'uring' is unavailable: " + why_not);
  }
  std::string known = "auto";
  for (const auto& name : io_backend_names()) {
    known += ", " + name;
  }
  throw std::runtime_error("unknown I/O backend '" + config.backend +
                           "' (this build has: " + known + ")");
}

}  // namespace chat::net
