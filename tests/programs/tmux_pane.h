// Internal header (tests). A tmux server of our own running one command in a pane of a fixed
// size, typed into with send-keys and read with capture-pane: how the terminal tests see the
// real client as a person would. Linux only (tests/CMakeLists.txt passes tmux's path as
// CHAT_TMUX, empty when the build found none).
#pragma once

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "support/child_process.h"
#include "support/test_client.h"

namespace chat::testing {

inline const std::string kTmux = CHAT_TMUX;  // empty when the build found no tmux

inline constexpr auto kPoll = std::chrono::milliseconds(50);

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
    lines.push_back(text.substr(start, nl - start));
  }
  return lines;
}

inline std::string trim_right(std::string s) {
  s.erase(s.find_last_not_of(' ') + 1);
  return s;
}

// The time "HH:MM " a message's line starts with on a terminal, taken off.
inline std::string without_time(const std::string& row) {
  const auto digit = [&](std::size_t i) { return row[i] >= '0' && row[i] <= '9'; };
  if (row.size() >= 6 && digit(0) && digit(1) && row[2] == ':' && digit(3) && digit(4) &&
      row[5] == ' ') {
    return row.substr(6);
  }
  return row;
}

// A tmux server of our own (its own socket), with one session running a command in a pane of
// `columns` x `rows`. Destroying it ends the tmux server and the pane's process.
class TmuxPane {
 public:
  TmuxPane(int columns, int rows, const std::vector<std::string>& command)
      : socket_("chat-terminal-test-" + std::to_string(::getpid()) + "-" +
                std::to_string(columns)) {
    // remain-on-exit keeps the screen of a client that ended early, for the failure message.
    std::vector<std::string> args{"start-server",
                                  ";",
                                  "set-option",
                                  "-g",
                                  "remain-on-exit",
                                  "on",
                                  ";",
                                  "new-session",
                                  "-d",
                                  "-x",
                                  std::to_string(columns),
                                  "-y",
                                  std::to_string(rows)};
    args.insert(args.end(), command.begin(), command.end());
    tmux(args);
  }
  ~TmuxPane() { tmux({"kill-server"}); }
  TmuxPane(const TmuxPane&) = delete;
  TmuxPane& operator=(const TmuxPane&) = delete;

  // The pane's rows as written (-N: trailing spaces that were written are kept); with `join`
  // (-J), the rows the terminal wrapped by itself joined back into one.
  std::vector<std::string> screen(bool join = false) {
    std::vector<std::string> args{"capture-pane", "-p", "-N", "-S", "-", "-E", "-"};
    if (join) {
      args.push_back("-J");
    }
    std::vector<std::string> rows = lines_of(tmux(args));
    while (!rows.empty() && trim_right(rows.back()).empty()) {
      rows.pop_back();
    }
    return rows;
  }

  // Types `text` into the pane, then Enter.
  void type_line(const std::string& text) {
    tmux({"send-keys", "-l", text});
    tmux({"send-keys", "Enter"});
  }
  // Types `text` into the pane, without Enter.
  void type(const std::string& text) { tmux({"send-keys", "-l", text}); }
  // Presses keys by tmux's names (Left, Home, BSpace, Up, Enter...).
  void keys(const std::vector<std::string>& names) {
    std::vector<std::string> args{"send-keys"};
    args.insert(args.end(), names.begin(), names.end());
    tmux(args);
  }
  // Makes the window `columns` wide (SIGWINCH to the pane's process).
  void resize(int columns) { tmux({"resize-window", "-x", std::to_string(columns)}); }
  // The pid of the process the pane started.
  int pane_pid() { return std::stoi(tmux({"display-message", "-p", "#{pane_pid}"})); }

  // Polls the screen until `pred` holds for its rows, for at most kWait.
  bool wait_for_screen(const std::function<bool(const std::vector<std::string>&)>& pred) {
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    for (;;) {
      if (pred(screen())) {
        return true;
      }
      if (std::chrono::steady_clock::now() > deadline) {
        return false;
      }
      std::this_thread::sleep_for(kPoll);
    }
  }

  // Polls the screen until a row satisfies `pred`, for at most kWait.
  bool wait_for_row(const std::function<bool(const std::string&)>& pred) {
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    for (;;) {
      const std::vector<std::string> rows = screen();
      if (std::any_of(rows.begin(), rows.end(), pred)) {
        return true;
      }
      if (std::chrono::steady_clock::now() > deadline) {
        return false;
      }
      std::this_thread::sleep_for(kPoll);
    }
  }

 private:
  std::string tmux(const std::vector<std::string>& args) {
    std::vector<std::string> argv{kTmux, "-u", "-L", socket_, "-f", "/dev/null"};
    argv.insert(argv.end(), args.begin(), args.end());
    ChildProcess process(argv);
    std::string out = process.read_all(kWait);
    process.wait(kWait);
    return out;
  }

  const std::string socket_;
};

inline std::string dump(const std::vector<std::string>& rows) {
  std::string out;
  for (const std::string& row : rows) {
    out += "|" + row + "|\n";
  }
  return out;
}

}  // namespace chat::testing
