// The service manager's side on Windows: the Service Control Manager. `--service install`
// registers the service "chat_server" to run this executable with `--service run` and the other
// flags given; the SCM then starts it, and its stop, shutdown and parameter-change controls reach
// the same graceful shutdown and reload as Ctrl+C and SIGHUP do elsewhere.
#include "net/windows_headers.h"

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>

#include "net/shutdown_signal.h"
#include "service_host.h"

namespace chat::server::service_host {
namespace {

constexpr wchar_t kServiceName[] = L"chat_server";
constexpr wchar_t kDisplayName[] = L"ChatServer chat server";
constexpr wchar_t kDescription[] =
    L"A protobuf chat server (ChatServer). Logs to chat_server.log in its working directory, "
    L"%ProgramData%\\ChatServer, unless --log-file (or log-file in the --config file) says "
    L"otherwise.";
// How long start and stop wait for the service to get there.
constexpr auto kControlWait = std::chrono::seconds(30);

std::mutex g_mutex;
SERVICE_STATUS_HANDLE g_status_handle = nullptr;  // set once ServiceMain runs; guarded by g_mutex
SERVICE_STATUS g_status{};                        // guarded by g_mutex
const std::function<int()>* g_serve = nullptr;    // what ServiceMain runs
int g_exit_code = 0;
// The stop's checkpoint ticker (report()): started once, ended and joined by service_main
// before it reports SERVICE_STOPPED, so it never outlives the statics it uses.
std::thread g_stop_ticker;             // guarded by g_mutex
std::condition_variable g_ticker_end;  // g_ticker_ended, or a state other than STOP_PENDING
bool g_ticker_ended = false;           // guarded by g_mutex
// Two minutes of checkpoints at most: a stop still pending then is hung (a --shutdown-grace
// near that long gives the SCM a stop that looks hung), and the SCM may say so.
constexpr int kMaxStopTicks = 120;
// What the SCM is told to wait between two checkpoints of a pending start or stop.
constexpr DWORD kPendingWaitHintMs = 10000;

// Reports `state` to the SCM (when running as a service). Thread-safe.
void report(DWORD state, int exit_code = 0) {
  std::lock_guard lock(g_mutex);
  if (g_status_handle == nullptr) {
    return;
  }
  const bool pending = state == SERVICE_START_PENDING || state == SERVICE_STOP_PENDING;
  g_status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  g_status.dwCurrentState = state;
  g_status.dwControlsAccepted =
      state == SERVICE_RUNNING
          ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN | SERVICE_ACCEPT_PARAMCHANGE
          : 0;
  g_status.dwWin32ExitCode = exit_code == 0 ? NO_ERROR : ERROR_SERVICE_SPECIFIC_ERROR;
  g_status.dwServiceSpecificExitCode = static_cast<DWORD>(exit_code);
  g_status.dwCheckPoint = pending ? g_status.dwCheckPoint + 1 : 0;
  g_status.dwWaitHint = pending ? kPendingWaitHintMs : 0;
  ::SetServiceStatus(g_status_handle, &g_status);
  if (state == SERVICE_STOP_PENDING && !g_stop_ticker.joinable() && !g_ticker_ended) {
    // The graceful shutdown takes --shutdown-grace and more: a checkpoint a second tells the
    // SCM (and `--service stop`, which waits on it) that the stop is progressing, not hung.
    g_stop_ticker = std::thread([] {
      std::unique_lock ticking(g_mutex);
      for (int tick = 0; tick < kMaxStopTicks; ++tick) {
        if (g_ticker_end.wait_for(ticking, std::chrono::seconds(1), [] {
              return g_ticker_ended || g_status.dwCurrentState != SERVICE_STOP_PENDING;
            })) {
          return;
        }
        ++g_status.dwCheckPoint;
        ::SetServiceStatus(g_status_handle, &g_status);
      }
    });
  }
}

// Ends the stop's checkpoint ticker, if one started, and waits for it.
void end_stop_ticker() {
  std::thread ticker;
  {
    std::lock_guard lock(g_mutex);
    g_ticker_ended = true;
    ticker = std::move(g_stop_ticker);
  }
  g_ticker_end.notify_all();
  if (ticker.joinable()) {
    ticker.join();
  }
}

// The SCM's controls, on its dispatcher thread: passed on as the requests main() waits for.
DWORD WINAPI on_control(DWORD control, DWORD, LPVOID, LPVOID) {
  switch (control) {
    case SERVICE_CONTROL_STOP:
      report(SERVICE_STOP_PENDING);
      net::raise_shutdown_signal("SERVICE_CONTROL_STOP");
      return NO_ERROR;
    case SERVICE_CONTROL_SHUTDOWN:
      report(SERVICE_STOP_PENDING);
      net::raise_shutdown_signal("SERVICE_CONTROL_SHUTDOWN");
      return NO_ERROR;
    case SERVICE_CONTROL_PARAMCHANGE:
      net::raise_shutdown_signal("SERVICE_CONTROL_PARAMCHANGE");
      return NO_ERROR;
    case SERVICE_CONTROL_INTERROGATE:
      return NO_ERROR;
    default:
      return ERROR_CALL_NOT_IMPLEMENTED;
  }
}

void WINAPI service_main(DWORD, LPWSTR*) {
  {
    std::lock_guard lock(g_mutex);
    g_status_handle = ::RegisterServiceCtrlHandlerExW(kServiceName, &on_control, nullptr);
    if (g_status_handle == nullptr) {
      return;
    }
  }
  report(SERVICE_START_PENDING);
  g_exit_code = (*g_serve)();
  end_stop_ticker();
  report(SERVICE_STOPPED, g_exit_code);
}

std::wstring widen(const std::string& text) {
  const int chars = ::MultiByteToWideChar(CP_ACP, 0, text.c_str(), -1, nullptr, 0);
  std::wstring wide(chars > 0 ? static_cast<std::size_t>(chars) : 1, L'\0');
  ::MultiByteToWideChar(CP_ACP, 0, text.c_str(), -1, wide.data(), chars);
  wide.resize(wide.size() - 1);  // the terminating NUL
  return wide;
}

// One argument as CommandLineToArgvW reads it back: quoted when it has a space, tab or quote,
// backslashes doubled before a quote.
std::wstring quote_argument(const std::wstring& arg) {
  if (!arg.empty() && arg.find_first_of(L" \t\"") == std::wstring::npos) {
    return arg;
  }
  std::wstring out = L"\"";
  std::size_t backslashes = 0;
  for (const wchar_t c : arg) {
    if (c == L'\\') {
      ++backslashes;
      continue;
    }
    out.append(c == L'"' ? 2 * backslashes + 1 : backslashes, L'\\');
    backslashes = 0;
    out.push_back(c);
  }
  out.append(2 * backslashes, L'\\');
  return out + L"\"";
}

// The command line the service runs with: this executable, --service run, the flags given to
// install but --service, and --no-console. A --config path (either spelling) is made absolute:
// the service runs in its own directory. Its default log file is decided when it parses these
// (server_flags.cpp, kServiceLogFile), so a log-file in the --config file is not hidden.
std::wstring service_command_line(const std::vector<std::string>& args) {
  std::wstring path(MAX_PATH, L'\0');
  const DWORD length = ::GetModuleFileNameW(nullptr, path.data(), MAX_PATH);
  path.resize(length);
  std::wstring line = quote_argument(path) + L" --service run --no-console";
  const std::string config_equals = "--config=";
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--service") {
      ++i;  // and its value
      continue;
    }
    if (arg.rfind("--service=", 0) == 0 || arg == "--no-console") {
      continue;
    }
    if (arg == "--config" && i + 1 < args.size()) {
      line += L" --config " + quote_argument(std::filesystem::absolute(args[++i]).wstring());
      continue;
    }
    if (arg.rfind(config_equals, 0) == 0) {
      const std::filesystem::path file = arg.substr(config_equals.size());
      line += L" --config " + quote_argument(std::filesystem::absolute(file).wstring());
      continue;
    }
    line += L" " + quote_argument(widen(arg));
  }
  return line;
}

// Waits (bounded) until the service reaches `wanted`; false on timeout or error. Each new
// checkpoint of a pending state gives it kControlWait more: a stop with a long --shutdown-grace
// is progressing, not hung.
bool wait_for_state(SC_HANDLE service, DWORD wanted) {
  auto deadline = std::chrono::steady_clock::now() + kControlWait;
  DWORD checkpoint = 0;
  SERVICE_STATUS status{};
  while (::QueryServiceStatus(service, &status) != 0) {
    if (status.dwCheckPoint != checkpoint) {
      checkpoint = status.dwCheckPoint;
      deadline = std::chrono::steady_clock::now() + kControlWait;  // the ticker's are bounded
    }
    if (status.dwCurrentState == wanted) {
      return true;
    }
    if (status.dwCurrentState == SERVICE_STOPPED && wanted == SERVICE_RUNNING) {
      return false;  // it stopped while starting: its log says why
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

int fail(const char* what) {
  std::fprintf(stderr, "--service: %s failed (Windows error %lu)%s\n", what, ::GetLastError(),
               ::GetLastError() == ERROR_ACCESS_DENIED ? ": run it as an administrator" : "");
  return 1;
}

// Closes an SCM handle when it goes out of scope.
struct Handle {
  SC_HANDLE h;
  ~Handle() {
    if (h != nullptr) {
      ::CloseServiceHandle(h);
    }
  }
};

int install(SC_HANDLE manager, const std::vector<std::string>& args) {
  const std::wstring line = service_command_line(args);
  const Handle service{::CreateServiceW(manager, kServiceName, kDisplayName, SERVICE_ALL_ACCESS,
                                        SERVICE_WIN32_OWN_PROCESS, SERVICE_AUTO_START,
                                        SERVICE_ERROR_NORMAL, line.c_str(), nullptr, nullptr,
                                        nullptr, nullptr, nullptr)};
  if (service.h == nullptr) {
    return fail("CreateService");
  }
  SERVICE_DESCRIPTIONW description{const_cast<LPWSTR>(kDescription)};
  ::ChangeServiceConfig2W(service.h, SERVICE_CONFIG_DESCRIPTION, &description);
  std::wprintf(L"installed the service chat_server: %ls\n", line.c_str());
  return 0;
}

int control_existing(SC_HANDLE manager, const std::string& command) {
  // Only the rights the command needs: starting and stopping need no DELETE.
  const DWORD rights = SERVICE_QUERY_STATUS | (command == "start"  ? SERVICE_START
                                               : command == "stop" ? SERVICE_STOP
                                                                   : SERVICE_STOP | DELETE);
  const Handle service{::OpenServiceW(manager, kServiceName, rights)};
  if (service.h == nullptr) {
    return fail("OpenService chat_server (is it installed?)");
  }
  SERVICE_STATUS status{};
  if (command == "start") {
    if (::StartServiceW(service.h, 0, nullptr) == 0) {
      return fail("StartService");
    }
    if (!wait_for_state(service.h, SERVICE_RUNNING)) {
      std::fputs("--service start: the service did not reach running (see its log)\n", stderr);
      return 1;
    }
    std::puts("the service chat_server is running");
    return 0;
  }
  if (command == "stop" || command == "uninstall") {
    if (::ControlService(service.h, SERVICE_CONTROL_STOP, &status) != 0) {
      if (!wait_for_state(service.h, SERVICE_STOPPED)) {
        std::fputs("--service: the service did not stop in time\n", stderr);
        return 1;
      }
    } else if (::GetLastError() != ERROR_SERVICE_NOT_ACTIVE) {
      return fail("ControlService(stop)");
    }
    if (command == "stop") {
      std::puts("the service chat_server is stopped");
      return 0;
    }
  }
  if (::DeleteService(service.h) == 0) {
    return fail("DeleteService");
  }
  std::puts("uninstalled the service chat_server");
  return 0;
}

}  // namespace

void notify(Notice notice, const std::string&) {
  if (notice == Notice::ready) {
    report(SERVICE_RUNNING);
  } else if (notice == Notice::stopping) {
    report(SERVICE_STOP_PENDING);
  }
}

std::chrono::microseconds watchdog_interval() {
  return std::chrono::microseconds(0);  // the SCM has no watchdog; recovery options restart it
}

int control(const std::string& command, const std::vector<std::string>& args) {
  const Handle manager{::OpenSCManagerW(
      nullptr, nullptr, command == "install" ? SC_MANAGER_CREATE_SERVICE : SC_MANAGER_CONNECT)};
  if (manager.h == nullptr) {
    return fail("OpenSCManager");
  }
  return command == "install" ? install(manager.h, args) : control_existing(manager.h, command);
}

int run(bool as_service, const std::function<int()>& serve) {
  if (!as_service) {
    return serve();
  }
  // The service's files (chat.db, chat_server.log, relative paths) in a directory of its own
  // rather than System32, where the SCM starts it.
  std::error_code ignored;
  std::wstring program_data(MAX_PATH, L'\0');
  const DWORD length = ::GetEnvironmentVariableW(L"ProgramData", program_data.data(), MAX_PATH);
  program_data.resize(length > 0 && length < MAX_PATH ? length : 0);
  const auto home =
      std::filesystem::path(program_data.empty() ? L"C:\\ProgramData" : program_data) /
      L"ChatServer";
  std::filesystem::create_directories(home, ignored);
  std::filesystem::current_path(home, ignored);
  g_serve = &serve;
  SERVICE_TABLE_ENTRYW table[] = {{const_cast<LPWSTR>(kServiceName), &service_main},
                                  {nullptr, nullptr}};
  if (::StartServiceCtrlDispatcherW(table) == 0) {
    std::fputs(
        "--service run is how the Service Control Manager starts the installed service; "
        "use --service start\n",
        stderr);
    return 2;
  }
  return g_exit_code;
}

}  // namespace chat::server::service_host
