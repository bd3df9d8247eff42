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
constexpr int kLowNice = 10;
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

bool set_this_thread_priority(ThreadPriority priority) {
  if (priority == ThreadPriority::normal) {
    return true;
  }
  if (priority == ThreadPriority::idle) {
    sched_param param{};
    if (::pthread_setschedparam(::pthread_self(), SCHED_IDLE, &param) == 0) {
      return true;
    }
  }
  // On Linux a thread is a task with its own nice value, set through its thread id (POSIX
  // would apply PRIO_PROCESS to the whole process; this file is built for Linux only).
  const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  return ::setpriority(PRIO_PROCESS, tid, kLowNice) == 0;
}

}  // namespace chat::net
