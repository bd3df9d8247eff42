// Public header. One load-test bot: a ChatConnection that joins, enters its room, sends its
// numbered messages and checks every delivery it receives (loss, duplication, order, latency).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "bot_options.h"
#include "chat_frame_view.h"
#include "client/chat_connection.h"
#include "delivery_ledger.h"
#include "latency_histogram.h"
#include "violation_log.h"

namespace chat::bot {

using Clock = std::chrono::steady_clock;

// Microseconds on the steady clock: the send timestamp carried in each message. Sender and
// receiver are in one process, so the clock is the same. Thread-safe.
std::uint64_t now_us();
std::uint64_t to_us(Clock::time_point t);

// What all bots of a run share: the settings and the signal that a bot changed phase.
struct BotFleet {
  explicit BotFleet(const BotOptions& o) : options(o) {}
  const BotOptions& options;
  std::mutex mutex;
  std::condition_variable changed;  // a bot became ready, failed, or finished a churn cycle
  ViolationLog violations;          // guarded by mutex; what went wrong

  // Guarded by mutex: why the run cannot finish and should end now (empty: it can).
  std::string stopped_early;

  // Records a violation seen by `who` (a nickname; empty: the run itself) and wakes the runner.
  void report(std::string_view who, std::string_view what);
  void notify();                     // wakes the runner
  void stop_early(std::string why);  // the first reason wins; wakes the runner
};

class Bot {
 public:
  enum class Phase { idle, connecting, joining, entering, ready, failed, closed };

  // `index` numbers the bot (its nickname is prefix+index); `partner` is the whisper target.
  Bot(client::ClientNetwork& network, BotFleet& fleet, unsigned index);
  ~Bot();
  Bot(const Bot&) = delete;
  Bot& operator=(const Bot&) = delete;

  // Starts connecting (from the local address `from`), joining and entering the bot's room.
  // phase() becomes ready or failed. Call from the runner thread; for churn, again after each
  // cycle_done().
  void start(const net::Endpoint& server, const net::Endpoint& from);
  Phase phase() const { return phase_.load(std::memory_order_acquire); }

  // Sends the next numbered message if the window allows and any are left; false otherwise.
  // Thread-safe. With rate 0 the bot also sends on by itself as acknowledgements come back.
  bool send_next();
  void start_burst();  // fills the window; the acknowledgements keep it full
  bool all_sent() const { return next_seq_.load(std::memory_order_relaxed) > total_; }

  // Churn: one cycle is connect, join, enter the room, leave it, quit. Login: connect, join with
  // the password, quit (the first cycle registers the nickname instead if it is not yet). True
  // once finished.
  bool cycle_done() const { return cycle_done_.load(std::memory_order_acquire); }
  unsigned cycles() const { return cycles_; }
  // Login: Welcomes to a Join with the password. Readable at any time from any thread.
  unsigned logins() const { return logins_.load(std::memory_order_relaxed); }

  // Says goodbye (Quit, then end of stream); end_quit() waits up to `timeout` for the server's
  // close and closes at once after that. Runner thread.
  void begin_quit();
  void end_quit(std::chrono::milliseconds timeout);

  // Counters, readable at any time from any thread.
  std::uint64_t sent() const { return sent_.load(std::memory_order_relaxed); }
  std::uint64_t acked() const { return acked_.load(std::memory_order_relaxed); }
  std::uint64_t received() const { return received_.load(std::memory_order_relaxed); }
  std::uint64_t errors() const { return errors_.load(std::memory_order_relaxed); }
  std::uint64_t last_receive_us() const { return last_receive_us_.load(std::memory_order_relaxed); }

  // Read after the network is stopped (no more callbacks).
  const DeliveryLedger& ledger() const { return ledger_; }
  const LatencyHistogram& latency() const { return latency_; }
  const LatencyHistogram& join_latency() const { return join_latency_; }

  std::string nickname() const;

 private:
  // An Error from the server: counted, reported, and for flood control the end of the run.
  void on_error(const proto::Error& e);
  void on_envelope(const proto::Envelope& env);
  void on_closed(const std::string& reason);
  void on_connected(std::error_code ec);
  void enter_room_or_ready();
  void become(Phase p);
  // The connection's frame filter. A frame's receipt is when its bytes were read: every frame of
  // one receive arrived together, and the bot's own parsing time is not the server's latency.
  bool on_chat_frame(net::ByteSpan body, Clock::time_point received);
  void on_chat(const ChatFrameView& m, std::uint64_t received_us);
  void on_echo(const proto::EchoReply& r);
  void on_acknowledged();
  void churn_step(const proto::Envelope& env);
  void login_join();  // login: the cycle's Join (as a guest until the nickname is registered)
  void login_step(const proto::Envelope& env);
  void quit_cycle(const char* reason);  // churn, login: Quit, then end of stream
  bool send(const proto::Envelope& env);
  std::string room() const;

  client::ClientNetwork& network_;
  BotFleet& fleet_;
  const BotOptions& opt_;
  const unsigned index_;
  const std::uint64_t total_;  // messages this bot sends
  const std::string filler_;
  std::unique_ptr<client::ChatConnection> connection_;

  std::atomic<Phase> phase_{Phase::idle};
  std::mutex send_mutex_;  // numbering and sending a message are one step (send_next)
  std::atomic<std::uint64_t> next_seq_{1};
  std::atomic<std::uint32_t> in_flight_{0};
  std::atomic<std::uint64_t> sent_{0}, acked_{0}, received_{0}, errors_{0};
  std::atomic<std::uint64_t> last_receive_us_{0};
  std::atomic<bool> quitting_{false};
  std::atomic<bool> cycle_done_{false};
  std::uint64_t cycle_started_us_ = 0;
  unsigned cycles_ = 0;
  std::atomic<unsigned> logins_{0};
  bool registered_ = false;  // login: the nickname is registered (the next Join has the password)
  bool logging_in_ = false;  // login: the cycle's Join had the password

  // Touched only by this bot's receive callbacks (one at a time).
  DeliveryLedger ledger_;
  LatencyHistogram latency_;
  LatencyHistogram join_latency_;
  std::uint64_t join_started_us_ = 0;
};

}  // namespace chat::bot
