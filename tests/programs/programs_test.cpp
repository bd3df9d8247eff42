// The shipped programs, run as a user or a script runs them: real binaries, real flags, stdio.
#include <gtest/gtest.h>

#include <memory>
#include <thread>

#include "net/wire/envelope_codec.h"
#include "support/child_process.h"
#include "support/listening_line.h"
#include "support/test_client.h"
#include "support/test_server.h"

namespace chat::testing {
namespace {

const std::string kServer = CHAT_SERVER_EXE;
const std::string kClient = CHAT_CLIENT_EXE;
const std::string kBot = CHAT_BOT_EXE;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
    lines.push_back(text.substr(start, nl - start));
  }
  return lines;
}

bool contains(const std::vector<std::string>& lines, const std::string& line) {
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

TEST(ServerProgram, PrintsListeningLineServesAndShutsDownOnInterrupt) {
  ChildProcess server({kServer, "--port", "0", "--log-level", "warn", "--db", ":memory:"});
  ASSERT_TRUE(server.started());
  const std::uint16_t port = parse_listening(server.read_line(kWait));
  ASSERT_NE(port, 0);
  client::ClientNetwork network(1, 8);
  TestClient alice(network, {"127.0.0.1", port});
  ASSERT_TRUE(alice.connected()) << alice.connect_error();
  ASSERT_TRUE(alice.join("alice").has_welcome());
  server.interrupt();
  const auto notice = alice.wait_for(Envelope::kNotice);
  ASSERT_TRUE(notice);
  EXPECT_EQ(notice->notice().kind(), proto::Notice::SHUTDOWN);
  EXPECT_TRUE(alice.wait_closed());
  EXPECT_EQ(server.wait(kWait), 0);
  EXPECT_EQ(server.read_all(kWait), "") << "exactly one line on stdout";
}

TEST(ServerProgram, RefusesToStartWithAnUnregisteredOperatorAndNoConsole) {
  ChildProcess server(
      {kServer, "--port", "0", "--db", ":memory:", "--operator", "boss", "--no-console"});
  ASSERT_TRUE(server.started());
  EXPECT_EQ(server.wait(kWait), 1);
  EXPECT_EQ(server.read_all(kWait), "") << "it never listened";
}

TEST(ServerProgram, ConsoleRunsOperatorCommandsAndShutsDownWithAReason) {
  ChildProcess server({kServer, "--port", "0", "--log-level", "warn", "--db",
                       ":memory:", "--operator", "boss,chief"});
  ASSERT_TRUE(server.started());
  // Neither name is registered: the console asks for each one's password before it listens.
  server.write_stdin("boss password\nchief password\n");
  const std::uint16_t port = parse_listening(server.read_line(kWait));
  ASSERT_NE(port, 0);
  client::ClientNetwork network(1, 8);
  // Registered at start with the passwords typed; the real Argon2id cost applies here.
  TestClient chief(network, {"127.0.0.1", port});
  const Envelope welcome = chief.login("chief", "chief password");
  ASSERT_TRUE(welcome.has_welcome()) << welcome.ShortDebugString();
  EXPECT_TRUE(welcome.welcome().is_operator());
  ASSERT_TRUE(chief.wait_for(Envelope::kUserList));

  server.write_stdin("who\n");
  EXPECT_EQ(server.read_line(kWait), "1 users");
  EXPECT_EQ(server.read_line(kWait), "chief 127.0.0.1 operator rooms: lobby");
  server.write_stdin("frobnicate\n");
  EXPECT_EQ(server.read_line(kWait), "error: unknown command 'frobnicate'; try help");
  server.write_stdin("shutdown back soon\n");
  EXPECT_EQ(server.read_line(kWait), "shutting down");
  const auto notice = chief.wait_for(Envelope::kNotice);
  ASSERT_TRUE(notice);
  EXPECT_EQ(notice->notice().text(), "server shutting down: back soon");
  EXPECT_EQ(server.wait(kWait), 0);
}

// passwd NICK reads the new password on the console (twice, without echo on a terminal): it
// is never part of the command line, and the answer is the one line on stdout.
TEST(ServerProgram, ConsoleResetsAPasswordTypedAfterTheCommand) {
  ChildProcess server({kServer, "--port", "0", "--log-level", "warn", "--db", ":memory:"});
  ASSERT_TRUE(server.started());
  const std::uint16_t port = parse_listening(server.read_line(kWait));
  ASSERT_NE(port, 0);
  client::ClientNetwork network(1, 8);
  register_account(network, {"127.0.0.1", port}, "alice", "old password");
  server.write_stdin("passwd alice\nnew password\nnew password\n");
  EXPECT_EQ(server.read_line(kWait), "alice has a new password");
  TestClient with_new(network, {"127.0.0.1", port});
  const Envelope welcome = with_new.login("alice", "new password");
  EXPECT_TRUE(welcome.has_welcome()) << welcome.ShortDebugString();
  server.write_stdin("audit 1\n");
  const std::string audit = server.read_line(kWait).value_or("");
  EXPECT_NE(audit.find("console 'passwd alice': alice has a new password"), std::string::npos)
      << audit;
  server.interrupt();
  EXPECT_EQ(server.wait(kWait), 0);
}

TEST(ServerProgram, DefaultPortIsTheFirstFreeInItsRange) {
  ChildProcess first({kServer, "--log-level", "warn", "--db", ":memory:"});
  const std::uint16_t p1 = parse_listening(first.read_line(kWait));
  ChildProcess second({kServer, "--log-level", "warn", "--db", ":memory:"});
  const std::uint16_t p2 = parse_listening(second.read_line(kWait));
  EXPECT_GE(p1, 15410);
  EXPECT_LE(p1, 33333);
  EXPECT_GT(p2, p1) << "the second server takes a later free port";
  EXPECT_LE(p2, 33333);
  first.interrupt();
  second.interrupt();
  EXPECT_EQ(first.wait(kWait), 0);
  EXPECT_EQ(second.wait(kWait), 0);
}

TEST(ServerProgram, HelpDocumentsEveryFlag) {
  ChildProcess help({kServer, "--help"});
  const std::string text = help.read_all(kWait);
  EXPECT_EQ(help.wait(kWait), 0);
  for (const char* flag : {"--host",
                           "--port",
                           "--workers",
                           "--max-clients",
                           "--io-backend",
                           "--flood-burst",
                           "--flood-rate",
                           "--handshake-timeout",
                           "--heartbeat-interval",
                           "--heartbeat-timeout",
                           "--max-conns-per-ip",
                           "--connects-per-ip",
                           "--limit-loopback",
                           "--max-frame-bytes",
                           "--max-text-bytes",
                           "--max-rooms",
                           "--send-queue-soft-bytes",
                           "--send-queue-bytes",
                           "--db",
                           "--history",
                           "--history-memory-bytes",
                           "--keep-messages",
                           "--keep-days",
                           "--motd",
                           "--linger",
                           "--linger-ms",
                           "--shutdown-grace",
                           "--shutdown-grace-ms",
                           "--log-level",
                           "--operator",
                           "--no-console",
                           "--auth-threads",
                           "--auth-priority",
                           "--registrations-per-ip-per-hour",
                           "--registrations-per-hour"}) {
    EXPECT_NE(text.find(flag), std::string::npos) << flag;
  }
}

TEST(ServerProgram, ServesOnEveryIoBackendAndRefusesAnUnknownOne) {
  for (const std::string& backend : net::io_backend_names()) {
    ChildProcess server({kServer, "--port", "0", "--log-level", "warn", "--db",
                         ":memory:", "--io-backend", backend});
    const std::uint16_t port = parse_listening(server.read_line(kWait));
    ASSERT_NE(port, 0) << backend;
    client::ClientNetwork network(1, 8);
    TestClient alice(network, {"127.0.0.1", port});
    ASSERT_TRUE(alice.connected()) << backend << ": " << alice.connect_error();
    EXPECT_TRUE(alice.join("alice").has_welcome()) << backend;
    server.interrupt();
    EXPECT_EQ(server.wait(kWait), 0) << backend;
  }
  ChildProcess unknown({kServer, "--io-backend", "select"});
  EXPECT_EQ(unknown.wait(kWait), 2);
}

TEST(ServerProgram, BadFlagIsAUsageError) {
  ChildProcess bad({kServer, "--max-clients", "0"});
  EXPECT_EQ(bad.wait(kWait), 2);
  ChildProcess priority({kServer, "--auth-priority", "fastest"});
  EXPECT_EQ(priority.wait(kWait), 2);
  for (const char* duration : {"2x", "-1s", "1.s", "25h", "", "s"}) {
    ChildProcess bad_duration({kServer, "--heartbeat-interval", duration});
    EXPECT_EQ(bad_duration.wait(kWait), 2) << "'" << duration << "'";
  }
}

// Duration flags take a unit suffix, and a bare number keeps the unit the flag always had.
TEST(ServerProgram, DurationFlagsTakeUnitsAndBareNumbersKeepTheirUnit) {
  ChildProcess server({kServer, "--port", "0", "--log-level", "warn", "--db", "", "--no-console",
                       "--heartbeat-interval", "1.5", "--heartbeat-timeout", "2m",
                       "--handshake-timeout", "500ms", "--linger-ms", "250", "--shutdown-grace",
                       "1s"});
  const std::uint16_t port = parse_listening(server.read_line(kWait));
  ASSERT_NE(port, 0);
  client::ClientNetwork network(1, 8);
  TestClient alice(network, {"127.0.0.1", port});
  ASSERT_TRUE(alice.connected()) << alice.connect_error();
  const Envelope welcome = alice.join("alice");
  ASSERT_TRUE(welcome.has_welcome()) << welcome.ShortDebugString();
  EXPECT_EQ(welcome.welcome().limits().heartbeat_interval_ms(), 1500u);
  EXPECT_EQ(welcome.welcome().limits().heartbeat_timeout_ms(), 120000u);
  server.interrupt();
  EXPECT_EQ(server.wait(kWait), 0);
}

class ClientProgram : public ::testing::Test {
 protected:
  std::vector<std::string> client_argv(const std::string& nick) {
    return {kClient, "--port", std::to_string(server_.endpoint().port), "--nick", nick};
  }
  TestServer server_;
  client::ClientNetwork network_{1, 16};
};

TEST_F(ClientProgram, ScriptedSessionTalksAndQuitsAtEndOfInput) {
  TestClient bob(network_, server_.endpoint());
  ASSERT_TRUE(bob.join("bob").has_welcome());
  ChildProcess alice(client_argv("alice"));
  alice.write_stdin("hello everyone\n/w bob psst\n/echo are you there\n/users\n");
  alice.close_stdin();
  const auto out = lines_of(alice.read_all(kWait));
  EXPECT_EQ(alice.wait(kWait), 0);
  EXPECT_TRUE(contains(out, "[lobby] <alice> hello everyone")) << ::testing::PrintToString(out);
  EXPECT_TRUE(contains(out, "[whisper to bob] psst"));
  EXPECT_TRUE(contains(out, "* echo: are you there"));
  EXPECT_TRUE(contains(out, "* users in lobby (2): bob, alice"));
  const auto said = bob.wait_for([](const Envelope& e) { return e.has_chat_message(); });
  ASSERT_TRUE(said);
  EXPECT_EQ(said->chat_message().text(), "hello everyone");
  const auto whispered = bob.wait_for([](const Envelope& e) { return e.has_chat_message(); });
  ASSERT_TRUE(whispered);
  EXPECT_TRUE(whispered->chat_message().whisper());
  const auto left = bob.wait_for([](const Envelope& e) {
    return e.has_presence() && e.presence().kind() == proto::Presence::LEFT;
  });
  ASSERT_TRUE(left);
  EXPECT_EQ(left->presence().reason(), "quit");
}

TEST_F(ClientProgram, LinesAfterJoinGoToTheNewRoom) {
  TestClient bob(network_, server_.endpoint());
  ASSERT_TRUE(bob.join("bob").has_welcome());
  ChildProcess alice(client_argv("alice"));
  alice.write_stdin("/join games\nin games\n/leave games\nback in lobby\n/quit see you\n");
  alice.close_stdin();
  const auto out = lines_of(alice.read_all(kWait));
  EXPECT_EQ(alice.wait(kWait), 0);
  EXPECT_TRUE(contains(out, "* you joined games")) << ::testing::PrintToString(out);
  EXPECT_TRUE(contains(out, "[games] <alice> in games"));
  EXPECT_TRUE(contains(out, "[lobby] <alice> back in lobby")) << ::testing::PrintToString(out);
  const auto chat = bob.wait_for([](const Envelope& e) { return e.has_chat_message(); });
  ASSERT_TRUE(chat);
  EXPECT_EQ(chat->chat_message().text(), "back in lobby") << "bob is not in games";
  const auto left = bob.wait_for([](const Envelope& e) {
    return e.has_presence() && e.presence().kind() == proto::Presence::LEFT;
  });
  ASSERT_TRUE(left);
  EXPECT_EQ(left->presence().reason(), "quit: see you");
}

TEST_F(ClientProgram, TakenNicknameEndsAScriptWithExitCode3) {
  TestClient bob(network_, server_.endpoint());
  ASSERT_TRUE(bob.join("bob").has_welcome());
  ChildProcess impostor(client_argv("BOB"));
  impostor.close_stdin();
  const auto out = lines_of(impostor.read_all(kWait));
  EXPECT_EQ(impostor.wait(kWait), 3);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.back().rfind("! error NICKNAME_TAKEN:", 0), 0u) << out.back();
}

TEST(ClientProgramAccounts, RegisterThenLogInWithThePasswordAndRunOperatorCommands) {
  server::ServerConfig cfg = test_config();
  TestServer server(cfg);
  const std::string port = std::to_string(server.endpoint().port);

  ChildProcess guest({kClient, "--port", port, "--nick", "erin"});
  guest.write_stdin("/register erin-password\n");
  guest.close_stdin();
  auto out = lines_of(guest.read_all(kWait));
  EXPECT_EQ(guest.wait(kWait), 0);
  EXPECT_TRUE(contains(out, "* erin is registered to you; next time log in with --password"))
      << ::testing::PrintToString(out);

  // Without the password, and with a wrong one: refused, and a script ends with exit code 3.
  const std::vector<std::pair<std::vector<std::string>, std::string>> refusals{
      {{"--nick", "erin"}, "! error NICKNAME_REGISTERED:"},
      {{"--nick", "erin", "--password", "not-it-at-all"}, "! error LOGIN_FAILED:"}};
  for (const auto& [flags, expected] : refusals) {
    SCOPED_TRACE(expected);
    std::vector<std::string> argv{kClient, "--port", port};
    argv.insert(argv.end(), flags.begin(), flags.end());
    ChildProcess refused(argv);
    refused.close_stdin();
    out = lines_of(refused.read_all(kWait));
    EXPECT_EQ(refused.wait(kWait), 3);
    ASSERT_FALSE(out.empty());
    EXPECT_EQ(out.back().rfind(expected, 0), 0u) << out.back();
  }

  // The console gives the role to the account erin registered.
  ASSERT_EQ(server.server().run_console_command("op erin"),
            std::vector<std::string>{"erin has the operator role"});
  ChildProcess op({kClient, "--port", port, "--nick", "Erin", "--password", "erin-password"});
  op.write_stdin("/op who\n/kick nobody\n");
  op.close_stdin();
  out = lines_of(op.read_all(kWait));
  EXPECT_EQ(op.wait(kWait), 0);
  ASSERT_FALSE(out.empty());
  // Logged in as "Erin", named as registered: "erin".
  EXPECT_EQ(out.front().rfind("* welcome, erin (operator)!", 0), 0u) << out.front();
  EXPECT_TRUE(contains(out, "* 1 users")) << ::testing::PrintToString(out);
  EXPECT_TRUE(contains(out, "* erin 127.0.0.1 operator rooms: lobby"));
  EXPECT_TRUE(contains(out, "! error COMMAND_INVALID: nobody is called 'nobody'"));
}

// /passwd and /delete-account read their answers as the login prompt does (masked on a
// terminal; from a script, the next lines).
TEST(ClientProgramAccounts, PasswdThenDeleteAccount) {
  TestServer server(test_config());
  const std::string port = std::to_string(server.endpoint().port);
  client::ClientNetwork network(1, 8);
  register_account(network, server.endpoint(), "frank", "old-secret-1");

  ChildProcess frank({kClient, "--port", port, "--nick", "frank", "--password", "old-secret-1"});
  frank.write_stdin(
      "/passwd\nold-secret-1\nnew-secret-2\nnew-secret-2\n"
      "/passwd\nnew-secret-2\nnewer-secret-3\ntypo-secret-4\n"
      "/delete-account\nno\n"
      "/delete-account\nyes\nnew-secret-2\n"
      "still here\n");
  frank.close_stdin();
  const auto out = lines_of(frank.read_all(kWait));
  EXPECT_EQ(frank.wait(kWait), 0);
  EXPECT_TRUE(contains(out, "* the password of frank is changed")) << ::testing::PrintToString(out);
  EXPECT_TRUE(contains(out, "! the new passwords differ; nothing changed"));
  EXPECT_TRUE(contains(out, "! not deleted"));
  EXPECT_TRUE(contains(out, "* the account frank is deleted; you are a guest now"));
  EXPECT_TRUE(contains(out, "[lobby] <frank> still here"));
  for (const std::string& line : out) {
    for (const char* secret : {"old-secret-1", "new-secret-2", "newer-secret-3", "typo-secret-4"}) {
      EXPECT_EQ(line.find(secret), std::string::npos) << "echoed: " << line;
    }
  }
  TestClient guest(network, server.endpoint());
  EXPECT_TRUE(guest.join("frank").has_welcome()) << "the account was not deleted";
}

TEST_F(ClientProgram, NicknameIsReadFromInputWhenNotGiven) {
  ChildProcess c({kClient, "--port", std::to_string(server_.endpoint().port)});
  c.write_stdin("carol\n/echo hi\n");
  c.close_stdin();
  const auto out = lines_of(c.read_all(kWait));
  EXPECT_EQ(c.wait(kWait), 0);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.front().rfind("* welcome, carol!", 0), 0u) << ::testing::PrintToString(out);
  EXPECT_TRUE(contains(out, "* echo: hi"));
}

TEST_F(ClientProgram, ServerShutdownIsReportedWithExitCode4WithoutReconnecting) {
  auto argv = client_argv("dave");
  argv.push_back("--no-reconnect");
  ChildProcess c(argv);
  ASSERT_TRUE(c.read_line(kWait));  // the welcome line: joined
  server_.server().shutdown();
  const auto out = lines_of(c.read_all(kWait));
  EXPECT_EQ(c.wait(kWait), 4);
  EXPECT_TRUE(contains(out, "! notice: server shutting down")) << ::testing::PrintToString(out);
  EXPECT_TRUE(contains(out, "! disconnected: server closed the connection"));
}

TEST(ClientProgramAlone, BadFlagIsExitCode2) {
  ChildProcess c({kClient, "--port", "not-a-port"});
  EXPECT_EQ(c.wait(kWait), 2);
  ChildProcess help({kClient, "--help"});
  EXPECT_NE(help.read_all(kWait).find("--nick"), std::string::npos);
  EXPECT_EQ(help.wait(kWait), 0);
}

TEST(ClientProgramAlone, VersionPrintsTheVersion) {
  ChildProcess version({kClient, "--version"});
  std::string out = version.read_all(kWait);
  if (out.ends_with("\r\n")) {
    out.erase(out.size() - 2, 1);  // Windows' text-mode stdout
  }
  // The version, then the commit it was built from (git describe at configure time).
  EXPECT_EQ(out.rfind("chat_client " CHAT_CLIENT_VERSION " (commit ", 0), 0u) << out;
  EXPECT_TRUE(out.ends_with(")\n")) << out;
  EXPECT_EQ(version.wait(kWait), 0);
}

TEST(ClientProgramAlone, UnreachableServerIsExitCode1) {
  net::Endpoint nowhere;
  {
    TestServer gone;  // bind a port, then free it by shutting down
    nowhere = gone.endpoint();
  }
  ChildProcess c({kClient, "--port", std::to_string(nowhere.port), "--nick", "x"});
  const std::string out = c.read_all(kWait);
  EXPECT_EQ(c.wait(kWait), 1);
  EXPECT_EQ(out.rfind("! cannot connect to 127.0.0.1:", 0), 0u) << out;
}

TEST(ClientProgramAlone, WaitsForAServerThatStartsAfterIt) {
  net::Endpoint later;
  {
    TestServer gone;  // a port that was free a moment ago
    later = gone.endpoint();
  }
  ChildProcess c({kClient, "--port", std::to_string(later.port), "--nick", "early",
                  "--wait-for-server", "1m"});
  c.write_stdin("/echo made it\n");
  c.close_stdin();
  const auto waiting = c.read_line(kWait);
  ASSERT_TRUE(waiting);
  EXPECT_EQ(waiting->rfind("! waiting for 127.0.0.1:", 0), 0u) << *waiting;
  // Only now, with the client known to have found nobody, does the server start.
  server::ServerConfig cfg = test_config();
  cfg.port = later.port;
  TestServer server(cfg);
  const auto out = lines_of(c.read_all(kWait));
  EXPECT_EQ(c.wait(kWait), 0);
  EXPECT_TRUE(contains(out, "* echo: made it")) << ::testing::PrintToString(out);
}

// A server that answers the Join with a Welcome announcing a fast heartbeat, and then hangs:
// never reads, never writes, never closes.
class HangingServer final : private net::IoHandler {
 public:
  HangingServer() {
    proto::Envelope env;
    env.set_request_id(1);
    env.mutable_welcome()->set_nickname("erin");
    env.mutable_welcome()->add_rooms("lobby");
    env.mutable_welcome()->mutable_limits()->set_heartbeat_interval_ms(100);
    env.mutable_welcome()->mutable_limits()->set_heartbeat_timeout_ms(400);
    welcome_ = wire::encode(env);
    buffer_ = net::ByteSpan(reinterpret_cast<const std::byte*>(welcome_->data()), welcome_->size());
    net::IoConfig config;
    config.max_connections = 4;
    io_ = net::make_io_service(*this, config);
    EXPECT_FALSE(io_->listen({"127.0.0.1", 0}, &bound_));
    worker_ = std::thread([this] { io_->run(); });
  }
  ~HangingServer() override {
    io_->stop();
    worker_.join();
  }
  std::uint16_t port() const { return bound_.port; }

 private:
  void on_accept(net::ConnId id, const net::Endpoint&) override { io_->start_recv(id); }
  void on_recv(net::ConnId id, net::ByteSpan data, std::error_code ec) override {
    if (!ec && !data.empty()) {
      io_->start_send(id, std::span(&buffer_, 1));  // the Welcome; then silence
    }
  }
  void on_connect(net::ConnId, std::error_code) override {}
  void on_send(net::ConnId, std::error_code) override {}
  void on_closed(net::ConnId) override {}

  net::SharedBytes welcome_;
  net::ByteSpan buffer_;
  std::unique_ptr<net::IoService> io_;
  net::Endpoint bound_;
  std::thread worker_;
};

TEST(ClientProgramAlone, AServerThatStopsAnsweringIsNoticedWithExitCode4) {
  HangingServer server;
  ChildProcess c(
      {kClient, "--port", std::to_string(server.port()), "--nick", "erin", "--no-reconnect"});
  const auto out = lines_of(c.read_all(kWait));  // stdin stays open: only the watchdog ends it
  EXPECT_EQ(c.wait(kWait), 4);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.back().rfind("! disconnected: server not responding (nothing received for", 0), 0u)
      << ::testing::PrintToString(out);
}

// The load tester as README's load-testing section runs it: --json on stdout, exit code 0.
TEST(BotProgram, FanoutRunPrintsJsonAndExitsZero) {
  TestServer server;
  ChildProcess bot({kBot, "--port", std::to_string(server.endpoint().port), "--scenario", "fanout",
                    "--clients", "5", "--messages", "10", "--size", "64", "--json"});
  ASSERT_TRUE(bot.started());
  const std::string json = bot.read_all(kWait);
  EXPECT_EQ(bot.wait(kWait), 0) << json;
  for (const char* key : {"\"ok\": true", "\"delivered\": 200", "\"lost\": 0",
                          "\"deliveries_per_s\": ", "\"p99\": "}) {
    EXPECT_NE(json.find(key), std::string::npos) << key << " in " << json;
  }
  EXPECT_EQ(json.find("\"rooms\""), std::string::npos) << "a fan-out has one room\n" << json;
}

TEST(BotProgram, RoomsRunSaysHowManyRoomsInItsJson) {
  TestServer server;
  ChildProcess bot({kBot, "--port", std::to_string(server.endpoint().port), "--scenario", "rooms",
                    "--rooms", "2", "--clients", "4", "--messages", "2", "--json"});
  ASSERT_TRUE(bot.started());
  const std::string json = bot.read_all(kWait);
  EXPECT_EQ(bot.wait(kWait), 0) << json;
  EXPECT_NE(json.find("\"rooms\": 2,"), std::string::npos) << json;
}

// More bots than the server takes: the run fails with exit code 1 and says why.
TEST(BotProgram, BotsThatCannotJoinMakeExitCodeOne) {
  server::ServerConfig cfg = test_config();
  cfg.max_clients = 2;
  TestServer server(cfg);
  ChildProcess bot({kBot, "--port", std::to_string(server.endpoint().port), "--clients", "4",
                    "--messages", "1"});
  ASSERT_TRUE(bot.started());
  const std::string table = bot.read_all(kWait);
  EXPECT_EQ(bot.wait(kWait), 1) << table;
  EXPECT_NE(table.find("FAILED"), std::string::npos) << table;
  EXPECT_NE(table.find("2 of 4 bots did not join"), std::string::npos) << table;
}

TEST(BotProgram, UnknownScenarioIsAUsageError) {
  ChildProcess bot({kBot, "--scenario", "stampede"});
  EXPECT_EQ(bot.wait(kWait), 2);
}

}  // namespace
}  // namespace chat::testing
