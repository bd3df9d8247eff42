// Internal header (chat_server). The server's flags: from the command line and, with --config, a
// TOML file (CLI11's own config-file reader; the command line wins). Parsed once at start and
// again for each reload, so parsing reports instead of exiting. Any thread; no shared state.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "log.h"
#include "server_config.h"

namespace chat::server {

// Everything the flags set: the server's configuration and what main() itself does.
// Where `--service run` logs when neither the command line nor the --config file says: relative
// to the service's directory (%ProgramData%\\ChatServer).
inline constexpr const char* kServiceLogFile = "chat_server.log";

struct ServerSettings {
  ServerConfig config;
  log::Level log_level = log::Level::info;
  std::string log_file;  // empty: stderr
  log::Format log_format = log::Format::text;
  bool console = true;
  std::string config_file;      // --config, as given; empty: none
  std::string service_command;  // --service: install, uninstall, start, stop, run; empty: none
};

struct ParsedFlags {
  // Set when the server should run; unset when the program should exit with exit_code after
  // printing `output` to stdout and `errors` to stderr (--help, --version, --print-config: 0;
  // a usage error, a bad value or an unknown key in the config file: 2, naming the flag or key).
  std::optional<ServerSettings> settings;
  int exit_code = 0;
  std::string output;
  std::string errors;
};

// Parses `args` (without the program's name). `version` is what --version prints.
ParsedFlags parse_server_flags(const std::vector<std::string>& args, const std::string& version);

}  // namespace chat::server
