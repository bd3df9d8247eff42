#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "net/thread_name.h"
#include "net/thread_priority.h"

namespace chat::net {

namespace {
constexpr std::size_t kMaxNameBytes = 15;  // the kernel's comm field, without its terminator
constexpr int kFallbackNice = 10;
}  // namespace

void name_this_thread(const std::string& name) {
  ::pthread_setname_np(::pthread_self(), name.substr(0, kMaxNameBytes).c_str());
}

std::string this_thread_name() {
  char name[kMaxNameBytes + 1] = {};
  if (::pthread_getname_np(::pthread_self(), name, sizeof name) != 0) {
    return {};
  }
  return name;
}

bool lower_this_thread_priority() {
  // SCHED_IDLE: the thread runs only when nothing else wants the core, and a thread that wakes
  // up takes the core from it at once, so chat's tail latency does not wait behind a hash.
  // Any thread may lower itself to it. Should it be refused, nice 10 for this thread alone (on
  // Linux a thread is a task with its own nice value, set through its thread id; this file is
  // built for Linux only).
  sched_param param{};
  if (::pthread_setschedparam(::pthread_self(), SCHED_IDLE, &param) == 0) {
    return true;
  }
  const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  return ::setpriority(PRIO_PROCESS, tid, kFallbackNice) == 0;
}

}  // namespace chat::net
