// Public header. Names for our threads, as `top -H`, `ps -L`, perf and debuggers show them, so
// that "which thread is busy" has an answer at a glance. One implementation per platform
// (posix/posix_thread.cpp, iocp/win_thread.cpp).
#pragma once

#include <string>
#include <thread>
#include <utility>

namespace chat::net {

// Names the calling thread. Best effort: Linux keeps the first 15 bytes; on Windows it needs
// Windows 10 1607 or later. Call at the top of the thread's function. Thread-safe.
void name_this_thread(const std::string& name);

// The calling thread's name ("" where it has none or the system cannot say). Thread-safe.
std::string this_thread_name();

// Starts a thread that names itself `name` (name_this_thread), then runs `body`.
template <typename Body>
std::thread start_named_thread(std::string name, Body body) {
  return std::thread([name = std::move(name), body = std::move(body)]() mutable {
    name_this_thread(name);
    body();
  });
}

}  // namespace chat::net
