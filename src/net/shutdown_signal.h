// Public header. Waiting for the user's request to stop (SIGINT/SIGTERM; Ctrl+C and friends on
// Windows), so that it reaches the same graceful shutdown everywhere.
#pragma once

namespace chat::net {

// Routes shutdown requests to wait_for_shutdown_signal() instead of killing the process, and
// ignores SIGPIPE and SIGTTIN. Call once from main() before starting any thread (threads
// inherit the mask).
void capture_shutdown_signals();

// Blocks until a shutdown request arrives; returns its name ("SIGINT", "SIGTERM", ...).
// Call from one thread only.
const char* wait_for_shutdown_signal();

// Says that the graceful shutdown a request started is over. On Windows, closing the console
// window, logging off or shutting down ends the process once the request's handler returns; the
// handler waits for this call (at most about 4.5 s: Windows allows 5) so the shutdown completes
// first. Nothing to wait for on Linux. Call from main() after the shutdown; thread-safe.
void shutdown_finished();

}  // namespace chat::net
