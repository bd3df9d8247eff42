// Room and RoomDirectory: what a kick on another thread relies on. A kicked connection is taken
// out of every room by id (leave_all) while its own list of its rooms still names them, so the
// rooms themselves refuse what it may still send: a message, a join.
#include "room.h"

#include <gtest/gtest.h>

#include <string>

#include "support/open_sessions.h"

namespace chat::server {
namespace {

class RoomTest : public chat::testing::OpenSessionsTest {
 protected:
  RoomTest() : OpenSessionsTest(1 << 20) {}
  std::size_t queued(unsigned index) { return pool_.at(id(index)).outbox.queued_bytes(); }
  static proto::Envelope chat_message(const std::string& text) {
    proto::Envelope msg;
    msg.mutable_chat_message()->set_text(text);
    return msg;
  }
};

TEST_F(RoomTest, ASenderNoLongerAMemberPublishesNothingAndTakesNoSeq) {
  Room room("dev");
  {
    Delivery out(pool_, io_);
    ASSERT_TRUE(room.join(Member{id(0), "alice"}, 0, out));
    ASSERT_TRUE(room.join(Member{id(1), "bob"}, 0, out));
    const std::string reason = "disconnect: kicked by an operator";
    ASSERT_TRUE(room.leave(id(0), &reason, out));
  }
  const std::size_t before = queued(1);
  Room::Published refused;
  {
    Delivery out(pool_, io_);
    proto::Envelope msg = chat_message("after the kick");
    refused = room.publish(msg, id(0), out);
  }
  EXPECT_FALSE(refused.published());
  EXPECT_EQ(queued(1), before) << "bob was sent a message from someone no longer in the room";
  EXPECT_EQ(room.last_seq(), 0u);
  {
    Delivery out(pool_, io_);
    proto::Envelope msg = chat_message("from a member");
    const Room::Published ok = room.publish(msg, id(1), out);
    EXPECT_TRUE(ok.published());
    EXPECT_EQ(ok.seq, 1u);
  }
}

TEST_F(RoomTest, LeaveAllTakesAConnectionOutOfEveryRoomAndRemovesTheRoomsItEmptied) {
  RoomDirectory rooms("lobby", RoomHistory{});
  {
    Delivery out(pool_, io_);
    for (const char* name : {"lobby", "dev", "ops"}) {
      ASSERT_TRUE(rooms.join(name, Member{id(0), "alice"}, 0, out));
    }
    ASSERT_TRUE(rooms.join("dev", Member{id(1), "bob"}, 0, out));
  }
  const std::size_t before = queued(1);
  {
    Delivery out(pool_, io_);
    const std::string reason = "disconnect: kicked by an operator";
    EXPECT_EQ(rooms.leave_all(id(0), &reason, out), 3u);
    EXPECT_EQ(rooms.leave_all(id(0), &reason, out), 0u) << "left twice";
  }
  EXPECT_GT(queued(1), before) << "dev's other member was not told";
  EXPECT_EQ(rooms.find("ops"), nullptr) << "the room it emptied is still listed";
  ASSERT_NE(rooms.find("lobby"), nullptr) << "the lobby is never removed";
  EXPECT_TRUE(rooms.find("lobby")->empty());
  EXPECT_EQ(rooms.find("dev")->member_names(), std::vector<std::string>{"bob"});
}

TEST_F(RoomTest, AJoinNoLongerWantedIsRefusedUnderTheDirectoryLockAndCreatesNoRoom) {
  RoomDirectory rooms("lobby", RoomHistory{});
  Delivery out(pool_, io_);
  EXPECT_EQ(rooms.join("new", Member{id(0), "alice"}, 0, out, std::nullopt, [] { return false; }),
            nullptr);
  EXPECT_EQ(rooms.find("new"), nullptr);
  EXPECT_NE(rooms.join("new", Member{id(0), "alice"}, 0, out, std::nullopt, [] { return true; }),
            nullptr);
}

}  // namespace
}  // namespace chat::server
