// ConsoleSession: moving between rooms, what is unread in the others, the room list, and
// nickname changes (see console_session.h). Every function here runs under mutex_.
#include <algorithm>
#include <charconv>
#include <utility>

#include <fmt/format.h>

#include "console_session.h"
#include "net/wire/utf8.h"
#include "plural.h"
#include "same_name.h"

namespace chat::client {
namespace {

// `name` cut to `code_points`, ".." saying so: a prompt stays within a line however the rooms
// are called.
std::string cut(const std::string& name, std::size_t code_points) {
  const std::string_view head = wire::utf8_prefix(name, code_points);
  return head.size() == name.size() ? name : std::string(head) + "..";
}

// "3", or "99+" past it: the width of a count stays bounded too.
std::string unread_text(unsigned n) {
  return n > 99 ? "99+" : std::to_string(n);
}

}  // namespace

std::vector<std::string>::const_iterator ConsoleSession::find_room(const std::string& room) const {
  return std::find_if(rooms_.begin(), rooms_.end(),
                      [&](const std::string& r) { return same_name(r, room); });
}

std::vector<std::string> ConsoleSession::switch_to(const std::string& room_or_number) {
  auto room = find_room(room_or_number);
  int number = 0;
  const char* end = room_or_number.data() + room_or_number.size();
  if (room == rooms_.end() && std::from_chars(room_or_number.data(), end, number).ptr == end &&
      number >= 1 && static_cast<std::size_t>(number) <= rooms_.size()) {
    room = rooms_.begin() + (number - 1);  // a room called "2" was looked for first
  }
  if (room == rooms_.end()) {
    return {
        fmt::format("! you are not in {}; /join {} to join it", room_or_number, room_or_number)};
  }
  set_current_room(*room);
  return {fmt::format("* now talking in {} (Alt+{})", current_room_, room - rooms_.begin() + 1)};
}

void ConsoleSession::set_current_room(std::string room) {
  current_room_ = std::move(room);
  std::erase_if(unread_, [&](const auto& u) { return same_name(u.first, current_room_); });
}

std::vector<std::string> ConsoleSession::switch_to_number(int number) {
  std::lock_guard lock(mutex_);
  if (number < 1 || static_cast<std::size_t>(number) > rooms_.size()) {
    return {fmt::format("! no room {}: you are in {}", number, count_of(rooms_.size(), "room"))};
  }
  return switch_to(rooms_[static_cast<std::size_t>(number) - 1]);
}

void ConsoleSession::count_unread(const std::string& room) {
  if (same_name(room, current_room_) || find_room(room) == rooms_.end()) {
    return;
  }
  const auto it = std::find_if(unread_.begin(), unread_.end(),
                               [&](const auto& u) { return same_name(u.first, room); });
  if (it == unread_.end()) {
    unread_.emplace_back(room, 1);
  } else if (it->second < 1000) {
    ++it->second;
  }
}

std::string ConsoleSession::prompt() const {
  std::lock_guard lock(mutex_);
  if (current_room_.empty()) {
    return "> ";
  }
  std::string others;
  std::size_t shown = 0;
  std::size_t hidden = 0;
  for (const std::string& room : rooms_) {  // in join order, the order Alt+number uses
    const auto it = std::find_if(unread_.begin(), unread_.end(),
                                 [&](const auto& u) { return same_name(u.first, room); });
    if (it == unread_.end() || same_name(room, current_room_)) {
      continue;
    }
    if (shown == kPromptRooms) {
      ++hidden;
      continue;
    }
    others += fmt::format("{}{} {}", shown == 0 ? " | " : ", ", cut(room, kPromptNameCodePoints),
                          unread_text(it->second));
    ++shown;
  }
  if (hidden > 0) {
    others += fmt::format(", +{}", hidden);
  }
  return fmt::format("[{}{}] > ", cut(current_room_, 2 * kPromptNameCodePoints), others);
}

std::vector<std::string> ConsoleSession::on_room_list(const proto::RoomList& list) {
  std::vector<std::string> lines{fmt::format(
      "* {} on the server{}", count_of(list.total_rooms(), "room"),
      list.next_after().empty() && list.rooms_size() == static_cast<int>(list.total_rooms())
          ? ":"
          : fmt::format(" ({} here):", list.rooms_size()))};
  for (const proto::RoomInfo& r : list.rooms()) {
    std::string line = fmt::format("*   {}: {}", r.name(), count_of(r.members(), "user"));
    if (const auto mine = find_room(r.name()); mine != rooms_.end()) {
      line += fmt::format(" (yours, Alt+{}{})", mine - rooms_.begin() + 1,
                          same_name(*mine, current_room_) ? ", current" : "");
    }
    lines.push_back(std::move(line));
  }
  if (!list.next_after().empty()) {
    lines.push_back(fmt::format("* more: /list {}", list.next_after()));
  }
  return lines;
}

std::vector<std::string> ConsoleSession::on_nickname_changed(
    const proto::NicknameChanged& changed) {
  nickname_ = changed.nickname();  // a reconnect joins as this from now on
  if (changed.old_nickname() == changed.nickname()) {
    return {fmt::format("* you are {} already", changed.nickname())};
  }
  return {fmt::format("* you are now known as {}", changed.nickname())};
}

std::vector<std::string> ConsoleSession::on_renamed(const proto::Presence& p) {
  // One Presence comes for each room we share with them: one line says it.
  std::string rename = p.old_nickname() + "\n" + p.nickname();
  if (rename == last_rename_) {
    return {};
  }
  last_rename_ = std::move(rename);
  return {fmt::format("* {} is now known as {}", p.old_nickname(), p.nickname())};
}

}  // namespace chat::client
