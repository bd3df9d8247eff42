// Internal header (server). The auth pool: the threads that check and set passwords. Argon2id
// is slow on purpose (about 100 milliseconds and 64 MiB a check), so it runs here and never on an
// I/O thread; its results go back to the server, which finishes the login (or the registration, the
// password change, the deletion) on the connection's own turn. It also keeps the login throttle and
// the registration limits.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "login_throttle.h"
#include "net/conn_id.h"
#include "net/thread_priority.h"
#include "password_hash.h"
#include "registration_limiter.h"
#include "storage/account_store.h"

namespace chat::server {

// How long an auth thread keeps its hash memory after its last check: through a steady stream of
// logins it is allocated once, and an idle server gives it back.
inline constexpr std::chrono::milliseconds kKeepHashMemoryFor{10'000};

struct AuthJob {
  // change_password and delete_account check `password` as a login does (the same throttle),
  // then change or delete the account.
  enum class Kind { login, register_nickname, change_password, delete_account };
  Kind kind = Kind::login;
  net::ConnId conn;
  std::string nickname;
  std::string password;  // wiped once checked
  // A login (and the two that check a password like it): the client's address key, for the
  // login throttle. A registration: the key its admit_registration() counted (empty: none), so
  // that a failed one is taken back there.
  std::string address_key;
  std::string new_password;  // change_password; wiped once hashed
};

struct AuthResult {
  enum class Outcome {
    ok,
    wrong_password,      // or not registered (a login, a change, a deletion)
    throttled,           // the (nickname, address) pair is shut after failures, or too many waiting
    already_registered,  // a register_nickname for a registered nickname
    failed,              // the hash or the database failed (logged)
  };
  AuthJob::Kind kind = AuthJob::Kind::login;
  net::ConnId conn;
  std::string nickname;
  Outcome outcome = Outcome::failed;
  double retry_after_s = 0;  // throttled: when to try again
  // ok: the password hash the check verified. What the check allowed holds only while the
  // account still has it (AccountStore::has_password_hash): a console reset or a deletion may
  // have come in between.
  std::string verified_hash;
};

// Thread-safe.
class AuthWorker {
 public:
  using Deliver = std::function<void(AuthResult)>;

  // Starts `threads` threads (0: net::default_worker_count(), one per hardware thread but one)
  // at `priority` (net::set_this_thread_priority). `deliver` runs once per submitted job: on one of
  // them, or at once on the submitting thread when the queue is full (a `throttled` answer). Jobs
  // start in submission order but may end in any order; a connection has one job at a time, so its
  // own answers keep their order.
  AuthWorker(AccountStore& accounts, HashCost cost, const LoginLimits& login_limits,
             const RegistrationLimits& registration_limits, unsigned threads,
             net::ThreadPriority priority, Deliver deliver, std::size_t max_waiting = 64,
             std::chrono::milliseconds keep_memory_for = kKeepHashMemoryFor);
  // Answers the jobs still queued `failed` without checking them (a registration is taken
  // back), waits for the checks under way, then stops.
  ~AuthWorker();
  AuthWorker(const AuthWorker&) = delete;
  AuthWorker& operator=(const AuthWorker&) = delete;

  // Queues a job; when max_waiting jobs wait already, answers it `throttled` (retry in 1 s)
  // instead, through `deliver` like any other answer.
  void submit(AuthJob job);

  // Before a registration is submitted: admits and counts it, or says when to try again (see
  // RegistrationLimiter::admit). A counted one that registers nothing is taken back by the job.
  RegistrationLimiter::Verdict admit_registration(const std::string& address_key);

  unsigned thread_count() const { return static_cast<unsigned>(threads_.size()); }

  // The hash memory its threads hold now: each keeps what its last check used (64 MiB at the
  // interactive cost) until it has been idle for keep_memory_for. Any thread.
  std::size_t held_memory_bytes() const {
    return held_memory_bytes_.load(std::memory_order_relaxed);
  }

 private:
  void run(HashMemory& memory);
  AuthResult handle(AuthJob& job, HashMemory& memory);
  // The answer to a job not checked because the pool is stopping: failed, nothing changed.
  AuthResult unchecked(AuthJob& job);
  AuthResult login(AuthJob& job, AuthResult result, HashMemory& memory);
  AuthResult register_nickname(AuthJob& job, AuthResult result, HashMemory& memory);
  // The throttle and the check of a login: ok (the pair's failures forgotten), wrong_password
  // (counted) or throttled. `result.nickname` becomes the account's spelling when ok.
  AuthResult check_password(AuthJob& job, AuthResult result, HashMemory& memory);
  AuthResult change_password(AuthJob& job, AuthResult result, HashMemory& memory);
  AuthResult delete_account(AuthJob& job, AuthResult result, HashMemory& memory);

  AccountStore& accounts_;
  const HashCost cost_;
  const Deliver deliver_;
  const std::size_t max_waiting_;
  const std::chrono::milliseconds keep_memory_for_;
  std::atomic<std::size_t> held_memory_bytes_{0};  // before threads_: their HashMemory updates it
  LoginThrottle throttle_;                         // shared by the threads (it locks)
  RegistrationLimiter registrations_;              // used by I/O threads and the pool (it locks)
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<AuthJob> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;  // last: started once everything they use exists
};

}  // namespace chat::server
