#include "posix_socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "../io_service.h"

namespace chat::net::posix {

std::error_code to_error(int errno_value) {
  return {errno_value, std::generic_category()};
}
std::error_code last_error() {
  return to_error(errno);
}

bool to_sockaddr(const Endpoint& ep, sockaddr_storage& out, socklen_t& len) {
  std::memset(&out, 0, sizeof out);
  const std::string host = ep.host == "localhost" ? "127.0.0.1" : ep.host;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(ep.port);
    len = sizeof(sockaddr_in);
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out);
  if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(ep.port);
    len = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

Endpoint from_sockaddr(const sockaddr_storage& addr) {
  char text[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
    return Endpoint{text, ntohs(v6->sin6_port)};
  }
  const auto* v4 = reinterpret_cast<const sockaddr_in*>(&addr);
  inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
  return Endpoint{text, ntohs(v4->sin_port)};
}

int open_stream_socket(const Endpoint& ep, std::error_code& ec) {
  const int family = ep.is_ipv6() ? AF_INET6 : AF_INET;
  const int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    ec = last_error();
  }
  return fd;
}

std::error_code bind_and_listen(int fd, const Endpoint& at, int backlog, Endpoint& bound) {
  sockaddr_storage addr{};
  socklen_t len = 0;
  if (!to_sockaddr(at, addr, len)) {
    return std::make_error_code(std::errc::invalid_argument);
  }
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), len) != 0 ||
      ::listen(fd, backlog) != 0) {
    return last_error();
  }
  sockaddr_storage local{};
  socklen_t local_len = sizeof local;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len);
  bound = from_sockaddr(local);
  return {};
}

std::error_code bind_source(int fd, const Endpoint& from) {
  sockaddr_storage addr{};
  socklen_t len = 0;
  if (!to_sockaddr(from, addr, len)) {
    return std::make_error_code(std::errc::invalid_argument);
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), len) != 0) {
    return last_error();
  }
  return {};
}

void set_no_delay(int fd) {
  // Chat frames are small and latency-bound: never let Nagle hold one back for a delayed ACK.
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

int open_listener(const Endpoint& at, int backlog, Endpoint& bound, std::error_code& ec) {
  const int fd = open_stream_socket(at, ec);
  if (fd < 0) {
    return -1;
  }
  ec = bind_and_listen(fd, at, backlog, bound);
  if (ec) {
    close_fd(fd);
    return -1;
  }
  return fd;
}

int start_connect(const Endpoint& to, const Endpoint& from, std::error_code& ec) {
  sockaddr_storage addr{};
  socklen_t len = 0;
  if (!to_sockaddr(to, addr, len)) {
    ec = std::make_error_code(std::errc::invalid_argument);
    return -1;
  }
  const int fd = open_stream_socket(to, ec);
  if (fd < 0) {
    return -1;
  }
  if (!from.host.empty()) {
    ec = bind_source(fd, from);
    if (ec) {
      close_fd(fd);
      return -1;
    }
  }
  set_no_delay(fd);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), len) != 0 && errno != EINPROGRESS) {
    ec = last_error();
    close_fd(fd);
    return -1;
  }
  return fd;
}

int open_spare_fd() {
  return ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

bool accept_and_drop(int listen_fd, int& spare_fd) {
  if (spare_fd < 0) {
    return false;
  }
  close_fd(spare_fd);
  close_fd(::accept(listen_fd, nullptr, nullptr));
  spare_fd = open_spare_fd();
  return true;
}

void set_non_blocking(int fd, bool on) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) {
    ::fcntl(fd, F_SETFL, on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK));
  }
}

void close_fd(int fd) {
  if (fd >= 0) {
    ::close(fd);
  }
}

bool is_routine_accept_error(int errno_value) {
  switch (errno_value) {
    case EAGAIN:
#if EWOULDBLOCK != EAGAIN
    case EWOULDBLOCK:
#endif
    case EINTR:
    case ECONNABORTED:
    case EPROTO:
    case ENETDOWN:
    case ENOPROTOOPT:
    case EHOSTDOWN:
    case ENONET:
    case EHOSTUNREACH:
    case EOPNOTSUPP:
    case ENETUNREACH:
      return true;
    default:
      return false;
  }
}

}  // namespace chat::net::posix

namespace chat::net {

unsigned raise_open_file_limit(unsigned wanted) {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) {
    return wanted;
  }
  if (lim.rlim_cur < wanted) {
    lim.rlim_cur = lim.rlim_max == RLIM_INFINITY ? wanted : std::min<rlim_t>(wanted, lim.rlim_max);
    ::setrlimit(RLIMIT_NOFILE, &lim);
    ::getrlimit(RLIMIT_NOFILE, &lim);
  }
  return static_cast<unsigned>(std::min<rlim_t>(lim.rlim_cur, 0xFFFFFFFFu));
}

}  // namespace chat::net
