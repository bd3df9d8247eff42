// Public header, for tests only. Fault injection at the socket calls whose failure a server must
// survive without ending or shrinking: a test makes the next N calls of one kind fail with an
// error of its choice, and the backend behaves as if the system had said so.
//
// The seam is IoConfig::faults: null (the default, and all the programs ever set) means that no
// call is ever faked, and a backend pays one null test at the calls below, none of which is on
// the path of a receive or a send. Nothing on a command line can reach it.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace chat::net {

// The calls a backend consults SocketFaults at, just before making them. Each backend names the
// ones it makes; a fault for a call the backend does not make is never taken.
enum class SocketCall : std::uint8_t {
  accept,           // epoll: accept4(). io_uring: an ACCEPT's completion (the socket it brought
                    // is closed, as if the accept had failed).
  register_socket,  // a new connection joins the backend's wait set. epoll: epoll_ctl(ADD).
                    // IOCP: CreateIoCompletionPort() for the socket.
  submit,           // io_uring: io_uring_submit().
  wait,             // io_uring: io_uring_wait_cqe(), a worker's wait for completions.
  open_socket,      // IOCP: WSASocket() for the socket of the next AcceptEx.
  accept_ex,        // IOCP: AcceptEx().
};
inline constexpr std::size_t kSocketCallKinds = 6;

class SocketFaults {
 public:
  // Makes the next `count` calls of kind `call` fail with `error` (an errno value on Linux, a
  // WSA or Win32 error code on Windows) instead of being made. Replaces what was set before for
  // that kind. Thread-safe.
  void fail_next(SocketCall call, unsigned count, int error) {
    Entry& e = entries_[index(call)];
    e.error.store(error, std::memory_order_relaxed);
    e.remaining.store(count, std::memory_order_release);
  }

  // How many calls of kind `call` were failed so far. Thread-safe.
  unsigned injected(SocketCall call) const {
    return entries_[index(call)].injected.load(std::memory_order_acquire);
  }
  // How many calls of kind `call` the backend set out to make so far: the injected() ones it
  // failed, and the others it really made. Thread-safe.
  unsigned attempted(SocketCall call) const {
    return entries_[index(call)].consulted.load(std::memory_order_acquire);
  }

  // For the backends, just before a call of kind `call`: the error to fail it with, or 0 to make
  // it. Thread-safe.
  int take(SocketCall call) {
    Entry& e = entries_[index(call)];
    e.consulted.fetch_add(1, std::memory_order_acq_rel);
    unsigned left = e.remaining.load(std::memory_order_acquire);
    while (left > 0) {
      if (e.remaining.compare_exchange_weak(left, left - 1, std::memory_order_acq_rel)) {
        const int error = e.error.load(std::memory_order_relaxed);
        e.injected.fetch_add(1, std::memory_order_release);
        return error;
      }
    }
    return 0;
  }

 private:
  struct Entry {
    std::atomic<unsigned> remaining{0};
    std::atomic<int> error{0};
    std::atomic<unsigned> injected{0};
    std::atomic<unsigned> consulted{0};
  };
  static std::size_t index(SocketCall call) { return static_cast<std::size_t>(call); }

  std::array<Entry, kSocketCallKinds> entries_;
};

// The error `faults` (IoConfig::faults, usually null) fakes for this call of kind `call`, or 0.
// For the backends. Thread-safe.
inline int injected_fault(SocketFaults* faults, SocketCall call) {
  return faults == nullptr ? 0 : faults->take(call);
}

}  // namespace chat::net
