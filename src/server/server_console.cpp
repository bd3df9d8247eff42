#include "server_console.h"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>

#include "net/console_input.h"
#include "net/thread_name.h"

namespace chat::server {
namespace {

// Overwrites a password before its memory is let go.
void wipe(std::vector<std::string>& secrets) {
  for (std::string& s : secrets) {
    std::fill(s.begin(), s.end(), '\0');
  }
  secrets.clear();
}

}  // namespace

struct ServerConsole::Shared {
  std::mutex mutex;
  Run run;  // emptied by the destructor

  // `run` for `line`, under the lock; nullopt once the console is being destroyed.
  std::optional<ConsoleAnswer> answer(const std::string& line,
                                      const std::vector<std::string>& secrets) {
    std::lock_guard lock(mutex);
    if (!run) {
      return std::nullopt;
    }
    return run(line, secrets);
  }
};

ServerConsole::ServerConsole(Run run) : shared_(std::make_shared<Shared>()) {
  shared_->run = std::move(run);
  // Detached: a thread blocked reading a terminal cannot be woken portably. It holds the shared
  // state, not this object, so it outlives us harmlessly.
  net::start_named_thread("chat-console", [shared = shared_] {
    std::string line;
    while (std::getline(std::cin, line)) {
      if (!line.empty() && line.back() == '\r') {
        line.pop_back();
      }
      if (line.find_first_not_of(" \t") == std::string::npos) {
        continue;
      }
      std::optional<ConsoleAnswer> answer = shared->answer(line, {});
      if (answer && !answer->secret_prompts.empty()) {
        // Read outside the lock: an operator slow to type does not hold up a shutdown.
        std::vector<std::string> secrets;
        for (const std::string& prompt : answer->secret_prompts) {
          std::fprintf(stderr, "%s", prompt.c_str());
          std::fflush(stderr);
          std::string secret;
          const bool got = net::read_secret_line(secret);
          std::fprintf(stderr, "\n");
          if (!got) {
            wipe(secrets);
            return;
          }
          secrets.push_back(std::move(secret));
        }
        answer = shared->answer(line, secrets);
        wipe(secrets);
      }
      if (!answer) {
        return;
      }
      for (const std::string& out : answer->lines) {
        std::printf("%s\n", out.c_str());
      }
      std::fflush(stdout);
    }
  }).detach();
}

ServerConsole::~ServerConsole() {
  std::lock_guard lock(shared_->mutex);
  shared_->run = nullptr;
}

}  // namespace chat::server
