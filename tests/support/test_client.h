// A blocking test client over the real client core: an inbox of received Envelopes with waits.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "client/chat_connection.h"

namespace chat::testing {

using proto::Envelope;
using namespace std::chrono_literals;

inline constexpr auto kWait = 10s;  // generous: sanitizer builds and Wine are slow

class TestClient {
 public:
  // Connects to `server` from the local address `from` (empty host: any; 127.0.0.2, 127.0.0.3
  // ... make a loopback server see distinct hosts); check connected() (tests ASSERT on it).
  TestClient(client::ClientNetwork& network, const net::Endpoint& server,
             const net::Endpoint& from = net::Endpoint{});

  bool connected() const { return !connect_error_; }
  // Why connecting failed (a timeout, a refusal...), for a failing test's message.
  std::string connect_error() const { return connect_error_.message(); }
  bool send(Envelope env);  // sets a fresh request_id if none
  bool send_raw(std::string bytes) { return conn_.send_raw(std::move(bytes)); }

  // Join and wait for Welcome + the lobby UserList. Returns the Welcome or an Error envelope.
  Envelope join(const std::string& nickname);
  // Join with a password (a login); returns the Welcome or the Error (no UserList wait).
  Envelope login(const std::string& nickname, const std::string& password);
  // Register the current nickname; returns the Registered or the Error.
  Envelope register_nickname(const std::string& password);
  // An operator command; returns the OperatorReply or the Error.
  Envelope operator_command(const std::string& line);
  // Sends `env` under a fresh request_id and waits for the reply to it: an `answer` body or an
  // Error (an empty Envelope on timeout).
  Envelope ask(Envelope env, Envelope::BodyCase answer);
  // The first received envelope matching `pred` (others stay in the inbox, in order).
  std::optional<Envelope> wait_for(const std::function<bool(const Envelope&)>& pred,
                                   std::chrono::milliseconds timeout = kWait);
  std::optional<Envelope> wait_for(Envelope::BodyCase body,
                                   std::chrono::milliseconds timeout = kWait);
  // Everything received so far, removed from the inbox.
  std::vector<Envelope> take_all();
  // Waits until at least `n` envelopes matching `pred` were received; returns them all (removed).
  std::vector<Envelope> wait_count(const std::function<bool(const Envelope&)>& pred, std::size_t n,
                                   std::chrono::milliseconds timeout = kWait);
  bool wait_closed(std::chrono::milliseconds timeout = kWait) { return conn_.wait_closed(timeout); }
  std::string close_reason() const;
  void close() { conn_.close(); }
  void finish_sending() { conn_.finish_sending(); }
  void pause_receiving() { conn_.pause_receiving(); }
  void resume_receiving() { conn_.resume_receiving(); }

  // Convenience requests.
  bool broadcast(const std::string& room, const std::string& text, std::uint64_t client_msg_id);
  bool whisper(const std::string& to, const std::string& text, std::uint64_t client_msg_id);
  bool join_room(const std::string& room);
  bool leave_room(const std::string& room);
  bool request_users(const std::string& room);

 private:
  mutable std::mutex mutex_;
  std::condition_variable arrived_;
  std::deque<Envelope> inbox_;
  std::string close_reason_;
  std::uint64_t next_request_id_ = 1;
  client::ChatConnection conn_;  // last: destroyed first, while the inbox still exists
  std::error_code connect_error_;
};

// A new client of `server` that has joined as `nick`; a failed connect or join fails the test
// (EXPECT), and the client is returned anyway.
std::unique_ptr<TestClient> joined_client(client::ClientNetwork& network,
                                          const net::Endpoint& server, const std::string& nick);

// True if any of `lines` contains `text` (an operator's reply, a console's answer).
inline bool has_line_containing(const std::vector<std::string>& lines, const std::string& text) {
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& l) { return l.find(text) != std::string::npos; });
}

// Joins `nick` as a guest, registers it with `password` and quits, waiting until the server has
// let go of the nickname (EXPECTs each step).
void register_account(client::ClientNetwork& network, const net::Endpoint& server,
                      const std::string& nick, const std::string& password);

// Encodes a frame by hand: varint length + body bytes.
std::string frame_bytes(const std::string& body);

}  // namespace chat::testing
