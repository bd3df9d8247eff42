#include <pthread.h>

#include "net/thread_name.h"

namespace chat::net {

namespace {
constexpr std::size_t kMaxNameBytes = 15;  // the kernel's comm field, without its terminator
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

}  // namespace chat::net
