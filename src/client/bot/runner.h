// Public header. Runs one chat_bot scenario from start to finish and measures it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bot_options.h"
#include "latency_histogram.h"

namespace chat::bot {

struct RunResult {
  BotOptions options;
  double elapsed_s = 0;    // the whole run, connects included
  double join_all_ms = 0;  // from the first connect to the last bot joined (and in its room)
  unsigned joined = 0;     // bots that joined
  unsigned failed = 0;     // bots that could not connect or join
  double load_s = 0;       // from the first message sent to the last one received
  std::uint64_t sent = 0;
  std::uint64_t acked = 0;      // Acks (or echo replies) received for them
  std::uint64_t expected = 0;   // deliveries that should have arrived
  std::uint64_t delivered = 0;  // unique deliveries that did
  std::uint64_t lost = 0;
  std::uint64_t duplicated = 0;
  std::uint64_t reordered = 0;
  std::uint64_t errors = 0;  // Error frames and unexpected disconnects
  double deliveries_per_s = 0;
  double messages_per_s = 0;  // sent messages per second of load
  std::uint64_t cycles = 0;   // churn: completed connect-join-leave-quit cycles (login: all)
  double cycles_per_s = 0;
  std::uint64_t logins = 0;       // login: successful logins with the password
  double logins_per_s = 0;        // login: logins per second after the registering first cycle
  LatencyHistogram latency;       // send to receipt (whisper, fanout, rooms) or round trip (echo)
  LatencyHistogram join_latency;  // connect to joined, per bot (login: to logged in, per login)
  std::optional<std::uint64_t> server_rss_before, server_rss_after;
  bool timed_out = false;     // --duration ended the run before the work was done
  std::string stopped_early;  // why the run ended before its work was done, sooner (or empty)
  std::vector<std::string> violations;

  bool ok() const { return violations.empty(); }
  // Bots connected and joined per second of the join phase: joined / join_all_ms (0 if none).
  // Churn's repeated connects are its cycles_per_s.
  double connects_per_s() const;
  // With --server-pid, per joined connection: what each added to the server's resident memory,
  // (after - before) / joined; and the whole resident memory, after / joined (start-up included).
  std::optional<double> server_bytes_added_per_connection() const;
  std::optional<double> server_bytes_per_connection_in_all() const;
};

// Runs the scenario. Blocks for at most about options.duration_s (plus the final goodbyes).
// Progress goes to stderr once a second when it is a terminal. Call from one thread at a time.
RunResult run_scenario(const BotOptions& options);

}  // namespace chat::bot
