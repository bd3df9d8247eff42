// Internal header (chat_server). Reloading the running server's settings: on SIGHUP, the
// console's reload, or a Windows service's parameter change, the flags are read again (the same
// command line, the --config file as it is now) and what can change without a restart is
// applied (ChatServer::reload, and the log level here), each change logged. The log file is
// reopened too (logrotate). Thread-safe: reloads run one at a time.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "server_flags.h"

namespace chat::server {

class ChatServer;

class Reloader {
 public:
  // From now on reloads apply to `server`, started with `settings` parsed from `args`.
  void attach(ChatServer& server, std::vector<std::string> args, const ServerSettings& settings,
              std::string version);
  // No reload touches the server after this returns (a reload running now is waited for).
  void detach();

  // Reads the flags again and applies them; returns what it logged, a line each (what changed,
  // what needs a restart, or why nothing was applied). `why` names who asked ("SIGHUP",
  // "console"). Before attach() or after detach(): only the log file is reopened, and the
  // lines say (and log) that nothing was reloaded.
  std::vector<std::string> reload(const std::string& why);
  // Reopens --log-file; returns the line it logged.
  std::string reopen_log(const std::string& why);

 private:
  // Parses the flags again and applies them to the attached server, adding a line per change
  // (or why nothing changed) to `lines`. Under mutex_.
  void apply(std::vector<std::string>& lines);

  std::mutex mutex_;
  ChatServer* server_ = nullptr;  // guarded by mutex_
  std::vector<std::string> args_;
  ServerSettings running_;
  std::string version_;
};

}  // namespace chat::server
