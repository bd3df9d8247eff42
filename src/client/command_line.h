// Public header. Command-line parsing with the exit codes our programs document: 0 after
// --help or --version, 2 for a usage error (CLI11's own codes are 100 and up).
#pragma once

#include <optional>

#include <CLI/CLI.hpp>

namespace chat::client {

// Parses argv into `app`'s options. Returns nullopt to go on, or the code to exit with (after
// CLI11 printed the help, the version or the error). Call once, from main.
inline std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
    return std::nullopt;
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
}

}  // namespace chat::client
