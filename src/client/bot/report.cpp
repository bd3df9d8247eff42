#include "report.h"

#include <fmt/format.h>

#include "client/plural.h"

namespace chat::bot {
namespace {

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string percentiles_json(const LatencyHistogram& h) {
  return fmt::format(
      R"({{"count": {}, "p50": {}, "p90": {}, "p99": {}, "p999": {}, "max": {}, "mean": {:.1f}}})",
      h.count(), h.percentile(0.50), h.percentile(0.90), h.percentile(0.99), h.percentile(0.999),
      h.max(), h.mean());
}

std::string ms(std::uint64_t micros) {
  return fmt::format("{:.3f}", static_cast<double>(micros) / 1000.0);
}

std::string optional_number(const std::optional<std::uint64_t>& v) {
  return v ? std::to_string(*v) : "null";
}

std::string optional_number(const std::optional<double>& v) {
  return v ? fmt::format("{:.0f}", *v) : "null";
}

}  // namespace

std::string summary_table(const RunResult& r) {
  const BotOptions& o = r.options;
  std::string t;
  t += fmt::format("chat_bot {}: {}", to_string(o.scenario), client::count_of(o.clients, "bot"));
  if (o.scenario != Scenario::idle) {
    t += fmt::format(", {} {} each", o.messages,
                     o.scenario == Scenario::churn   ? "cycles"
                     : o.scenario == Scenario::login ? "logins"
                                                     : "messages");
  }
  if (o.scenario != Scenario::churn && o.scenario != Scenario::idle &&
      o.scenario != Scenario::login) {
    t += fmt::format(" of {} bytes, ", o.size);
    t += o.rate > 0 ? fmt::format("{:.0f} msgs/s in all", o.rate)
                    : fmt::format("as fast as acknowledged (window {})", o.window);
  }
  t += fmt::format("\n\n  {:<28}{}\n", "result", r.ok() ? "OK" : "FAILED");
  t += fmt::format("  {:<28}{} joined, {} failed in {:.1f} ms ({:.0f} connects/s)\n", "bots",
                   r.joined, r.failed, r.join_all_ms, r.connects_per_s());
  if (r.join_latency.count() != 0) {
    t += fmt::format("  {:<28}p50 {} ms  p99 {} ms  max {} ms\n",
                     o.scenario == Scenario::login ? "connect to logged in" : "connect to joined",
                     ms(r.join_latency.percentile(0.5)), ms(r.join_latency.percentile(0.99)),
                     ms(r.join_latency.max()));
  }
  if (r.expected != 0) {
    t += fmt::format("  {:<28}{} sent, {} acknowledged\n", "messages", r.sent, r.acked);
    t += fmt::format("  {:<28}{} of {} ({} lost, {} duplicated, {} out of order)\n", "deliveries",
                     r.delivered, r.expected, r.lost, r.duplicated, r.reordered);
    t += fmt::format("  {:<28}{:.0f} deliveries/s, {:.0f} messages/s over {:.3f} s\n", "throughput",
                     r.deliveries_per_s, r.messages_per_s, r.load_s);
    const LatencyHistogram& h = r.latency;
    t += fmt::format("  {:<28}p50 {}  p90 {}  p99 {}  p99.9 {}  max {} (ms)\n",
                     o.scenario == Scenario::echo ? "round trip" : "latency, send to receipt",
                     ms(h.percentile(0.5)), ms(h.percentile(0.9)), ms(h.percentile(0.99)),
                     ms(h.percentile(0.999)), ms(h.max()));
  }
  if (o.scenario == Scenario::churn) {
    t += fmt::format("  {:<28}{} ({:.0f}/s)\n", "cycles", r.cycles, r.cycles_per_s);
  }
  if (o.scenario == Scenario::login) {
    t += fmt::format("  {:<28}{} ({:.1f}/s after the first cycle)\n", "logins", r.logins,
                     r.logins_per_s);
  }
  if (const auto added = r.server_bytes_added_per_connection()) {
    t += fmt::format(
        "  {:<28}{:.0f} bytes added per connection ({} -> {} KiB resident); {:.0f} bytes per "
        "connection in all\n",
        "server memory", *added, *r.server_rss_before / 1024, *r.server_rss_after / 1024,
        *r.server_bytes_per_connection_in_all());
  }
  t += fmt::format("  {:<28}{}\n", "errors", r.errors);
  for (const std::string& v : r.violations) {
    t += "  ! " + v + "\n";
  }
  return t;
}

std::string to_json(const RunResult& r) {
  const BotOptions& o = r.options;
  std::string violations = "[";
  for (std::size_t i = 0; i < r.violations.size(); ++i) {
    violations += (i == 0 ? "" : ", ") + json_string(r.violations[i]);
  }
  violations += "]";
  return fmt::format(
      "{{\n"
      "  \"scenario\": {},\n"
      "  \"clients\": {}, \"messages\": {}, \"size\": {}, {}\"rate\": {}, \"window\": {},\n"
      "  \"ok\": {},\n"
      "  \"joined\": {}, \"failed\": {}, \"join_all_ms\": {:.3f}, \"connects_per_s\": {:.0f},\n"
      "  \"sent\": {}, \"acked\": {}, \"expected\": {}, \"delivered\": {},\n"
      "  \"lost\": {}, \"duplicated\": {}, \"reordered\": {}, \"errors\": {},\n"
      "  \"load_s\": {:.6f}, \"deliveries_per_s\": {:.0f}, \"messages_per_s\": {:.0f},\n"
      "  \"latency_us\": {},\n"
      "  \"join_latency_us\": {},\n"
      "  \"cycles\": {}, \"cycles_per_s\": {:.1f}, \"logins\": {}, \"logins_per_s\": {:.2f},\n"
      "  \"server_rss_before\": {}, \"server_rss_after\": {}, "
      "\"server_bytes_per_connection\": {}, \"server_total_bytes_per_connection\": {},\n"
      "  \"elapsed_s\": {:.3f}, \"timed_out\": {}, \"stopped_early\": {},\n"
      "  \"violations\": {}\n"
      "}}\n",
      json_string(to_string(o.scenario)), o.clients, o.messages, o.size,
      // --rooms means something to the rooms scenario only.
      o.scenario == Scenario::rooms ? fmt::format("\"rooms\": {}, ", o.rooms) : std::string(),
      o.rate, o.window, r.ok(), r.joined, r.failed, r.join_all_ms, r.connects_per_s(), r.sent,
      r.acked, r.expected, r.delivered, r.lost, r.duplicated, r.reordered, r.errors, r.load_s,
      r.deliveries_per_s, r.messages_per_s, percentiles_json(r.latency),
      percentiles_json(r.join_latency), r.cycles, r.cycles_per_s, r.logins, r.logins_per_s,
      optional_number(r.server_rss_before), optional_number(r.server_rss_after),
      optional_number(r.server_bytes_added_per_connection()),
      optional_number(r.server_bytes_per_connection_in_all()), r.elapsed_s, r.timed_out,
      r.stopped_early.empty() ? std::string("null") : json_string(r.stopped_early), violations);
}

std::string progress_line(const Progress& p, std::size_t columns) {
  std::string line = fmt::format(
      "{:<8} {:6.1f} s  ready {}/{}  sent {}  received {} ({:.0f}/s)  errors {}", p.stage,
      p.elapsed_s, p.ready, p.clients, p.sent, p.received, p.received_per_s, p.errors);
  if (columns != 0 && line.size() >= columns) {
    line.resize(columns - 1);  // the last column left empty: writing it may wrap at once
  }
  return line;
}

}  // namespace chat::bot
