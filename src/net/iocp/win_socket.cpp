#include "win_socket.h"

#include <stdexcept>

#include "../io_service.h"

namespace chat::net::win {
namespace {
// ERROR_HANDLES_CLOSED: Wine completes a receive cut short by closesocket with it (not 995).
// mingw's headers lack the name.
constexpr DWORD kErrorHandlesClosed = 676;
}  // namespace

std::error_code to_error(DWORD code) {
  switch (code) {
    case ERROR_SUCCESS:
      return {};
    case WSAECONNRESET:
    case WSAECONNABORTED:
    case ERROR_NETNAME_DELETED:
    case ERROR_CONNECTION_ABORTED:
      return std::make_error_code(std::errc::connection_reset);  // as on Unix (libuv does so)
    case WSAECONNREFUSED:
    case ERROR_CONNECTION_REFUSED:
      return std::make_error_code(std::errc::connection_refused);
    case ERROR_OPERATION_ABORTED:  // also WSA_OPERATION_ABORTED
    case kErrorHandlesClosed:
    case WSAEINTR:
      return std::make_error_code(std::errc::operation_canceled);
    case WSAEADDRINUSE:
      return std::make_error_code(std::errc::address_in_use);
    case WSAEADDRNOTAVAIL:
      return std::make_error_code(std::errc::address_not_available);
    case WSAEWOULDBLOCK:
      return std::make_error_code(std::errc::operation_would_block);
    case WSAETIMEDOUT:
    case ERROR_SEM_TIMEOUT:
      return std::make_error_code(std::errc::timed_out);
    case WSAENETUNREACH:
    case ERROR_NETWORK_UNREACHABLE:
      return std::make_error_code(std::errc::network_unreachable);
    case WSAEHOSTUNREACH:
    case ERROR_HOST_UNREACHABLE:
      return std::make_error_code(std::errc::host_unreachable);
    case WSAEMFILE:
      return std::make_error_code(std::errc::too_many_files_open);
    case WSAENOBUFS:
      return std::make_error_code(std::errc::no_buffer_space);
    case WSAEINVAL:
    case WSAEFAULT:
      return std::make_error_code(std::errc::invalid_argument);
    case WSAENOTCONN:
    case WSAESHUTDOWN:
      return std::make_error_code(std::errc::not_connected);
    default:
      return {static_cast<int>(code), std::system_category()};
  }
}

std::error_code last_wsa_error() {
  return to_error(static_cast<DWORD>(::WSAGetLastError()));
}

namespace {
template <typename Fn>
void load_extension(SOCKET s, GUID guid, Fn& out) {
  DWORD bytes = 0;
  if (::WSAIoctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER, &guid, sizeof guid, &out, sizeof out,
                 &bytes, nullptr, nullptr) != 0) {
    throw std::system_error(last_wsa_error(), "WSAIoctl(SIO_GET_EXTENSION_FUNCTION_POINTER)");
  }
}
}  // namespace

Winsock::Winsock() {
  WSADATA data{};
  if (::WSAStartup(MAKEWORD(2, 2), &data) != 0) {
    throw std::runtime_error("WSAStartup failed");
  }
  const SOCKET s = ::WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, nullptr, 0, WSA_FLAG_OVERLAPPED);
  if (s == INVALID_SOCKET) {
    throw std::system_error(last_wsa_error(), "WSASocket");
  }
  load_extension(s, WSAID_ACCEPTEX, accept_ex);
  load_extension(s, WSAID_GETACCEPTEXSOCKADDRS, get_accept_ex_sockaddrs);
  load_extension(s, WSAID_CONNECTEX, connect_ex);
  ::closesocket(s);
}

Winsock::~Winsock() {
  ::WSACleanup();
}

bool to_sockaddr(const Endpoint& ep, sockaddr_storage& out, int& len) {
  out = {};
  const std::string host = ep.host == "localhost" ? "127.0.0.1" : ep.host;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out);
  if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(ep.port);
    len = sizeof(sockaddr_in);
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out);
  if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(ep.port);
    len = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

Endpoint from_sockaddr(const sockaddr* addr) {
  char text[INET6_ADDRSTRLEN] = {};
  if (addr->sa_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(addr);
    ::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
    return Endpoint{text, ntohs(v6->sin6_port)};
  }
  const auto* v4 = reinterpret_cast<const sockaddr_in*>(addr);
  ::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
  return Endpoint{text, ntohs(v4->sin_port)};
}

SOCKET open_overlapped_socket(const Endpoint& ep, std::error_code& ec) {
  const int family = ep.is_ipv6() ? AF_INET6 : AF_INET;
  const SOCKET s = ::WSASocketW(family, SOCK_STREAM, IPPROTO_TCP, nullptr, 0,
                                WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
  if (s == INVALID_SOCKET) {
    ec = last_wsa_error();
  }
  return s;
}

void configure_connected(SOCKET s) {
  const BOOL one = TRUE;
  ::setsockopt(s, IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<const char*>(&one), sizeof one);
  u_long non_blocking = 1;
  ::ioctlsocket(s, FIONBIO, &non_blocking);
}

}  // namespace chat::net::win

namespace chat::net {

unsigned raise_open_file_limit(unsigned wanted) {
  return wanted;
}  // Windows has no such limit

}  // namespace chat::net
