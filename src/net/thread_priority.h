// Public header. Background threads: work that should run on the CPU time the rest of the
// process leaves over, such as hashing passwords, which should not slow down chat on a busy
// machine. One implementation per platform (posix/posix_thread.cpp, iocp/win_thread.cpp).
#pragma once

namespace chat::net {

enum class ThreadPriority {
  normal,  // as started
  // Linux nice 10: when it competes for a core with normal threads, it gets about a tenth of
  // what one of them gets. Windows THREAD_PRIORITY_BELOW_NORMAL.
  low,
  // Linux SCHED_IDLE: it runs on CPU time nothing else wants and gives the core up at once to a
  // thread that wakes, so on a CPU busy all the time it gets almost nothing (about 0.3 % of a
  // competing thread's share). Windows THREAD_PRIORITY_IDLE.
  idle,
};

// Sets the calling thread's scheduling priority, for it alone (a thread may always lower its
// own). Best effort: false if the system refused (an idle that is refused falls back to low on
// Linux, and is true if that worked). Call at the top of the thread's function. Thread-safe.
bool set_this_thread_priority(ThreadPriority priority);

}  // namespace chat::net
