// Public header. Background threads: work that should run on the CPU time the rest of the
// process leaves over, such as hashing passwords, which must not slow down chat on a busy
// machine. One implementation per platform (posix/posix_thread.cpp, iocp/win_thread.cpp).
#pragma once

namespace chat::net {

// Lowers the calling thread's scheduling priority, for it alone. On Linux SCHED_IDLE: it runs
// only on CPU time no other thread wants, and yields the core at once to any that wakes up (so
// on a CPU busy all the time it gets almost nothing: about 0.3 % of a competing thread's share);
// nice 10 where SCHED_IDLE is refused. On Windows THREAD_PRIORITY_BELOW_NORMAL. Best effort:
// false if the system refused both. Call at the top of the thread's function. Thread-safe.
bool lower_this_thread_priority();

}  // namespace chat::net
