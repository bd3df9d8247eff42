#include <csignal>

#include "../shutdown_signal.h"

namespace chat::net {
namespace {
sigset_t shutdown_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}
}  // namespace

void capture_shutdown_signals() {
  std::signal(SIGPIPE, SIG_IGN);
  // A program started in the background (`chat_server &`) that reads its terminal would be
  // stopped by SIGTTIN; ignored, the read fails instead (chat_server's console then ends).
  std::signal(SIGTTIN, SIG_IGN);
  const sigset_t set = shutdown_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

const char* wait_for_shutdown_signal() {
  const sigset_t set = shutdown_set();
  int sig = 0;
  while (sigwait(&set, &sig) != 0) {
  }
  return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGHUP";
}

void raise_shutdown_signal(const char*) {
  // Not used on POSIX: the signals themselves reach wait_for_shutdown_signal().
}

void shutdown_finished() {
  // A signal handled with sigwait ends nothing by itself: the process ends when main() returns.
}

}  // namespace chat::net
