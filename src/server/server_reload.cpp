#include "server_reload.h"

#include <algorithm>

#include "chat_server.h"
#include "log.h"

namespace chat::server {

void Reloader::attach(ChatServer& server, std::vector<std::string> args,
                      const ServerSettings& settings, std::string version) {
  std::lock_guard lock(mutex_);
  server_ = &server;
  args_ = std::move(args);
  running_ = settings;
  version_ = std::move(version);
}

void Reloader::detach() {
  std::lock_guard lock(mutex_);
  server_ = nullptr;
}

std::vector<std::string> Reloader::reload(const std::string& why) {
  std::lock_guard lock(mutex_);
  std::vector<std::string> lines;
  if (const std::string error = log::reopen_file(); !error.empty()) {
    lines.push_back(error);
  }
  if (server_ == nullptr) {
    // Before start() finished (a SIGHUP while it opens the store, say) or after the shutdown
    // began: the log says it was asked, and that the settings stay as they are.
    lines.push_back("the server is not running (starting or stopping); nothing reloaded");
  } else {
    apply(lines);
  }
  // Logged at info, or at the level in force when that is higher: a reload is always worth its
  // lines, unless the log is off.
  const log::Level level = std::max(log::Level::info, log::level());
  for (std::string& line : lines) {
    line = "reload (" + why + "): " + line;
    if (level != log::Level::off) {
      log::write(level, line);
    }
  }
  return lines;
}

void Reloader::apply(std::vector<std::string>& lines) {
  ParsedFlags parsed = parse_server_flags(args_, version_);
  if (!parsed.settings) {
    // The first line says what is wrong; the next one ("Run with --help ...") is for a terminal.
    const std::string& errors = parsed.errors.empty() ? parsed.output : parsed.errors;
    lines.push_back("reload refused, nothing changed: " + errors.substr(0, errors.find('\n')));
  } else {
    const ServerSettings& next = *parsed.settings;
    std::vector<std::string> changes = server_->reload(next.config);
    lines.insert(lines.end(), changes.begin(), changes.end());  // after a failed log reopen
    if (next.log_level != running_.log_level) {
      lines.push_back(fmt::format("log-level: {} -> {}", log::level_name(running_.log_level),
                                  log::level_name(next.log_level)));
      running_.log_level = next.log_level;
    }
    if (next.log_file != running_.log_file) {
      lines.push_back(fmt::format("log-file: \"{}\" -> \"{}\" needs a restart; still \"{}\"",
                                  running_.log_file, next.log_file, running_.log_file));
    }
    if (next.log_format != running_.log_format) {
      lines.push_back("log-format: needs a restart; unchanged");
    }
    if (next.console != running_.console) {
      lines.push_back("no-console: needs a restart; unchanged");
    }
    if (lines.empty()) {
      lines.push_back("nothing changed");
    }
  }
  log::set_level(running_.log_level);
}

std::string Reloader::reopen_log(const std::string& why) {
  std::lock_guard lock(mutex_);
  std::string line = log::reopen_file();
  if (line.empty()) {
    line = running_.log_file.empty() ? "no --log-file to reopen" : "log file reopened";
  }
  line = "reopen-log (" + why + "): " + line;
  log::info("{}", line);
  return line;
}

}  // namespace chat::server
