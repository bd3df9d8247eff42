// Internal header (chat_server). The operator console on the server's own terminal: each line
// typed on stdin is run as an operator command and its answer printed to stdout.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace chat::server {

class ServerConsole {
 public:
  using Run = std::function<std::vector<std::string>(const std::string& line)>;

  // Starts reading stdin on a thread of its own; each non-empty line goes to `run`. At end of
  // input (or a read error: no terminal, started in the background) it stops quietly.
  explicit ServerConsole(Run run);
  // After this returns `run` is never called again (a command running now is waited for). The
  // reading thread may stay blocked in its read until the process exits; it touches nothing.
  ~ServerConsole();
  ServerConsole(const ServerConsole&) = delete;
  ServerConsole& operator=(const ServerConsole&) = delete;

 private:
  struct Shared;
  std::shared_ptr<Shared> shared_;
};

}  // namespace chat::server
