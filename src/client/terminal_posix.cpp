// POSIX terminal: termios for raw mode, read(2)/write(2) on the standard descriptors.
#include "terminal.h"

#include <array>
#include <cerrno>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

namespace chat::client::terminal {

bool stdin_is_terminal() {
  return ::isatty(STDIN_FILENO) == 1;
}

bool stdout_is_terminal() {
  return ::isatty(STDOUT_FILENO) == 1;
}

bool stderr_is_terminal() {
  return ::isatty(STDERR_FILENO) == 1;
}

std::size_t stdout_columns() {
  winsize size{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) != 0) {
    return 0;
  }
  return size.ws_col;
}

struct RawMode::Saved {
  termios settings;
};

RawMode::RawMode() {
  termios settings{};
  if (!stdin_is_terminal() || ::tcgetattr(STDIN_FILENO, &settings) != 0) {
    return;
  }
  saved_ = std::make_unique<Saved>(Saved{settings});
  // IEXTEN off so Ctrl+V and Ctrl+O reach the line editor instead of the tty driver; ISIG and
  // OPOST stay on (see the header).
  settings.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO | IEXTEN);
  settings.c_cc[VMIN] = 1;
  settings.c_cc[VTIME] = 0;
  // TCSANOW keeps what the user typed ahead; it becomes the first input line.
  if (::tcsetattr(STDIN_FILENO, TCSANOW, &settings) != 0) {
    saved_.reset();
  }
}

RawMode::~RawMode() {
  if (saved_) {
    ::tcsetattr(STDIN_FILENO, TCSADRAIN, &saved_->settings);
  }
}

namespace {
std::array<int, 2> make_pipe(int flags) {
  std::array<int, 2> p{-1, -1};
  if (::pipe2(p.data(), O_CLOEXEC | flags) != 0) {
    p = {-1, -1};
  }
  return p;
}

// A self-pipe: read_stdin() polls it beside stdin, and interrupt_stdin_reads() writes to it.
int interrupt_pipe(int end) {
  static const std::array<int, 2> fds = make_pipe(0);
  return fds[static_cast<std::size_t>(end)];
}

// Another, for SIGWINCH: its handler writes a byte (write(2) is async-signal-safe), read_stdin()
// drains them and reports one resize. Non-blocking: a handler never waits on a full pipe.
int resize_pipe(int end) {
  static const std::array<int, 2> fds = make_pipe(O_NONBLOCK);
  return fds[static_cast<std::size_t>(end)];
}

void on_resize(int) {
  const int saved = errno;
  const char byte = 1;
  [[maybe_unused]] const ssize_t n = ::write(resize_pipe(1), &byte, 1);
  errno = saved;
}

// Installed once, by the first read of a terminal: a client reading a pipe has no window.
void watch_resizes() {
  static const bool installed = [] {
    resize_pipe(0);  // the pipe exists before the handler can use it
    struct sigaction action {};
    action.sa_handler = on_resize;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    return ::sigaction(SIGWINCH, &action, nullptr) == 0;
  }();
  (void)installed;
}

bool drain(int fd) {
  char bytes[64];
  bool any = false;
  while (::read(fd, bytes, sizeof bytes) > 0) {
    any = true;
  }
  return any;
}
}  // namespace

long read_stdin(char* buf, std::size_t n) {
  if (stdin_is_terminal()) {
    watch_resizes();
  }
  std::array<pollfd, 3> fds{
      {{STDIN_FILENO, POLLIN, 0}, {interrupt_pipe(0), POLLIN, 0}, {resize_pipe(0), POLLIN, 0}}};
  for (;;) {
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      return -1;
    }
    if (fds[1].revents != 0) {
      return 0;  // interrupted: the pipe stays readable, so every later read ends too
    }
    if (fds[2].revents != 0 && drain(resize_pipe(0))) {
      return kReadResized;
    }
    if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) == 0) {
      continue;
    }
    const ssize_t got = ::read(STDIN_FILENO, buf, n);
    if (got >= 0 || errno != EINTR) {
      return static_cast<long>(got);
    }
  }
}

std::vector<console_input::Event> take_console_events() {
  return {};  // a terminal reports keys as bytes, and resizes with SIGWINCH
}

void interrupt_stdin_reads() {
  const char byte = 1;
  [[maybe_unused]] const ssize_t n = ::write(interrupt_pipe(1), &byte, 1);
}

void write_stdout(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t put = ::write(STDOUT_FILENO, bytes.data(), bytes.size());
    if (put < 0 && errno == EINTR) {
      continue;
    }
    if (put <= 0) {
      return;
    }
    bytes.remove_prefix(static_cast<std::size_t>(put));
  }
}

}  // namespace chat::client::terminal
