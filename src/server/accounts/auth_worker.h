// Internal header (server). The thread that checks and sets passwords. Argon2id is slow on
// purpose (a few hundred milliseconds, 64 MiB), so it runs here and never on an I/O thread; its
// results go back to the server, which finishes the login on the connection's own turn.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "account_store.h"
#include "login_throttle.h"
#include "net/conn_id.h"
#include "password_hash.h"

namespace chat::server {

struct AuthJob {
  enum class Kind { login, register_nickname };
  Kind kind = Kind::login;
  net::ConnId conn;
  std::string nickname;
  std::string password;     // wiped once checked
  std::string address_key;  // the client's address, for the login throttle
};

struct AuthResult {
  enum class Outcome {
    ok,
    wrong_password,      // or not registered (a login)
    throttled,           // too many failures for the nickname or the address, or too many waiting
    already_registered,  // a register_nickname for a registered nickname
    failed,              // the hash or the database failed (logged)
  };
  AuthJob::Kind kind = AuthJob::Kind::login;
  net::ConnId conn;
  std::string nickname;
  Outcome outcome = Outcome::failed;
  double retry_after_s = 0;  // throttled: when to try again
};

// Thread-safe.
class AuthWorker {
 public:
  using Deliver = std::function<void(AuthResult)>;

  // Starts the thread. `deliver` runs once per submitted job: on the thread, in submission order,
  // or at once on the submitting thread when the queue is full (a `throttled` answer).
  AuthWorker(AccountStore& accounts, HashCost cost, const LoginLimits& limits, Deliver deliver,
             std::size_t max_waiting = 64);
  // Finishes the jobs already submitted (delivering them), then stops.
  ~AuthWorker();
  AuthWorker(const AuthWorker&) = delete;
  AuthWorker& operator=(const AuthWorker&) = delete;

  // Queues a job; when max_waiting jobs wait already, answers it `throttled` (retry in 1 s)
  // instead, through `deliver` like any other answer.
  void submit(AuthJob job);

 private:
  void run();
  AuthResult handle(AuthJob& job);
  AuthResult login(AuthJob& job, AuthResult result);
  AuthResult register_nickname(AuthJob& job, AuthResult result);

  AccountStore& accounts_;
  const HashCost cost_;
  const Deliver deliver_;
  const std::size_t max_waiting_;
  LoginThrottle throttle_;  // the worker thread's own
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<AuthJob> jobs_;
  bool stopping_ = false;
  std::thread thread_;  // last: started once everything it uses exists
};

}  // namespace chat::server
