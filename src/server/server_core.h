// Internal header (server). The state every request handler works on, and the few operations
// they share (reply, error, leave the chat, close). ChatServer owns one and feeds it completions.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "accounts/auth_worker.h"
#include "address_limits.h"
#include "chat.pb.h"
#include "delivery.h"
#include "history/history_budget.h"
#include "live_settings.h"
#include "net/io_service.h"
#include "nickname_registry.h"
#include "operators/mute_list.h"
#include "room.h"
#include "server_config.h"
#include "session_pool.h"
#include "storage/account_store.h"
#include "storage/message_log.h"

namespace chat::server {

// Connections the server has half-closed, waiting for the peer's end of stream. Thread-safe.
class LingerList {
 public:
  using Clock = std::chrono::steady_clock;
  void add(net::ConnId id, Clock::time_point deadline);
  // Removes and returns the ids whose deadline has passed.
  std::vector<net::ConnId> take_expired(Clock::time_point now);

 private:
  std::mutex mutex_;
  std::vector<std::pair<net::ConnId, Clock::time_point>> entries_;
};

struct ServerCore {
  ServerCore(const ServerConfig& cfg, net::IoHandler& handler);

  const ServerConfig config;
  LiveSettings live;  // what a reload changes: use it, not `config`, for those fields
  std::unique_ptr<net::IoService> io;
  SessionPool pool;
  NicknameRegistry nicknames;
  // Before the rooms, which use it; after the pool and the I/O service, which its last Acks
  // (sent while it drains on destruction) use. Null when config.db_path is empty
  // (open_message_log).
  std::unique_ptr<MessageLog> history;
  HistoryBudget history_memory;  // config.history_memory_bytes, shared by every room's ring
  RoomDirectory rooms;
  LingerList lingering;
  AddressLimits addresses;  // connections per client address (--max-conns-per-ip, ...)
  std::unique_ptr<AccountStore> accounts;  // never null (open_account_store)
  MuteList mutes;                          // stored in `accounts`
  // Where the auth worker's results go, on a worker thread (ChatServer sets it before starting).
  std::function<void(const AuthResult&)> auth_finished;
  // An operator's /shutdown [reason]: whoever runs the server sets it (chat_server's main stops
  // the way SIGTERM does). Unset: /shutdown says it cannot.
  std::function<void(const std::string& reason)> shutdown_requested;
  std::atomic<std::uint64_t> next_msg_id{1};
  std::atomic<unsigned> clients{0};  // accepted connections counted against max_clients
  std::atomic<bool> shutting_down{false};
  // Held while an account's operator role changes and its holder is told (console op/deop, a
  // reload's --operator, a login that finds the role changed since its Welcome), so the
  // ROLE_CHANGED notices a connection gets come in the order the changes happened and the
  // last one is the truth. Taken before the accounts', nicknames' and send queues' locks.
  std::mutex role_changes;

  // Sends one envelope to `id` (from any thread).
  void send(net::ConnId id, const proto::Envelope& env);
  // Sends `id` the Ack of its broadcast or whisper (room "" and seq 0 for a whisper). Any thread.
  void send_ack(net::ConnId id, std::uint64_t request_id, std::uint64_t client_msg_id,
                std::uint64_t server_msg_id, const std::string& room, std::uint64_t seq,
                std::uint64_t time_ms);
  // Notice{ROLE_CHANGED} telling its receiver it has (or no longer has) the operator role,
  // given or taken by `by`.
  static proto::Envelope role_changed_notice(bool is_operator, const std::string& by);
  static proto::Envelope ack_envelope(std::uint64_t request_id, std::uint64_t client_msg_id,
                                      std::uint64_t server_msg_id, const std::string& room,
                                      std::uint64_t seq, std::uint64_t time_ms);
  // The history store's writer finished `batch`: keeps each sender's promised Ack (or, when the
  // commit failed, drops it), gathered per recipient in one FlushBatch. On the writer thread.
  void on_stored(const std::vector<Stored>& batch, bool committed);
  // Sends Error(code) answering `request`; a fatal one also starts a graceful close. From `id`'s
  // own callbacks (it may close `s`), or from the thread that handles `id`'s auth result.
  void send_error(net::ConnId id, Session& s, const proto::Envelope& request, proto::ErrorCode code,
                  std::string message, bool fatal = false);
  // The chat-level goodbye: leaves every room (telling the members why) and frees the nickname.
  // Runs once per connection, from its own callbacks.
  void leave_chat(net::ConnId id, Session& s);
  // Stops taking requests from `id`, flushes what is queued to it, half-closes, then closes when
  // the peer does (or after config.linger). From `id`'s own callbacks.
  void close_gracefully(net::ConnId id, Session& s, CloseReason reason);
  // Called when a queue finished draining for a graceful close: half-close and start lingering.
  // Any thread (the send completion that drained it, or the close that found it drained); a
  // stale id is ignored by the backend.
  void half_close(net::ConnId id);
  // Queues the shared Notice(SHUTDOWN) frame to `id` and closes it once that is sent (after any
  // Ack it is owed). Any thread; a stale id changes nothing.
  void notify_shutdown(net::ConnId id, Session& s);
  // Queues `frame` (framed for `s`: Session::frame_kind) as the last one `id` gets (after the Acks
  // it is owed) and closes it once that is sent, or after config.linger. False when `id` is gone or
  // already closing. Any thread.
  bool send_last(net::ConnId id, Session& s, const net::SharedBytes& frame);
  // Closes `id` for a decision made on another thread (a timeout, an operator's kick): tells it
  // with a fatal Error(code), closes once that is sent (or after config.linger), and records
  // `reason` for `id`'s generation only. A stale `id` changes nothing (false). Any thread.
  bool expire(net::ConnId id, Session& s, CloseReason reason, proto::ErrorCode code,
              std::string message);

  // True if `s` is logged in to an account with the operator role. From `s`'s own callbacks.
  bool is_operator(const Session& s) const;
  // True if the account `nickname` has the operator role: given on the console (stored) or
  // named by config.operators (for this run; the console's deop takes that too). Any thread.
  bool has_operator_role(const std::string& nickname) const;
  // Removes `who` for an operator (or for a login that replaces it): a fatal Error(KICKED, or
  // BANNED for reason banned) with `message` and a close, recording `reason` for its
  // generation only. It leaves its rooms (Presence LEFT) and gives up its nickname at once, not
  // when the connection closes, which a client that hangs on delays by up to config.linger.
  // Any thread; a stale id changes nothing.
  void kick(const NicknameRegistry::Holder& who, CloseReason reason, std::string message);
  // Ends `id`'s connection for a decision made on another thread, the one rule of every such
  // way out (kick, ban, a timeout; docs/protocol.md, "Disconnects"): a fatal Error(code) with
  // `message` after the Acks it is owed, then the close; it leaves its rooms (Presence LEFT, with
  // `reason`) and gives up its nickname at once. Any thread; a stale id changes nothing.
  void expel(net::ConnId id, CloseReason reason, proto::ErrorCode code, std::string message);
  // Ends the connection of a reader whose send queue overflowed and was cut (SendQueue::
  // finish_cut): expelled as above (its Error(SLOW_READER) already queued by the cut), then
  // closed once the whole frames left are sent, or after config.linger. On a worker (posted by
  // SessionPool::report_cut); a stale id changes nothing.
  void cut_off(net::ConnId id);

  // Notice(SHUTDOWN), serialized once; set_shutdown_reason() changes it before shutdown begins.
  wire::FramedMessage shutdown_notice;
  void set_shutdown_reason(const std::string& reason);

  static std::uint64_t now_ms();
  // A monotonic clock in milliseconds, for timeouts.
  static std::int64_t steady_ms();

  // Last: its thread stops first, while everything its results are posted to still exists.
  std::unique_ptr<AuthWorker> auth;
};

}  // namespace chat::server
