#include "bot.h"

#include <charconv>

#include <fmt/format.h>

namespace chat::bot {
namespace {

// An Error from the server as a violation line. The two a load test meets first against a
// server on its default limits get a hint of which limit it was.
std::string describe_error(const proto::Error& e) {
  std::string text = fmt::format("error {}: {}", proto::ErrorCode_Name(e.code()), e.message());
  if (e.code() == proto::RATE_LIMITED) {
    text += " (the server's flood control)";
  } else if (e.code() == proto::SERVER_FULL) {
    text += " (the server's --max-clients, or its open-file limit)";
  }
  return text;
}

// `head` (the numbers, each followed by ':'), then filler up to the filler's size in all.
std::string padded(std::string head, const std::string& filler) {
  if (head.size() < filler.size()) {
    head.append(filler, 0, filler.size() - head.size());
  }
  return head;
}

// The number before the first ':' of a numbered text; 0 if there is none.
std::uint64_t seq_of(std::string_view text) {
  std::uint64_t seq = 0;
  const auto colon = text.find(':');
  if (colon == std::string_view::npos ||
      std::from_chars(text.data(), text.data() + colon, seq).ec != std::errc{}) {
    return 0;
  }
  return seq;
}

}  // namespace

std::uint64_t to_us(Clock::time_point t) {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count());
}

std::uint64_t now_us() {
  return to_us(Clock::now());
}

void BotFleet::report(std::string_view who, std::string_view what) {
  {
    std::lock_guard lock(mutex);
    violations.add(who, what);
  }
  changed.notify_all();
}

void Bot::on_error(const proto::Error& e) {
  errors_.fetch_add(1, std::memory_order_relaxed);
  fleet_.report(nickname(), describe_error(e));
  if (e.code() == proto::RATE_LIMITED) {
    // Refused messages are never acknowledged: waiting for them would only run out the clock.
    fleet_.stop_early(
        "the server's flood control refused messages: run the server with --flood-rate 0 (and "
        "--whisper-bytes-per-s 0 for the whisper scenario) for load tests");
  }
}

void BotFleet::stop_early(std::string why) {
  {
    std::lock_guard lock(mutex);
    if (stopped_early.empty()) {
      stopped_early = std::move(why);
    }
  }
  changed.notify_all();
}

void BotFleet::notify() {
  { std::lock_guard lock(mutex); }  // so a runner between its check and its wait sees it
  changed.notify_all();
}

Bot::Bot(client::ClientNetwork& network, BotFleet& fleet, unsigned index)
    : network_(network),
      fleet_(fleet),
      opt_(fleet.options),
      index_(index),
      total_(fleet.options.scenario == Scenario::churn ||
                     fleet.options.scenario == Scenario::idle ||
                     fleet.options.scenario == Scenario::login
                 ? 0
                 : fleet.options.messages),
      filler_(fleet.options.size, 'x') {}

Bot::~Bot() {
  connection_.reset();
}

std::string Bot::nickname() const {
  return opt_.nick_prefix + std::to_string(index_);
}

std::string Bot::room() const {
  switch (opt_.scenario) {
    case Scenario::fanout:
    case Scenario::churn:
      return opt_.room;
    case Scenario::rooms:
      return fmt::format("{}{}", opt_.room, index_ % std::max(1u, opt_.rooms));
    default:
      return {};  // whisper, echo, idle: no room needed
  }
}

void Bot::start(const net::Endpoint& server, const net::Endpoint& from) {
  connection_.reset();  // a churn bot's previous cycle, closed by now
  cycle_done_.store(false, std::memory_order_relaxed);
  quitting_.store(false, std::memory_order_relaxed);
  become(Phase::connecting);
  join_started_us_ = now_us();
  connection_ = std::make_unique<client::ChatConnection>(
      network_, [this](const proto::Envelope& env) { on_envelope(env); },
      [this](const std::string& reason) { on_closed(reason); });
  if (opt_.scenario != Scenario::churn && opt_.scenario != Scenario::login) {
    connection_->set_frame_filter([this](net::ByteSpan body, Clock::time_point received) {
      return on_chat_frame(body, received);
    });
  }
  if (const auto ec = connection_->start_connect(server, from,
                                                 [this](std::error_code e) { on_connected(e); })) {
    fleet_.report(nickname(), "cannot connect: " + ec.message());
    become(Phase::failed);
  }
}

void Bot::become(Phase p) {
  phase_.store(p, std::memory_order_release);
  if (p == Phase::ready || p == Phase::failed || p == Phase::closed) {
    fleet_.notify();
  }
}

void Bot::on_connected(std::error_code ec) {
  if (ec) {
    fleet_.report(nickname(), "connect failed: " + ec.message());
    become(Phase::failed);
    return;
  }
  become(Phase::joining);
  if (opt_.scenario == Scenario::login) {
    login_join();
    return;
  }
  proto::Envelope join;
  join.mutable_join()->set_nickname(nickname());
  join.mutable_join()->set_protocol_version(1);
  join.mutable_join()->set_skip_lobby(!opt_.lobby);
  send(join);
}

bool Bot::send(const proto::Envelope& env) {
  return connection_->send(env);
}

void Bot::enter_room_or_ready() {
  const std::string r = room();
  if (r.empty()) {
    join_latency_.record(now_us() - join_started_us_);
    become(Phase::ready);
    return;
  }
  become(Phase::entering);
  proto::Envelope enter;
  enter.mutable_join_room()->set_room(r);
  send(enter);
}

void Bot::on_envelope(const proto::Envelope& env) {
  if (opt_.scenario == Scenario::churn) {
    churn_step(env);
    return;
  }
  if (opt_.scenario == Scenario::login) {
    login_step(env);
    return;
  }
  switch (env.body_case()) {
    case proto::Envelope::kChatMessage: {  // one the frame filter left to the full parse
      const proto::ChatMessage& m = env.chat_message();
      on_chat(ChatFrameView{m.from(), m.text(), m.client_timestamp_us(), m.history()}, now_us());
      return;
    }
    case proto::Envelope::kAck:
      on_acknowledged();
      return;
    case proto::Envelope::kEchoReply:
      on_echo(env.echo_reply());
      return;
    case proto::Envelope::kWelcome:
      enter_room_or_ready();
      return;
    case proto::Envelope::kUserList:
      if (phase() == Phase::entering && env.user_list().room() == room()) {
        join_latency_.record(now_us() - join_started_us_);
        become(Phase::ready);
      }
      return;
    case proto::Envelope::kError:
      on_error(env.error());
      if (phase() == Phase::joining || phase() == Phase::entering) {
        become(Phase::failed);
      }
      return;
    default:
      return;  // presence, notices, pongs: not what we measure
  }
}

bool Bot::on_chat_frame(net::ByteSpan body, Clock::time_point received) {
  ChatFrameView m;
  if (!view_chat_frame(body, m)) {
    return false;
  }
  on_chat(m, to_us(received));
  return true;
}

void Bot::on_chat(const ChatFrameView& m, std::uint64_t received_us) {
  if (m.history) {
    return;  // a replay of earlier traffic is not this run's
  }
  const std::string_view from = m.from;
  unsigned sender = 0;
  if (from.substr(0, opt_.nick_prefix.size()) != opt_.nick_prefix ||
      std::from_chars(from.data() + opt_.nick_prefix.size(), from.data() + from.size(), sender)
              .ec != std::errc{}) {
    return;  // someone who is not a bot of this run
  }
  const std::uint64_t seq = seq_of(m.text);
  if (seq == 0) {
    return;
  }
  ledger_.record(sender, seq);
  if (m.client_timestamp_us != 0 && received_us >= m.client_timestamp_us) {
    latency_.record(received_us - m.client_timestamp_us);
  }
  // Only this bot's receive callbacks write these (one at a time): no read-modify-write needed.
  received_.store(received_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  last_receive_us_.store(received_us, std::memory_order_relaxed);
}

void Bot::on_echo(const proto::EchoReply& r) {
  const std::uint64_t now = now_us();
  const std::string& text = r.text();
  const std::uint64_t seq = seq_of(text);  // "<seq>:<sent at, us>:filler"
  const auto first_end = text.find(':') + 1;
  const auto second = text.find(':', first_end);
  std::uint64_t sent_at = 0;
  if (seq != 0 && second != std::string::npos) {
    std::from_chars(text.data() + first_end, text.data() + second, sent_at);
    ledger_.record(index_, seq);
    if (sent_at != 0 && now >= sent_at) {
      latency_.record(now - sent_at);
    }
    received_.fetch_add(1, std::memory_order_relaxed);
    last_receive_us_.store(now, std::memory_order_relaxed);
  }
  on_acknowledged();
}

void Bot::on_acknowledged() {
  in_flight_.fetch_sub(1, std::memory_order_relaxed);
  acked_.fetch_add(1, std::memory_order_relaxed);
  if (opt_.rate <= 0) {
    send_next();  // keep the window full
  }
}

bool Bot::send_next() {
  if (phase() != Phase::ready || all_sent()) {
    return false;
  }
  // The runner (burst start, paced ticks) and the acknowledgements both send: one at a time,
  // so the wire carries the numbers in the order they were given out, which the receivers check.
  std::lock_guard sending(send_mutex_);
  if (in_flight_.fetch_add(1, std::memory_order_relaxed) >= opt_.window) {
    in_flight_.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  const std::uint64_t seq = next_seq_.fetch_add(1, std::memory_order_relaxed);
  if (seq > total_) {
    in_flight_.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  proto::Envelope env;
  const std::uint64_t ts = now_us();
  switch (opt_.scenario) {
    case Scenario::fanout:
    case Scenario::rooms: {
      auto* b = env.mutable_broadcast();
      b->set_room(room());
      b->set_text(padded(fmt::format("{}:", seq), filler_));
      b->set_client_msg_id(seq);
      b->set_client_timestamp_us(ts);
      break;
    }
    case Scenario::whisper: {
      auto* w = env.mutable_whisper();
      w->set_to(opt_.nick_prefix + std::to_string(index_ ^ 1u));  // pairs: 0-1, 2-3, ...
      w->set_text(padded(fmt::format("{}:", seq), filler_));
      w->set_client_msg_id(seq);
      w->set_client_timestamp_us(ts);
      break;
    }
    case Scenario::echo:
      env.mutable_echo()->set_text(padded(fmt::format("{}:{}:", seq, ts), filler_));
      break;
    default:
      in_flight_.fetch_sub(1, std::memory_order_relaxed);
      return false;
  }
  env.set_request_id(seq);
  if (!send(env)) {
    in_flight_.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  sent_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void Bot::start_burst() {
  while (send_next()) {
  }
}

// Churn: Welcome -> enter the room -> UserList -> leave it -> Presence(LEFT) -> quit.
void Bot::churn_step(const proto::Envelope& env) {
  switch (env.body_case()) {
    case proto::Envelope::kWelcome:
      join_latency_.record(now_us() - join_started_us_);
      enter_room_or_ready();
      return;
    case proto::Envelope::kUserList: {
      if (env.user_list().room() != room()) {
        return;
      }
      proto::Envelope leave;
      leave.mutable_leave_room()->set_room(room());
      send(leave);
      return;
    }
    case proto::Envelope::kPresence:
      if (env.presence().nickname() == nickname() &&
          env.presence().kind() == proto::Presence::LEFT) {
        quit_cycle("churn");
      }
      return;
    case proto::Envelope::kError:
      on_error(env.error());
      return;
    default:
      return;
  }
}

void Bot::quit_cycle(const char* reason) {
  quitting_.store(true, std::memory_order_relaxed);
  proto::Envelope quit;
  quit.mutable_quit()->set_reason(reason);
  send(quit);
  connection_->finish_sending();
}

void Bot::on_closed(const std::string& reason) {
  const bool cycles = opt_.scenario == Scenario::churn || opt_.scenario == Scenario::login;
  if (cycles && quitting_.load(std::memory_order_relaxed)) {
    ++cycles_;
    cycle_done_.store(true, std::memory_order_release);
    become(Phase::closed);
    return;
  }
  if (!quitting_.load(std::memory_order_relaxed) && phase() != Phase::failed) {
    fleet_.report(nickname(), "disconnected: " + reason);
    errors_.fetch_add(1, std::memory_order_relaxed);
  }
  become(Phase::closed);
}

void Bot::begin_quit() {
  if (!connection_ || !connection_->is_open()) {
    return;
  }
  quitting_.store(true, std::memory_order_relaxed);
  proto::Envelope q;
  q.mutable_quit()->set_reason("bot done");
  connection_->send(q);
  connection_->finish_sending();
}

void Bot::end_quit(std::chrono::milliseconds timeout) {
  if (connection_ && !connection_->wait_closed(timeout)) {
    connection_->close();
  }
}

}  // namespace chat::bot
