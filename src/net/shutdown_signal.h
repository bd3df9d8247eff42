// Public header. Waiting for the user's request to stop (SIGINT/SIGTERM; Ctrl+C and friends on
// Windows), so that it reaches the same graceful shutdown everywhere; and, for chat_server, its
// request to reload (SIGHUP; a Windows service's parameter change).
#pragma once

#include <cstring>

namespace chat::net {

// Routes shutdown requests to wait_for_shutdown_signal() instead of killing the process, and
// ignores SIGPIPE and SIGTTIN. Call once from main() before starting any thread (threads
// inherit the mask).
void capture_shutdown_signals();

// Blocks until a request arrives; returns its name ("SIGINT", "SIGTERM", "SIGHUP", ...). Each
// request is returned once, in order; call again for the next. Call from one thread only.
const char* wait_for_shutdown_signal();

// Delivers a request as if it had come from the system (the Windows service's control handler:
// "SERVICE_CONTROL_STOP", "SERVICE_CONTROL_PARAMCHANGE"). Thread-safe. Windows only (POSIX has
// real signals for it).
void raise_shutdown_signal(const char* name);

// True for the requests chat_server reloads on instead of stopping: SIGHUP (which the console
// client, like most programs, takes as a hang-up: stop) and a Windows service's parameter
// change. Pure.
inline bool is_reload_request(const char* name) {
  return std::strcmp(name, "SIGHUP") == 0 || std::strcmp(name, "SERVICE_CONTROL_PARAMCHANGE") == 0;
}

// True for a request that only says an interactive user logged off (Windows' CTRL_LOGOFF_EVENT,
// which a service receives for any user's logoff): a service, which outlives the users'
// sessions, goes on. Never produced on POSIX. Pure.
inline bool is_user_logoff(const char* name) {
  return std::strcmp(name, "CTRL_LOGOFF") == 0;
}

// Says that the graceful shutdown a request started is over. On Windows, closing the console
// window, logging off or shutting down ends the process once the request's handler returns; the
// handler waits for this call (at most about 4.5 s: Windows allows 5) so the shutdown completes
// first. Nothing to wait for on Linux. Call from main() after the shutdown; thread-safe.
void shutdown_finished();

}  // namespace chat::net
