// Internal header (Linux backends, epoll and io_uring): thin POSIX socket helpers.
#pragma once

#include <sys/socket.h>

#include <system_error>

#include "../endpoint.h"

namespace chat::net::posix {

std::error_code last_error();
std::error_code to_error(int errno_value);

// Fills `out` from a numeric host (or "localhost"); returns false if it is not an address.
bool to_sockaddr(const Endpoint& ep, sockaddr_storage& out, socklen_t& len);
Endpoint from_sockaddr(const sockaddr_storage& addr);

// A non-blocking, close-on-exec TCP socket of the endpoint's family, or -1 with `ec` set.
int open_stream_socket(const Endpoint& ep, std::error_code& ec);
// Binds, listens and returns the bound endpoint.
std::error_code bind_and_listen(int fd, const Endpoint& at, int backlog, Endpoint& bound);
// Binds an unconnected socket to a local address before connect(); the port is chosen by
// connect() (IP_BIND_ADDRESS_NO_PORT), so ports are not used up at bind time.
std::error_code bind_source(int fd, const Endpoint& from);
void set_no_delay(int fd);
// The socket setup both Linux backends share. A listening socket bound to `at` (non-blocking,
// close-on-exec; `bound` gets the address it got), or -1 with `ec` set.
int open_listener(const Endpoint& at, int backlog, Endpoint& bound, std::error_code& ec);
// A non-blocking TCP socket to `to` (from the local address `from.host` unless it is empty),
// with no Nagle delay and its connect() started: connected, or still connecting (EINPROGRESS).
// -1 with `ec` set when it could not even start (a bad address, say).
int start_connect(const Endpoint& to, const Endpoint& from, std::error_code& ec);
// A descriptor held in reserve (/dev/null) for accept_and_drop(); -1 if none could be opened.
int open_spare_fd();
// The process is out of descriptors and a connection waits on `listen_fd`: closes the spare,
// accepts that connection with it and closes it at once, then takes a spare again. Otherwise
// the waiting connection would fail every accept for ever. False (nothing done) without a
// spare. Call under the listener's lock.
bool accept_and_drop(int listen_fd, int& spare_fd);
// Sets or clears O_NONBLOCK.
void set_non_blocking(int fd, bool on);
void close_fd(int fd);
// True for what accept4() (or an io_uring ACCEPT) may answer in the normal course of things: no
// connection waiting, one that died in the queue, or a network error already pending on it
// (which Linux reports through accept, and says to treat like EAGAIN). Anything else is worth a
// warning. Thread-safe.
bool is_routine_accept_error(int errno_value);

}  // namespace chat::net::posix
