#include "test_client.h"

#include <gtest/gtest.h>

#include "net/frame_decoder.h"

namespace chat::testing {

TestClient::TestClient(client::ClientNetwork& network, const net::Endpoint& server,
                       const net::Endpoint& from)
    : conn_(
          network,
          [this](const Envelope& env) {
            std::lock_guard lock(mutex_);
            inbox_.push_back(env);
            arrived_.notify_all();
          },
          [this](const std::string& reason) {
            std::lock_guard lock(mutex_);
            close_reason_ = reason;
            arrived_.notify_all();
          }) {
  connect_error_ = conn_.connect(server, kWait, from);
}

bool TestClient::send(Envelope env) {
  if (env.request_id() == 0) {
    std::lock_guard lock(mutex_);
    env.set_request_id(next_request_id_++);
  }
  return conn_.send(env);
}

Envelope TestClient::join(const std::string& nickname) {
  Envelope env;
  env.mutable_join()->set_nickname(nickname);
  env.mutable_join()->set_protocol_version(1);
  send(env);
  auto reply = wait_for([](const Envelope& e) { return e.has_welcome() || e.has_error(); });
  if (!reply) {
    return Envelope{};
  }
  if (reply->has_welcome()) {
    wait_for(Envelope::kUserList);  // the lobby snapshot that follows every Welcome
  }
  return *reply;
}

Envelope TestClient::ask(Envelope env, Envelope::BodyCase answer) {
  {
    std::lock_guard lock(mutex_);
    env.set_request_id(next_request_id_++);
  }
  const std::uint64_t id = env.request_id();
  send(env);
  auto reply = wait_for([&](const Envelope& e) {
    return e.request_id() == id && (e.body_case() == answer || e.has_error());
  });
  return reply ? *reply : Envelope{};
}

Envelope TestClient::login(const std::string& nickname, const std::string& password) {
  Envelope env;
  env.mutable_join()->set_nickname(nickname);
  env.mutable_join()->set_password(password);
  return ask(std::move(env), Envelope::kWelcome);
}

Envelope TestClient::register_nickname(const std::string& password) {
  Envelope env;
  env.mutable_register_nickname()->set_password(password);
  return ask(std::move(env), Envelope::kRegistered);
}

Envelope TestClient::operator_command(const std::string& line) {
  Envelope env;
  env.mutable_operator_command()->set_line(line);
  return ask(std::move(env), Envelope::kOperatorReply);
}

std::optional<Envelope> TestClient::wait_for(const std::function<bool(const Envelope&)>& pred,
                                             std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  std::optional<Envelope> found;
  arrived_.wait_for(lock, timeout, [&] {
    for (auto it = inbox_.begin(); it != inbox_.end(); ++it) {
      if (pred(*it)) {
        found = std::move(*it);
        inbox_.erase(it);
        return true;
      }
    }
    return false;
  });
  return found;
}

std::optional<Envelope> TestClient::wait_for(Envelope::BodyCase body,
                                             std::chrono::milliseconds timeout) {
  return wait_for([body](const Envelope& e) { return e.body_case() == body; }, timeout);
}

std::vector<Envelope> TestClient::take_all() {
  std::lock_guard lock(mutex_);
  std::vector<Envelope> all(std::make_move_iterator(inbox_.begin()),
                            std::make_move_iterator(inbox_.end()));
  inbox_.clear();
  return all;
}

std::vector<Envelope> TestClient::wait_count(const std::function<bool(const Envelope&)>& pred,
                                             std::size_t n, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  arrived_.wait_for(lock, timeout, [&] {
    return static_cast<std::size_t>(std::count_if(inbox_.begin(), inbox_.end(), pred)) >= n;
  });
  std::vector<Envelope> matched;
  for (auto it = inbox_.begin(); it != inbox_.end();) {
    if (pred(*it)) {
      matched.push_back(std::move(*it));
      it = inbox_.erase(it);
    } else {
      ++it;
    }
  }
  return matched;
}

std::string TestClient::close_reason() const {
  std::lock_guard lock(mutex_);
  return close_reason_;
}

bool TestClient::broadcast(const std::string& room, const std::string& text,
                           std::uint64_t client_msg_id) {
  Envelope env;
  auto* b = env.mutable_broadcast();
  b->set_room(room);
  b->set_text(text);
  b->set_client_msg_id(client_msg_id);
  return send(env);
}

bool TestClient::whisper(const std::string& to, const std::string& text,
                         std::uint64_t client_msg_id) {
  Envelope env;
  auto* w = env.mutable_whisper();
  w->set_to(to);
  w->set_text(text);
  w->set_client_msg_id(client_msg_id);
  return send(env);
}

bool TestClient::join_room(const std::string& room) {
  Envelope env;
  env.mutable_join_room()->set_room(room);
  return send(env);
}

bool TestClient::leave_room(const std::string& room) {
  Envelope env;
  env.mutable_leave_room()->set_room(room);
  return send(env);
}

bool TestClient::request_users(const std::string& room) {
  Envelope env;
  env.mutable_user_list_request()->set_room(room);
  return send(env);
}

std::unique_ptr<TestClient> joined_client(client::ClientNetwork& network,
                                          const net::Endpoint& server, const std::string& nick) {
  auto c = std::make_unique<TestClient>(network, server);
  EXPECT_TRUE(c->connected()) << nick << ": " << c->connect_error();
  EXPECT_TRUE(c->join(nick).has_welcome()) << nick;
  return c;
}

void register_account(client::ClientNetwork& network, const net::Endpoint& server,
                      const std::string& nick, const std::string& password) {
  auto c = joined_client(network, server, nick);
  const Envelope reply = c->register_nickname(password);
  EXPECT_TRUE(reply.has_registered()) << nick << ": " << reply.ShortDebugString();
  // Quit, and wait for the server's close: by then it has let go of the nickname.
  Envelope quit;
  quit.mutable_quit();
  c->send(quit);
  EXPECT_TRUE(c->wait_closed()) << nick;
}

std::string frame_bytes(const std::string& body) {
  std::byte prefix[net::kMaxVarint32Bytes];
  const std::size_t n = net::write_varint32(static_cast<std::uint32_t>(body.size()), prefix);
  return std::string(reinterpret_cast<const char*>(prefix), n) + body;
}

}  // namespace chat::testing
