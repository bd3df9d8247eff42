// The IoService contract, run against every backend this build has (epoll and io_uring on
// Linux, IOCP on Windows). Every backend must pass this same list: it is what src/server relies
// on.
#include "net/io_service.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

namespace chat::net {
namespace {

using namespace std::chrono_literals;
constexpr auto kWait = 10s;

// Records every completion; optionally echoes received bytes back.
class Recorder final : public IoHandler {
 public:
  std::atomic<bool> echo{false};  // set by a test while the workers run
  std::atomic<bool> busy{false};  // while set, on_batch_end() says it has more to do
  IoService* io = nullptr;

  std::mutex mutex;
  std::condition_variable changed;
  std::vector<ConnId> accepted;
  std::vector<Endpoint> peers;  // of each accepted connection, in order
  std::map<ConnId, std::string> received;
  std::set<ConnId> eof;
  std::map<ConnId, std::error_code> recv_errors;
  std::map<ConnId, std::error_code> connected;
  std::map<ConnId, int> sends_done;
  std::map<ConnId, int> closed;
  std::vector<ConnId> after_close_violations;
  std::map<std::thread::id, bool> recv_awaiting_batch_end;  // per worker thread
  int batch_ends_after_recv = 0;
  int batch_ends_while_busy = 0;
  int batch_ends = 0;
  std::map<ConnId, std::shared_ptr<std::string>> echo_buffers;
  std::map<ConnId, std::vector<ByteSpan>> echo_spans;

  template <typename Pred>
  bool wait(Pred pred) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, kWait, pred);
  }

  void on_accept(ConnId id, const Endpoint& peer) override {
    EXPECT_EQ(peer.host.rfind("127.0.0.", 0), 0u) << peer.host;
    EXPECT_NE(peer.port, 0);
    {
      std::lock_guard lock(mutex);
      accepted.push_back(id);
      peers.push_back(peer);
    }
    changed.notify_all();
    io->start_recv(id);
  }
  void on_connect(ConnId id, std::error_code ec) override {
    {
      std::lock_guard lock(mutex);
      connected[id] = ec;
    }
    changed.notify_all();
    if (!ec) {
      io->start_recv(id);
    }
  }
  void on_recv(ConnId id, ByteSpan data, std::error_code ec) override {
    bool again = false;
    {
      std::lock_guard lock(mutex);
      if (closed.count(id) != 0) {
        after_close_violations.push_back(id);
      }
      if (ec) {
        recv_errors[id] = ec;
      } else if (data.empty()) {
        eof.insert(id);
      } else {
        received[id].append(reinterpret_cast<const char*>(data.data()), data.size());
        recv_awaiting_batch_end[std::this_thread::get_id()] = true;
        again = true;
        if (echo) {
          auto copy = std::make_shared<std::string>(reinterpret_cast<const char*>(data.data()),
                                                    data.size());
          echo_buffers[id] = copy;
          echo_spans[id] = {
              ByteSpan(reinterpret_cast<const std::byte*>(copy->data()), copy->size())};
          io->start_send(id, echo_spans[id]);
          again = false;  // read on after the echo is out, so one buffer per connection suffices
        }
      }
    }
    changed.notify_all();
    if (again) {
      io->start_recv(id);
    }
  }
  void on_send(ConnId id, std::error_code ec) override {
    EXPECT_FALSE(ec) << ec.message();
    {
      std::lock_guard lock(mutex);
      ++sends_done[id];
    }
    changed.notify_all();
    if (echo) {
      io->start_recv(id);
    }
  }
  void on_closed(ConnId id) override {
    {
      std::lock_guard lock(mutex);
      ++closed[id];
    }
    changed.notify_all();
  }
  bool on_batch_end() override {
    const bool more = busy.load();
    {
      std::lock_guard lock(mutex);
      bool& awaiting = recv_awaiting_batch_end[std::this_thread::get_id()];
      if (awaiting) {
        awaiting = false;
        ++batch_ends_after_recv;
      }
      if (more) {
        ++batch_ends_while_busy;
      }
      ++batch_ends;
    }
    changed.notify_all();
    return more;
  }
};

// Parameterized by backend name (io_backend_names()).
class IoServiceContract : public ::testing::TestWithParam<std::string> {
 protected:
  // Worker threads per service.
  virtual unsigned workers() const { return 2; }
  virtual IoConfig config() const {
    IoConfig c;
    c.backend = GetParam();
    return c;
  }
  void SetUp() override {
    server_io_ = make_io_service(server_, config());
    client_io_ = make_io_service(client_, config());
    ASSERT_EQ(server_io_->backend_name(), GetParam());
    server_.io = server_io_.get();
    client_.io = client_io_.get();
    ASSERT_FALSE(server_io_->listen({"127.0.0.1", 0}, &bound_));
    ASSERT_NE(bound_.port, 0);
    for (unsigned i = 0; i < workers(); ++i) {
      threads_.emplace_back([this] { server_io_->run(); });
      threads_.emplace_back([this] { client_io_->run(); });
    }
  }
  void TearDown() override {
    server_io_->stop();
    client_io_->stop();
    for (auto& t : threads_) {
      t.join();
    }
  }
  ConnId connect_one() {
    std::error_code ec;
    const ConnId id = client_io_->connect(bound_, ec);
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_TRUE(client_.wait([&] { return client_.connected.count(id) != 0; }));
    EXPECT_FALSE(client_.connected[id]);
    return id;
  }
  // The parts are kept until the next call: buffers must outlive their send.
  void send_text(ConnId id, std::vector<std::string> parts) {
    parts_ = std::move(parts);
    spans_.clear();
    for (const auto& p : parts_) {
      spans_.emplace_back(reinterpret_cast<const std::byte*>(p.data()), p.size());
    }
    client_io_->start_send(id, spans_);
  }

  Recorder server_, client_;
  std::unique_ptr<IoService> server_io_, client_io_;
  Endpoint bound_;
  std::vector<std::thread> threads_;
  std::vector<std::string> parts_;
  std::vector<ByteSpan> spans_;
};

TEST_P(IoServiceContract, AcceptRecvAndGatheredSend) {
  server_.echo = true;
  const ConnId c = connect_one();
  const std::vector<std::string> parts{"hello ", "gathered ", "world"};
  send_text(c, parts);
  ASSERT_TRUE(client_.wait([&] { return client_.received[c] == "hello gathered world"; }));
  ASSERT_TRUE(client_.wait([&] { return client_.sends_done[c] == 1; }));
  std::lock_guard lock(server_.mutex);
  EXPECT_EQ(server_.accepted.size(), 1u);
}

// on_batch_end() follows the completions of a batch on the worker that delivered them.
TEST_P(IoServiceContract, BatchEndFollowsCompletionsOnTheSameWorker) {
  const ConnId c = connect_one();
  send_text(c, {"ping"});
  ASSERT_TRUE(server_.wait([&] { return server_.received.size() == 1; }));
  ASSERT_TRUE(server_.wait([&] {
    return server_.batch_ends_after_recv >= 1 &&
           std::none_of(server_.recv_awaiting_batch_end.begin(),
                        server_.recv_awaiting_batch_end.end(),
                        [](const auto& entry) { return entry.second; });
  })) << "a worker ran on_recv and then waited without on_batch_end";
}

TEST_P(IoServiceContract, ShutdownSendDeliversEndOfStreamAndCloseDeliversOnClosedOnce) {
  const ConnId c = connect_one();
  ASSERT_TRUE(server_.wait([&] { return server_.accepted.size() == 1; }));
  const ConnId s = server_.accepted[0];
  client_io_->shutdown_send(c);
  ASSERT_TRUE(server_.wait([&] { return server_.eof.count(s) == 1; }));
  server_io_->close(s);
  ASSERT_TRUE(server_.wait([&] { return server_.closed[s] == 1; }));
  ASSERT_TRUE(
      client_.wait([&] { return client_.eof.count(c) + client_.recv_errors.count(c) > 0; }));
  client_io_->close(c);
  client_io_->close(c);  // idempotent
  ASSERT_TRUE(client_.wait([&] { return client_.closed[c] == 1; }));
  server_io_->post([] {});  // let any stray completion surface before checking
  std::lock_guard lock(client_.mutex);
  EXPECT_EQ(client_.closed[c], 1);
}

TEST_P(IoServiceContract, CloseWithReceivePendingCancelsItSilently) {
  const ConnId c = connect_one();  // its receive is pending (the server sends nothing)
  client_io_->close(c);
  ASSERT_TRUE(client_.wait([&] { return client_.closed[c] == 1; }));
  std::lock_guard lock(client_.mutex);
  EXPECT_EQ(client_.recv_errors.count(c), 0u) << "no completion after close()";
  EXPECT_EQ(client_.eof.count(c), 0u);
  EXPECT_TRUE(client_.after_close_violations.empty());
}

TEST_P(IoServiceContract, StaleIdsAreIgnored) {
  const ConnId c = connect_one();
  client_io_->close(c);
  ASSERT_TRUE(client_.wait([&] { return client_.closed[c] == 1; }));
  const ConnId again = connect_one();  // likely reuses the slot under a new generation
  if (again.index == c.index) {
    EXPECT_NE(again.generation, c.generation);
  }
  client_io_->close(c);  // stale: must not close `again`
  const std::string text = "still open";
  send_text(again, {text});
  ASSERT_TRUE(client_.wait([&] { return client_.sends_done[again] == 1; }));
  std::lock_guard lock(client_.mutex);
  EXPECT_EQ(client_.closed.count(again), 0u);
}

TEST_P(IoServiceContract, ConnectToAClosedPortFails) {
  Endpoint nowhere;
  {
    // Bind and release a port so that nothing listens there.
    Recorder r;
    auto io = make_io_service(r, config());
    ASSERT_FALSE(io->listen({"127.0.0.1", 0}, &nowhere));
  }
  std::error_code ec;
  const ConnId c = client_io_->connect(nowhere, ec);
  if (ec) {
    EXPECT_FALSE(c.valid()) << "refused synchronously, so no id";
    return;
  }
  ASSERT_TRUE(client_.wait([&] { return client_.connected.count(c) != 0; }));
  EXPECT_TRUE(client_.connected[c]);
  client_io_->close(c);
  EXPECT_TRUE(client_.wait([&] { return client_.closed[c] == 1; }));
}

TEST_P(IoServiceContract, PostRunsOnAWorkerNeverInline) {
  std::atomic<bool> ran{false};
  std::thread::id where;
  std::mutex m;
  std::condition_variable cv;
  const auto caller = std::this_thread::get_id();
  server_io_->post([&] {
    std::lock_guard lock(m);
    where = std::this_thread::get_id();
    ran = true;
    cv.notify_all();
  });
  std::unique_lock lock(m);
  ASSERT_TRUE(cv.wait_for(lock, kWait, [&] { return ran.load(); }));
  EXPECT_NE(where, caller);
}

TEST_P(IoServiceContract, LargeSendToASlowReaderCompletesOnceWithEveryByte) {
  const ConnId c = connect_one();
  ASSERT_TRUE(server_.wait([&] { return server_.accepted.size() == 1; }));
  std::string big(4 * 1024 * 1024, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) {
    big[i] = static_cast<char>('a' + i % 26);
  }
  const std::string half1 = big.substr(0, big.size() / 2), half2 = big.substr(big.size() / 2);
  send_text(c, {half1, half2});
  const ConnId s = server_.accepted[0];
  ASSERT_TRUE(server_.wait([&] { return server_.received[s].size() == big.size(); }));
  ASSERT_TRUE(client_.wait([&] { return client_.sends_done[c] == 1; }));
  std::lock_guard lock(server_.mutex);
  EXPECT_TRUE(server_.received[s] == big);
}

TEST_P(IoServiceContract, ManyConnectionsEchoConcurrently) {
  server_.echo = true;
  constexpr int kConns = 100;
  std::vector<ConnId> ids;
  std::vector<std::string> texts;
  std::vector<std::vector<ByteSpan>> spans(kConns);
  for (int i = 0; i < kConns; ++i) {
    ids.push_back(connect_one());
    texts.push_back("connection " + std::to_string(i));
  }
  for (int i = 0; i < kConns; ++i) {
    spans[i] = {ByteSpan(reinterpret_cast<const std::byte*>(texts[i].data()), texts[i].size())};
    client_io_->start_send(ids[i], spans[i]);
  }
  for (int i = 0; i < kConns; ++i) {
    ASSERT_TRUE(client_.wait([&] { return client_.received[ids[i]] == texts[i]; })) << i;
  }
  for (const ConnId id : ids) {
    client_io_->close(id);
  }
  ASSERT_TRUE(client_.wait([&] { return client_.closed.size() == kConns; }));
  ASSERT_TRUE(
      server_.wait([&] { return server_.eof.size() + server_.recv_errors.size() == kConns; }));
}

TEST_P(IoServiceContract, BurstOfConnectsIsAcceptedWithOnePostedAccept) {
  // IOCP keeps `posted_accepts` AcceptEx calls posted and re-posts each as it completes; the
  // listen backlog holds the rest of a burst meanwhile. epoll accepts in a loop either way.
  Recorder r;
  IoConfig one = config();
  one.posted_accepts = 1;
  one.max_connections = 256;
  auto io = make_io_service(r, one);
  r.io = io.get();
  Endpoint at;
  ASSERT_FALSE(io->listen({"127.0.0.1", 0}, &at));
  std::thread worker([&] { io->run(); });
  constexpr std::size_t kBurst = 120;  // within a default listen backlog
  std::vector<ConnId> ids;
  for (std::size_t i = 0; i < kBurst; ++i) {
    std::error_code ec;
    ids.push_back(client_io_->connect(at, ec));
    ASSERT_FALSE(ec) << ec.message();
  }
  EXPECT_TRUE(r.wait([&] { return r.accepted.size() == kBurst; })) << r.accepted.size();
  EXPECT_TRUE(client_.wait([&] {
    return std::all_of(ids.begin(), ids.end(), [&](ConnId id) {
      const auto it = client_.connected.find(id);
      return it != client_.connected.end() && !it->second;
    });
  }));
  for (const ConnId id : ids) {
    client_io_->close(id);
  }
  EXPECT_TRUE(r.wait([&] { return r.eof.size() + r.recv_errors.size() == kBurst; }));
  for (const ConnId id : r.accepted) {
    io->close(id);
  }
  EXPECT_TRUE(r.wait([&] { return r.closed.size() == kBurst; }));
  io->stop();
  worker.join();
}

TEST_P(IoServiceContract, ConnectFromAChosenSourceAddress) {
  // Loopback is all of 127.0.0.0/8: a client can spread connections over 127.0.0.2, .3, ...
  std::error_code ec;
  const ConnId id = client_io_->connect(bound_, Endpoint{"127.0.0.2", 0}, ec);
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_TRUE(client_.wait([&] { return client_.connected.count(id) != 0; }));
  EXPECT_FALSE(client_.connected[id]);
  ASSERT_TRUE(server_.wait([&] { return server_.peers.size() == 1; }));
  EXPECT_EQ(server_.peers[0].host, "127.0.0.2");
  const ConnId bad = client_io_->connect(bound_, Endpoint{"not-an-address", 0}, ec);
  EXPECT_FALSE(bad.valid());
  EXPECT_EQ(ec, std::errc::invalid_argument);
}

TEST_P(IoServiceContract, TableFullRefusesConnect) {
  Recorder r;
  IoConfig small = config();
  small.max_connections = 2;
  auto io = make_io_service(r, small);
  r.io = io.get();
  std::thread worker([&] { io->run(); });
  std::error_code ec;
  const ConnId a = io->connect(bound_, ec);
  EXPECT_FALSE(ec);
  const ConnId b = io->connect(bound_, ec);
  EXPECT_FALSE(ec);
  const ConnId c = io->connect(bound_, ec);
  EXPECT_TRUE(ec);
  EXPECT_FALSE(c.valid());
  io->close(a);
  io->close(b);
  EXPECT_TRUE(r.wait([&] { return r.closed.size() == 2; }));
  io->stop();
  worker.join();
}

INSTANTIATE_TEST_SUITE_P(Backends, IoServiceContract, ::testing::ValuesIn(io_backend_names()),
                         [](const ::testing::TestParamInfo<std::string>& backend) {
                           return backend.param;
                         });

// The same contract where it matters that one worker does everything.
class IoServiceOneWorker : public IoServiceContract {
 protected:
  unsigned workers() const override { return 1; }
};

// A handler that says it has more to do (on_batch_end() returns true) is called again without
// any new completion, and a completion that arrives meanwhile is still delivered between those
// calls, by the same single worker.
TEST_P(IoServiceOneWorker, BatchEndAskingForMoreIsCalledAgainAndCompletionsGoOn) {
  const ConnId c = connect_one();
  ASSERT_TRUE(server_.wait([&] { return server_.accepted.size() == 1; }));
  server_.busy = true;
  send_text(c, {"first "});
  ASSERT_TRUE(server_.wait([&] {
    return server_.received.size() == 1 && server_.batch_ends_while_busy >= 100;
  })) << "the worker waited for completions although the handler had more to do";
  ASSERT_TRUE(client_.wait([&] { return client_.sends_done[c] == 1; }));
  send_text(c, {"second"});
  ASSERT_TRUE(server_.wait([&] {
    return server_.received.size() == 1 && server_.received.begin()->second == "first second";
  })) << "a completion was held back while the handler had more to do";
  server_.busy = false;
  const int calls = [&] {
    std::lock_guard lock(server_.mutex);
    return server_.batch_ends_while_busy;
  }();
  EXPECT_GE(calls, 100);
}

// One worker that busy-polls (IoConfig::busy_poll) for far longer than any test runs.
class IoServiceBusyPoll : public IoServiceOneWorker {
 protected:
  IoConfig config() const override {
    IoConfig c = IoServiceOneWorker::config();
    c.busy_poll = std::chrono::hours(1);
    return c;
  }
};

// After traffic, a busy-polling worker goes on taking batches (empty ones) instead of sleeping,
// still delivers what comes, and stop() still ends it (TearDown joins it).
TEST_P(IoServiceBusyPoll, KeepsPollingAfterTrafficAndStillDeliversAndStops) {
  server_.echo = true;
  const ConnId c = connect_one();
  send_text(c, {"ping"});
  ASSERT_TRUE(client_.wait([&] { return client_.received[c] == "ping"; }));
  int after_echo = 0;
  {
    std::lock_guard lock(server_.mutex);
    after_echo = server_.batch_ends;
  }
  EXPECT_TRUE(server_.wait([&] { return server_.batch_ends >= after_echo + 100; }))
      << "the worker slept with nothing to do instead of polling";
  ASSERT_TRUE(client_.wait([&] { return client_.sends_done[c] == 1; }));
  send_text(c, {"pong"});
  EXPECT_TRUE(client_.wait([&] { return client_.received[c] == "pingpong"; }));
}

INSTANTIATE_TEST_SUITE_P(Backends, IoServiceBusyPoll, ::testing::ValuesIn(io_backend_names()),
                         [](const ::testing::TestParamInfo<std::string>& backend) {
                           return backend.param;
                         });

INSTANTIATE_TEST_SUITE_P(Backends, IoServiceOneWorker, ::testing::ValuesIn(io_backend_names()),
                         [](const ::testing::TestParamInfo<std::string>& backend) {
                           return backend.param;
                         });

TEST(IoBackendChoice, AutoIsThePlatformDefaultAndUnknownNamesAreRefused) {
  Recorder r;
  IoConfig automatic;
  EXPECT_EQ(make_io_service(r, automatic)->backend_name(), io_backend_names().front());
  IoConfig unknown;
  unknown.backend = "kqueue";
  try {
    make_io_service(r, unknown);
    ADD_FAILURE() << "an unknown backend was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("kqueue"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace chat::net
