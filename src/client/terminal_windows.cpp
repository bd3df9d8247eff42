// Windows console: console modes instead of termios; UTF-16 input records decoded to UTF-8;
// UTF-8 output code page; pipes polled so that an interrupt can end a read.
#include "net/windows_headers.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <deque>
#include <iterator>
#include <string>
#include <variant>
#include <vector>

#include "console_input_decoder.h"
#include "terminal.h"

namespace chat::client::terminal {
namespace {

std::atomic<bool> g_interrupted{false};

HANDLE input() {
  return ::GetStdHandle(STD_INPUT_HANDLE);
}
HANDLE output() {
  return ::GetStdHandle(STD_OUTPUT_HANDLE);
}
bool is_console(HANDLE h) {
  DWORD mode = 0;
  return ::GetConsoleMode(h, &mode) != 0;
}

// What the console typed, read as UTF-16 input records (ReadConsoleInputW) and decoded to
// UTF-8: ReadFile would return bytes in the console's input code page, which loses whatever that
// page cannot hold. Only the reading thread (read_stdin, take_console_events) touches it.
struct ConsoleReader {
  console_input::Decoder decoder;
  std::string pending;  // decoded, not yet returned by read_stdin
  std::deque<console_input::Event> events;
};
constexpr std::size_t kMaxKeptEvents = 256;  // nobody taking them must not grow memory

ConsoleReader& console_reader() {
  static ConsoleReader reader;
  return reader;
}

console_input::InputRecord to_input_record(const INPUT_RECORD& record) {
  if (record.EventType == KEY_EVENT) {
    const KEY_EVENT_RECORD& key = record.Event.KeyEvent;
    return console_input::KeyRecord{key.bKeyDown != FALSE, key.wRepeatCount, key.wVirtualKeyCode,
                                    static_cast<char16_t>(key.uChar.UnicodeChar),
                                    key.dwControlKeyState};
  }
  if (record.EventType == WINDOW_BUFFER_SIZE_EVENT) {
    const COORD size = record.Event.WindowBufferSizeEvent.dwSize;
    return console_input::ResizeRecord{size.X, size.Y};
  }
  return console_input::OtherRecord{};
}

long read_console(HANDLE h, char* buf, std::size_t n) {
  ConsoleReader& reader = console_reader();
  while (reader.pending.empty()) {
    if (g_interrupted.load()) {
      return 0;
    }
    // Console handles are waitable: wake every 100 ms to notice an interrupt. Once signalled,
    // ReadConsoleInputW has a record and does not block.
    if (::WaitForSingleObject(h, 100) != WAIT_OBJECT_0) {
      continue;
    }
    INPUT_RECORD records[64];
    DWORD count = 0;
    if (!::ReadConsoleInputW(h, records, static_cast<DWORD>(std::size(records)), &count)) {
      return -1;
    }
    std::vector<console_input::Event> events;
    for (DWORD i = 0; i < count; ++i) {
      reader.decoder.feed(to_input_record(records[i]), reader.pending, events);
    }
    bool resized = false;
    for (console_input::Event& event : events) {
      resized = resized || std::holds_alternative<console_input::ResizeEvent>(event);
      // (Kept for take_console_events() too.)
      if (reader.events.size() == kMaxKeptEvents) {
        reader.events.pop_front();
      }
      reader.events.push_back(std::move(event));
    }
    if (resized) {
      return kReadResized;  // the text typed with it, if any, comes with the next read
    }
  }
  const std::size_t take = std::min(n, reader.pending.size());
  std::memcpy(buf, reader.pending.data(), take);
  reader.pending.erase(0, take);
  return static_cast<long>(take);
}

long read_pipe_or_file(HANDLE h, char* buf, std::size_t n) {
  while (!g_interrupted.load()) {
    DWORD available = 0;
    if (::PeekNamedPipe(h, nullptr, 0, nullptr, &available, nullptr)) {
      if (available == 0) {
        ::Sleep(20);  // an anonymous pipe cannot be waited on: poll it
        continue;
      }
    } else if (::GetLastError() == ERROR_BROKEN_PIPE) {
      return 0;  // the writer closed it: end of input
    }
    DWORD got = 0;  // a file (or a pipe with data): this read does not block
    if (::ReadFile(h, buf, static_cast<DWORD>(n), &got, nullptr)) {
      return static_cast<long>(got);
    }
    return ::GetLastError() == ERROR_BROKEN_PIPE ? 0 : -1;
  }
  return 0;
}

}  // namespace

bool stdin_is_terminal() {
  return is_console(input());
}
bool stdout_is_terminal() {
  return is_console(output());
}

bool stderr_is_terminal() {
  return is_console(::GetStdHandle(STD_ERROR_HANDLE));
}

std::size_t stdout_columns() {
  CONSOLE_SCREEN_BUFFER_INFO info{};
  if (!::GetConsoleScreenBufferInfo(output(), &info)) {
    return 0;
  }
  const int width = info.srWindow.Right - info.srWindow.Left + 1;
  // Without virtual-terminal processing (stdin not a console, so no RawMode) the console wraps
  // as soon as a row's last column is written, which would add an empty row after a full one.
  return width > 1 ? static_cast<std::size_t>(width - 1) : 0;
}

struct RawMode::Saved {
  DWORD in_mode;
  DWORD out_mode;
  UINT in_cp;
  UINT out_cp;
};

RawMode::RawMode() {
  DWORD in_mode = 0;
  DWORD out_mode = 0;
  if (!::GetConsoleMode(input(), &in_mode) || !::GetConsoleMode(output(), &out_mode)) {
    return;
  }
  saved_ =
      std::make_unique<Saved>(Saved{in_mode, out_mode, ::GetConsoleCP(), ::GetConsoleOutputCP()});
  // No line editing and no echo: the console draws the input line itself. Processed input keeps
  // Ctrl+C a signal; virtual-terminal input turns arrow keys into the escapes the editor skips;
  // window input reports resizes (take_console_events).
  ::SetConsoleMode(input(), (in_mode & ~(ENABLE_LINE_INPUT | ENABLE_ECHO_INPUT)) |
                                ENABLE_PROCESSED_INPUT | ENABLE_VIRTUAL_TERMINAL_INPUT |
                                ENABLE_WINDOW_INPUT);
  // "\r\x1b[K" is how the prompt line is redrawn.
  ::SetConsoleMode(output(),
                   out_mode | ENABLE_PROCESSED_OUTPUT | ENABLE_VIRTUAL_TERMINAL_PROCESSING);
  ::SetConsoleCP(CP_UTF8);
  ::SetConsoleOutputCP(CP_UTF8);
}

RawMode::~RawMode() {
  if (saved_) {
    ::SetConsoleMode(input(), saved_->in_mode);
    ::SetConsoleMode(output(), saved_->out_mode);
    ::SetConsoleCP(saved_->in_cp);
    ::SetConsoleOutputCP(saved_->out_cp);
  }
}

long read_stdin(char* buf, std::size_t n) {
  const HANDLE h = input();
  return is_console(h) ? read_console(h, buf, n) : read_pipe_or_file(h, buf, n);
}

std::vector<console_input::Event> take_console_events() {
  ConsoleReader& reader = console_reader();
  std::vector<console_input::Event> events(reader.events.begin(), reader.events.end());
  reader.events.clear();
  return events;
}

void interrupt_stdin_reads() {
  g_interrupted.store(true);
}

void write_stdout(std::string_view bytes) {
  const HANDLE h = output();
  while (!bytes.empty()) {
    DWORD put = 0;
    if (!::WriteFile(h, bytes.data(), static_cast<DWORD>(bytes.size()), &put, nullptr) ||
        put == 0) {
      return;  // a closed stdout must not stop the client
    }
    bytes.remove_prefix(put);
  }
}

}  // namespace chat::client::terminal
