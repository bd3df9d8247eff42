// Internal header (chat_server). The operator console on the server's own terminal: each line
// typed on stdin is run as an operator command and its answer printed to stdout.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "operators/operator_commands.h"

namespace chat::server {

class ServerConsole {
 public:
  // Runs a line; `secrets` holds what was read for the prompts an earlier call with the same
  // line asked for (empty the first time).
  using Run = std::function<ConsoleAnswer(const std::string& line,
                                          const std::vector<std::string>& secrets)>;

  // Starts reading stdin on a thread of its own; each non-empty line goes to `run`. An answer
  // with secret prompts has each one shown on stderr and its line read without echo
  // (net::read_secret_line), and the line run again with them. At end of input (or a read
  // error: no terminal, started in the background) it stops quietly.
  explicit ServerConsole(Run run);
  // After this returns `run` is never called again (a command running now is waited for; the
  // console reads no input while it holds a command). The reading thread may stay blocked in its
  // read until the process exits; it touches nothing.
  ~ServerConsole();
  ServerConsole(const ServerConsole&) = delete;
  ServerConsole& operator=(const ServerConsole&) = delete;

 private:
  struct Shared;
  std::shared_ptr<Shared> shared_;
};

}  // namespace chat::server
