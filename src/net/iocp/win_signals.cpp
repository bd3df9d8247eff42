// Ctrl+C, Ctrl+Break, closing the console window, logoff and system shutdown reach the same
// graceful shutdown as SIGINT and SIGTERM on Linux.
#include "net/windows_headers.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>

#include "../shutdown_signal.h"

namespace chat::net {
namespace {

// How long a close, logoff or shutdown handler may keep the process alive: Windows ends it after
// SPI_GETHUNGAPPTIMEOUT (close) or SPI_GETWAITTOKILLTIMEOUT (logoff, shutdown), 5 s by default
// (microsoft/terminal, doc/ConsoleCtrlEvent.md). Not asked for: SystemParametersInfo is in
// user32.dll, and a console program that loads it no longer gets CTRL_LOGOFF_EVENT or
// CTRL_SHUTDOWN_EVENT at all. Half a second is left for the process's own exit.
constexpr DWORD kEndingAllowanceMs = 4500;

std::mutex g_mutex;
std::condition_variable g_changed;
std::deque<const char*> g_pending;  // requests not yet returned; guarded by g_mutex
bool g_finished = false;            // shutdown_finished() was called; guarded by g_mutex

void push(const char* name) {
  {
    std::lock_guard lock(g_mutex);
    g_pending.push_back(name);
  }
  g_changed.notify_all();
}

const char* signal_name(DWORD event) {
  switch (event) {
    case CTRL_C_EVENT:
      return "CTRL_C";
    case CTRL_BREAK_EVENT:
      return "CTRL_BREAK";
    case CTRL_CLOSE_EVENT:
      return "CTRL_CLOSE";
    case CTRL_LOGOFF_EVENT:
      return "CTRL_LOGOFF";
    default:
      return "CTRL_SHUTDOWN";
  }
}

// Runs on a thread the system creates for it.
BOOL WINAPI on_console_event(DWORD event) {
  push(signal_name(event));
  std::unique_lock lock(g_mutex);
  if (event == CTRL_CLOSE_EVENT || event == CTRL_LOGOFF_EVENT || event == CTRL_SHUTDOWN_EVENT) {
    // The process ends as soon as this returns: wait for the graceful shutdown that the request
    // started (main() calls shutdown_finished()), for as long as Windows allows.
    g_changed.wait_for(lock, std::chrono::milliseconds(kEndingAllowanceMs),
                       [] { return g_finished; });
  }
  return TRUE;
}

}  // namespace

void capture_shutdown_signals() {
  ::SetConsoleCtrlHandler(&on_console_event, TRUE);
}

const char* wait_for_shutdown_signal() {
  std::unique_lock lock(g_mutex);
  g_changed.wait(lock, [] { return !g_pending.empty(); });
  const char* name = g_pending.front();
  g_pending.pop_front();
  return name;
}

void raise_shutdown_signal(const char* name) {
  push(name);
}

void shutdown_finished() {
  {
    std::lock_guard lock(g_mutex);
    g_finished = true;
  }
  g_changed.notify_all();
}

}  // namespace chat::net
