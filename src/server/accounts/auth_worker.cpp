#include "auth_worker.h"

#include <sodium.h>

#include "../log.h"
#include "../validation.h"
#include "net/thread_name.h"

namespace chat::server {
namespace {

void wipe(std::string& secret) {
  sodium_memzero(secret.data(), secret.size());
  secret.clear();
}

}  // namespace

AuthWorker::AuthWorker(AccountStore& accounts, HashCost cost, const LoginLimits& limits,
                       Deliver deliver, std::size_t max_waiting)
    : accounts_(accounts),
      cost_(cost),
      deliver_(std::move(deliver)),
      max_waiting_(max_waiting),
      throttle_(limits),
      thread_(net::start_named_thread("chat-auth", [this] { run(); })) {}

AuthWorker::~AuthWorker() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void AuthWorker::submit(AuthJob job) {
  {
    std::lock_guard lock(mutex_);
    if (jobs_.size() < max_waiting_) {
      jobs_.push_back(std::move(job));
      changed_.notify_one();
      return;
    }
  }
  wipe(job.password);
  deliver_(AuthResult{job.kind, job.conn, job.nickname, AuthResult::Outcome::throttled, 1.0});
}

void AuthWorker::run() {
  for (;;) {
    AuthJob job;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) {
        return;
      }
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    AuthResult result = handle(job);
    wipe(job.password);
    deliver_(std::move(result));
  }
}

AuthResult AuthWorker::handle(AuthJob& job) {
  AuthResult result;
  result.kind = job.kind;
  result.conn = job.conn;
  result.nickname = job.nickname;
  try {
    return job.kind == AuthJob::Kind::login ? login(job, std::move(result))
                                            : register_nickname(job, std::move(result));
  } catch (const std::exception& e) {
    log::error("accounts: {} for {}: {}", job.kind == AuthJob::Kind::login ? "login" : "register",
               job.nickname, e.what());
    result.outcome = AuthResult::Outcome::failed;
    return result;
  }
}

AuthResult AuthWorker::login(AuthJob& job, AuthResult result) {
  const auto now = LoginThrottle::Clock::now();
  const std::string name_key = fold_name(job.nickname);
  result.retry_after_s = throttle_.wait_seconds(name_key, job.address_key, now);
  if (result.retry_after_s > 0) {
    result.outcome = AuthResult::Outcome::throttled;
    return result;
  }
  const std::optional<Account> account = accounts_.find(job.nickname);
  if (account && verify_password(account->password_hash, job.password)) {
    result.nickname = account->nickname;  // as registered, whatever the case typed
    result.outcome = AuthResult::Outcome::ok;
    return result;
  }
  throttle_.failed(name_key, job.address_key, now);
  result.outcome = AuthResult::Outcome::wrong_password;
  return result;
}

AuthResult AuthWorker::register_nickname(AuthJob& job, AuthResult result) {
  if (accounts_.is_registered(job.nickname)) {
    result.outcome = AuthResult::Outcome::already_registered;
    return result;
  }
  std::string hash = hash_password(job.password, cost_);
  result.outcome = accounts_.add(job.nickname, std::move(hash))
                       ? AuthResult::Outcome::ok
                       : AuthResult::Outcome::already_registered;
  return result;
}

}  // namespace chat::server
