#include "console_session.h"

#include <algorithm>

#include <fmt/format.h>

#include "message_time.h"
#include "net/wire/utf8.h"
#include "same_name.h"

namespace chat::client {
namespace {

// Fatal errors that say "not now" rather than "not you": a client may come back after them.
bool invites_retry(proto::ErrorCode code) {
  switch (code) {
    case proto::SERVER_FULL:
    case proto::HANDSHAKE_TIMEOUT:
    case proto::HEARTBEAT_TIMEOUT:
    case proto::TOO_MANY_CONNECTIONS:
    case proto::CONNECTING_TOO_FAST:
    case proto::SHUTTING_DOWN:
      return true;
    default:
      return false;  // flooding, a malformed or oversized frame, a code newer than us
  }
}

// `text` cut to its first kAbbreviatedCodePoints code points, "..." saying so: an error about a
// long message shows which one, not the whole of it again.
constexpr std::size_t kAbbreviatedCodePoints = 40;
std::string abbreviated(const std::string& text) {
  const std::string_view head = wire::utf8_prefix(text, kAbbreviatedCodePoints);
  return head.size() == text.size() ? text : std::string(head) + "...";  // the console escapes it
}

std::string join_names(const google::protobuf::RepeatedPtrField<std::string>& names) {
  std::string out;
  for (const std::string& n : names) {
    out += (out.empty() ? "" : ", ") + n;
  }
  return out;
}

}  // namespace

proto::Envelope ConsoleSession::request(Pending pending) {
  proto::Envelope env;
  env.set_request_id(next_request_id_++);
  pending.sent = std::chrono::steady_clock::now();
  pending_.emplace(env.request_id(), std::move(pending));
  return env;
}

proto::Envelope ConsoleSession::join_request(const std::string& nickname, bool resume) {
  std::lock_guard lock(mutex_);
  nickname_ = nickname;
  if (!refused_on_connect_) {  // else the server closes without reading it: refused already
    join_state_ = JoinState::pending;
    join_error_ = proto::ERROR_CODE_UNSPECIFIED;
  }
  resuming_ = resume;
  proto::Envelope env = request({Command::Kind::empty, nickname, {}, {}});
  env.mutable_join()->set_nickname(nickname);
  env.mutable_join()->set_protocol_version(1);
  env.mutable_join()->set_password(password_);
  // A reconnect rejoins exactly the rooms it was in; entering the lobby first would tell the
  // lobby we came and went when we never left it, or put us in it when we had left it.
  env.mutable_join()->set_skip_lobby(resume);
  return env;
}

void ConsoleSession::set_password(std::string password) {
  std::lock_guard lock(mutex_);
  password_ = std::move(password);
}

ConsoleSession::Output ConsoleSession::command(const Command& cmd) {
  std::lock_guard lock(mutex_);
  Output out;
  const std::string room = cmd.target.empty() ? current_room_ : cmd.target;
  switch (cmd.kind) {
    case Command::Kind::empty:
      break;
    case Command::Kind::say:
    case Command::Kind::action: {
      if (current_room_.empty()) {
        out.lines.push_back("! you are in no room; /join ROOM first");
        break;
      }
      if (refuse_if_too_long(cmd.text, out)) {
        break;
      }
      // An action is a say with a flag: acknowledged, resumed and confirmed the same way.
      const bool action = cmd.kind == Command::Kind::action;
      proto::Envelope env = request(
          {Command::Kind::say, current_room_, cmd.text, {}, false, false, action, nickname_});
      auto* b = env.mutable_broadcast();
      b->set_room(current_room_);
      b->set_text(cmd.text);
      b->set_client_msg_id(env.request_id());
      b->set_action(action);
      out.to_send.push_back(std::move(env));
      break;
    }
    case Command::Kind::switch_room:
      out.lines = switch_to(cmd.target);
      break;
    case Command::Kind::list_rooms: {
      proto::Envelope env = request({cmd.kind, cmd.target, {}, {}});
      env.mutable_room_list_request()->set_after(cmd.target);
      out.to_send.push_back(std::move(env));
      break;
    }
    case Command::Kind::nick: {
      proto::Envelope env = request({cmd.kind, cmd.target, {}, {}});
      env.mutable_change_nickname()->set_nickname(cmd.target);
      out.to_send.push_back(std::move(env));
      break;
    }
    case Command::Kind::whisper: {
      if (refuse_if_too_long(cmd.text, out)) {
        break;
      }
      proto::Envelope env = request({cmd.kind, cmd.target, cmd.text, {}});
      auto* w = env.mutable_whisper();
      w->set_to(cmd.target);
      w->set_text(cmd.text);
      w->set_client_msg_id(env.request_id());
      out.to_send.push_back(std::move(env));
      break;
    }
    case Command::Kind::echo: {
      if (refuse_if_too_long(cmd.text, out)) {
        break;
      }
      proto::Envelope env = request({cmd.kind, {}, cmd.text, {}});
      env.mutable_echo()->set_text(cmd.text);
      out.to_send.push_back(std::move(env));
      break;
    }
    case Command::Kind::users: {
      proto::Envelope env = request({cmd.kind, room, {}, {}});
      env.mutable_user_list_request()->set_room(room);
      out.to_send.push_back(std::move(env));
      break;
    }
    case Command::Kind::join: {
      if (find_room(cmd.target) != rooms_.end()) {
        out.lines = switch_to(cmd.target);  // in it already: /join means "take me there"
        break;
      }
      // Switch now: lines typed right after /join belong to the new room (the server handles
      // one connection's requests in order). A refusal switches back.
      proto::Envelope env = request({cmd.kind, cmd.target, current_room_, {}});
      env.mutable_join_room()->set_room(cmd.target);
      out.to_send.push_back(std::move(env));
      set_current_room(cmd.target);
      break;
    }
    case Command::Kind::leave: {
      if (room.empty()) {
        out.lines.push_back("! you are in no room");
        break;
      }
      proto::Envelope env = request({cmd.kind, room, {}, {}});
      env.mutable_leave_room()->set_room(room);
      out.to_send.push_back(std::move(env));
      switch_room_after_leaving(room);
      break;
    }
    case Command::Kind::quit: {
      proto::Envelope env = request({cmd.kind, {}, cmd.text, {}});
      env.mutable_quit()->set_reason(cmd.text);
      out.to_send.push_back(std::move(env));
      out.quit = true;
      break;
    }
    case Command::Kind::ping: {
      proto::Envelope env = request({cmd.kind, {}, {}, {}});
      env.mutable_ping()->set_nonce(env.request_id());
      out.to_send.push_back(std::move(env));
      break;
    }
    case Command::Kind::help:
      out.lines = help_lines();
      break;
    case Command::Kind::register_nickname: {
      proto::Envelope env = request({cmd.kind, nickname_, cmd.text, {}});
      env.mutable_register_nickname()->set_password(cmd.text);
      out.to_send.push_back(std::move(env));
      break;
    }
    case Command::Kind::change_password: {
      proto::Envelope env = request({cmd.kind, nickname_, cmd.text, {}});
      env.mutable_change_password()->set_old_password(cmd.secret);
      env.mutable_change_password()->set_new_password(cmd.text);
      out.to_send.push_back(std::move(env));
      break;
    }
    case Command::Kind::delete_account: {
      proto::Envelope env = request({cmd.kind, nickname_, {}, {}});
      env.mutable_delete_account()->set_password(cmd.secret);
      out.to_send.push_back(std::move(env));
      break;
    }
    case Command::Kind::operator_command: {
      proto::Envelope env = request({cmd.kind, {}, cmd.text, {}});
      env.mutable_operator_command()->set_line(cmd.text);
      out.to_send.push_back(std::move(env));
      break;
    }
    case Command::Kind::invalid:
      out.lines.push_back("! " + cmd.text);
      break;
  }
  return out;
}

std::vector<std::string> ConsoleSession::receive(const proto::Envelope& env) {
  std::lock_guard lock(mutex_);
  const Pending* pending = nullptr;
  Pending taken;
  if (env.request_id() != 0) {
    const auto it = pending_.find(env.request_id());
    if (it != pending_.end()) {
      taken = std::move(it->second);
      pending_.erase(it);
      pending = &taken;
    }
  }
  return on_reply(env, pending);
}

std::vector<std::string> ConsoleSession::on_reply(const proto::Envelope& env,
                                                  const Pending* pending) {
  switch (env.body_case()) {
    case proto::Envelope::kWelcome: {
      const auto& w = env.welcome();
      nickname_ = w.nickname();
      join_state_ = JoinState::joined;
      max_text_bytes_ = w.limits().max_text_bytes();
      if (resuming_) {
        resuming_ = false;
        return {};  // the rooms come back with resume_requests(); the client says "reconnected"
      }
      rooms_.assign(w.rooms().begin(), w.rooms().end());
      unread_.clear();
      set_current_room(rooms_.empty() ? "" : rooms_.front());
      std::vector<std::string> lines{fmt::format("* welcome, {}{}! server {}; you are in {}",
                                                 w.nickname(),
                                                 w.is_operator()  ? " (operator)"
                                                 : w.registered() ? " (registered)"
                                                                  : "",
                                                 w.server_version(), current_room_)};
      if (!w.motd().empty()) {
        lines.push_back("* motd: " + w.motd());
      }
      return lines;
    }
    case proto::Envelope::kChatMessage:
      return timed(on_chat(env.chat_message()), env.chat_message().server_time_ms(),
                   env.chat_message().history());
    case proto::Envelope::kAck:
      if (pending != nullptr && pending->kind == Command::Kind::whisper) {
        const std::string& to = env.ack().to().empty() ? pending->target : env.ack().to();
        return timed({fmt::format("[whisper to {}] {}", to, pending->text)},
                     env.ack().server_time_ms(), false);
      }
      if (pending != nullptr) {
        const auto& a = env.ack();
        if (a.seq() != 0) {  // so that a resume's replay of it is not shown again
          seen_.record(a.room(), a.seq(), {a.server_msg_id(), a.server_time_ms()});
        }
        return timed(
            {pending->action ? fmt::format("[{}] * {} {}", a.room(), pending->from, pending->text)
                             : fmt::format("[{}] <{}> {}", a.room(), pending->from, pending->text)},
            a.server_time_ms(), false);
      }
      return {};
    case proto::Envelope::kEchoReply:
      return {"* echo: " + env.echo_reply().text()};
    case proto::Envelope::kUserList:
      return on_user_list(env.user_list(), pending);
    case proto::Envelope::kPresence:
      return on_presence(env.presence(), pending != nullptr);
    case proto::Envelope::kNotice:
      return on_notice(env.notice());
    case proto::Envelope::kRegistered:
      if (pending != nullptr) {
        password_ = pending->text;  // a reconnect now logs in with it
      }
      return {fmt::format("* {} is registered to you; next time log in with --password",
                          env.registered().nickname())};
    case proto::Envelope::kPasswordChanged:
      if (pending != nullptr) {
        password_ = pending->text;  // a reconnect now logs in with the new one
      }
      return {fmt::format("* the password of {} is changed", env.password_changed().nickname())};
    case proto::Envelope::kAccountDeleted:
      password_.clear();  // a reconnect joins as a guest
      return {fmt::format("* the account {} is deleted; you are a guest now",
                          env.account_deleted().nickname())};
    case proto::Envelope::kRoomList:
      return on_room_list(env.room_list());
    case proto::Envelope::kNicknameChanged:
      return on_nickname_changed(env.nickname_changed());
    case proto::Envelope::kOperatorReply: {
      std::vector<std::string> lines;
      for (const std::string& line : env.operator_reply().lines()) {
        lines.push_back("* " + line);
      }
      return lines;
    }
    case proto::Envelope::kError:
      return on_error(env, pending);
    case proto::Envelope::kPong: {
      if (pending == nullptr) {
        return {};
      }
      if (pending->resume) {
        return on_resumed();  // every replay of the resume came before this
      }
      const auto rtt = std::chrono::steady_clock::now() - pending->sent;
      return {fmt::format("* pong in {:.1f} ms",
                          std::chrono::duration<double, std::milli>(rtt).count())};
    }
    default:
      return {};
  }
}

void ConsoleSession::set_show_times(bool show) {
  std::lock_guard lock(mutex_);
  show_times_ = show;
}

// Under mutex_: `lines` (of one message) with the time it was said in front, when times are shown.
std::vector<std::string> ConsoleSession::timed(std::vector<std::string> lines,
                                               std::uint64_t server_time_ms, bool history) const {
  if (!show_times_) {
    return lines;
  }
  const std::string time = message_time(server_time_ms, history);
  for (std::string& line : lines) {
    if (!time.empty()) {
      line = time + " " + line;
    }
  }
  return lines;
}

namespace {
// "<bob> hi", or for an action "* bob waves".
std::string said(const proto::ChatMessage& m) {
  return m.action() ? fmt::format("* {} {}", m.from(), m.text())
                    : fmt::format("<{}> {}", m.from(), m.text());
}
}  // namespace

std::vector<std::string> ConsoleSession::on_chat(const proto::ChatMessage& m) {
  if (m.whisper()) {
    return {m.action() ? fmt::format("[whisper from {}] {}", m.from(), said(m))
                       : fmt::format("[whisper from {}] {}", m.from(), m.text())};
  }
  const SeenMessages::Id id{m.server_msg_id(), m.server_time_ms()};
  if (m.seq() != 0) {
    if (seen_.seen(m.room(), m.seq(), id)) {
      return {};  // a resume replays from a little before what we saw last: shown already
    }
    seen_.record(m.room(), m.seq(), id);
  }
  if (m.history()) {
    const auto mine = std::find_if(unconfirmed_.begin(), unconfirmed_.end(), [&](const auto& u) {
      return same_name(u.from, m.from()) && same_name(u.room, m.room()) && u.text == m.text();
    });
    if (mine != unconfirmed_.end()) {  // sent before the loss, and the server has it after all
      unconfirmed_.erase(mine);
      return {fmt::format("[{}] {}", m.room(), said(m))};
    }
  }
  const bool resumed = std::any_of(replaying_.begin(), replaying_.end(),
                                   [&](const std::string& r) { return same_name(r, m.room()); });
  if (m.history() && !resumed) {  // replayed on joining: said before you came
    return {fmt::format("[{}] (earlier) {}", m.room(), said(m))};
  }
  count_unread(m.room());
  return {fmt::format("[{}] {}", m.room(), said(m))};
}

std::vector<std::string> ConsoleSession::on_notice(const proto::Notice& n) {
  if (n.kind() == proto::Notice::ROLE_CHANGED) {
    return {"* " + n.text()};  // "you have the operator role now (given by console)"
  }
  if (n.kind() != proto::Notice::HISTORY_GAP) {
    return {"! notice: " + n.text()};
  }
  // The resume asked from a little before what we saw last: only what we never saw is lost.
  const SeenMessages::Unseen lost = seen_.unseen(n.room(), n.missing_from(), n.missing_to());
  if (lost.count == 0) {
    return {};
  }
  return {fmt::format("! {} message{} in {} {} no longer kept (seq {}-{})", lost.count,
                      lost.count == 1 ? "" : "s", n.room(), lost.count == 1 ? "is" : "are",
                      lost.first, lost.last)};
}

std::vector<std::string> ConsoleSession::on_user_list(const proto::UserList& list,
                                                      const Pending* pending) {
  std::vector<std::string> lines;
  if (pending != nullptr && pending->kind == Command::Kind::join) {
    if (find_room(list.room()) == rooms_.end()) {  // a resumed room stayed ours while away
      rooms_.push_back(list.room());
    }
    if (same_name(current_room_, list.room())) {
      set_current_room(list.room());  // the server's spelling
    }
    if (!pending->resume) {  // a resumed room was never left, as far as the user is concerned
      lines.push_back(fmt::format("* you joined {}", list.room()));
    }
  }
  lines.push_back(fmt::format("* users in {} ({}): {}", list.room(), list.members_size(),
                              join_names(list.members())));
  return lines;
}

std::vector<std::string> ConsoleSession::on_presence(const proto::Presence& p, bool mine) {
  if (mine && p.kind() == proto::Presence::LEFT) {
    return {fmt::format("* you left {}", p.room()), current_room_.empty()
                                                        ? "* you are in no room; /join ROOM"
                                                        : "* now talking in " + current_room_};
  }
  if (p.kind() == proto::Presence::RENAMED) {
    return on_renamed(p);
  }
  if (p.kind() == proto::Presence::JOINED) {
    return {fmt::format("* {} joined {}", p.nickname(), p.room())};
  }
  return {fmt::format("* {} left {} ({})", p.nickname(), p.room(), p.reason())};
}

std::vector<std::string> ConsoleSession::on_error(const proto::Envelope& env,
                                                  const Pending* pending) {
  const auto& e = env.error();
  // The Join's own refusal, or (request "") the connection's refusal before the server read the
  // Join: an address ban refuses us as surely as a nickname ban. The "not now" refusals on
  // connect (SERVER_FULL, the per-address limits) are left to the close, which a reconnect
  // answers by trying again.
  // It may come before our Join even left (join_state_ none): refused_on_connect_ makes that
  // Join refused at once.
  const bool refuses_connection = e.request().empty() && e.fatal() && !invites_retry(e.code()) &&
                                  join_state_ != JoinState::joined;
  refused_on_connect_ = refused_on_connect_ || refuses_connection;
  if ((e.request() == "join" && join_state_ == JoinState::pending) || refuses_connection) {
    join_state_ = JoinState::refused;
    join_error_ = e.code();
  }
  if (e.fatal() && !invites_retry(e.code())) {
    may_reconnect_ = false;
  }
  if (pending != nullptr && pending->kind == Command::Kind::join && pending->resume) {
    switch_room_after_leaving(pending->target);  // not ours any more, as if left
  } else if (pending != nullptr && pending->kind == Command::Kind::join &&
             same_name(current_room_, pending->target)) {
    set_current_room(pending->text);  // back to the room we were in before the refused /join
  }
  std::string line = fmt::format("! error {}: {}", proto::ErrorCode_Name(e.code()), e.message());
  if (pending != nullptr && pending->resume && pending->kind == Command::Kind::join) {
    line += fmt::format(" (could not rejoin {})", pending->target);
  }
  if (pending != nullptr &&
      (pending->kind == Command::Kind::say || pending->kind == Command::Kind::whisper)) {
    line += fmt::format(" (not sent: {})", abbreviated(pending->text));
  }
  return {line};
}

// Under mutex_. True (with the line saying why, and the text given back) when `text` is over
// the server's limit: the server would refuse it anyway, after it crossed the network.
bool ConsoleSession::refuse_if_too_long(const std::string& text, Output& out) const {
  if (max_text_bytes_ == 0 || text.size() <= max_text_bytes_) {
    return false;
  }
  out.lines.push_back(fmt::format("! too long: {} bytes, the server takes up to {}; not sent",
                                  text.size(), max_text_bytes_));
  out.give_back = true;
  return true;
}

void ConsoleSession::switch_room_after_leaving(const std::string& room) {
  seen_.forget(room);
  std::erase_if(unread_, [&](const auto& u) { return same_name(u.first, room); });
  rooms_.erase(std::remove_if(rooms_.begin(), rooms_.end(),
                              [&](const std::string& r) { return same_name(r, room); }),
               rooms_.end());
  if (same_name(current_room_, room)) {
    set_current_room(rooms_.empty() ? "" : rooms_.back());
  }
}

ConsoleSession::JoinState ConsoleSession::join_state() const {
  std::lock_guard lock(mutex_);
  return join_state_;
}

proto::ErrorCode ConsoleSession::join_error() const {
  std::lock_guard lock(mutex_);
  return join_error_;
}

std::string ConsoleSession::nickname() const {
  std::lock_guard lock(mutex_);
  return nickname_;
}

std::size_t ConsoleSession::unacknowledged() const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(
      std::count_if(pending_.begin(), pending_.end(), [](const auto& p) {
        return p.second.kind == Command::Kind::say || p.second.kind == Command::Kind::whisper;
      }));
}

}  // namespace chat::client
