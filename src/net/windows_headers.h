// Public header (Windows builds only). The one place that includes the Windows SDK's core and
// networking headers, in the order the SDK needs: <winsock2.h> before <windows.h> (or windows.h
// pulls in the old winsock.h and the two clash), <ws2tcpip.h> and <mswsock.h> after winsock2.h
// (the SDK's mswsock.h does not include it itself; mingw-w64's does, which hides a wrong order).
// Every file of src/ and tests/ that needs any of these includes this header instead; the ctest
// Style.WindowsHeadersThroughOneHeader (tests/style/check_windows_headers.cmake) fails otherwise.
// Other SDK headers (psapi.h, winternl.h) go after this one.
#pragma once

// chat_net passes both as compile definitions too (CMake and Directory.Build.props); defining
// them again here would redefine them with another value (C4005), so only when missing.
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN  // no rarely used extras (and no winsock.h) from windows.h
#endif
#ifndef NOMINMAX
#define NOMINMAX  // no min/max macros: std::min and std::max stay usable
#endif

// clang-format off
#include <winsock2.h>
#include <ws2tcpip.h>
#include <mswsock.h>
#include <windows.h>
// clang-format on
