// Public header. The console client's chat state, between typed commands and the wire:
// commands become Envelopes, Envelopes become output lines. No I/O, so it is unit-tested.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "chat.pb.h"
#include "command_parser.h"
#include "seen_messages.h"

namespace chat::client {

// Thread-safe: the input thread calls command(), the network thread calls receive().
class ConsoleSession {
 public:
  struct Output {
    std::vector<proto::Envelope> to_send;
    std::vector<std::string> lines;  // each without a newline
    bool quit = false;               // send the Quit in to_send, then close
    // Refused before sending (too long): the typed line goes back to be edited.
    bool give_back = false;
  };
  enum class JoinState { none, pending, joined, refused };

  // The Join request for `nickname` (the handshake; may be retried after a refusal). Every Join
  // is built here. With `resume`, the Join of a reconnect: skip_lobby, since resume_requests()
  // rejoins exactly our rooms, and its Welcome leaves the rooms and the current room as they were.
  proto::Envelope join_request(const std::string& nickname, bool resume = false);
  // With times on (a terminal), each message's line starts with when it was said (message_time()):
  // "14:05 [lobby] <bob> hi". Off by default: scripts read the lines as README documents them.
  void set_show_times(bool show);
  // The password every Join from now on carries (empty: join as a guest). A successful
  // /register sets it too, so that a reconnect logs in.
  void set_password(std::string password);
  Output command(const Command& cmd);
  std::vector<std::string> receive(const proto::Envelope& env);

  JoinState join_state() const;
  // Why the last Join was refused (NICKNAME_TAKEN...); ERROR_CODE_UNSPECIFIED if it was not.
  proto::ErrorCode join_error() const;
  // Broadcasts and whispers sent but not yet Acked or refused.
  std::size_t unacknowledged() const;
  // "[lobby] > ", or with unread messages in other rooms "[lobby | dev 3, ops 1] > ": at most
  // kPromptRooms of them, each name cut to kPromptNameCodePoints, the rest as "+N".
  std::string prompt() const;
  static constexpr std::size_t kPromptRooms = 3;
  static constexpr std::size_t kPromptNameCodePoints = 12;
  std::string nickname() const;  // the one we joined (or are joining) with; a /nick changes it

  // Alt+`number`: makes our `number`th room (1-based, in the order we joined them) the current
  // one; the lines say which, or that there is no such room.
  std::vector<std::string> switch_to_number(int number);

  // ---- Reconnecting (console_session_resume.cpp)

  // The connection is gone: every request in flight is dropped, and our rooms (with those we
  // were joining) are kept for resume_requests(). Our rooms stay ours meanwhile: /switch and
  // switch_to_number() work, and the prompt keeps their unread counts; a room whose rejoin is
  // refused is dropped then, as if left. Returns lines about the messages in flight:
  // a whisper is "not confirmed" at once; with `will_resume`, a room message is checked against
  // the history the resume replays (shown like an Acked one if it is there), otherwise it too is
  // "not confirmed" at once.
  std::vector<std::string> connection_lost(bool will_resume);
  // Once the resume Join is welcomed: a JoinRoom for each room (since_seq from SeenMessages for
  // a room we were in; none for one we were still joining), then a Ping whose Pong, coming
  // after every replay, ends the check of the unconfirmed messages.
  std::vector<proto::Envelope> resume_requests();
  // No reconnect after all: lines for the room messages still unconfirmed.
  std::vector<std::string> give_up();
  // False once the server ended the connection with a fatal Error that a client must not answer
  // by coming straight back (kicked for flooding, a protocol error); true for those that invite
  // a retry (SERVER_FULL, the timeouts, the per-address limits) and for every other close.
  bool may_reconnect() const;

 private:
  struct Pending {
    Command::Kind kind;
    std::string target;  // room or nickname
    std::string text;
    std::chrono::steady_clock::time_point sent;
    bool resume = false;      // sent by resume_requests()
    bool was_member = false;  // a resume JoinRoom of a room we were in (not one we were joining)
    bool action = false;      // a say that is a /me
    // A say's sender: our nickname when it was sent, which a /nick right after must not change
    // (the others saw it from this name).
    std::string from = {};
  };
  struct Rejoin {
    std::string room;
    bool was_member = false;
  };
  struct Unconfirmed {  // a Broadcast in flight when the connection was lost
    std::string room;
    std::string text;
    std::string from;  // our nickname when it was sent: its replay comes from this name
  };
  proto::Envelope request(Pending pending);
  std::vector<std::string> on_reply(const proto::Envelope& env, const Pending* pending);
  std::vector<std::string> on_chat(const proto::ChatMessage& m);
  std::vector<std::string> on_notice(const proto::Notice& n);
  std::vector<std::string> on_resumed();
  std::vector<std::string> on_user_list(const proto::UserList& list, const Pending* pending);
  std::vector<std::string> on_presence(const proto::Presence& p, bool mine);
  std::vector<std::string> on_error(const proto::Envelope& env, const Pending* pending);
  void switch_room_after_leaving(const std::string& room);
  // ---- Rooms, unread counts, nicknames (console_session_rooms.cpp); all under mutex_.
  std::vector<std::string> switch_to(const std::string& room_or_number);
  std::vector<std::string> on_room_list(const proto::RoomList& list);
  std::vector<std::string> on_nickname_changed(const proto::NicknameChanged& changed);
  std::vector<std::string> on_renamed(const proto::Presence& p);
  // Every change of the current room goes through here: what the user is looking at has nothing
  // unread, so a count kept from before (a room switched back to after a refused /join, the one
  // a /leave falls back to) cannot come back later.
  void set_current_room(std::string room);
  // A live message in a room other than the current one counts as unread there.
  void count_unread(const std::string& room);
  // Our room spelled as `room` (any ASCII case), or rooms_.end().
  std::vector<std::string>::const_iterator find_room(const std::string& room) const;
  bool refuse_if_too_long(const std::string& text, Output& out) const;
  std::vector<std::string> timed(std::vector<std::string> lines, std::uint64_t server_time_ms,
                                 bool history) const;

  mutable std::mutex mutex_;
  std::string nickname_;
  std::string password_;
  std::size_t max_text_bytes_ = 0;  // the server's, from its Welcome; 0: not known yet
  bool show_times_ = false;
  JoinState join_state_ = JoinState::none;
  proto::ErrorCode join_error_ = proto::ERROR_CODE_UNSPECIFIED;
  bool resuming_ = false;  // the Join in flight is a reconnect's
  // The server refused this connection itself (an address ban) before it read a Join; until
  // connection_lost().
  bool refused_on_connect_ = false;
  bool may_reconnect_ = true;
  std::vector<Rejoin> rejoin_;  // after a loss, until resume_requests()
  std::vector<Unconfirmed> unconfirmed_;
  // Rooms being resumed, until the Pong after their replays: what they replay is what we missed
  // while away, shown as live chat rather than as "(earlier)".
  std::vector<std::string> replaying_;
  SeenMessages seen_;
  std::vector<std::string> rooms_;
  std::string current_room_;
  std::vector<std::pair<std::string, unsigned>> unread_;  // by room, only rooms with some
  std::string last_rename_;  // "old\nnew" of the last RENAMED shown: one line per rename
  std::uint64_t next_request_id_ = 1;
  std::map<std::uint64_t, Pending> pending_;  // by request_id
};

}  // namespace chat::client
