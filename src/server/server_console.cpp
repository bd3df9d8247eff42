#include "server_console.h"

#include <cstdio>
#include <iostream>
#include <mutex>
#include <thread>

#include "net/thread_name.h"

namespace chat::server {

struct ServerConsole::Shared {
  std::mutex mutex;
  Run run;  // emptied by the destructor
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
      std::lock_guard lock(shared->mutex);
      if (!shared->run) {
        return;
      }
      for (const std::string& out : shared->run(line)) {
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
