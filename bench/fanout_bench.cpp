// One broadcast into a room of N members: stamp, serialize once, queue the shared bytes to every
// member, start each member's send. The I/O backend is a stand-in that completes sends at once,
// so this measures the server's own work per message and per recipient, not the kernel's.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "net/io_service.h"
#include "room.h"
#include "session_pool.h"

namespace chat::server {
namespace {

// Records which connections were asked to send; the benchmark completes those sends itself.
class InstantIo final : public net::IoService {
 public:
  std::error_code listen(const net::Endpoint&, net::Endpoint*) override { return {}; }
  void stop_accepting() override {}
  net::ConnId connect(const net::Endpoint&, const net::Endpoint&, std::error_code&) override {
    return {};
  }
  void start_recv(net::ConnId) override {}
  void start_send(net::ConnId id, std::span<const net::ByteSpan>) override {
    sending.push_back(id);
  }
  void shutdown_send(net::ConnId) override {}
  void close(net::ConnId) override {}
  void post(std::function<void()> fn) override { fn(); }
  void run() override {}
  void stop() override {}
  std::string backend_name() const override { return "instant"; }

  // Completes every send started so far, and those the completions start in turn.
  void complete_all(SessionPool& pool) {
    std::vector<net::ConnId> done;
    while (!sending.empty()) {
      done.swap(sending);
      for (const net::ConnId id : done) {
        pool.at(id).outbox.on_sent(*this);  // the queue drops the sent frames
      }
      done.clear();
    }
  }

  std::vector<net::ConnId> sending;
};

void BM_FanoutEnqueue(benchmark::State& state) {
  const auto members = static_cast<unsigned>(state.range(0));
  SessionPool pool(members, 64 * 1024, 4 * 1024 * 1024);
  InstantIo io;
  Room room("bench");
  for (unsigned i = 0; i < members; ++i) {
    const net::ConnId id{i, 1};
    pool.at(id).outbox.open(id);
    Delivery joining(pool, io);
    room.join(Member{id, "bot" + std::to_string(i)}, 0, joining);
  }
  io.complete_all(pool);  // the join traffic: presence, user lists

  proto::Envelope msg;
  auto* m = msg.mutable_chat_message();
  m->set_room("bench");
  m->set_from("bot0");
  m->set_text(std::string(64, 'x'));
  const net::ConnId sender{0, 1};
  for (auto _ : state) {
    {
      Delivery out(pool, io);
      room.publish(msg, sender, out);
    }
    io.complete_all(pool);
  }
  state.SetItemsProcessed(state.iterations() * (members - 1));  // deliveries
  state.counters["deliveries_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * (members - 1), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_FanoutEnqueue)->Arg(2)->Arg(200)->Arg(2000);

}  // namespace
}  // namespace chat::server
