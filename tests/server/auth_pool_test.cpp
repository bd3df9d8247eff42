// The auth pool: its size, passwords checked on several threads at once, every job answered
// once, and the jobs still queued at destruction answered before it returns.
#include "accounts/auth_worker.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "net/io_service.h"
#include "net/thread_name.h"
#include "storage/memory_account_store.h"

namespace chat::server {
namespace {

using namespace std::chrono_literals;

constexpr const char* kPassword = "correct horse";
constexpr net::ThreadPriority kLow = net::ThreadPriority::low;  // the default

AuthJob login_job(std::uint32_t index, const std::string& nickname) {
  AuthJob job;
  job.kind = AuthJob::Kind::login;
  job.conn = net::ConnId{index, 1};
  job.nickname = nickname;
  job.password = kPassword;
  job.address_key = "10.0.0." + std::to_string(index % 250);
  return job;
}

class AuthPoolTest : public ::testing::Test {
 protected:
  AuthPoolTest() {
    accounts_.add("alice", hash_password(kPassword, HashCost::minimal));
    accounts_.add("bob", hash_password(kPassword, HashCost::minimal));
  }

  MemoryAccountStore accounts_;
};

// A check verifies one hash; its commit holds only while the account still has it. A console
// reset or a deletion that came in between wins over a change or deletion that checked the old
// password, and a login that checked it sees it is gone.
TEST_F(AuthPoolTest, ACommitOverAPasswordThatChangedMeanwhileIsRefused) {
  const std::string checked = accounts_.find("alice")->password_hash;
  EXPECT_TRUE(accounts_.has_password_hash("alice", checked));
  ASSERT_TRUE(
      accounts_.set_password("alice", hash_password("reset-by-console", HashCost::minimal)));
  EXPECT_FALSE(accounts_.has_password_hash("alice", checked));
  EXPECT_FALSE(accounts_.set_password("alice", "anything", &checked));
  EXPECT_FALSE(accounts_.remove("alice", &checked));
  EXPECT_TRUE(accounts_.is_registered("alice"));
  const std::string current = accounts_.find("alice")->password_hash;
  EXPECT_TRUE(accounts_.remove("alice", &current));
  EXPECT_FALSE(accounts_.has_password_hash("alice", current));
}

// The same through the pool: the result of a good check carries the hash it verified.
TEST_F(AuthPoolTest, ALoginsResultNamesTheHashItVerified) {
  std::promise<AuthResult> answered;
  AuthWorker pool(accounts_, HashCost::minimal, LoginLimits{}, RegistrationLimits{}, 1, kLow,
                  [&](AuthResult r) { answered.set_value(std::move(r)); });
  pool.submit(login_job(0, "alice"));
  auto future = answered.get_future();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  const AuthResult r = future.get();
  ASSERT_EQ(r.outcome, AuthResult::Outcome::ok);
  EXPECT_TRUE(accounts_.has_password_hash(r.nickname, r.verified_hash));
}

TEST_F(AuthPoolTest, ItsSizeIsTheFlagsOrOnePerHardwareThreadButOne) {
  const auto nothing = [](AuthResult) {};
  AuthWorker three(accounts_, HashCost::minimal, LoginLimits{}, RegistrationLimits{}, 3, kLow,
                   nothing);
  EXPECT_EQ(three.thread_count(), 3u);
  AuthWorker fallback(accounts_, HashCost::minimal, LoginLimits{}, RegistrationLimits{}, 0, kLow,
                      nothing);
  EXPECT_EQ(fallback.thread_count(), net::default_worker_count());
}

TEST_F(AuthPoolTest, TwoThreadsCheckTwoPasswordsAtOnce) {
  // Each answer waits (bounded) for the other to arrive: only two threads at once get both in.
  std::mutex mutex;
  std::condition_variable changed;
  unsigned arrived = 0;
  std::set<std::string> threads;
  std::vector<AuthResult::Outcome> outcomes;
  AuthWorker pool(accounts_, HashCost::minimal, LoginLimits{}, RegistrationLimits{}, 2, kLow,
                  [&](AuthResult r) {
                    std::unique_lock lock(mutex);
                    ++arrived;
                    threads.insert(net::this_thread_name());
                    outcomes.push_back(r.outcome);
                    changed.notify_all();
                    changed.wait_for(lock, 10s, [&] { return arrived >= 2; });
                  });
  pool.submit(login_job(1, "alice"));
  pool.submit(login_job(2, "bob"));
  std::unique_lock lock(mutex);
  ASSERT_TRUE(changed.wait_for(lock, 10s, [&] { return arrived >= 2; }))
      << "the second password waited for the first answer: one thread";
  EXPECT_EQ(threads.size(), 2u);
  for (const auto outcome : outcomes) {
    EXPECT_EQ(outcome, AuthResult::Outcome::ok);
  }
}

TEST_F(AuthPoolTest, EveryJobIsAnsweredOnceAndTheQueueIsFinishedOnDestruction) {
  constexpr std::uint32_t kJobs = 200;
  std::mutex mutex;
  std::multiset<std::uint32_t> answered;
  {
    AuthWorker pool(
        accounts_, HashCost::minimal, LoginLimits{}, RegistrationLimits{}, 3, kLow,
        [&](AuthResult r) {
          std::lock_guard lock(mutex);
          answered.insert(r.conn.index);
        },
        kJobs);
    for (std::uint32_t i = 0; i < kJobs; ++i) {
      pool.submit(login_job(i, i % 2 == 0 ? "alice" : "bob"));
    }
  }
  ASSERT_EQ(answered.size(), kJobs);
  for (std::uint32_t i = 0; i < kJobs; ++i) {
    EXPECT_EQ(answered.count(i), 1u) << i;
  }
}

// A thread keeps its hash memory from one check to the next (taking 64 MiB from the system per
// check is what made checks slow and hurt the chat's latency), and gives it back once idle.
TEST_F(AuthPoolTest, AThreadKeepsItsHashMemoryBetweenChecksAndGivesItBackWhenIdle) {
  constexpr std::size_t kMinimalCostBytes = 8 * 1024;
  // What the pool held when each answer came: the answering thread has not waited since.
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::size_t> held_at_answer;
  AuthWorker* pool = nullptr;
  const auto deliver = [&](AuthResult r) {
    EXPECT_EQ(r.outcome, AuthResult::Outcome::ok);
    std::lock_guard lock(mutex);
    held_at_answer.push_back(pool->held_memory_bytes());
    changed.notify_all();
  };
  const auto login_answered = [&](std::size_t answers) {
    pool->submit(login_job(1, "alice"));
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, 10s, [&] { return held_at_answer.size() == answers; });
  };
  {
    AuthWorker keeping(accounts_, HashCost::minimal, LoginLimits{}, RegistrationLimits{}, 1, kLow,
                       deliver, 64, std::chrono::hours(1));
    pool = &keeping;
    EXPECT_EQ(keeping.held_memory_bytes(), 0u) << "nothing is taken before the first check";
    ASSERT_TRUE(login_answered(1));
    ASSERT_TRUE(login_answered(2));
    EXPECT_EQ(keeping.held_memory_bytes(), kMinimalCostBytes) << "still held, an hour's keeping";
  }
  held_at_answer.clear();
  AuthWorker brief(accounts_, HashCost::minimal, LoginLimits{}, RegistrationLimits{}, 1, kLow,
                   deliver, 64, std::chrono::milliseconds(1));
  pool = &brief;
  ASSERT_TRUE(login_answered(1));
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (brief.held_memory_bytes() != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(brief.held_memory_bytes(), 0u) << "idle, the thread gave its memory back";
  ASSERT_TRUE(login_answered(2)) << "a check after the memory was given back";
  EXPECT_EQ(held_at_answer, (std::vector<std::size_t>{kMinimalCostBytes, kMinimalCostBytes}));
}

}  // namespace
}  // namespace chat::server
