#include "operator_commands.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <map>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "../accounts/password_hash.h"
#include "../log.h"
#include "../server_core.h"
#include "../validation.h"
#include "net/wire/duration_text.h"
#include "net/wire/envelope_codec.h"

namespace chat::server {
namespace {

constexpr std::size_t kAuditShown = 20;

struct Args {
  std::string command;                           // lower case, without '/'
  std::vector<std::string> words;                // the rest, split on spaces
  std::string rest_after(std::size_t n) const {  // words n.. joined again
    std::string text;
    for (std::size_t i = n; i < words.size(); ++i) {
      text += (text.empty() ? "" : " ") + words[i];
    }
    return text;
  }
};

Args split(std::string_view line) {
  Args args;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) {
      ++i;
    }
    std::size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t') {
      ++j;
    }
    if (j > i) {
      args.words.emplace_back(line.substr(i, j - i));
    }
    i = j;
  }
  if (!args.words.empty()) {
    args.command = args.words.front();
    args.words.erase(args.words.begin());
    if (!args.command.empty() && args.command.front() == '/') {
      args.command.erase(0, 1);
    }
    std::transform(args.command.begin(), args.command.end(), args.command.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  }
  return args;
}

OperatorResult fail(std::string why) {
  return OperatorResult{false, {std::move(why)}, {}, {}};
}
OperatorResult done(std::vector<std::string> lines) {
  return OperatorResult{true, std::move(lines), {}, {}};
}

std::string until_text(std::uint64_t until_ms) {
  return until_ms == 0 ? "until lifted" : "until " + format_utc(until_ms);
}

// The optional DURATION at word n, then the REASON. False when word n starts with a digit but
// is no duration ("5x", "90"): a typo there must not become an endless ban or mute.
bool duration_and_reason(const Args& a, std::size_t n, std::uint64_t& until_ms,
                         std::string& reason) {
  until_ms = 0;
  if (a.words.size() > n) {
    if (const auto ms = parse_duration_ms(a.words[n])) {
      until_ms = ServerCore::now_ms() + *ms;
      ++n;
    } else if (!a.words[n].empty() &&
               std::isdigit(static_cast<unsigned char>(a.words[n].front())) != 0) {
      return false;
    }
  }
  reason = a.rest_after(n);
  return true;
}

std::string not_a_duration(const std::string& word) {
  return fmt::format("'{}' is not a duration: a number and s, m, h or d (90s, 30m, 12h, 7d)", word);
}

class Runner {
 public:
  Runner(ServerCore& core, const std::string& actor, bool console,
         const std::vector<std::string>& secrets)
      : core_(core), actor_(actor), console_(console), secrets_(secrets) {}

  OperatorResult run(const Args& a) {
    using Command = OperatorResult (Runner::*)(const Args&);
    static constexpr std::array<std::pair<std::string_view, Command>, 16> kCommands{{
        {"help", &Runner::help},
        {"", &Runner::help},
        {"who", &Runner::who},
        {"rooms", &Runner::rooms},
        {"notice", &Runner::notice},
        {"kick", &Runner::kick},
        {"ban", &Runner::ban},
        {"unban", &Runner::unban},
        {"bans", &Runner::bans},
        {"mute", &Runner::mute},
        {"unmute", &Runner::unmute},
        {"audit", &Runner::audit},
        {"op", &Runner::op},
        {"deop", &Runner::op},
        {"passwd", &Runner::passwd},
        {"shutdown", &Runner::shutdown},
    }};
    for (const auto& [name, command] : kCommands) {
      if (a.command == name) {
        return (this->*command)(a);
      }
    }
    return fail(fmt::format("unknown command '{}'; try help", a.command));
  }

 private:
  OperatorResult help(const Args&) {
    return done({
        "notice TEXT                  tell everyone connected",
        "kick NICK [REASON]           disconnect someone",
        "ban NICK|ADDRESS [DURATION] [REASON]   refuse a nickname or an IP address (IPv6: its "
        "/64); DURATION like 30m, 12h, 7d; none: until unban",
        "unban NICK|ADDRESS",
        "bans                         the bans in force",
        "mute NICK [DURATION] [REASON]   they may not broadcast or whisper",
        "unmute NICK",
        "who                          everyone connected: address, role, rooms",
        "rooms                        every room: members, messages, history in memory",
        "audit [N]                    the newest N operator actions (20)",
        "op NICK / deop NICK          give or take the operator role (server console only)",
        "passwd NICK                  set a registered nickname's password, typed without echo "
        "(server console only); disconnects whoever is logged in to it",
        "shutdown [REASON]            stop the server, telling everyone why",
    });
  }

  OperatorResult who(const Args&) {
    std::map<std::string, std::vector<std::string>> rooms_of;  // by folded nickname
    for (const auto& room : core_.rooms.all()) {
      for (const std::string& member : room->member_names()) {
        rooms_of[fold_name(member)].push_back(room->name());
      }
    }
    auto holders = core_.nicknames.all();
    std::sort(holders.begin(), holders.end(), [](const auto& x, const auto& y) {
      return fold_name(x.nickname) < fold_name(y.nickname);
    });
    std::vector<std::string> lines{fmt::format("{} users", holders.size())};
    for (const auto& h : holders) {
      // A registered nickname is held only by its logged-in owner (a guest cannot join as it).
      const bool registered = core_.accounts->is_registered(h.nickname);
      const bool op = registered && core_.has_operator_role(h.nickname);
      const auto& in = rooms_of[fold_name(h.nickname)];
      std::string room_list;
      for (const std::string& r : in) {
        room_list += (room_list.empty() ? "" : ", ") + r;
      }
      lines.push_back(fmt::format("{} {} {}{} rooms: {}", h.nickname, h.host,
                                  op           ? "operator"
                                  : registered ? "registered"
                                               : "guest",
                                  core_.mutes.muted(h.nickname) ? " muted" : "",
                                  room_list.empty() ? "-" : room_list));
    }
    return done(std::move(lines));
  }

  OperatorResult rooms(const Args&) {
    auto all = core_.rooms.all();
    std::sort(all.begin(), all.end(), [](const auto& x, const auto& y) {
      return fold_name(x->name()) < fold_name(y->name());
    });
    std::vector<std::string> lines{fmt::format("{} rooms; history in memory: {} of {} bytes",
                                               all.size(), core_.history_memory.bytes(),
                                               core_.history_memory.limit())};
    for (const auto& room : all) {
      const Room::InMemory kept = room->in_memory();
      lines.push_back(fmt::format("{} members: {} last seq: {} in memory: {} ({} bytes)",
                                  room->name(), room->member_names().size(), room->last_seq(),
                                  kept.messages, kept.bytes));
    }
    return done(std::move(lines));
  }

  OperatorResult notice(const Args& a) {
    const std::string text = a.rest_after(0);
    if (text.empty()) {
      return fail("usage: notice TEXT");
    }
    proto::Envelope env;
    env.mutable_notice()->set_kind(proto::Notice::INFO);
    env.mutable_notice()->set_text(fmt::format("notice from {}: {}", actor_, text));
    const wire::FramedMessage frame(env);
    const auto holders = core_.nicknames.all();
    {
      Delivery out(core_.pool, *core_.io);
      for (const auto& h : holders) {
        out.push(h.id, frame);
      }
    }
    return done({fmt::format("notice sent to {} users", holders.size())});
  }

  OperatorResult kick(const Args& a) {
    if (a.words.empty()) {
      return fail("usage: kick NICK [REASON]");
    }
    const auto holder = core_.nicknames.find(a.words[0]);
    if (!holder) {
      return fail(fmt::format("nobody is called '{}'", a.words[0]));
    }
    const std::string reason = a.rest_after(1);
    core_.kick(*holder, CloseReason::kicked,
               fmt::format("kicked by {}{}", actor_, reason.empty() ? "" : ": " + reason));
    return done({fmt::format("kicked {}", holder->nickname)});
  }

  OperatorResult ban(const Args& a) {
    if (a.words.empty()) {
      return fail("usage: ban NICK|ADDRESS [DURATION] [REASON]");
    }
    Ban ban;
    ban.label = a.words[0];
    ban.by = actor_;
    if (!duration_and_reason(a, 1, ban.until_ms, ban.reason)) {
      return fail(not_a_duration(a.words[1]));
    }
    const std::string address = address_key(ban.label);
    if (!address.empty()) {
      ban.kind = Ban::Kind::address;
      ban.key = address;
    } else if (check_name(ban.label, core_.config.max_nickname_bytes) == NameCheck::ok) {
      ban.kind = Ban::Kind::nickname;
      ban.key = fold_name(ban.label);
    } else {
      return fail(fmt::format("'{}' is neither a nickname nor an IP address", ban.label));
    }
    const std::string why = describe_ban(ban);
    core_.accounts->ban(ban);
    unsigned removed = 0;
    for (const auto& h : core_.nicknames.all()) {
      const bool hit = ban.kind == Ban::Kind::address ? address_key(h.host) == ban.key
                                                      : fold_name(h.nickname) == ban.key;
      if (hit) {
        core_.kick(h, CloseReason::banned, why);
        ++removed;
      }
    }
    return done({fmt::format("banned {} {}; disconnected {}", ban.label, until_text(ban.until_ms),
                             removed)});
  }

  OperatorResult unban(const Args& a) {
    if (a.words.size() != 1) {
      return fail("usage: unban NICK|ADDRESS");
    }
    const std::string address = address_key(a.words[0]);
    const bool lifted = address.empty()
                            ? core_.accounts->unban(Ban::Kind::nickname, fold_name(a.words[0]))
                            : core_.accounts->unban(Ban::Kind::address, address);
    if (!lifted) {
      return fail(fmt::format("'{}' is not banned", a.words[0]));
    }
    return done({fmt::format("unbanned {}", a.words[0])});
  }

  OperatorResult bans(const Args&) {
    const auto all = core_.accounts->bans(ServerCore::now_ms());
    std::vector<std::string> lines{fmt::format("{} bans", all.size())};
    for (const Ban& b : all) {
      lines.push_back(fmt::format("{} {}", b.label, describe_ban(b)));
    }
    return done(std::move(lines));
  }

  OperatorResult mute(const Args& a) {
    if (a.words.empty()) {
      return fail("usage: mute NICK [DURATION] [REASON]");
    }
    if (check_name(a.words[0], core_.config.max_nickname_bytes) != NameCheck::ok) {
      return fail(fmt::format("'{}' is not a nickname", a.words[0]));
    }
    MuteList::Mute m;
    m.nickname = a.words[0];
    m.by = actor_;
    if (!duration_and_reason(a, 1, m.until_ms, m.reason)) {
      return fail(not_a_duration(a.words[1]));
    }
    core_.mutes.mute(m);
    if (const auto holder = core_.nicknames.find(m.nickname)) {
      proto::Envelope env;
      env.mutable_notice()->set_kind(proto::Notice::INFO);
      env.mutable_notice()->set_text("you are " +
                                     describe_restriction("muted", actor_, m.until_ms, m.reason));
      core_.send(holder->id, env);
    }
    return done({fmt::format("muted {} {}", m.nickname, until_text(m.until_ms))});
  }

  OperatorResult unmute(const Args& a) {
    if (a.words.size() != 1) {
      return fail("usage: unmute NICK");
    }
    if (!core_.mutes.unmute(a.words[0])) {
      return fail(fmt::format("'{}' is not muted", a.words[0]));
    }
    if (const auto holder = core_.nicknames.find(a.words[0])) {
      proto::Envelope env;  // told as the mute was
      env.mutable_notice()->set_kind(proto::Notice::INFO);
      env.mutable_notice()->set_text(fmt::format("you are no longer muted (by {})", actor_));
      core_.send(holder->id, env);
    }
    return done({fmt::format("unmuted {}", a.words[0])});
  }

  OperatorResult audit(const Args& a) {
    std::size_t count = kAuditShown;
    if (!a.words.empty()) {
      const auto& w = a.words[0];
      if (std::from_chars(w.data(), w.data() + w.size(), count).ec != std::errc{} || count == 0 ||
          count > 1000) {
        return fail("usage: audit [N], N from 1 to 1000");
      }
    }
    return done(core_.accounts->recent_audit(count));
  }

  OperatorResult op(const Args& a) {  // op and deop
    const bool give = a.command == "op";
    if (!console_) {
      return fail("op and deop are for the server's console only");
    }
    if (a.words.size() != 1) {
      return fail(give ? "usage: op NICK" : "usage: deop NICK");
    }
    if (!core_.accounts->set_operator(a.words[0], give)) {  // a database write: not under the lock
      return fail(
          fmt::format("'{}' is not a registered nickname (they /register first)", a.words[0]));
    }
    // Told at once; the role applies from their next request (ServerCore::is_operator reads it
    // every time). Only its logged-in owner can hold a registered nickname. What they are told is
    // read under the lock, so that the last notice is the truth whatever ran in between.
    const std::lock_guard roles(core_.role_changes);
    if (const auto holder = core_.nicknames.find(a.words[0])) {
      core_.send(holder->id,
                 ServerCore::role_changed_notice(core_.has_operator_role(a.words[0]), actor_));
    }
    return done(
        {fmt::format("{} {} the operator role", a.words[0], give ? "has" : "no longer has")});
  }

  // The new password comes from the console without echo (secret_prompts, then this again with
  // `secrets_`), never in the line: the line is audited and an operator's travels the network.
  OperatorResult passwd(const Args& a) {
    if (!console_) {
      return fail("passwd is for the server's console only (it reads the password there)");
    }
    if (a.words.size() != 1) {
      return fail("usage: passwd NICK (the password is asked for)");
    }
    const auto account = core_.accounts->find(a.words[0]);
    if (!account) {
      return fail(fmt::format("'{}' is not a registered nickname", a.words[0]));
    }
    if (secrets_.size() < 2) {
      OperatorResult ask;
      ask.secret_prompts = {fmt::format("new password for {} ({} to {} bytes): ", account->nickname,
                                        kMinPasswordBytes, kMaxPasswordBytes),
                            "the same again: "};
      return ask;
    }
    if (secrets_[0] != secrets_[1]) {
      return fail("the two passwords differ; nothing changed");
    }
    if (secrets_[0].size() < kMinPasswordBytes || secrets_[0].size() > kMaxPasswordBytes) {
      return fail(fmt::format("a password has {} to {} bytes; nothing changed", kMinPasswordBytes,
                              kMaxPasswordBytes));
    }
    if (!core_.accounts->set_password(account->nickname,
                                      hash_password(secrets_[0], core_.config.password_cost))) {
      return fail(fmt::format("'{}' is not a registered nickname", a.words[0]));  // deleted
    }
    // Whoever is logged in to it got in with the old password: the reset may be answering a
    // stolen one, so that connection ends.
    std::string closed;
    if (const auto holder = core_.nicknames.find(account->nickname)) {
      core_.kick(*holder, CloseReason::kicked,
                 fmt::format("your password was reset by {}: log in with the new one", actor_));
      closed = "; their connection was closed";
    }
    return done({fmt::format("{} has a new password{}", account->nickname, closed)});
  }

  OperatorResult shutdown(const Args& a) {
    if (!core_.shutdown_requested) {
      return fail("this server cannot be shut down from here");
    }
    OperatorResult result = done({"shutting down"});
    result.after_reply = [&core = core_, reason = a.rest_after(0)] {
      core.shutdown_requested(reason);
    };
    return result;
  }

  ServerCore& core_;
  const std::string& actor_;
  const bool console_;
  const std::vector<std::string>& secrets_;
};

// What the audit log keeps of a line: all of it, but for passwd only the nickname (a password
// typed there by mistake is not stored).
std::string audited_line(const Args& args, std::string_view line) {
  if (args.command != "passwd") {
    return std::string(line);
  }
  std::string text = "passwd";
  if (!args.words.empty()) {
    text += " " + args.words.front();
  }
  if (args.words.size() > 1) {
    text += " ...";
  }
  return text;
}

}  // namespace

std::optional<std::uint64_t> parse_duration_ms(std::string_view text) {
  // A unit is required: a bare number in a command is more likely a reason's first word.
  const auto value = wire::parse_duration(text, std::nullopt);
  if (!value || value->count() == 0) {
    return std::nullopt;
  }
  return static_cast<std::uint64_t>(value->count());
}

OperatorResult run_operator_command(ServerCore& core, const std::string& actor, bool console,
                                    std::string_view line,
                                    const std::vector<std::string>& secrets) {
  const Args args = split(line);
  OperatorResult result;
  try {
    result = Runner(core, actor, console, secrets).run(args);
  } catch (const std::exception& e) {  // the database refused a write (a ban, a role)
    log::error("operator command '{}' by {} failed: {}", audited_line(args, line), actor, e.what());
    result = fail(std::string("the server could not store that: ") + e.what());
  }
  if (!result.secret_prompts.empty()) {
    return result;  // nothing done yet: audited when it runs with the secrets
  }
  if (args.command != "help" && !args.command.empty()) {
    core.accounts->audit(actor, audited_line(args, line),
                         (result.ok ? "" : "refused: ") +
                             (result.lines.empty() ? std::string() : result.lines.front()));
  }
  return result;
}

}  // namespace chat::server
