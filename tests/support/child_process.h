// Runs a program of ours as a child process with piped stdin/stdout, for end-to-end tests.
// One implementation per platform (child_process_posix.cpp now; a Windows one with the IOCP
// build), picked by tests/CMakeLists.txt.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace chat::testing {

class ChildProcess {
 public:
  // Starts argv[0] with the given arguments; stderr goes to the test's own stderr.
  explicit ChildProcess(const std::vector<std::string>& argv);
  ~ChildProcess();  // kills the child if it is still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool started() const;
  // The operating system's id of the child (for reading its memory use).
  long pid() const;
  void write_stdin(const std::string& bytes);
  void close_stdin();
  // The next line of stdout without its newline; nullopt at end of output or timeout.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);
  // Everything on stdout until the child closes it (or timeout).
  std::string read_all(std::chrono::milliseconds timeout);
  // Asks the child to shut down the way a user's Ctrl+C would.
  void interrupt();
  // Ends the child at once, giving it no chance to clean up (kill -9; TerminateProcess).
  void kill_hard();
  // The exit code, or nullopt if it has not exited within `timeout`.
  std::optional<int> wait(std::chrono::milliseconds timeout);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace chat::testing
