// Ctrl+C, Ctrl+Break and closing the console window reach the same graceful shutdown as SIGINT
// and SIGTERM on Linux.
#include "net/windows_headers.h"

#include <condition_variable>
#include <mutex>

#include "../shutdown_signal.h"

namespace chat::net {
namespace {

std::mutex g_mutex;
std::condition_variable g_arrived;
const char* g_signal = nullptr;

// Runs on a thread the system creates for it.
BOOL WINAPI on_console_event(DWORD event) {
  {
    std::lock_guard lock(g_mutex);
    if (g_signal == nullptr) {
      g_signal = event == CTRL_C_EVENT       ? "CTRL_C"
                 : event == CTRL_BREAK_EVENT ? "CTRL_BREAK"
                 : event == CTRL_CLOSE_EVENT ? "CTRL_CLOSE"
                                             : "CTRL_SHUTDOWN";
    }
  }
  g_arrived.notify_all();
  if (event == CTRL_CLOSE_EVENT || event == CTRL_LOGOFF_EVENT || event == CTRL_SHUTDOWN_EVENT) {
    // The process ends when this returns: give the graceful shutdown its few seconds first.
    ::Sleep(5000);
  }
  return TRUE;
}

}  // namespace

void capture_shutdown_signals() {
  ::SetConsoleCtrlHandler(&on_console_event, TRUE);
}

const char* wait_for_shutdown_signal() {
  std::unique_lock lock(g_mutex);
  g_arrived.wait(lock, [] { return g_signal != nullptr; });
  return g_signal;
}

}  // namespace chat::net
