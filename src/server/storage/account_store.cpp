#include "account_store.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "../log.h"
#include "../unix_time.h"
#include "net/wire/text_escape.h"

namespace chat::server {
namespace {

// An audit entry's command and outcome are cut to this many bytes (escaped).
constexpr std::size_t kMaxAuditFieldBytes = 512;

}  // namespace

std::string format_utc(std::uint64_t unix_ms) {
  const std::chrono::system_clock::time_point t{std::chrono::milliseconds(unix_ms)};
  return fmt::format("{:%Y-%m-%d %H:%M:%S} UTC", std::chrono::floor<std::chrono::seconds>(t));
}

std::string describe_restriction(std::string_view what, const std::string& by,
                                 std::uint64_t until_ms, const std::string& reason) {
  std::string text = std::string(what) + " by " + by;
  if (until_ms != 0) {
    text += " until " + format_utc(until_ms);
  }
  if (!reason.empty()) {
    text += ": " + reason;
  }
  return text;
}

std::string describe_ban(const Ban& ban) {
  return describe_restriction("banned", ban.by, ban.until_ms, ban.reason);
}

std::string format_audit(const AuditEntry& entry) {
  return fmt::format("{} {} '{}': {}", format_utc(entry.time_ms), entry.actor, entry.command,
                     entry.outcome);
}

void AccountStore::audit(const std::string& actor, const std::string& raw_command,
                         const std::string& raw_outcome) {
  // What an operator typed, and outcomes that quote it, are stored escaped and bounded: the
  // audit log is read on a terminal (the console's `audit`), one entry per line.
  const wire::EscapeOptions bounded{kMaxAuditFieldBytes, false, false};
  AuditEntry entry{unix_time_ms(), actor, wire::escape_text(raw_command, bounded),
                   wire::escape_text(raw_outcome, bounded)};
  log::info("audit: {} ran '{}': {}", actor, entry.command, entry.outcome);
  try {
    record_audit(entry);
  } catch (const std::exception& e) {
    log::error("audit entry not stored: {}", e.what());
  }
}

}  // namespace chat::server
