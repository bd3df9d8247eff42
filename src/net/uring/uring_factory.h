// Internal header (Linux): the one way into the io_uring backend, so that the backend chooser
// (posix/linux_backends.cpp) compiles the same whether or not the build found liburing.
#pragma once

#include <memory>
#include <string>

#include "../io_service.h"

namespace chat::net {

// True when this build compiled the io_uring backend (liburing was found).
bool uring_built_in();

// An io_uring backend, or null with `why_not` set when this build or this kernel cannot run one
// (no liburing at build time; io_uring_setup refused, as under some seccomp profiles; a kernel
// without the features the backend needs). Defined by uring_service.cpp or uring_missing.cpp.
std::unique_ptr<IoService> make_uring_service(IoHandler& handler, const IoConfig& config,
                                              std::string& why_not);

}  // namespace chat::net
