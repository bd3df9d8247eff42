// Public header. Background threads: work that should run on the CPU time the rest of the
// process leaves over, such as hashing passwords, which must not slow down chat on a busy
// machine. One implementation per platform (posix/posix_thread.cpp, iocp/win_thread.cpp).
#pragma once

namespace chat::net {

// Lowers the calling thread's scheduling priority, for it alone: on Linux nice +10 (a thread
// at nice 10 gets about a tenth of the CPU a nice-0 thread competing for the same core does,
// and all of it when nothing competes); on Windows THREAD_PRIORITY_BELOW_NORMAL. Best effort:
// false if the system refused. Call at the top of the thread's function. Thread-safe.
bool lower_this_thread_priority();

}  // namespace chat::net
