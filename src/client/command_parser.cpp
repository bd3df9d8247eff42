#include "command_parser.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace chat::client {
namespace {

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return {};
  }
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

// Splits "word rest of line" at the first run of spaces.
std::pair<std::string_view, std::string_view> split_word(std::string_view s) {
  s = trim(s);
  const auto space = s.find_first_of(" \t");
  if (space == std::string_view::npos) {
    return {s, {}};
  }
  return {s.substr(0, space), trim(s.substr(space))};
}

Command make(Command::Kind kind, std::string_view target = {}, std::string_view text = {}) {
  return Command{kind, std::string(target), std::string(text), {}};
}

// The server's rule for names (docs/protocol.md, "Names and text"), as /join states it.
constexpr std::string_view kRoomNameRule =
    "a room name is one word: 1 to 32 bytes with no spaces, control or invisible characters";

Command invalid(std::string_view why) {
  return make(Command::Kind::invalid, {}, why);
}

}  // namespace

Command parse_command(std::string_view line) {
  if (trim(line).empty()) {
    return {};
  }
  if (line.front() != '/') {
    return make(Command::Kind::say, {}, line);
  }
  if (line.size() > 1 && line[1] == '/') {
    return make(Command::Kind::say, {}, line.substr(1));  // "//" escapes a leading slash
  }
  const auto [name, rest] = split_word(line.substr(1));
  if (name == "w" || name == "whisper" || name == "msg") {
    const auto [to, text] = split_word(rest);
    if (to.empty() || text.empty()) {
      return invalid("usage: /w NICK TEXT");
    }
    return make(Command::Kind::whisper, to, text);
  }
  if (name == "echo") {
    return make(Command::Kind::echo, {}, rest);
  }
  if (name == "users" || name == "who") {
    return make(Command::Kind::users, split_word(rest).first);
  }
  if (name == "join") {
    const auto [room, extra] = split_word(rest);
    if (room.empty()) {
      return invalid("usage: /join ROOM");
    }
    if (!extra.empty()) {
      // Not a join of the first word: the user meant the whole name, which no room can have.
      return invalid(std::string(kRoomNameRule) + "; not joined: " + std::string(rest));
    }
    return make(Command::Kind::join, room);
  }
  if (name == "list") {
    return make(Command::Kind::list_rooms, split_word(rest).first);
  }
  if (name == "switch" || name == "sw") {
    const auto [room, extra] = split_word(rest);
    if (room.empty() || !extra.empty()) {
      return invalid("usage: /switch ROOM (a room you are in, or its number: /switch 2)");
    }
    return make(Command::Kind::switch_room, room);
  }
  if (name == "me") {
    return rest.empty() ? invalid("usage: /me ACTION, e.g. /me waves")
                        : make(Command::Kind::action, {}, rest);
  }
  if (name == "nick") {
    const auto [nick, extra] = split_word(rest);
    if (nick.empty() || !extra.empty()) {
      return invalid("usage: /nick NEW (one word: 1 to 32 bytes, no spaces)");
    }
    return make(Command::Kind::nick, nick);
  }
  if (name == "leave" || name == "part") {
    return make(Command::Kind::leave, split_word(rest).first);
  }
  if (name == "quit" || name == "exit") {
    return make(Command::Kind::quit, {}, rest);
  }
  if (name == "ping") {
    return make(Command::Kind::ping);
  }
  if (name == "help" || name == "?") {
    return make(Command::Kind::help);
  }
  if (name == "register") {
    // Bare, it asks for the password (masked); a script may give it on the line.
    const auto [password, extra] = split_word(rest);
    if (!extra.empty()) {
      return invalid("usage: /register (it asks for the password), or /register PASSWORD");
    }
    return make(Command::Kind::register_nickname, {}, password);
  }
  if (name == "passwd" || name == "password") {
    return rest.empty() ? make(Command::Kind::change_password)
                        : invalid("usage: /passwd (it asks for the passwords; type none here)");
  }
  if (name == "delete-account") {
    return rest.empty()
               ? make(Command::Kind::delete_account)
               : invalid("usage: /delete-account (it asks for confirmation and the password)");
  }
  if (name == "op") {
    return rest.empty() ? invalid("usage: /op COMMAND, e.g. /op who (operators only)")
                        : make(Command::Kind::operator_command, {}, rest);
  }
  // The operator commands also go without /op, but for who (that is /users here).
  static constexpr std::array kOperatorCommands{"notice", "kick",   "ban",   "unban", "bans",
                                                "mute",   "unmute", "rooms", "audit", "shutdown"};
  for (const char* command : kOperatorCommands) {
    if (name == command) {
      return make(Command::Kind::operator_command, {}, trim(line.substr(1)));
    }
  }
  return invalid("unknown command /" + std::string(name) + "; /help lists the commands");
}

bool names_account_command(std::string_view line) {
  if (line.empty() || line.front() != '/') {
    return false;  // said text, "//register" included
  }
  const std::string_view name = split_word(line.substr(1)).first;
  const auto is = [&](std::string_view command) {
    return std::equal(name.begin(), name.end(), command.begin(), command.end(), [](char a, char b) {
      return std::tolower(static_cast<unsigned char>(a)) == b;
    });
  };
  // Every name parse_command() gives these commands.
  return is("register") || is("passwd") || is("password") || is("delete-account");
}

std::vector<std::string> help_lines() {
  struct Entry {
    std::string_view usage;  // empty: the line goes on the description above
    std::string_view what;
  };
  static constexpr Entry kEntries[] = {
      {"TEXT", "say TEXT in the current room (//TEXT to start with a slash)"},
      {"/w NICK TEXT", "whisper to NICK (also /whisper, /msg)"},
      {"/me ACTION", "an action in the current room, shown as * you ACTION"},
      {"/join ROOM", "join ROOM and make it the current room (if in it: switch)"},
      {"/switch ROOM", "make ROOM (or its number, /switch 2) the current room;"},
      {"", "Alt+1..9 too. The prompt shows the others' unread counts"},
      {"/leave [ROOM]", "leave ROOM (default: the current room)"},
      {"/list [AFTER]", "list the rooms and how many are in each (100 a page)"},
      {"/users [ROOM]", "list who is in ROOM (default: the current room)"},
      {"/nick NEW", "change your nickname (guests; not an account's)"},
      {"/echo TEXT", "ask the server to echo TEXT"},
      {"/ping", "measure the round trip to the server"},
      {"/quit [REASON]", "leave the chat"},
      {"/register", "register your nickname (asks for a password, 8 to 128 bytes);"},
      {"", "later: chat_client --password"},
      {"/passwd", "change your account's password (asks for the old and new one)"},
      {"/delete-account", "delete your account (asks to confirm, and for the password);"},
      {"", "you stay on as a guest"},
      {"/op COMMAND", "an operator command (operators only): notice, kick, ban, unban,"},
      {"", "bans, mute, unmute, who, rooms, audit, shutdown (/op help);"},
      {"", "all but who also work without /op: /kick bob spamming"},
      {"/help", "this text"},
  };
  std::size_t width = 0;
  for (const Entry& e : kEntries) {
    width = std::max(width, e.usage.size());
  }
  std::vector<std::string> lines{"commands:"};
  for (const Entry& e : kEntries) {
    std::string line = "  " + std::string(e.usage);
    line.append(width + 2 - e.usage.size(), ' ');
    lines.push_back(line.append(e.what));
  }
  return lines;
}

}  // namespace chat::client
