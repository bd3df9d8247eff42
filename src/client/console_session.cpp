#include "console_session.h"

#include <algorithm>

#include <fmt/format.h>

namespace chat::client {
namespace {

bool same_name(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
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

proto::Envelope ConsoleSession::join_request(const std::string& nickname) {
  std::lock_guard lock(mutex_);
  nickname_ = nickname;
  join_state_ = JoinState::pending;
  proto::Envelope env = request({Command::Kind::empty, nickname, {}, {}});
  env.mutable_join()->set_nickname(nickname);
  env.mutable_join()->set_protocol_version(1);
  return env;
}

ConsoleSession::Output ConsoleSession::command(const Command& cmd) {
  std::lock_guard lock(mutex_);
  Output out;
  const std::string room = cmd.target.empty() ? current_room_ : cmd.target;
  switch (cmd.kind) {
    case Command::Kind::empty:
      break;
    case Command::Kind::say: {
      if (current_room_.empty()) {
        out.lines.push_back("! you are in no room; /join ROOM first");
        break;
      }
      proto::Envelope env = request({cmd.kind, current_room_, cmd.text, {}});
      auto* b = env.mutable_broadcast();
      b->set_room(current_room_);
      b->set_text(cmd.text);
      b->set_client_msg_id(env.request_id());
      out.to_send.push_back(std::move(env));
      break;
    }
    case Command::Kind::whisper: {
      proto::Envelope env = request({cmd.kind, cmd.target, cmd.text, {}});
      auto* w = env.mutable_whisper();
      w->set_to(cmd.target);
      w->set_text(cmd.text);
      w->set_client_msg_id(env.request_id());
      out.to_send.push_back(std::move(env));
      break;
    }
    case Command::Kind::echo: {
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
      // Switch now: lines typed right after /join belong to the new room (the server handles
      // one connection's requests in order). A refusal switches back.
      proto::Envelope env = request({cmd.kind, cmd.target, current_room_, {}});
      env.mutable_join_room()->set_room(cmd.target);
      out.to_send.push_back(std::move(env));
      current_room_ = cmd.target;
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
      out.lines.emplace_back(help_text());
      break;
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
      rooms_.assign(w.rooms().begin(), w.rooms().end());
      current_room_ = rooms_.empty() ? "" : rooms_.front();
      std::vector<std::string> lines{fmt::format("* welcome, {}! server {}; you are in {}",
                                                 w.nickname(), w.server_version(), current_room_)};
      if (!w.motd().empty()) {
        lines.push_back("* motd: " + w.motd());
      }
      return lines;
    }
    case proto::Envelope::kChatMessage: {
      const auto& m = env.chat_message();
      if (m.whisper()) {
        return {fmt::format("[whisper from {}] {}", m.from(), m.text())};
      }
      if (m.history()) {  // replayed on joining: said before you came
        return {fmt::format("[{}] (earlier) <{}> {}", m.room(), m.from(), m.text())};
      }
      return {fmt::format("[{}] <{}> {}", m.room(), m.from(), m.text())};
    }
    case proto::Envelope::kAck:
      if (pending != nullptr && pending->kind == Command::Kind::whisper) {
        return {fmt::format("[whisper to {}] {}", pending->target, pending->text)};
      }
      if (pending != nullptr) {
        return {fmt::format("[{}] <{}> {}", env.ack().room(), nickname_, pending->text)};
      }
      return {};
    case proto::Envelope::kEchoReply:
      return {"* echo: " + env.echo_reply().text()};
    case proto::Envelope::kUserList:
      return on_user_list(env.user_list(), pending);
    case proto::Envelope::kPresence:
      return on_presence(env.presence(), pending != nullptr);
    case proto::Envelope::kNotice:
      return {"! notice: " + env.notice().text()};
    case proto::Envelope::kError:
      return on_error(env, pending);
    case proto::Envelope::kPong: {
      if (pending == nullptr) {
        return {};
      }
      const auto rtt = std::chrono::steady_clock::now() - pending->sent;
      return {fmt::format("* pong in {:.1f} ms",
                          std::chrono::duration<double, std::milli>(rtt).count())};
    }
    default:
      return {};
  }
}

std::vector<std::string> ConsoleSession::on_user_list(const proto::UserList& list,
                                                      const Pending* pending) {
  std::vector<std::string> lines;
  if (pending != nullptr && pending->kind == Command::Kind::join) {
    rooms_.push_back(list.room());
    if (same_name(current_room_, list.room())) {
      current_room_ = list.room();  // the server's spelling
    }
    lines.push_back(fmt::format("* you joined {}", list.room()));
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
  if (p.kind() == proto::Presence::JOINED) {
    return {fmt::format("* {} joined {}", p.nickname(), p.room())};
  }
  return {fmt::format("* {} left {} ({})", p.nickname(), p.room(), p.reason())};
}

std::vector<std::string> ConsoleSession::on_error(const proto::Envelope& env,
                                                  const Pending* pending) {
  const auto& e = env.error();
  if (env.error().request() == "join" && join_state_ == JoinState::pending) {
    join_state_ = JoinState::refused;
  }
  if (pending != nullptr && pending->kind == Command::Kind::join &&
      same_name(current_room_, pending->target)) {
    current_room_ = pending->text;  // the room we were in before the refused /join
  }
  std::string line = fmt::format("! error {}: {}", proto::ErrorCode_Name(e.code()), e.message());
  if (pending != nullptr &&
      (pending->kind == Command::Kind::say || pending->kind == Command::Kind::whisper)) {
    line += fmt::format(" (not sent: {})", pending->text);
  }
  return {line};
}

void ConsoleSession::switch_room_after_leaving(const std::string& room) {
  rooms_.erase(std::remove_if(rooms_.begin(), rooms_.end(),
                              [&](const std::string& r) { return same_name(r, room); }),
               rooms_.end());
  if (same_name(current_room_, room)) {
    current_room_ = rooms_.empty() ? "" : rooms_.back();
  }
}

ConsoleSession::JoinState ConsoleSession::join_state() const {
  std::lock_guard lock(mutex_);
  return join_state_;
}

std::size_t ConsoleSession::unacknowledged() const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(
      std::count_if(pending_.begin(), pending_.end(), [](const auto& p) {
        return p.second.kind == Command::Kind::say || p.second.kind == Command::Kind::whisper;
      }));
}

std::string ConsoleSession::prompt() const {
  std::lock_guard lock(mutex_);
  return current_room_.empty() ? "> " : "[" + current_room_ + "] > ";
}

}  // namespace chat::client
