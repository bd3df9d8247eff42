// Internal header (server). The operator commands, one implementation for the server's console
// and for operators' OperatorCommand requests: /notice /kick /ban /unban /bans /mute /unmute
// /who /rooms /audit /op /deop /passwd /shutdown /help.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chat::server {

struct ServerCore;

struct OperatorResult {
  bool ok = true;                  // false: unknown command, bad arguments, unknown target
  std::vector<std::string> lines;  // what to show the operator (the reason, when !ok)
  // What the command does once its reply is on its way (/shutdown: its notice must come after
  // the reply, not overtake it). The caller runs it after queueing or printing `lines`.
  std::function<void()> after_reply;
  // The secrets the command needs typed on the console first (passwd: the new password, twice),
  // as the prompts to show. Non-empty: nothing was done or audited yet; read them without echo
  // and run the same line again with them.
  std::vector<std::string> secret_prompts;
};

// What the server's console prints for a line (`lines`), or, when `secret_prompts` is not
// empty, what it must read without echo first and pass back with the same line.
struct ConsoleAnswer {
  std::vector<std::string> lines;
  std::vector<std::string> secret_prompts;
};

// Runs one command line ("kick bob spamming"; a leading '/' is allowed) for `actor` (an
// operator's nickname, or "console"). `console` allows what only the server's own terminal may
// do (/op, /deop, /passwd). `secrets`: what the console read for the secret_prompts of an
// earlier run of the same line. Every command but /help is written to the audit log with its
// outcome (passwd's without anything typed after the nickname). Thread-safe: it touches only
// the core's thread-safe parts; passwd hashes on the calling thread (never an I/O worker's).
OperatorResult run_operator_command(ServerCore& core, const std::string& actor, bool console,
                                    std::string_view line,
                                    const std::vector<std::string>& secrets = {});

// "10m" -> 600000; "90s", "2h", "7d"; nullopt for anything else. Thread-safe (pure).
std::optional<std::uint64_t> parse_duration_ms(std::string_view text);

}  // namespace chat::server
