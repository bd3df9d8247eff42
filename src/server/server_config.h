// Public header. Everything chat_server can be told, with the defaults it runs on.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <vector>

#include "accounts/login_throttle.h"
#include "accounts/password_hash.h"
#include "accounts/registration_limiter.h"
#include "net/framing.h"
#include "net/io_service.h"
#include "net/thread_priority.h"

namespace chat::server {

struct ServerConfig {
  std::string host = "127.0.0.1";
  // Unset: the first free port in [kDefaultPortFirst, kDefaultPortLast]. 0: an ephemeral port.
  std::optional<std::uint16_t> port;
  unsigned workers = 0;  // 0: net::default_worker_count(), one per hardware thread but one
  unsigned max_clients = 1024;
  // Accepts kept posted at once (IOCP's AcceptEx); the epoll backend accepts in a loop instead.
  unsigned posted_accepts = 16;
  // The I/O backend: "auto" or one of net::io_backend_names() ("epoll", "uring"; "iocp").
  std::string io_backend = "auto";
  // For the fuzzer: builds the I/O service instead of net::make_io_service, so the server can
  // run on an in-memory transport. Unset (always, in chat_server): the backend io_backend names.
  net::IoFactory io_factory;
  // With io_factory, the transport hook: how the connections it accepts frame their bytes
  // (net/framing.h). A TLS transport is an io_factory whose service filters the bytes; a
  // WebSocket one adds a FramingKind. Every program uses the length prefix.
  net::FramingKind framing = net::FramingKind::length_prefix;

  std::uint32_t max_frame_bytes = 64 * 1024;
  std::uint32_t max_text_bytes = 4 * 1024;
  std::uint32_t max_nickname_bytes = 32;
  std::uint32_t max_room_name_bytes = 32;
  std::uint32_t max_rooms_per_session = 16;
  // Flood control per session: a burst of `flood_burst` requests, then `flood_rate` a second
  // (Quit and Pong are free). Over it a request gets Error(RATE_LIMITED) and is dropped; a
  // client that sends another whole burst while over it is disconnected. flood_rate 0: off.
  std::uint32_t flood_burst = 40;
  std::uint32_t flood_rate = 20;
  // Whispers one user receives, from all senders together, in bytes a second (a burst of two
  // seconds' worth): a whisper over it gets Error(RATE_LIMITED) for its sender, so that many
  // senders, each within its own flood allowance, cannot bury a reader who pauses. 0: off.
  std::uint32_t whisper_bytes_per_s = 32 * 1024;
  // A connection with no successful Join this long after it was accepted is closed with
  // Error(HANDSHAKE_TIMEOUT). 0: never.
  std::chrono::milliseconds handshake_timeout{10000};
  // Heartbeat: a connection silent for heartbeat_interval gets a Ping; one silent for
  // heartbeat_timeout is closed with Error(HEARTBEAT_TIMEOUT). 0: off.
  std::chrono::milliseconds heartbeat_interval{30000};
  std::chrono::milliseconds heartbeat_timeout{60000};
  // How often the housekeeping thread checks those timeouts (not a flag; tests shorten it).
  std::chrono::milliseconds sweep_interval{100};
  // For tests: runs while a closing connection's slot is released, after it is marked free and
  // before the rest is reset (Session::release). Unset (always, in chat_server).
  std::function<void(net::ConnId)> on_slot_releasing;
  // Per client address (an IPv4 address, an IPv6 /64): connections held at once, and new
  // connections a second (a burst of as many). Over either, the connection gets
  // Error(TOO_MANY_CONNECTIONS / CONNECTING_TOO_FAST) and is closed. 0: off. Loopback clients
  // are exempt unless limit_loopback (a local proxy or load test shares one address).
  unsigned max_connections_per_ip = 32;
  unsigned connects_per_ip_per_s = 10;
  bool limit_loopback = false;
  // Slow readers. Over the soft limit of unsent bytes the server stops reading from a session
  // until its queue drains below it again (its own requests can add no more replies); over the
  // hard limit (others' messages kept coming) it is disconnected. soft 0: never stop reading.
  std::size_t send_queue_soft_bytes = 1024 * 1024;
  std::size_t max_send_queue_bytes = 4 * 1024 * 1024;

  // History. Room messages are stored in the SQLite database at db_path (created on first
  // start; ":memory:" keeps them in the server's memory instead, no SQLite; empty: nothing is
  // stored, and a message is Acked as soon as it is queued to its recipients). With a store, a
  // message is Acked once stored (storage/open_storage.h picks the backend).
  std::string db_path = "chat.db";
  // Messages replayed, marked as history, to whoever joins a room. 0: none.
  std::uint32_t history_replay = 50;
  // What the rooms together may keep of their newest history_replay messages in memory, by the
  // server's own count (HistoryBudget::cost: text, names and about 200 bytes each). Over it the
  // least recently used rooms give up their oldest messages: with a database a replay reads them
  // from it, without one they are gone. 0: nothing in memory.
  std::size_t history_memory_bytes = 64 * 1024 * 1024;
  // How much is kept per room: the newest keep_messages (0: any number), none older than
  // keep_days (0: any age). Pruned once a second.
  std::uint64_t keep_messages = 10000;
  std::uint32_t keep_days = 30;

  // Accounts (registered nicknames, the operator role, bans, the audit log) live in the same
  // database (in memory only when db_path is empty or ":memory:"). These registered nicknames are
  // operators once logged in, besides those given the role with the console's /op.
  std::vector<std::string> operators;
  // Asked at start, for each of `operators` that is not registered yet, for the password to
  // register it with (nullopt: none). Unset, or no valid password: the server refuses to start,
  // since whoever registered such a name first would become an operator. chat_server asks on
  // its console.
  std::function<std::optional<std::string>(const std::string& nickname)> operator_password;
  // The Argon2id cost of a password hash: interactive (libsodium's advice) everywhere but in
  // unit tests, which use minimal to stay quick.
  HashCost password_cost = HashCost::interactive;
  // Failed logins before Error(LOGIN_THROTTLED), per (nickname, client address) pair, and when
  // an address counts as guessing (not flags: the defaults are docs/security.md's; tests shorten
  // or lengthen the delays).
  LoginLimits login_limits;
  // Registrations per address and in all, per hour; over either, Error(REGISTRATION_LIMITED).
  // The per-address one spares loopback clients unless limit_loopback, like the connection
  // limits. 0: no limit.
  RegistrationLimits registration_limits;
  // Threads checking and hashing passwords (the auth pool). 0: net::default_worker_count(), one
  // per hardware thread but one, at least one.
  unsigned auth_threads = 0;
  // Their scheduling priority: low by default, so a flood of logins slows chat little; idle
  // keeps chat where it was but gives logins nothing on a CPU that is always busy; normal
  // competes with the I/O threads (docs/benchmarks.md, "2026-12-06").
  net::ThreadPriority auth_priority = net::ThreadPriority::low;

  std::string motd = "Welcome to ChatServer. Be kind; no flooding.";
  // How long a graceful close may take: draining what is queued, then the peer's own close.
  std::chrono::milliseconds linger{2000};
  // On shutdown, how long connected clients get to receive the notice and everything queued.
  std::chrono::milliseconds shutdown_grace{3000};

  static constexpr std::uint16_t kDefaultPortFirst = 15410;
  static constexpr std::uint16_t kDefaultPortLast = 33333;
  static constexpr std::uint32_t kProtocolVersion = 1;
  static constexpr const char* kLobby = "lobby";
};

}  // namespace chat::server
