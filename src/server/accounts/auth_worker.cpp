#include "auth_worker.h"

#include <sodium.h>

#include <stdexcept>

#include "../log.h"
#include "../validation.h"
#include "net/io_service.h"
#include "net/thread_name.h"

namespace chat::server {
namespace {

void wipe(std::string& secret) {
  sodium_memzero(secret.data(), secret.size());
  secret.clear();
}

}  // namespace

AuthWorker::AuthWorker(AccountStore& accounts, HashCost cost, const LoginLimits& login_limits,
                       const RegistrationLimits& registration_limits, unsigned threads,
                       net::ThreadPriority priority, Deliver deliver, std::size_t max_waiting,
                       std::chrono::milliseconds keep_memory_for)
    : accounts_(accounts),
      cost_(cost),
      deliver_(std::move(deliver)),
      max_waiting_(max_waiting),
      keep_memory_for_(keep_memory_for),
      throttle_(login_limits),
      registrations_(registration_limits) {
  const unsigned count = threads != 0 ? threads : net::default_worker_count();
  for (unsigned i = 0; i < count; ++i) {
    threads_.push_back(net::start_named_thread("chat-auth-" + std::to_string(i), [this, priority] {
      // Below the I/O threads, hashing takes the CPU time chat leaves over: a login flood on a
      // busy machine slows logins more than chat (docs/benchmarks.md measures it).
      if (!net::set_this_thread_priority(priority)) {
        log::warn("accounts: {} runs at normal priority (lowering it was refused)",
                  net::this_thread_name());
      }
      HashMemory memory(&held_memory_bytes_);
      run(memory);
    }));
  }
}

AuthWorker::~AuthWorker() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  for (std::thread& t : threads_) {
    t.join();
  }
}

RegistrationLimiter::Verdict AuthWorker::admit_registration(const std::string& address_key) {
  return registrations_.admit(address_key, RegistrationLimiter::Clock::now());
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
  wipe(job.new_password);
  deliver_(AuthResult{job.kind, job.conn, job.nickname, AuthResult::Outcome::throttled, 1.0, {}});
}

void AuthWorker::run(HashMemory& memory) {
  const auto has_work = [&] { return stopping_ || !jobs_.empty(); };
  for (;;) {
    AuthJob job;
    bool stopping = false;
    {
      std::unique_lock lock(mutex_);
      // Idle for keep_memory_for_ with the hash memory held: give it back, then wait on.
      if (memory.held_bytes() != 0 && !changed_.wait_for(lock, keep_memory_for_, has_work)) {
        lock.unlock();
        memory.release();
        continue;
      }
      changed_.wait(lock, has_work);
      if (jobs_.empty()) {
        return;
      }
      job = std::move(jobs_.front());
      jobs_.pop_front();
      stopping = stopping_;
    }
    // Stopping: the server is going away and no answer reaches its client any more. Hashing
    // what is queued (a second or more each below normal priority on a busy CPU) would only
    // hold the shutdown past the service manager's stop timeout.
    AuthResult result = stopping ? unchecked(job) : handle(job, memory);
    wipe(job.password);
    wipe(job.new_password);
    deliver_(std::move(result));
  }
}

AuthResult AuthWorker::unchecked(AuthJob& job) {
  if (job.kind == AuthJob::Kind::register_nickname) {
    registrations_.refund(job.address_key);
  }
  return AuthResult{job.kind, job.conn, job.nickname, AuthResult::Outcome::failed, 0, {}};
}

AuthResult AuthWorker::handle(AuthJob& job, HashMemory& memory) {
  AuthResult result;
  result.kind = job.kind;
  result.conn = job.conn;
  result.nickname = job.nickname;
  try {
    switch (job.kind) {
      case AuthJob::Kind::login:
        return login(job, std::move(result), memory);
      case AuthJob::Kind::register_nickname:
        return register_nickname(job, std::move(result), memory);
      case AuthJob::Kind::change_password:
        return change_password(job, std::move(result), memory);
      case AuthJob::Kind::delete_account:
        return delete_account(job, std::move(result), memory);
    }
    throw std::logic_error("unknown auth job");
  } catch (const std::exception& e) {
    static constexpr const char* kWhat[] = {"login", "register", "password change", "deletion"};
    log::error("accounts: {} for {}: {}", kWhat[static_cast<int>(job.kind)], job.nickname,
               e.what());
    if (job.kind == AuthJob::Kind::register_nickname) {
      registrations_.refund(job.address_key);
    }
    result.outcome = AuthResult::Outcome::failed;
    return result;
  }
}

AuthResult AuthWorker::login(AuthJob& job, AuthResult result, HashMemory& memory) {
  return check_password(job, std::move(result), memory);
}

AuthResult AuthWorker::change_password(AuthJob& job, AuthResult result, HashMemory& memory) {
  result = check_password(job, std::move(result), memory);
  if (result.outcome != AuthResult::Outcome::ok) {
    return result;
  }
  // Throws (handle() answers `failed`) when hashing or storing fails; the old password stays.
  // Only over the password just verified: a reset or deletion meanwhile wins.
  const bool changed = accounts_.set_password(
      job.nickname, hash_password(job.new_password, cost_, memory), &result.verified_hash);
  result.outcome = changed ? AuthResult::Outcome::ok : AuthResult::Outcome::wrong_password;
  return result;
}

AuthResult AuthWorker::delete_account(AuthJob& job, AuthResult result, HashMemory& memory) {
  result = check_password(job, std::move(result), memory);
  if (result.outcome == AuthResult::Outcome::ok &&
      !accounts_.remove(job.nickname, &result.verified_hash)) {
    result.outcome = AuthResult::Outcome::wrong_password;  // reset or deleted meanwhile
  }
  return result;
}

AuthResult AuthWorker::check_password(AuthJob& job, AuthResult result, HashMemory& memory) {
  const std::string name_key = fold_name(job.nickname);
  result.retry_after_s =
      throttle_.begin_check(name_key, job.address_key, LoginThrottle::Clock::now());
  if (result.retry_after_s > 0) {
    result.outcome = AuthResult::Outcome::throttled;
    return result;
  }
  // Counted as a failure from here on (an exception leaves it so) unless the password is right.
  const std::optional<Account> account = accounts_.find(job.nickname);
  if (account && verify_password(account->password_hash, job.password, memory)) {
    throttle_.succeeded(name_key, job.address_key);
    result.nickname = account->nickname;  // as registered, whatever the case typed
    result.verified_hash = account->password_hash;
    result.outcome = AuthResult::Outcome::ok;
    return result;
  }
  result.outcome = AuthResult::Outcome::wrong_password;
  return result;
}

AuthResult AuthWorker::register_nickname(AuthJob& job, AuthResult result, HashMemory& memory) {
  // Throws (handle() takes the registration back then) when hashing or storing fails.
  const bool added = !accounts_.is_registered(job.nickname) &&
                     accounts_.add(job.nickname, hash_password(job.password, cost_, memory));
  if (!added) {
    registrations_.refund(job.address_key);
  }
  result.outcome = added ? AuthResult::Outcome::ok : AuthResult::Outcome::already_registered;
  return result;
}

}  // namespace chat::server
