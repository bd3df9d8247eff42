#include "net/windows_headers.h"

#include <string>
#include <thread>
#include <utility>

#include "child_process.h"

namespace chat::testing {
namespace {

// CMake hands us the path it built, which under Wine is a Unix path: Z: is the root there.
std::wstring windows_path(const std::string& path) {
  std::string p = path;
  if (!p.empty() && p.front() == '/') {
    p = "Z:" + p;
  }
  for (char& ch : p) {
    if (ch == '/') {
      ch = '\\';
    }
  }
  return std::wstring(p.begin(), p.end());
}

// Whether this process is attached to a console.
bool has_console() {
  DWORD process = 0;
  return ::GetConsoleProcessList(&process, 1) != 0;
}

std::wstring command_line(const std::vector<std::string>& argv) {
  std::wstring line;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::wstring arg =
        i == 0 ? windows_path(argv[0]) : std::wstring(argv[i].begin(), argv[i].end());
    line += (i == 0 ? L"\"" : L" \"") + arg + L"\"";
  }
  return line;
}

}  // namespace

struct ChildProcess::Impl {
  PROCESS_INFORMATION process{};
  HANDLE in = nullptr;   // our end of the child's stdin
  HANDLE out = nullptr;  // our end of the child's stdout
  std::string buffered;
  std::optional<int> exit_code;
  bool out_closed = false;
  bool shares_console = false;  // the test's console, in a process group of its own

  // Reads more of stdout into `buffered`; false at end of output or timeout.
  bool fill(std::chrono::steady_clock::time_point deadline) {
    while (!out_closed) {
      DWORD available = 0;
      if (!::PeekNamedPipe(out, nullptr, 0, nullptr, &available, nullptr)) {
        out_closed = true;  // the child closed its stdout
        return false;
      }
      if (available > 0) {
        char chunk[4096];
        DWORD got = 0;
        if (!::ReadFile(out, chunk, sizeof chunk, &got, nullptr) || got == 0) {
          out_closed = true;
          return false;
        }
        buffered.append(chunk, got);
        return true;
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        return false;
      }
      ::Sleep(5);  // anonymous pipes cannot be waited on
    }
    return false;
  }
};

ChildProcess::ChildProcess(const std::vector<std::string>& argv) : impl_(new Impl) {
  SECURITY_ATTRIBUTES inherit{sizeof(SECURITY_ATTRIBUTES), nullptr, TRUE};
  HANDLE child_in = nullptr;
  HANDLE child_out = nullptr;
  if (!::CreatePipe(&child_in, &impl_->in, &inherit, 0) ||
      !::CreatePipe(&impl_->out, &child_out, &inherit, 0)) {
    return;
  }
  ::SetHandleInformation(impl_->in, HANDLE_FLAG_INHERIT, 0);
  ::SetHandleInformation(impl_->out, HANDLE_FLAG_INHERIT, 0);
  STARTUPINFOW startup{};
  startup.cb = sizeof startup;
  startup.dwFlags = STARTF_USESTDHANDLES;
  startup.hStdInput = child_in;
  startup.hStdOutput = child_out;
  startup.hStdError = ::GetStdHandle(STD_ERROR_HANDLE);
  std::wstring line = command_line(argv);
  // No console window may pop up for a child, and the test's own console stays the test's. With a
  // console, the child shares it (no window) in a process group of its own, which interrupt()
  // reaches with Ctrl+Break alone. Without one (an IDE's test runner, Wine with piped output),
  // the child gets a console of its own, created hidden, which interrupt() joins for a moment.
  // (CREATE_NO_WINDOW would be the direct way, but Wine's consoles made so cannot be attached.)
  impl_->shares_console = has_console();
  DWORD flags = CREATE_NEW_PROCESS_GROUP;
  if (!impl_->shares_console) {
    flags = CREATE_NEW_CONSOLE;
    startup.dwFlags |= STARTF_USESHOWWINDOW;
    startup.wShowWindow = SW_HIDE;
  }
  if (!::CreateProcessW(nullptr, line.data(), nullptr, nullptr, TRUE, flags, nullptr, nullptr,
                        &startup, &impl_->process)) {
    impl_->process = {};
  }
  ::CloseHandle(child_in);
  ::CloseHandle(child_out);
}

ChildProcess::~ChildProcess() {
  close_stdin();
  if (impl_->process.hProcess != nullptr) {
    if (!impl_->exit_code) {
      ::TerminateProcess(impl_->process.hProcess, 137);
      wait(std::chrono::seconds(10));
    }
    ::CloseHandle(impl_->process.hProcess);
    ::CloseHandle(impl_->process.hThread);
  }
  if (impl_->out != nullptr) {
    ::CloseHandle(impl_->out);
  }
}

bool ChildProcess::started() const {
  return impl_->process.hProcess != nullptr;
}

long ChildProcess::pid() const {
  return static_cast<long>(impl_->process.dwProcessId);
}

void ChildProcess::write_stdin(const std::string& bytes) {
  std::size_t done = 0;
  while (impl_->in != nullptr && done < bytes.size()) {
    DWORD put = 0;
    if (!::WriteFile(impl_->in, bytes.data() + done, static_cast<DWORD>(bytes.size() - done), &put,
                     nullptr)) {
      return;
    }
    done += put;
  }
}

void ChildProcess::close_stdin() {
  if (impl_->in != nullptr) {
    ::CloseHandle(impl_->in);
    impl_->in = nullptr;
  }
}

std::optional<std::string> ChildProcess::read_line(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto nl = impl_->buffered.find('\n');
    if (nl != std::string::npos) {
      std::string line = impl_->buffered.substr(0, nl);
      impl_->buffered.erase(0, nl + 1);
      if (!line.empty() && line.back() == '\r') {
        line.pop_back();
      }
      return line;
    }
    if (!impl_->fill(deadline)) {
      return std::nullopt;
    }
  }
}

std::string ChildProcess::read_all(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (impl_->fill(deadline)) {
  }
  return std::exchange(impl_->buffered, {});
}

void ChildProcess::interrupt() {
  // What Ctrl+C (or Ctrl+Break: our programs treat both alike) in its console would do.
  if (impl_->shares_console) {
    // Its own process group: only the child gets the event, the test keeps running.
    ::GenerateConsoleCtrlEvent(CTRL_BREAK_EVENT, impl_->process.dwProcessId);
    return;
  }
  // Its own hidden console, and the test has none to lose: join the child's for a moment,
  // raise the event there (ignoring it ourselves), and leave again. FreeConsole first: under
  // Wine, with piped output, AttachConsole fails without it although GetConsoleProcessList finds
  // no console.
  ::FreeConsole();
  if (::AttachConsole(impl_->process.dwProcessId)) {
    ::SetConsoleCtrlHandler(nullptr, TRUE);
    ::GenerateConsoleCtrlEvent(CTRL_C_EVENT, 0);
    ::FreeConsole();
    ::SetConsoleCtrlHandler(nullptr, FALSE);
  }
}

void ChildProcess::kill_hard() {
  if (!impl_->exit_code && impl_->process.hProcess != nullptr) {
    ::TerminateProcess(impl_->process.hProcess, 137);
  }
}

std::optional<int> ChildProcess::wait(std::chrono::milliseconds timeout) {
  if (!impl_->exit_code && impl_->process.hProcess != nullptr &&
      ::WaitForSingleObject(impl_->process.hProcess, static_cast<DWORD>(timeout.count())) ==
          WAIT_OBJECT_0) {
    DWORD code = 0;
    ::GetExitCodeProcess(impl_->process.hProcess, &code);
    impl_->exit_code = static_cast<int>(code & 0xFF);  // as the Linux side sees it under Wine
  }
  return impl_->exit_code;
}

}  // namespace chat::testing
