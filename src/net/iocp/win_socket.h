// Internal header (IOCP backend): Winsock set-up, extension functions, address conversion and
// the one place Win32/WSA errors become portable std::error_codes.
#pragma once

#include "net/windows_headers.h"

#include <system_error>

#include "../endpoint.h"

namespace chat::net::win {

// Maps a Win32 or WSA error code to the portable (generic category) set the layers above test
// against (connection_reset, connection_refused, operation_canceled, address_in_use...). Errors
// with no portable meaning keep their number in the system category. Thread-safe.
std::error_code to_error(DWORD code);
std::error_code last_wsa_error();

// WSAStartup for the lifetime of the object, and the extension functions Winsock only hands out
// through WSAIoctl (Microsoft's advice for AcceptEx and GetAcceptExSockaddrs too).
class Winsock {
 public:
  Winsock();
  ~Winsock();
  Winsock(const Winsock&) = delete;
  Winsock& operator=(const Winsock&) = delete;

  LPFN_ACCEPTEX accept_ex = nullptr;
  LPFN_GETACCEPTEXSOCKADDRS get_accept_ex_sockaddrs = nullptr;
  LPFN_CONNECTEX connect_ex = nullptr;
};

bool to_sockaddr(const Endpoint& ep, sockaddr_storage& out, int& len);
Endpoint from_sockaddr(const sockaddr* addr);

// An overlapped TCP socket of the endpoint's family, or INVALID_SOCKET with `ec` set.
SOCKET open_overlapped_socket(const Endpoint& ep, std::error_code& ec);
// After a connection is established: no Nagle, and non-blocking for the zero-byte read scheme
// (the real recv after a zero-byte completion must not block). Overlapped I/O is unaffected.
void configure_connected(SOCKET s);

}  // namespace chat::net::win
