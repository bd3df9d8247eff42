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

}  // namespace chat::net
