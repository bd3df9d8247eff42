#include "child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <thread>
#include <utility>

extern char** environ;

namespace chat::testing {

struct ChildProcess::Impl {
  pid_t pid = -1;
  int in = -1;   // our end of the child's stdin
  int out = -1;  // our end of the child's stdout
  std::string buffered;
  std::optional<int> exit_code;

  // Reads more of stdout into `buffered`; false at end of output or timeout.
  bool fill(std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || out < 0) {
      return false;
    }
    pollfd p{out, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      return false;
    }
    char chunk[4096];
    const ssize_t n = ::read(out, chunk, sizeof chunk);
    if (n <= 0) {
      ::close(out);
      out = -1;
      return false;
    }
    buffered.append(chunk, static_cast<std::size_t>(n));
    return true;
  }
};

ChildProcess::ChildProcess(const std::vector<std::string>& argv) : impl_(new Impl) {
  int in_pipe[2], out_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) != 0 || ::pipe2(out_pipe, O_CLOEXEC) != 0) {
    return;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_pipe[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  std::vector<char*> args;
  for (const std::string& a : argv) {
    args.push_back(const_cast<char*>(a.c_str()));
  }
  args.push_back(nullptr);
  if (posix_spawn(&impl_->pid, args[0], &actions, nullptr, args.data(), environ) != 0) {
    impl_->pid = -1;
  }
  posix_spawn_file_actions_destroy(&actions);
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  impl_->in = in_pipe[1];
  impl_->out = out_pipe[0];
}

ChildProcess::~ChildProcess() {
  close_stdin();
  if (impl_->pid > 0 && !impl_->exit_code) {
    ::kill(impl_->pid, SIGKILL);
    wait(std::chrono::seconds(10));
  }
  if (impl_->out >= 0) {
    ::close(impl_->out);
  }
}

bool ChildProcess::started() const {
  return impl_->pid > 0;
}

long ChildProcess::pid() const {
  return static_cast<long>(impl_->pid);
}

void ChildProcess::write_stdin(const std::string& bytes) {
  std::size_t done = 0;
  while (impl_->in >= 0 && done < bytes.size()) {
    const ssize_t n = ::write(impl_->in, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno != EINTR) {
      return;
    }
    done += n > 0 ? static_cast<std::size_t>(n) : 0;
  }
}

void ChildProcess::close_stdin() {
  if (impl_->in >= 0) {
    ::close(impl_->in);
    impl_->in = -1;
  }
}

std::optional<std::string> ChildProcess::read_line(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto nl = impl_->buffered.find('\n');
    if (nl != std::string::npos) {
      std::string line = impl_->buffered.substr(0, nl);
      impl_->buffered.erase(0, nl + 1);
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
  if (impl_->pid > 0) {
    ::kill(impl_->pid, SIGINT);
  }
}

void ChildProcess::kill_hard() {
  if (impl_->pid > 0 && !impl_->exit_code) {
    ::kill(impl_->pid, SIGKILL);
  }
}

std::optional<int> ChildProcess::wait(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!impl_->exit_code && impl_->pid > 0) {
    int status = 0;
    const pid_t r = ::waitpid(impl_->pid, &status, WNOHANG);
    if (r == impl_->pid) {
      impl_->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling a child's exit
  }
  return impl_->exit_code;
}

}  // namespace chat::testing
