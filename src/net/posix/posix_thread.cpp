#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "net/thread_name.h"
#include "net/thread_priority.h"

namespace chat::net {

namespace {
constexpr std::size_t kMaxNameBytes = 15;  // the kernel's comm field, without its terminator
constexpr int kBackgroundNice = 10;
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
  // On Linux a thread is a task with its own nice value, set through its thread id (POSIX
  // would apply PRIO_PROCESS to the whole process; this file is built for Linux only).
  const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  return ::setpriority(PRIO_PROCESS, tid, kBackgroundNice) == 0;
}

}  // namespace chat::net
