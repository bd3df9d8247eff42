// ConsoleSession: picking up where a lost connection left off (see console_session.h).
#include <algorithm>

#include <fmt/format.h>

#include "console_session.h"
#include "same_name.h"

namespace chat::client {

namespace {

// A request the user typed, as they typed it ("/echo hi", "/op kick bob"), never its password.
std::string typed_command(Command::Kind kind, const std::string& target, const std::string& text) {
  switch (kind) {
    case Command::Kind::echo:
      return "/echo " + text;
    case Command::Kind::users:
      return "/users " + target;
    case Command::Kind::register_nickname:
      return "/register";
    case Command::Kind::change_password:
      return "/passwd";
    case Command::Kind::delete_account:
      return "/delete-account";
    case Command::Kind::operator_command:
      return "/op " + text;
    case Command::Kind::list_rooms:
      return target.empty() ? "/list" : "/list " + target;
    default:
      return "/ping";
  }
}

}  // namespace

std::vector<std::string> ConsoleSession::connection_lost(bool will_resume) {
  std::lock_guard lock(mutex_);
  std::vector<std::string> lines;
  // Our rooms stay ours while away (/switch and Alt+digit go on working, the unread counts stay):
  // each is rejoined by resume_requests(). rejoin_ may hold rooms already (lost again before
  // resume_requests()), and a room of ours may have its rejoin in flight (lost again before its
  // answer): each room is rejoined once.
  const auto rejoin = [&](const std::string& room, bool was_member) {
    if (std::none_of(rejoin_.begin(), rejoin_.end(),
                     [&](const Rejoin& r) { return same_name(r.room, room); })) {
      rejoin_.push_back({room, was_member});
    }
  };
  for (const std::string& room : rooms_) {
    rejoin(room, true);
  }
  for (auto& [id, p] : pending_) {
    switch (p.kind) {
      case Command::Kind::say:
        // The server numbers a message when it accepts it, and may have stored and sent it
        // without our hearing back: sending it again could make it appear twice. The replay
        // of the room after reconnecting says which it was.
        if (will_resume) {
          lines.push_back(fmt::format("! not confirmed yet: [{}] {} (checking once reconnected)",
                                      p.target, p.text));
          unconfirmed_.push_back({p.target, p.text, p.from});
        } else {
          lines.push_back(fmt::format("! not confirmed: [{}] {}", p.target, p.text));
        }
        break;
      case Command::Kind::whisper:
        lines.push_back(fmt::format("! not confirmed: [whisper to {}] {}", p.target, p.text));
        break;
      case Command::Kind::join:
        rejoin(p.target, p.resume && p.was_member);
        break;
      case Command::Kind::register_nickname:
      case Command::Kind::change_password:
      case Command::Kind::delete_account:
      case Command::Kind::operator_command:
        // Done or not, the server may have acted on it (unlike a room message, nothing replays
        // to say which): not sent again, but not dropped unsaid either. Never the password.
        lines.push_back(fmt::format(
            "! not confirmed: {} (the connection was lost before the answer; check, and send it "
            "again if needed)",
            typed_command(p.kind, p.target, p.text)));
        break;
      case Command::Kind::nick:
        // The server may have renamed us (the others then saw it) before the loss; the reconnect
        // joins as the name we had.
        lines.push_back(fmt::format(
            "! not confirmed: /nick {} (the connection was lost before the answer; the server may "
            "have renamed you, but you {} as {}: send it again if needed)",
            p.target, will_resume ? "come back" : "were still", nickname_));
        break;
      case Command::Kind::echo:
      case Command::Kind::users:
      case Command::Kind::list_rooms:
      case Command::Kind::ping:
        if (!p.resume) {  // a resume's own Ping is the client's, not the user's
          lines.push_back(fmt::format("! no answer to {}: the connection was lost",
                                      typed_command(p.kind, p.target, p.text)));
        }
        break;
      default:
        break;  // a /leave is done once we are back (its room is not rejoined), a /quit ends
    }
  }
  pending_.clear();
  replaying_.clear();
  join_state_ = JoinState::none;
  resuming_ = false;
  refused_on_connect_ = false;
  if (!will_resume) {
    for (const Unconfirmed& u : unconfirmed_) {
      lines.push_back(fmt::format("! not confirmed: [{}] {}", u.room, u.text));
    }
    unconfirmed_.clear();
  }
  return lines;
}

std::vector<proto::Envelope> ConsoleSession::resume_requests() {
  std::lock_guard lock(mutex_);
  std::vector<proto::Envelope> out;
  for (const Rejoin& r : rejoin_) {
    proto::Envelope env = request({Command::Kind::join, r.room, {}, {}, true, r.was_member});
    env.mutable_join_room()->set_room(r.room);
    if (r.was_member) {
      // Nothing seen in a room we were in means it had nothing to replay when we joined, so
      // since_seq 0 (all it has now) misses nothing and repeats nothing. A room we were only
      // joining is joined as anew: its newest messages, as a /join shows them.
      env.mutable_join_room()->set_since_seq(seen_.resume_from(r.room));
      replaying_.push_back(r.room);
    }
    out.push_back(std::move(env));
  }
  rejoin_.clear();
  proto::Envelope ping = request({Command::Kind::ping, {}, {}, {}, true, false});
  ping.mutable_ping()->set_nonce(ping.request_id());
  out.push_back(std::move(ping));
  return out;
}

std::vector<std::string> ConsoleSession::on_resumed() {
  replaying_.clear();
  std::vector<std::string> lines;
  for (const Unconfirmed& u : unconfirmed_) {
    lines.push_back(
        fmt::format("! not confirmed: [{}] {} (not in the room's history: probably not delivered)",
                    u.room, u.text));
  }
  unconfirmed_.clear();
  return lines;
}

std::vector<std::string> ConsoleSession::give_up() {
  std::lock_guard lock(mutex_);
  std::vector<std::string> lines;
  for (const Unconfirmed& u : unconfirmed_) {
    lines.push_back(fmt::format("! not confirmed: [{}] {}", u.room, u.text));
  }
  unconfirmed_.clear();
  return lines;
}

bool ConsoleSession::may_reconnect() const {
  std::lock_guard lock(mutex_);
  return may_reconnect_;
}

}  // namespace chat::client
