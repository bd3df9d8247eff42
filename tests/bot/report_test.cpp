// chat_bot's progress line: one row that never wraps, whatever the terminal's width.
#include "client/bot/report.h"

#include <gtest/gtest.h>

#include <string>

namespace chat::bot {
namespace {

Progress busy() {
  Progress p;
  p.stage = "load";
  p.elapsed_s = 12.5;
  p.ready = 10000;
  p.clients = 10000;
  p.sent = 123456789;
  p.received = 987654321012;
  p.received_per_s = 79012345;
  p.errors = 3;
  return p;
}

TEST(ProgressLine, FitsTheTerminalWithItsLastColumnFree) {
  for (const std::size_t columns : {20u, 40u, 80u}) {
    SCOPED_TRACE(columns);
    const std::string line = progress_line(busy(), columns);
    EXPECT_EQ(line.size(), columns - 1) << line;  // longer than any of these: cut, not wrapped
    EXPECT_EQ(line.rfind("load", 0), 0u) << line;
  }
}

TEST(ProgressLine, AShortLineOrAnUnknownWidthIsWhole) {
  const std::string whole = progress_line(busy(), 0);
  EXPECT_NE(whole.find("errors 3"), std::string::npos) << whole;
  EXPECT_EQ(progress_line(busy(), whole.size() + 1), whole);
}

}  // namespace
}  // namespace chat::bot
