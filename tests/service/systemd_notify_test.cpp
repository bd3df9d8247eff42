// chat_server under systemd, without systemd: each test binds its own NOTIFY_SOCKET (a datagram
// socket on a temporary path) and reads what the server tells the service manager: READY=1 once
// it listens, WATCHDOG=1 pings from its worker threads (none while they are stuck), STOPPING=1 when
// a shutdown begins. And SIGHUP reloads instead of stopping. Linux only.
#include <gtest/gtest.h>

#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <random>
#include <sstream>
#include <thread>

#include "service_host.h"
#include "support/child_process.h"
#include "support/listening_line.h"
#include "support/test_client.h"
#include "support/test_server.h"

namespace chat::testing {
namespace {

const std::string kServer = CHAT_SERVER_EXE;

std::string temp_path(const std::string& suffix) {
  return (std::filesystem::temp_directory_path() /
          ("chat-systemd-test-" + std::to_string(std::random_device{}()) + suffix))
      .string();
}

// A NOTIFY_SOCKET of the test's own, set in the environment (for this process and the children
// it starts) while it lives, with WATCHDOG_USEC when given.
class NotifySocket {
 public:
  explicit NotifySocket(std::chrono::milliseconds watchdog = {}) : path_(temp_path(".sock")) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    path_.copy(address.sun_path, sizeof(address.sun_path) - 1);
    bound_ = ::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0;
    ::setenv("NOTIFY_SOCKET", path_.c_str(), 1);
    if (watchdog.count() != 0) {
      ::setenv("WATCHDOG_USEC", std::to_string(watchdog.count() * 1000).c_str(), 1);
    }
  }
  ~NotifySocket() {
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  bool bound() const { return bound_; }
  // The next message, or nullopt after `timeout` without one.
  std::optional<std::string> next(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) {
      return std::nullopt;
    }
    char buffer[4096];
    const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
    return n < 0 ? std::nullopt : std::optional<std::string>(std::string(buffer, n));
  }
  // The next message that starts with `prefix`, skipping others; nullopt after `timeout`.
  std::optional<std::string> next_starting(const std::string& prefix,
                                           std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        return std::nullopt;
      }
      auto message = next(left);
      if (!message || message->rfind(prefix, 0) == 0) {
        return message;
      }
    }
  }

 private:
  std::string path_;
  int fd_ = -1;
  bool bound_ = false;
};

// Waits (bounded by kWait) until the file at `path` contains `text`; false if it never does.
bool wait_for_text(const std::string& path, const std::string& text) {
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  for (;;) {
    std::ifstream in(path);
    std::ostringstream all;
    all << in.rdbuf();
    if (all.str().find(text) != std::string::npos) {
      return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ADD_FAILURE() << path << " has no '" << text << "' in:\n" << all.str();
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

TEST(SystemdNotify, ReadyOnceListeningWatchdogPingsThenStoppingOnShutdown) {
  NotifySocket notify(std::chrono::milliseconds(200));
  ASSERT_TRUE(notify.bound());
  ChildProcess server(
      {kServer, "--port", "0", "--db", ":memory:", "--no-console", "--log-level", "warn"});
  ASSERT_TRUE(server.started());
  const std::uint16_t port = parse_listening(server.read_line(kWait));
  ASSERT_NE(port, 0);
  const auto ready = notify.next(kWait);
  ASSERT_TRUE(ready);
  EXPECT_EQ(*ready, "READY=1\nSTATUS=listening on 127.0.0.1:" + std::to_string(port));
  for (int ping = 0; ping < 3; ++ping) {
    EXPECT_EQ(notify.next(kWait).value_or("<none>"), "WATCHDOG=1") << ping;
  }
  server.interrupt();
  const auto stopping = notify.next_starting("STOPPING=1", kWait);
  ASSERT_TRUE(stopping);
  EXPECT_EQ(*stopping, "STOPPING=1\nSTATUS=shutting down (SIGINT)");
  EXPECT_EQ(server.wait(kWait), 0);
}

TEST(SystemdNotify, WithoutANotifySocketTheServerRunsAsUsual) {
  ChildProcess server({kServer, "--port", "0", "--db", ":memory:", "--no-console"});
  ASSERT_TRUE(server.started());
  ASSERT_NE(parse_listening(server.read_line(kWait)), 0);
  server.interrupt();
  EXPECT_EQ(server.wait(kWait), 0);
}

TEST(SystemdWatchdog, PingsComeFromTheWorkersAndStopWhileTheyAreStuck) {
  server::ServerConfig cfg = test_config();
  cfg.workers = 1;
  TestServer server(cfg);
  NotifySocket notify(std::chrono::milliseconds(100));
  ASSERT_TRUE(notify.bound());
  server::service_host::Watchdog watchdog(server.server());
  EXPECT_EQ(notify.next(kWait).value_or("<none>"), "WATCHDOG=1");
  EXPECT_EQ(notify.next(kWait).value_or("<none>"), "WATCHDOG=1");

  // The only worker is held: the ping posted to it waits, and no other is added.
  std::promise<void> release;
  std::promise<void> holding;
  server.server().run_on_worker([&] {
    holding.set_value();
    release.get_future().wait();
  });
  holding.get_future().wait();
  while (notify.next(std::chrono::milliseconds(0))) {  // what was sent before it was held
  }
  EXPECT_EQ(notify.next(std::chrono::milliseconds(1000)), std::nullopt)
      << "no ping in a second (20 ping periods) while the worker is stuck";
  release.set_value();
  EXPECT_EQ(notify.next(kWait).value_or("<none>"), "WATCHDOG=1") << "pings again once free";
}

TEST(SystemdReload, SighupReloadsTheConfigFileInsteadOfStopping) {
  const std::string config = temp_path(".toml");
  const std::string log = temp_path(".log");
  std::ofstream(config) << "motd = \"before\"\n";
  ChildProcess server({kServer, "--config", config, "--port", "0", "--db",
                       ":memory:", "--no-console", "--log-file", log});
  ASSERT_TRUE(server.started());
  const std::uint16_t port = parse_listening(server.read_line(kWait));
  ASSERT_NE(port, 0);
  std::ofstream(config) << "motd = \"after\"\n";
  ASSERT_EQ(::kill(static_cast<pid_t>(server.pid()), SIGHUP), 0);

  // The reload is logged; wait for its line (bounded).
  EXPECT_TRUE(wait_for_text(log, "reload (SIGHUP): motd: \"before\" -> \"after\""));

  client::ClientNetwork network(1, 8);
  TestClient alice(network, {"127.0.0.1", port});
  const Envelope welcome = alice.join("alice");
  ASSERT_TRUE(welcome.has_welcome()) << welcome.ShortDebugString();
  EXPECT_EQ(welcome.welcome().motd(), "after");
  EXPECT_EQ(server.wait(std::chrono::milliseconds(0)), std::nullopt) << "still running";

  // logrotate moves the file away and sends SIGHUP: the log goes on in a new file at the path.
  std::filesystem::rename(log, log + ".1");
  ASSERT_EQ(::kill(static_cast<pid_t>(server.pid()), SIGHUP), 0);
  EXPECT_TRUE(wait_for_text(log, "reload (SIGHUP): nothing changed"));
  EXPECT_TRUE(wait_for_text(log + ".1", "reload (SIGHUP): motd"));
  server.interrupt();
  EXPECT_EQ(server.wait(kWait), 0);
  EXPECT_TRUE(wait_for_text(log, "shutdown requested (SIGINT)"));
  std::filesystem::remove(config);
  std::filesystem::remove(log);
  std::filesystem::remove(log + ".1");
}

}  // namespace
}  // namespace chat::testing
