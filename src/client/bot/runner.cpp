#include "runner.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "bot.h"
#include "client/plural.h"
#include "client/terminal.h"
#include "process_memory.h"
#include "report.h"

namespace chat::bot {
namespace {

using namespace std::chrono_literals;

constexpr unsigned kConnectionsPerSourceAddress = 20000;  // well inside the ephemeral port range
constexpr std::size_t kAssumedColumns = 80;  // the progress line's width where none is known

double seconds_between(std::uint64_t from_us, std::uint64_t to_us) {
  return to_us > from_us ? static_cast<double>(to_us - from_us) / 1e6 : 0.0;
}

// The runner's view of the whole fleet: starting, waiting, totals.
class Run {
 public:
  explicit Run(const BotOptions& o)
      : opt_(o),
        fleet_(opt_),
        started_us_(now_us()),
        deadline_(Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(o.duration_s))),
        network_(o.workers != 0 ? o.workers : net::default_worker_count(), o.clients + 64,
                 o.io_backend, std::chrono::microseconds(o.busy_poll_us)) {
    for (unsigned i = 0; i < o.clients; ++i) {
      bots_.push_back(std::make_unique<Bot>(network_, fleet_, i));
    }
    sources_ = source_addresses();
  }

  ~Run() {
    bots_.clear();  // every connection closed before the network stops
  }

  RunResult execute() {
    RunResult r;
    r.options = opt_;
    if (opt_.server_pid != 0) {
      r.server_rss_before = resident_bytes(opt_.server_pid);
    }
    join_all(r);
    if (r.failed == 0) {
      switch (opt_.scenario) {
        case Scenario::churn:
        case Scenario::login:
          churn(r);
          break;
        case Scenario::idle:
          hold(r);
          break;
        default:
          load(r);
      }
    }
    goodbye();
    totals(r);
    r.elapsed_s = seconds_between(started_us_, now_us());
    {
      std::lock_guard lock(fleet_.mutex);
      const std::vector<std::string> reported = fleet_.violations.lines();
      r.violations.insert(r.violations.begin(), reported.begin(), reported.end());
    }
    verdicts(r);
    return r;
  }

 private:
  std::vector<net::Endpoint> source_addresses() const {
    unsigned n = opt_.source_addresses;
    if (n == 0) {
      n = (opt_.clients + kConnectionsPerSourceAddress - 1) / kConnectionsPerSourceAddress;
    }
    if (n <= 1 || opt_.host.rfind("127.", 0) != 0) {
      return {net::Endpoint{}};  // one address: the system's choice
    }
    std::vector<net::Endpoint> out;
    for (unsigned i = 0; i < n && i < 250; ++i) {
      out.push_back(net::Endpoint{fmt::format("127.0.0.{}", i + 1), 0});
    }
    return out;
  }

  const net::Endpoint& source_for(unsigned i) const { return sources_[i % sources_.size()]; }
  net::Endpoint server() const { return net::Endpoint{opt_.host, opt_.port}; }
  bool past_deadline() const { return Clock::now() >= deadline_; }

  // Waits up to the deadline for `done`, waking on fleet changes and every 10 ms for progress.
  template <typename Done>
  bool wait_until(Done done, const char* stage) {
    auto next_progress = Clock::now() + 1s;
    std::unique_lock lock(fleet_.mutex);
    while (!done()) {
      if (past_deadline() || !fleet_.stopped_early.empty()) {
        return false;
      }
      fleet_.changed.wait_for(lock, 10ms);
      if (Clock::now() >= next_progress) {
        lock.unlock();
        progress(stage);
        lock.lock();
        next_progress += 1s;
      }
    }
    return true;
  }

  void progress(const char* stage) {
    if (!opt_.progress || opt_.json || !client::terminal::stderr_is_terminal()) {
      return;
    }
    std::uint64_t sent = 0, received = 0, errors = 0;
    unsigned ready = 0;
    for (const auto& b : bots_) {
      sent += b->sent();
      received += b->received();
      errors += b->errors();
      ready += b->phase() == Bot::Phase::ready ? 1 : 0;
    }
    const double t = seconds_between(started_us_, now_us());
    const double rate = t > 0 ? static_cast<double>(received) / t : 0;
    // One row, cut to the width (stdout's: the same terminal as stderr, as a rule; 80 when stdout
    // is not one), and each redraw clears the row first: a line that wrapped, or a longer one
    // before, would leave rows behind that "\r" cannot reach.
    const std::size_t width = client::terminal::stdout_columns();
    const std::string line =
        progress_line({stage, t, ready, opt_.clients, sent, received, rate, errors},
                      width != 0 ? width : kAssumedColumns);
    std::fprintf(stderr, "\r\x1b[K%s", line.c_str());
    std::fflush(stderr);
    progress_shown_ = true;
  }

  void join_all(RunResult& r) {
    const std::uint64_t begin = now_us();
    for (unsigned i = 0; i < bots_.size(); ++i) {
      bots_[i]->start(server(), source_for(i));
    }
    const auto settled = [&] {
      return std::all_of(bots_.begin(), bots_.end(), [](const auto& b) {
        const auto p = b->phase();
        return p == Bot::Phase::ready || p == Bot::Phase::failed || p == Bot::Phase::closed ||
               (b->cycle_done());
      });
    };
    if (!wait_until(settled, "joining")) {
      r.timed_out = true;
    }
    for (const auto& b : bots_) {
      if (b->phase() == Bot::Phase::ready || b->cycle_done()) {
        ++r.joined;
      } else {
        ++r.failed;
      }
    }
    r.join_all_ms = seconds_between(begin, now_us()) * 1000.0;
    if (r.failed != 0) {
      fleet_.report({}, fmt::format("{} of {} bots did not join", r.failed, opt_.clients));
    }
  }

  void load(RunResult& r) {
    if (opt_.scenario == Scenario::whisper && opt_.clients % 2 != 0) {
      fleet_.report({}, "whisper pairs bots: --clients must be even");
      return;
    }
    load_started_us_ = now_us();
    const auto all_done = [&] {
      std::uint64_t received = 0, sent = 0, acked = 0;
      bool all_sent = true;
      for (const auto& b : bots_) {
        received += b->received();
        sent += b->sent();
        acked += b->acked();
        all_sent = all_sent && b->all_sent();
      }
      return all_sent && acked == sent && received >= expected_deliveries();
    };
    if (opt_.rate <= 0) {
      for (const auto& b : bots_) {
        b->start_burst();
      }
      if (!wait_until(all_done, "load")) {
        r.timed_out = true;
      }
      return;
    }
    // Paced: message j of the whole fleet is due at j / rate seconds, bots taking turns.
    const std::uint64_t total = static_cast<std::uint64_t>(opt_.messages) * opt_.clients;
    std::uint64_t issued = 0;
    auto next_progress = Clock::now() + 1s;
    const auto t0 = Clock::now();
    while (issued < total && !past_deadline()) {
      const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
      const auto due =
          std::min<std::uint64_t>(total, static_cast<std::uint64_t>(elapsed * opt_.rate) + 1);
      for (; issued < due; ++issued) {
        Bot& b = *bots_[issued % bots_.size()];
        if (!b.send_next() && !b.all_sent()) {
          ++window_full_;  // the server is behind: that message's turn is lost
        }
      }
      if (Clock::now() >= next_progress) {
        progress("load");
        next_progress += 1s;
      }
      // Sleep until the next message is due (the schedule, not a synchronisation). Each wake-up
      // of this thread may take the core from the server being measured, so it wakes only
      // when there is something to send, not on a fixed tick.
      const auto next_due =
          t0 + std::chrono::duration_cast<Clock::duration>(
                   std::chrono::duration<double>(static_cast<double>(issued) / opt_.rate));
      std::this_thread::sleep_until(std::min(next_due, next_progress));
    }
    // Turns lost to a full window are sent now, so every bot still sends all its messages.
    for (const auto& b : bots_) {
      while (b->send_next()) {
      }
    }
    const auto drained = [&] {
      for (const auto& b : bots_) {
        while (!b->all_sent() && b->send_next()) {
        }
      }
      return all_done();
    };
    if (!wait_until(drained, "load")) {
      r.timed_out = true;
    }
  }

  std::uint64_t expected_deliveries() const {
    const std::uint64_t m = opt_.messages;
    const std::uint64_t n = bots_.size();
    switch (opt_.scenario) {
      case Scenario::fanout:
        return n * (n - 1) * m;
      case Scenario::rooms: {
        std::uint64_t sum = 0;
        const unsigned k = std::max(1u, opt_.rooms);
        for (unsigned room = 0; room < k; ++room) {
          const std::uint64_t members = n / k + (room < n % k ? 1 : 0);
          sum += members * (members > 0 ? members - 1 : 0) * m;
        }
        return sum;
      }
      case Scenario::whisper:
      case Scenario::echo:
        return n * m;
      default:
        return 0;
    }
  }

  // Churn: --messages cycles per bot. Login: one more, the first, which registers the bot's
  // nickname (or logs in, if an earlier run did): join_all() runs it, so the logins measured
  // here are all against registered accounts.
  unsigned cycles_per_bot() const {
    return opt_.scenario == Scenario::login ? opt_.messages + 1 : opt_.messages;
  }

  std::uint64_t logins() const {
    std::uint64_t n = 0;
    for (const auto& b : bots_) {
      n += b->logins();
    }
    return n;
  }

  void churn(RunResult& r) {
    const auto t0 = now_us();
    const unsigned wanted = cycles_per_bot();
    const std::uint64_t logins_before = logins();
    const auto finished = [&] {
      bool all = true;
      for (unsigned i = 0; i < bots_.size(); ++i) {
        Bot& b = *bots_[i];
        if (b.cycle_done() && b.cycles() < wanted) {
          restart_.push_back(i);
        }
        all = all && b.cycle_done() && b.cycles() >= wanted;
      }
      return all || !restart_.empty();
    };
    for (;;) {
      if (!wait_until(finished, "churn")) {
        r.timed_out = true;
        break;
      }
      if (restart_.empty()) {
        break;  // every bot did its cycles
      }
      for (const unsigned i : restart_) {
        bots_[i]->start(server(), source_for(i));
      }
      restart_.clear();
    }
    for (const auto& b : bots_) {
      r.cycles += b->cycles();
    }
    const double s = seconds_between(t0, now_us());
    r.cycles_per_s = s > 0 ? static_cast<double>(r.cycles) / s : 0;
    r.logins = logins();
    r.logins_per_s = s > 0 ? static_cast<double>(r.logins - logins_before) / s : 0;
  }

  void hold(RunResult& r) {
    const auto until = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                          std::chrono::duration<double>(opt_.hold_s));
    wait_until([&] { return Clock::now() >= until; }, "holding");
    if (opt_.server_pid != 0) {
      r.server_rss_after = resident_bytes(opt_.server_pid);
    }
  }

  void goodbye() {
    if (progress_shown_) {
      // Erased, not left above the summary with the numbers of a second before the end.
      std::fprintf(stderr, "\r\x1b[K");
      std::fflush(stderr);
    }
    for (const auto& b : bots_) {
      b->begin_quit();
    }
    const auto until = Clock::now() + 5s;
    for (const auto& b : bots_) {
      b->end_quit(std::chrono::duration_cast<std::chrono::milliseconds>(
          std::max(Clock::duration::zero(), until - Clock::now())));
    }
  }

  void totals(RunResult& r) {
    std::uint64_t last_receive = 0;
    for (const auto& b : bots_) {
      r.sent += b->sent();
      r.acked += b->acked();
      r.errors += b->errors();
      r.delivered += b->ledger().unique();
      r.duplicated += b->ledger().duplicates();
      r.reordered += b->ledger().out_of_order();
      r.latency.merge(b->latency());
      r.join_latency.merge(b->join_latency());
      last_receive = std::max(last_receive, b->last_receive_us());
    }
    r.expected = opt_.scenario == Scenario::churn || opt_.scenario == Scenario::idle ||
                         opt_.scenario == Scenario::login
                     ? 0
                     : expected_deliveries();
    r.lost = r.expected > r.delivered ? r.expected - r.delivered : 0;
    if (load_started_us_ != 0 && last_receive > load_started_us_) {
      r.load_s = seconds_between(load_started_us_, last_receive);
      r.deliveries_per_s = static_cast<double>(r.delivered) / r.load_s;
      r.messages_per_s = static_cast<double>(r.sent) / r.load_s;
    }
  }

  void verdicts(RunResult& r) {
    const auto add = [&](std::string what) { r.violations.push_back(std::move(what)); };
    if (r.lost != 0) {
      add(fmt::format("{} of {} deliveries lost", r.lost, r.expected));
    }
    if (r.duplicated != 0) {
      add(client::count_of(r.duplicated, "delivery", "deliveries") + " duplicated");
    }
    if (r.reordered != 0) {
      add(client::count_of(r.reordered, "delivery", "deliveries") + " out of sender order");
    }
    const bool cycling = opt_.scenario == Scenario::churn || opt_.scenario == Scenario::login;
    if (r.sent != r.acked && !cycling && opt_.scenario != Scenario::idle) {
      add(fmt::format("{} sent but {} acknowledged", client::count_of(r.sent, "message"), r.acked));
    }
    const std::uint64_t wanted = static_cast<std::uint64_t>(cycles_per_bot()) * opt_.clients;
    if (cycling && r.cycles < wanted) {
      add(fmt::format("{} of {} {} cycles done", r.cycles, wanted, to_string(opt_.scenario)));
    }
    if (r.timed_out) {
      // The waits end on the deadline or on a reason to stop now; only the first is a time-out.
      std::lock_guard lock(fleet_.mutex);
      r.stopped_early = fleet_.stopped_early;
      r.timed_out = r.stopped_early.empty();
      add(r.timed_out
              ? fmt::format("--duration {} s ended the run before it was done", opt_.duration_s)
              : "the run stopped early: " + r.stopped_early);
    }
  }

  const BotOptions opt_;
  BotFleet fleet_;
  const std::uint64_t started_us_;
  const Clock::time_point deadline_;
  client::ClientNetwork network_;
  std::vector<std::unique_ptr<Bot>> bots_;  // after network_: destroyed first
  std::vector<net::Endpoint> sources_;
  std::vector<unsigned> restart_;  // churn: bots to start again; guarded by fleet_.mutex
  std::uint64_t load_started_us_ = 0;
  std::uint64_t window_full_ = 0;  // paced turns skipped because a bot's window was full
  bool progress_shown_ = false;
};

}  // namespace

double RunResult::connects_per_s() const {
  return join_all_ms > 0 ? static_cast<double>(joined) / (join_all_ms / 1000.0) : 0.0;
}

std::optional<double> RunResult::server_bytes_added_per_connection() const {
  if (!server_rss_before || !server_rss_after || joined == 0) {
    return std::nullopt;
  }
  return (static_cast<double>(*server_rss_after) - static_cast<double>(*server_rss_before)) /
         joined;
}

std::optional<double> RunResult::server_bytes_per_connection_in_all() const {
  if (!server_rss_after || joined == 0) {
    return std::nullopt;
  }
  return static_cast<double>(*server_rss_after) / joined;
}

RunResult run_scenario(const BotOptions& options) {
  Run run(options);
  return run.execute();
}

}  // namespace chat::bot
