// A socket call that fails must not end the server or shrink what it can accept. Each test makes
// chosen calls of one backend fail (IoConfig::faults, socket_faults.h) and then shows that the
// process goes on, the next client is accepted and served, and the failure was logged.
#include "net/socket_faults.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <ostream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "net/io_service.h"
#include "net/warnings.h"

namespace chat::net {
namespace {

using namespace std::chrono_literals;
constexpr auto kWait = 10s;

// WSAENOBUFS: what Winsock answers when it is short of memory (the IOCP backend's faults).
constexpr int kWinsockNoBuffers = 10055;

// Waits, polling, until `done` holds or kWait passes; for counters that nothing notifies.
template <typename Pred>
bool eventually(Pred done) {
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

// The warnings src/net reports while a test runs (set_warning_sink).
class CapturedWarnings {
 public:
  CapturedWarnings() {
    clear();
    set_warning_sink(&record);
  }
  ~CapturedWarnings() { set_warning_sink(nullptr); }
  CapturedWarnings(const CapturedWarnings&) = delete;
  CapturedWarnings& operator=(const CapturedWarnings&) = delete;

  // True once a warning containing every one of `parts` was reported.
  static bool has(const std::vector<std::string>& parts) {
    std::lock_guard lock(mutex_);
    return std::any_of(lines_.begin(), lines_.end(), [&](const std::string& line) {
      return std::all_of(parts.begin(), parts.end(), [&](const std::string& part) {
        return line.find(part) != std::string::npos;
      });
    });
  }
  static std::string all() {
    std::lock_guard lock(mutex_);
    std::string text;
    for (const auto& line : lines_) {
      text += line + "\n";
    }
    return text;
  }

 private:
  static void record(std::string_view message) {
    std::lock_guard lock(mutex_);
    lines_.emplace_back(message);
  }
  static void clear() {
    std::lock_guard lock(mutex_);
    lines_.clear();
  }
  static inline std::mutex mutex_;
  static inline std::vector<std::string> lines_;
};

// Echoes what a server connection receives; records what a client connection sees.
class Peer final : public IoHandler {
 public:
  bool echo = false;  // set before the workers start
  IoService* io = nullptr;

  std::mutex mutex;
  std::condition_variable changed;
  std::vector<ConnId> accepted;
  std::map<ConnId, std::error_code> connected;
  std::map<ConnId, std::string> received;
  std::set<ConnId> ended;  // end of stream or an error: the other side closed it
  std::map<ConnId, std::shared_ptr<std::string>> echo_buffers;
  std::map<ConnId, std::vector<ByteSpan>> echo_spans;

  template <typename Pred>
  bool wait(Pred pred) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, kWait, pred);
  }

  void on_accept(ConnId id, const Endpoint&) override {
    {
      std::lock_guard lock(mutex);
      accepted.push_back(id);
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
      if (ec || data.empty()) {
        ended.insert(id);
      } else {
        received[id].append(reinterpret_cast<const char*>(data.data()), data.size());
        if (echo) {
          auto copy = std::make_shared<std::string>(reinterpret_cast<const char*>(data.data()),
                                                    data.size());
          echo_buffers[id] = copy;
          echo_spans[id] = {
              ByteSpan(reinterpret_cast<const std::byte*>(copy->data()), copy->size())};
          io->start_send(id, echo_spans[id]);  // read on once it is out (on_send)
        } else {
          again = true;
        }
      }
    }
    changed.notify_all();
    if (again) {
      io->start_recv(id);
    }
  }
  void on_send(ConnId id, std::error_code) override {
    if (echo) {
      io->start_recv(id);
    }
  }
  void on_closed(ConnId) override {}
};

// A server service (with faults) and a client service on one backend.
class FaultFixture {
 protected:
  void start(const std::string& backend, IoConfig server_config, unsigned server_workers = 1) {
    server_config.backend = backend;
    server_config.faults = faults_;
    IoConfig client_config;
    client_config.backend = backend;
    server_.echo = true;
    server_io_ = make_io_service(server_, server_config);
    client_io_ = make_io_service(client_, client_config);
    server_.io = server_io_.get();
    client_.io = client_io_.get();
    ASSERT_FALSE(server_io_->listen({"127.0.0.1", 0}, &bound_));
    for (unsigned i = 0; i < server_workers; ++i) {
      threads_.emplace_back([this] { server_io_->run(); });
    }
    threads_.emplace_back([this] { client_io_->run(); });
  }
  void stop() {
    if (server_io_) {
      server_io_->stop();
      client_io_->stop();
    }
    for (auto& t : threads_) {
      t.join();
    }
    threads_.clear();
  }

  // Starts a connection to the server; the outcome comes to client_.connected.
  ConnId connect() {
    std::error_code ec;
    const ConnId id = client_io_->connect(bound_, ec);
    EXPECT_FALSE(ec) << ec.message();
    return id;
  }
  // Sends `text` on `id` once it is connected, and waits for the server's echo of it.
  bool echoed(ConnId id, const std::string& text) {
    if (!client_.wait([&] { return client_.connected.count(id) != 0; })) {
      return false;
    }
    {
      std::lock_guard lock(client_.mutex);
      if (client_.connected[id]) {
        return false;
      }
    }
    auto buffer = std::make_shared<std::string>(text);
    buffers_.push_back(buffer);
    spans_.push_back(std::make_unique<std::vector<ByteSpan>>(std::vector<ByteSpan>{
        ByteSpan(reinterpret_cast<const std::byte*>(buffer->data()), buffer->size())}));
    client_io_->start_send(id, *spans_.back());
    return client_.wait([&] { return client_.received[id] == text; });
  }

  CapturedWarnings warnings_;
  std::shared_ptr<SocketFaults> faults_ = std::make_shared<SocketFaults>();
  Peer server_, client_;
  std::unique_ptr<IoService> server_io_, client_io_;
  Endpoint bound_;
  std::vector<std::thread> threads_;
  std::vector<std::shared_ptr<std::string>> buffers_;
  std::vector<std::unique_ptr<std::vector<ByteSpan>>> spans_;
};

// ------------------------------------------------------------------ one failed call

// What becomes of the connection whose accept the fault hit.
enum class Hit : std::uint8_t {
  closed,  // the server closed it (its socket could not join the backend's wait set)
  served,  // the call is made again and the connection is served after all
};

struct FaultCase {
  std::string backend;
  SocketCall call;
  int error;
  unsigned count;      // how many calls in a row fail
  std::string logged;  // the call as the warning names it
  Hit hit;
};

// Names the case in ctest's list (instead of its bytes).
void PrintTo(const FaultCase& fault, std::ostream* os) {
  *os << fault.backend << ": " << fault.logged << " fails " << fault.count << "x";
}

std::string backend_param_name(const ::testing::TestParamInfo<std::string>& info) {
  return info.param;
}

std::string case_name(const ::testing::TestParamInfo<FaultCase>& info) {
  std::string name = info.param.backend + "_" + info.param.logged;
  name.erase(std::remove_if(
                 name.begin(), name.end(),
                 [](char c) { return !std::isalnum(static_cast<unsigned char>(c)) && c != '_'; }),
             name.end());
  return name;
}

// The calls each backend of this build consults SocketFaults at, around a new connection.
std::vector<FaultCase> accept_path_cases() {
  std::vector<FaultCase> cases;
  for (const std::string& backend : io_backend_names()) {
    if (backend == "epoll") {
      cases.push_back({backend, SocketCall::accept, ENOMEM, 1, "accept4", Hit::served});
      cases.push_back(
          {backend, SocketCall::register_socket, ENOMEM, 1, "epoll_ctl(ADD)", Hit::closed});
    } else if (backend == "uring") {
      cases.push_back({backend, SocketCall::accept, ENOMEM, 1, "accept (io_uring)", Hit::closed});
      cases.push_back({backend, SocketCall::submit, EAGAIN, 3, "io_uring_submit", Hit::served});
      cases.push_back({backend, SocketCall::wait, ENOMEM, 3, "io_uring_wait_cqe", Hit::served});
    } else if (backend == "iocp") {
      cases.push_back({backend, SocketCall::register_socket, kWinsockNoBuffers, 1,
                       "CreateIoCompletionPort", Hit::closed});
      cases.push_back(
          {backend, SocketCall::open_socket, kWinsockNoBuffers, 1, "WSASocket", Hit::served});
      cases.push_back(
          {backend, SocketCall::accept_ex, kWinsockNoBuffers, 1, "AcceptEx", Hit::served});
    }
  }
  return cases;
}

class FailedSocketCall : public FaultFixture, public ::testing::TestWithParam<FaultCase> {
 protected:
  void TearDown() override { stop(); }
};

// The fault hits the first client's connection; the server logs it, goes on, and serves the
// second client (and the first one too, where the call is simply made again).
TEST_P(FailedSocketCall, IsLoggedAndTheServerGoesOnServing) {
  const FaultCase& fault = GetParam();
  IoConfig config;
  config.posted_accepts = 1;  // IOCP: the one posted accept is the one that fails
  faults_->fail_next(fault.call, fault.count, fault.error);
  start(fault.backend, config);
  const ConnId first = connect();
  ASSERT_TRUE(eventually([&] { return faults_->injected(fault.call) == fault.count; }))
      << faults_->injected(fault.call);
  if (fault.hit == Hit::served) {
    EXPECT_TRUE(echoed(first, "first")) << "the connection the fault hit was not served";
  } else {
    EXPECT_TRUE(client_.wait([&] { return client_.ended.count(first) == 1; }))
        << "the connection the fault hit was left open, unserved";
  }
  const ConnId second = connect();
  EXPECT_TRUE(echoed(second, "second")) << "the server stopped serving after the fault";
  EXPECT_TRUE(eventually([&] {
    return CapturedWarnings::has({fault.logged, "failed", std::to_string(fault.error)});
  })) << "warnings were:\n"
      << CapturedWarnings::all();
}

INSTANTIATE_TEST_SUITE_P(Backends, FailedSocketCall, ::testing::ValuesIn(accept_path_cases()),
                         case_name);

// ------------------------------------------------------------------ connect

// The backends that register a connecting socket too (register_socket in connect()).
std::vector<std::string> backends_registering_connects() {
  std::vector<std::string> names;
  for (const std::string& backend : io_backend_names()) {
    if (backend != "uring") {
      names.push_back(backend);
    }
  }
  return names;
}

class FailedConnectRegistration : public FaultFixture,
                                  public ::testing::TestWithParam<std::string> {
 protected:
  void TearDown() override { stop(); }
};

// connect() reports a socket it could not register through its error code (it used to throw on
// epoll), frees the slot, and the next connect() works.
TEST_P(FailedConnectRegistration, IsReportedByConnectAndTheNextOneWorks) {
  start(GetParam(), IoConfig{});  // a server to connect to
  Peer r;
  IoConfig config;
  config.backend = GetParam();
  config.max_connections = 1;  // the failed connect must give its slot back
  config.faults = std::make_shared<SocketFaults>();
  auto io = make_io_service(r, config);
  r.io = io.get();
  std::thread worker([&] { io->run(); });
  config.faults->fail_next(SocketCall::register_socket, 1,
                           GetParam() == "iocp" ? kWinsockNoBuffers : ENOMEM);
  std::error_code ec;
  ConnId id;
  try {
    id = io->connect(bound_, ec);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "connect() threw: " << e.what();
  }
  EXPECT_TRUE(ec);
  EXPECT_FALSE(id.valid());
  ec.clear();
  id = io->connect(bound_, ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_TRUE(r.wait([&] { return r.connected.count(id) != 0 && !r.connected[id]; }));
  EXPECT_EQ(config.faults->injected(SocketCall::register_socket), 1u);
  io->stop();
  worker.join();
}

INSTANTIATE_TEST_SUITE_P(Backends, FailedConnectRegistration,
                         ::testing::ValuesIn(backends_registering_connects()), backend_param_name);

// ------------------------------------------------------------------ the IOCP accept pool

// IOCP keeps IoConfig::posted_accepts AcceptEx calls posted. One that fails at once (its
// WSASocket or its AcceptEx) is posted again after a backoff instead of being lost; so the pool
// refills, even from empty. (epoll and io_uring keep no such pool.)
std::vector<std::string> backends_posting_accepts() {
  std::vector<std::string> names;
  for (const std::string& backend : io_backend_names()) {
    if (backend == "iocp") {
      names.push_back(backend);
    }
  }
  return names;
}

class AcceptPool : public FaultFixture, public ::testing::TestWithParam<std::string> {
 protected:
  static constexpr unsigned kPosted = 4;
  void TearDown() override { stop(); }

  // AcceptEx calls really made: each is one posted accept, until its completion.
  unsigned accept_ex_made() const {
    return faults_->attempted(SocketCall::accept_ex) - faults_->injected(SocketCall::accept_ex);
  }
  // Connects `n` clients at once and waits until the server accepted them all.
  bool burst_accepted(unsigned n) {
    std::size_t before = 0;
    {
      std::lock_guard lock(server_.mutex);
      before = server_.accepted.size();
    }
    for (unsigned i = 0; i < n; ++i) {
      connect();
    }
    return server_.wait([&] { return server_.accepted.size() == before + n; });
  }
};

// Every accept of the pool fails when listen() posts it: none is posted. They come back.
TEST_P(AcceptPool, RefillsWhenEveryPostFailedAtListen) {
  faults_->fail_next(SocketCall::open_socket, 2, kWinsockNoBuffers);
  faults_->fail_next(SocketCall::accept_ex, 2, kWinsockNoBuffers);
  IoConfig config;
  config.posted_accepts = kPosted;
  start(GetParam(), config);
  EXPECT_EQ(faults_->injected(SocketCall::open_socket), 2u);
  EXPECT_EQ(faults_->injected(SocketCall::accept_ex), 2u);
  EXPECT_TRUE(eventually([&] { return accept_ex_made() == kPosted; }))
      << "posted again: " << accept_ex_made() << " of " << kPosted;
  EXPECT_TRUE(burst_accepted(kPosted + 1));
  // Each of those accepts was posted again as it completed: the pool is whole.
  EXPECT_TRUE(eventually([&] { return accept_ex_made() == kPosted + kPosted + 1; }));
  // The first failure schedules the round and says so; the others join it.
  EXPECT_TRUE(CapturedWarnings::has({"WSASocket", "failed", "posted again in 10 ms"}))
      << CapturedWarnings::all();
}

// The accepts fail as they are posted again after connections: the pool drains to empty, and
// still refills.
TEST_P(AcceptPool, RefillsWhenItsRepostsFail) {
  IoConfig config;
  config.posted_accepts = kPosted;
  start(GetParam(), config);
  ASSERT_EQ(accept_ex_made(), kPosted);
  // The next 3 re-posts fail at WSASocket, the 4th at AcceptEx: the pool is empty after 4
  // connections, and connections beyond the 4th wait for the backoff.
  faults_->fail_next(SocketCall::open_socket, kPosted - 1, kWinsockNoBuffers);
  faults_->fail_next(SocketCall::accept_ex, 1, kWinsockNoBuffers);
  EXPECT_TRUE(burst_accepted(kPosted));
  EXPECT_TRUE(burst_accepted(kPosted + 1));
  // Each accept posted again once: the 4 that failed, and the 5 after the second burst.
  EXPECT_TRUE(eventually([&] { return accept_ex_made() == kPosted + kPosted + (kPosted + 1); }))
      << accept_ex_made();
}

INSTANTIATE_TEST_SUITE_P(Backends, AcceptPool, ::testing::ValuesIn(backends_posting_accepts()),
                         backend_param_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(AcceptPool);  // Linux: no IOCP

// ------------------------------------------------------------------ the seam itself

TEST(SocketFaults, FailsTheNextNCallsOfOneKindOnly) {
  SocketFaults faults;
  EXPECT_EQ(injected_fault(nullptr, SocketCall::accept), 0);
  faults.fail_next(SocketCall::accept, 2, ENOMEM);
  EXPECT_EQ(injected_fault(&faults, SocketCall::register_socket), 0);
  EXPECT_EQ(injected_fault(&faults, SocketCall::accept), ENOMEM);
  EXPECT_EQ(injected_fault(&faults, SocketCall::accept), ENOMEM);
  EXPECT_EQ(injected_fault(&faults, SocketCall::accept), 0);
  EXPECT_EQ(faults.injected(SocketCall::accept), 2u);
  EXPECT_EQ(faults.attempted(SocketCall::accept), 3u);
  EXPECT_EQ(faults.injected(SocketCall::register_socket), 0u);
  EXPECT_EQ(faults.attempted(SocketCall::register_socket), 1u);
}

TEST(WarningThrottle, LogsTheFirstAndHoldsBackTheNextOnesWithinASecond) {
  CapturedWarnings warnings;
  WarningThrottle throttle;
  throttle.warn("event {}", 1);
  throttle.warn("event {}", 2);
  throttle.warn("event {}", 3);
  EXPECT_TRUE(CapturedWarnings::has({"event 1"}));
  EXPECT_FALSE(CapturedWarnings::has({"event 2"}));
  EXPECT_FALSE(CapturedWarnings::has({"event 3"}));
}

}  // namespace
}  // namespace chat::net
