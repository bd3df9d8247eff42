// A few sessions of a real SessionPool, open as connections {0, 1}, {1, 1}, ..., and an
// IoService that records the sends they start: what the delivery and room tests work on.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <vector>

#include "session_pool.h"
#include "support/recording_io.h"

namespace chat::testing {

class OpenSessionsTest : public ::testing::Test {
 protected:
  static constexpr unsigned kSessions = 3;

  explicit OpenSessionsTest(std::size_t max_queued_bytes)
      : pool_(kSessions, 1024, max_queued_bytes, {},
              [this](net::ConnId id) { cut_off_.push_back(id); }) {
    for (unsigned i = 0; i < kSessions; ++i) {
      pool_.at(id(i)).outbox.open(id(i));
    }
  }
  static net::ConnId id(unsigned index) { return net::ConnId{index, 1}; }

  std::vector<net::ConnId> cut_off_;  // what SessionPool::report_cut handed on, in order
  server::SessionPool pool_;
  RecordingIo io_;
};

}  // namespace chat::testing
