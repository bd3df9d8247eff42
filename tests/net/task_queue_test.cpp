#include "net/posix/task_queue.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace chat::net {
namespace {

Task task_for(std::uint32_t index) {
  return Task{Task::Kind::recv, ConnId{index, 1}, {}, {}, {}};
}

// The indexes of the calling worker's tasks, in the order run_local() runs them.
std::vector<std::uint32_t> run_all(TaskQueue& queue) {
  std::vector<std::uint32_t> order;
  queue.run_local([&](Task& task) { order.push_back(task.id.index); });
  return order;
}

void push_from_another_thread(TaskQueue& queue, std::vector<std::uint32_t> indexes) {
  std::thread other([&] {
    for (std::uint32_t i : indexes) {
      queue.push(task_for(i));
    }
  });
  other.join();
}

TEST(TaskQueue, AWorkersOwnTasksRunInOrderWithoutAWake) {
  int wakes = 0;
  TaskQueue queue([&] { ++wakes; });
  TaskQueue::WorkerScope worker(queue);
  EXPECT_TRUE(queue.on_worker());
  EXPECT_FALSE(queue.has_local());
  for (std::uint32_t i = 1; i <= 3; ++i) {
    queue.push(task_for(i));
  }
  EXPECT_TRUE(queue.has_local());
  EXPECT_EQ(run_all(queue), (std::vector<std::uint32_t>{1, 2, 3}));
  EXPECT_FALSE(queue.has_local());
  EXPECT_EQ(wakes, 0);
}

TEST(TaskQueue, OtherThreadsTasksWaitForADrainAndWakeOnlyAnEmptyQueue) {
  int wakes = 0;
  TaskQueue queue([&] { ++wakes; });
  TaskQueue::WorkerScope worker(queue);
  push_from_another_thread(queue, {1, 2, 3});
  EXPECT_EQ(wakes, 1) << "one wake for the first task on an empty shared queue";
  EXPECT_FALSE(queue.has_local()) << "never onto a worker's list from another thread";

  queue.push(task_for(0));  // the worker's own, queued before the drain
  queue.drain_shared();
  EXPECT_EQ(run_all(queue), (std::vector<std::uint32_t>{0, 1, 2, 3}));

  push_from_another_thread(queue, {4});
  EXPECT_EQ(wakes, 2) << "the drained queue was empty again";
}

TEST(TaskQueue, TasksQueuedWhileRunningRunInTheNextBatch) {
  TaskQueue queue([] {});
  TaskQueue::WorkerScope worker(queue);
  queue.push(task_for(1));
  std::vector<std::uint32_t> order;
  queue.run_local([&](Task& task) {
    order.push_back(task.id.index);
    queue.push(task_for(task.id.index + 1));
  });
  EXPECT_EQ(order, (std::vector<std::uint32_t>{1}));
  EXPECT_EQ(run_all(queue), (std::vector<std::uint32_t>{2}));
}

TEST(TaskQueue, AThreadOutsideAWorkerScopeIsNoWorker) {
  TaskQueue queue([] {});
  EXPECT_FALSE(queue.on_worker());
  TaskQueue other([] {});
  TaskQueue::WorkerScope worker(other);
  EXPECT_FALSE(queue.on_worker()) << "a worker of another queue";
  EXPECT_TRUE(other.on_worker());
}

TEST(TaskQueue, AWorkerLeavingHandsItsUnrunTasksToTheSharedQueue) {
  int wakes = 0;
  TaskQueue queue([&] { ++wakes; });
  {
    TaskQueue::WorkerScope leaving(queue);
    queue.push(task_for(7));
    queue.push(task_for(8));
  }
  EXPECT_FALSE(queue.on_worker());
  EXPECT_EQ(wakes, 1) << "the tasks went to the shared queue and woke a worker";
  TaskQueue::WorkerScope next(queue);
  queue.drain_shared();
  EXPECT_EQ(run_all(queue), (std::vector<std::uint32_t>{7, 8}));
}

}  // namespace
}  // namespace chat::net
