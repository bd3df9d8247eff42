// Soak: the sanitizer-built chat_server under a bounded mixed load from chat_bot (every scenario
// in turn, for CHAT_SOAK_SECONDS), with the sanitizers watching both sides. Each bot run must pass
// its own delivery checks; the server must end cleanly (a sanitizer report ends it with an error
// status instead) and must not grow after the first round beyond a stated margin. Registered for
// the asan and tsan configurations only (tests/CMakeLists.txt).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "client/bot/process_memory.h"
#include "support/child_process.h"
#include "support/listening_line.h"

namespace chat::testing {
namespace {

using namespace std::chrono_literals;

const std::string kServerExe = CHAT_SERVER_EXE;
const std::string kBotExe = CHAT_BOT_EXE;
constexpr auto kSoak = std::chrono::seconds(CHAT_SOAK_SECONDS);
constexpr auto kWait = 120s;  // one bot run, or the server's start and stop, under a sanitizer
// Growth allowed between the end of the first round (everything warmed up: pools, allocator
// caches, the sanitizer's own tables) and the end of the soak.
constexpr std::uint64_t kGrowthMarginBytes = 32u << 20;

// One round: every scenario once, paced so that each lasts a few seconds.
std::vector<std::vector<std::string>> round_of_runs(long server_pid) {
  return {
      {"--scenario", "fanout", "--clients", "50", "--messages", "100", "--rate", "1000"},
      {"--scenario", "rooms", "--clients", "60", "--rooms", "6", "--messages", "100", "--rate",
       "1000"},
      {"--scenario", "whisper", "--clients", "40", "--messages", "100", "--rate", "1000"},
      {"--scenario", "echo", "--clients", "20", "--messages", "200", "--rate", "1000"},
      {"--scenario", "churn", "--clients", "20", "--messages", "10"},
      {"--scenario", "idle", "--clients", "300", "--hold", "1", "--server-pid",
       std::to_string(server_pid)},
  };
}

TEST(Soak, MixedBotLoadUnderTheSanitizersEndsCleanAndDoesNotGrow) {
  // ASan keeps freed memory in quarantine (256 MiB by default) to catch use after free: cap it,
  // so that resident memory measures the server, not the quarantine filling up.
  std::string asan = std::getenv("ASAN_OPTIONS") != nullptr ? std::getenv("ASAN_OPTIONS") : "";
  asan += std::string(asan.empty() ? "" : ":") + "quarantine_size_mb=16";
  setenv("ASAN_OPTIONS", asan.c_str(), 1);  // POSIX: the sanitizer builds are Linux builds
  // The history store on, in memory: its writer thread, the deferred Acks and the pruning under
  // the load too. A small retention keeps what it holds steady, so growth would be a leak. Two
  // workers in the server and in each bot whatever the machine's default, so that the
  // sanitizers watch completions of one connection racing on two threads.
  ChildProcess server({kServerExe, "--port", "0", "--log-level", "warn", "--flood-rate", "0",
                       "--whisper-bytes-per-s", "0", "--db", ":memory:", "--keep-messages", "200",
                       "--workers", "2"});
  const std::uint16_t port = parse_listening(server.read_line(kWait));
  ASSERT_NE(port, 0) << "the server did not start";

  const auto start = std::chrono::steady_clock::now();
  std::optional<std::uint64_t> warm;
  int runs = 0;
  while (!warm || std::chrono::steady_clock::now() - start < kSoak) {
    for (std::vector<std::string> args : round_of_runs(server.pid())) {
      const std::string scenario = args[1];
      args.insert(args.begin(), kBotExe);
      for (const char* common :
           {"--port", "", "--duration", "60", "--no-progress", "--json", "--workers", "2"}) {
        args.emplace_back(*common != '\0' ? common : std::to_string(port));
      }
      ChildProcess bot(args);
      const std::string report = bot.read_all(kWait);
      ASSERT_EQ(bot.wait(kWait), 0) << scenario << " run " << runs << " failed:\n" << report;
      ++runs;
    }
    if (!warm) {
      warm = bot::resident_bytes(server.pid());
      ASSERT_TRUE(warm) << "cannot read the server's memory use";
    }
  }
  const std::optional<std::uint64_t> end = bot::resident_bytes(server.pid());
  ASSERT_TRUE(end);
  std::cerr << "soak: " << runs << " bot runs; server " << (*warm >> 10) << " KiB after the first "
            << "round, " << (*end >> 10) << " KiB at the end\n";
  EXPECT_LE(*end, *warm + kGrowthMarginBytes) << "the server kept growing under a steady load";
  server.interrupt();
  EXPECT_EQ(server.wait(kWait), 0) << "the server did not end cleanly (a sanitizer report?)";
}

}  // namespace
}  // namespace chat::testing
