// Compiled instead of uring_service.cpp when CMake did not find liburing.
#include "uring_factory.h"

namespace chat::net {

bool uring_built_in() {
  return false;
}

std::unique_ptr<IoService> make_uring_service(IoHandler&, const IoConfig&, std::string& why_not) {
  why_not =
      "this build has no io_uring backend (liburing-dev was not found when it was configured)";
  return nullptr;
}

}  // namespace chat::net
