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

namespace chat::client {

// Thread-safe: the input thread calls command(), the network thread calls receive().
class ConsoleSession {
 public:
  struct Output {
    std::vector<proto::Envelope> to_send;
    std::vector<std::string> lines;
    bool quit = false;  // send the Quit in to_send, then close
  };
  enum class JoinState { none, pending, joined, refused };

  // The Join request for `nickname` (the handshake; may be retried after a refusal).
  proto::Envelope join_request(const std::string& nickname);
  Output command(const Command& cmd);
  std::vector<std::string> receive(const proto::Envelope& env);

  JoinState join_state() const;
  // Broadcasts and whispers sent but not yet Acked or refused.
  std::size_t unacknowledged() const;
  std::string prompt() const;  // "[lobby] > "

 private:
  struct Pending {
    Command::Kind kind;
    std::string target;  // room or nickname
    std::string text;
    std::chrono::steady_clock::time_point sent;
  };
  proto::Envelope request(Pending pending);
  std::vector<std::string> on_reply(const proto::Envelope& env, const Pending* pending);
  std::vector<std::string> on_user_list(const proto::UserList& list, const Pending* pending);
  std::vector<std::string> on_presence(const proto::Presence& p, bool mine);
  std::vector<std::string> on_error(const proto::Envelope& env, const Pending* pending);
  void switch_room_after_leaving(const std::string& room);

  mutable std::mutex mutex_;
  std::string nickname_;
  JoinState join_state_ = JoinState::none;
  std::vector<std::string> rooms_;
  std::string current_room_;
  std::uint64_t next_request_id_ = 1;
  std::map<std::uint64_t, Pending> pending_;  // by request_id
};

}  // namespace chat::client
