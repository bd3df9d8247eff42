// Client text never reaches the operator's terminal raw: every log line, console answer and
// audit entry shows control, bidi, zero-width and line-breaking characters as visible escapes,
// one event is one line, and a connection repeating a refused request cannot flood the log.
#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "log.h"
#include "net/wire/text_escape.h"
#include "support/test_client.h"
#include "support/test_server.h"

namespace chat::testing {
namespace {

// One of each kind the escaping covers: C0 (ESC with an OSC title sequence, CR, LF, NUL, DEL), C1
// (CSI), bidi override, zero-width space, BOM, line and paragraph separators, a tag character.
const std::string kNasty =
    std::string("\x1b]0;pwned\x07|\r\n2026-01-01T00:00:00.000Z INFO  forged") +
    std::string(1, '\0') + "\x7f|\xc2\x9b" + "31m|\xe2\x80\xae" + "evil|" +
    "\xe2\x80\x8b|\xef\xbb\xbf|\xe2\x80\xa8|\xe2\x80\xa9|\xf3\xa0\x81\x81";

// True if `line` holds a character escape_text would have escaped (or a byte that is not UTF-8).
bool has_raw_dangerous_character(std::string_view line) {
  return wire::escape_text(line) != line;
}

class LogInjectionTest : public ::testing::Test {
 protected:
  LogInjectionTest() {
    log::set_sink([this](std::string_view line) {
      std::lock_guard lock(mutex_);
      lines_.emplace_back(line);
    });
  }
  ~LogInjectionTest() override { log::set_sink(nullptr); }

  void start(server::ServerConfig cfg = test_config()) {
    cfg.operators = {"boss"};
    cfg.operator_password = [](const std::string&) {
      return std::optional<std::string>("correct-horse");
    };
    server_ = std::make_unique<TestServer>(cfg);
    log::set_level(log::Level::info);  // TestServer quietens it
  }

  std::vector<std::string> lines_containing(std::string_view marker) {
    std::lock_guard lock(mutex_);
    std::vector<std::string> found;
    for (const std::string& l : lines_) {
      if (l.find(marker) != std::string::npos) {
        found.push_back(l);
      }
    }
    return found;
  }

  // Every line written so far is one line, with nothing raw in it.
  void expect_every_line_safe() {
    std::lock_guard lock(mutex_);
    ASSERT_FALSE(lines_.empty());
    for (const std::string& l : lines_) {
      ASSERT_FALSE(l.empty());
      EXPECT_EQ(l.back(), '\n');
      const std::string_view body(l.data(), l.size() - 1);
      EXPECT_EQ(body.find('\n'), std::string_view::npos) << body;
      EXPECT_FALSE(has_raw_dangerous_character(body)) << wire::escape_text(body);
      EXPECT_LE(body.size(), log::kMaxMessageBytes + 64 + wire::kMaxCutMarkerBytes);
    }
  }

  std::size_t line_count() {
    std::lock_guard lock(mutex_);
    return lines_.size();
  }

  client::ClientNetwork network_{2, 64, test_io_backend()};
  std::unique_ptr<TestServer> server_;
  std::mutex mutex_;
  std::vector<std::string> lines_;
};

TEST_F(LogInjectionTest, AQuitReasonIsOneEscapedLine) {
  start();
  auto bob = joined_client(network_, server_->endpoint(), "bob");
  Envelope quit;
  quit.mutable_quit()->set_reason("marker-quit " + kNasty);
  ASSERT_TRUE(bob->send(quit));
  ASSERT_TRUE(bob->wait_closed());
  // The server logs the leave before it closes: by the client's close the line is there.
  const auto found = lines_containing("marker-quit");
  ASSERT_EQ(found.size(), 1u) << "one event, one line";
  EXPECT_NE(found[0].find("\\x1b]0;pwned\\x07"), std::string::npos) << found[0];
  EXPECT_NE(found[0].find("\\u202E"), std::string::npos) << found[0];
  EXPECT_NE(found[0].find("\\u2028"), std::string::npos) << found[0];
  expect_every_line_safe();
}

TEST_F(LogInjectionTest, AWhisperTargetIsCheckedAsANicknameBeforeAnythingElse) {
  start();
  auto bob = joined_client(network_, server_->endpoint(), "bob");
  const Envelope bad = bob->ask(
      [] {
        Envelope w;
        w.mutable_whisper()->set_to("marker-target" + kNasty);
        w.mutable_whisper()->set_text("hi");
        return w;
      }(),
      Envelope::kAck);
  ASSERT_TRUE(bad.has_error()) << bad.ShortDebugString();
  EXPECT_EQ(bad.error().code(), proto::NICKNAME_INVALID);
  const Envelope huge = bob->ask(
      [] {
        Envelope w;
        w.mutable_whisper()->set_to(std::string(60000, 'n'));
        w.mutable_whisper()->set_text("hi");
        return w;
      }(),
      Envelope::kAck);
  ASSERT_TRUE(huge.has_error());
  EXPECT_EQ(huge.error().code(), proto::NICKNAME_INVALID);
  EXPECT_LT(huge.error().message().size(), 200u) << "the target is not quoted back";
  EXPECT_TRUE(lines_containing("marker-target").empty()) << "an invalid name is not logged";
  EXPECT_TRUE(lines_containing(std::string(100, 'n')).empty());
  expect_every_line_safe();
}

TEST_F(LogInjectionTest, AnOperatorsCommandIsEscapedInTheLogTheAuditAndTheConsole) {
  start();
  TestClient boss(network_, server_->endpoint());
  ASSERT_TRUE(boss.login("boss", "correct-horse").has_welcome());
  const Envelope reply = boss.operator_command("kick nobody marker-cmd" + kNasty);
  EXPECT_TRUE(reply.has_error());  // nobody is called that: refused, and audited
  const auto logged = lines_containing("marker-cmd");
  ASSERT_EQ(logged.size(), 1u);
  const auto audit = server_->server().run_console_command("audit 5");
  bool seen = false;
  for (const std::string& line : audit) {
    EXPECT_FALSE(has_raw_dangerous_character(line)) << wire::escape_text(line);
    EXPECT_EQ(line.find('\n'), std::string::npos);
    seen = seen || line.find("marker-cmd") != std::string::npos;
  }
  EXPECT_TRUE(seen) << "the audit entry is kept, escaped";
  expect_every_line_safe();
}

// A client repeating a refused request (here within its flood allowance) writes ten lines, then
// about one a second: not one per request.
TEST_F(LogInjectionTest, RepeatedRefusalsFromOneConnectionAreRateLimited) {
  start();
  auto bob = joined_client(network_, server_->endpoint(), "bob");
  const std::size_t before = line_count();
  std::string burst;
  for (std::uint64_t i = 1; i <= 300; ++i) {
    Envelope w;
    w.set_request_id(i);
    w.mutable_whisper()->set_to(std::string(4000, 'n'));
    w.mutable_whisper()->set_text("hi");
    burst += frame_bytes(w.SerializeAsString());
  }
  ASSERT_TRUE(bob->send_raw(burst));
  const auto errors = bob->wait_count([](const Envelope& e) { return e.has_error(); }, 300);
  ASSERT_EQ(errors.size(), 300u);
  const std::size_t written = line_count() - before;
  EXPECT_GE(written, 10u);
  EXPECT_LE(written, 20u) << "300 refusals must not write 300 lines";
  expect_every_line_safe();
}

}  // namespace
}  // namespace chat::testing
