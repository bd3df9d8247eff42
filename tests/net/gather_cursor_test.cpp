#include "net/gather_cursor.h"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace chat::net {
namespace {

ByteSpan bytes_of(std::string_view text) {
  return ByteSpan(reinterpret_cast<const std::byte*>(text.data()), text.size());
}

// What the cursor would hand the kernel next, as text pieces.
std::vector<std::string> left(const GatherCursor& cursor, std::size_t max_pieces = 16) {
  std::vector<std::string> pieces;
  const std::size_t count =
      cursor.for_each_left(max_pieces, [&](std::size_t i, const std::byte* data, std::size_t size) {
        EXPECT_EQ(i, pieces.size()) << "pieces are numbered in order";
        pieces.emplace_back(reinterpret_cast<const char*>(data), size);
      });
  EXPECT_EQ(count, pieces.size());
  return pieces;
}

TEST(GatherCursor, APartialWriteAcrossBuffersLeavesTheRestOfTheBufferItStoppedIn) {
  const std::array<ByteSpan, 3> buffers{bytes_of("abc"), bytes_of("defg"), bytes_of("hi")};
  GatherCursor cursor;
  cursor.reset(buffers);
  EXPECT_FALSE(cursor.done());
  EXPECT_EQ(left(cursor), (std::vector<std::string>{"abc", "defg", "hi"}));

  cursor.advance(5);  // "abc" and "de"
  EXPECT_EQ(left(cursor), (std::vector<std::string>{"fg", "hi"}));
  cursor.advance(1);  // "f"
  EXPECT_EQ(left(cursor), (std::vector<std::string>{"g", "hi"}));
  cursor.advance(2);  // "g" and "h"
  EXPECT_EQ(left(cursor), (std::vector<std::string>{"i"}));
  EXPECT_FALSE(cursor.done());
  cursor.advance(1);
  EXPECT_TRUE(cursor.done());
  EXPECT_TRUE(left(cursor).empty());
}

TEST(GatherCursor, AWriteEndingOnABufferBoundaryStartsTheNextBufferWhole) {
  const std::array<ByteSpan, 2> buffers{bytes_of("abc"), bytes_of("def")};
  GatherCursor cursor;
  cursor.reset(buffers);
  cursor.advance(3);
  EXPECT_EQ(left(cursor), (std::vector<std::string>{"def"}));
}

TEST(GatherCursor, GivesNoMoreThanTheMostPiecesAskedFor) {
  const std::array<ByteSpan, 4> buffers{bytes_of("a"), bytes_of("b"), bytes_of("c"), bytes_of("d")};
  GatherCursor cursor;
  cursor.reset(buffers);
  cursor.advance(1);
  EXPECT_EQ(left(cursor, 2), (std::vector<std::string>{"b", "c"}));
}

TEST(GatherCursor, EmptyBuffersArePassedOverSoAWriteOfTheRestFinishes) {
  const std::array<ByteSpan, 4> buffers{bytes_of("ab"), bytes_of(""), bytes_of("c"), bytes_of("")};
  GatherCursor cursor;
  cursor.reset(buffers);
  cursor.advance(2);
  EXPECT_EQ(left(cursor), (std::vector<std::string>{"c", ""})) << "past the empty one";
  cursor.advance(1);
  EXPECT_TRUE(cursor.done()) << "a trailing empty buffer must not leave the send unfinished";
}

TEST(GatherCursor, ResetStartsOverAndClearLeavesNothing) {
  const std::array<ByteSpan, 1> first{bytes_of("xyz")};
  const std::array<ByteSpan, 1> second{bytes_of("12")};
  GatherCursor cursor;
  EXPECT_TRUE(cursor.done()) << "a new cursor has nothing to send";
  cursor.reset(first);
  cursor.advance(2);
  cursor.reset(second);
  EXPECT_EQ(left(cursor), (std::vector<std::string>{"12"}));
  cursor.clear();
  EXPECT_TRUE(cursor.done());
}

}  // namespace
}  // namespace chat::net
