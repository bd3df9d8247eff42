// chat_server run as a service is: settings in a --config file (the command line wins), the log in
// a file (as text or JSON lines) that logrotate can move away, and a reload that applies what can
// change without a restart. The real binary, through its console (every platform).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "support/child_process.h"
#include "support/listening_line.h"
#include "support/test_client.h"

namespace chat::testing {
namespace {

const std::string kServer = CHAT_SERVER_EXE;

// A file of its own in the temp directory, removed before and after.
class TempFile {
 public:
  explicit TempFile(const std::string& suffix) {
    path_ = (std::filesystem::temp_directory_path() /
             ("chat-service-test-" + std::to_string(std::random_device{}()) + suffix))
                .string();
    remove();
  }
  ~TempFile() { remove(); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }
  void write(const std::string& text) const { std::ofstream(path_, std::ios::binary) << text; }
  std::string read() const {
    std::ifstream in(path_, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }
  void remove() const {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
    std::filesystem::remove(path_ + ".1", ignored);
  }

 private:
  std::string path_;
};

std::string trimmed(std::optional<std::string> line) {
  if (line && !line->empty() && line->back() == '\r') {
    line->pop_back();
  }
  return line.value_or("<no line>");
}

TEST(ServiceProgram, ConfigFileSetsFlagsAndTheCommandLineWins) {
  TempFile config(".toml");
  config.write("motd = \"from the file\"\nflood-rate = 5\nlog-level = \"warn\"\n");
  ChildProcess server({kServer, "--config", config.path(), "--port", "0", "--db",
                       ":memory:", "--flood-rate", "0", "--no-console"});
  ASSERT_TRUE(server.started());
  const std::uint16_t port = parse_listening(server.read_line(kWait));
  ASSERT_NE(port, 0);
  client::ClientNetwork network(1, 8);
  TestClient alice(network, {"127.0.0.1", port});
  const Envelope welcome = alice.join("alice");
  ASSERT_TRUE(welcome.has_welcome()) << welcome.ShortDebugString();
  EXPECT_EQ(welcome.welcome().motd(), "from the file");
  EXPECT_EQ(welcome.welcome().limits().flood_rate(), 0u) << "--flood-rate 0 wins over the file";
  server.interrupt();
  EXPECT_EQ(server.wait(kWait), 0);
}

TEST(ServiceProgram, ConsoleReloadAppliesTheNewFileAndLogsEachChangeAsJson) {
  TempFile config(".toml");
  TempFile log(".log");
  config.write("motd = \"before\"\nworkers = 1\n");
  ChildProcess server({kServer, "--config", config.path(), "--port", "0", "--db",
                       ":memory:", "--log-file", log.path(), "--log-format", "json"});
  ASSERT_TRUE(server.started());
  const std::uint16_t port = parse_listening(server.read_line(kWait));
  ASSERT_NE(port, 0);

  config.write("motd = \"after \\\"quoted\\\"\"\nworkers = 2\n");
  server.write_stdin("reload\n");
  EXPECT_EQ(trimmed(server.read_line(kWait)),
            "reload (console): workers: 1 -> 2 needs a restart; still 1");
  EXPECT_EQ(trimmed(server.read_line(kWait)),
            "reload (console): motd: \"before\" -> \"after \"quoted\"\"");

  client::ClientNetwork network(1, 8);
  TestClient alice(network, {"127.0.0.1", port});
  const Envelope welcome = alice.join("alice");
  ASSERT_TRUE(welcome.has_welcome()) << welcome.ShortDebugString();
  EXPECT_EQ(welcome.welcome().motd(), "after \"quoted\"");

  // A bad file is refused whole: the server keeps what it runs on.
  config.write("motd = \"never\"\nno-such-key = 1\n");
  server.write_stdin("reload\n");
  EXPECT_EQ(trimmed(server.read_line(kWait)),
            "reload (console): reload refused, nothing changed: unknown key 'no-such-key' in the "
            "--config file");

  // reopen-log closes and opens the file again (a file moved away meanwhile is left behind: the
  // Linux test of SIGHUP moves it; Windows cannot move a file the server holds open).
  server.write_stdin("reopen-log\n");
  EXPECT_EQ(trimmed(server.read_line(kWait)), "reopen-log (console): log file reopened");
  server.interrupt();
  EXPECT_EQ(server.wait(kWait), 0);

  std::ifstream in(log.path());
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(in, line)) {
    lines.push_back(line);
  }
  // One JSON object a line; the quotes of the MOTD escaped.
  EXPECT_TRUE(has_line_containing(
      lines,
      R"("level":"info","message":"reload (console): motd: \"before\" -> \"after \"quoted\"\""})"))
      << log.read();
  for (const std::string& l : lines) {
    EXPECT_EQ(l.rfind("{\"time\":\"", 0), 0u) << l;
    EXPECT_EQ(l.back(), '}') << l;
  }
  EXPECT_TRUE(has_line_containing(lines, "reopen-log (console): log file reopened"));
  EXPECT_TRUE(has_line_containing(lines, "shutdown requested")) << "after the reopen, as before";
}

TEST(ServiceProgram, VersionNamesTheCommit) {
  ChildProcess server({kServer, "--version"});
  ASSERT_TRUE(server.started());
  const std::string line = trimmed(server.read_line(kWait));
  EXPECT_EQ(line.rfind("chat_server ", 0), 0u) << line;
  EXPECT_NE(line.find("(commit "), std::string::npos) << line;
  EXPECT_EQ(server.wait(kWait), 0);
}

}  // namespace
}  // namespace chat::testing
