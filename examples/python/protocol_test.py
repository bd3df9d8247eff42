#!/usr/bin/env python3
"""docs/protocol.md checked by a client written from it alone, against a real chat_server.

    protocol_test.py PATH/TO/chat_server      (ctest runs it: PythonClient.ProtocolAsDocumented)

Each test asserts what the doc promises. Where the doc left a point open, the test asserts what
the server did and says "Settles:" in a comment; examples/python/README.md lists those points.
"""
import itertools
import socket
import sys
import tempfile
import time
import unittest

import chat_pb2
from chat_script import ScriptedClient
from chatproto import FrameReader, FrameTimeout, TruncatedFrame, encode_varint, frame_bytes
from chatproto import new_envelope, sender
from server_process import ServerProcess

E = chat_pb2
JOINED, LEFT, RENAMED = E.Presence.JOINED, E.Presence.LEFT, E.Presence.RENAMED
SERVER_EXE = None
_names = itertools.count(1)


def nick(base):
    """A nickname no other test uses."""
    return f"{base}{next(_names)}"


class FrameReaderTest(unittest.TestCase):
    """The reader cannot hang on a silent or half-dead server (issue 21, item 6)."""

    def test_deadline_per_frame_and_cut_off_frames(self):
        ours, server = socket.socketpair()
        with ours, server:
            reader = FrameReader(ours)
            with self.assertRaises(FrameTimeout) as silent:
                reader.read_frame(0.2)
            self.assertFalse(silent.exception.partial)
            whole = frame_bytes(new_envelope("pong", 3, nonce=9))
            server.sendall(whole + whole[:4])  # one frame and the start of the next
            self.assertEqual(reader.read_frame(0.2).pong.nonce, 9)
            with self.assertRaises(FrameTimeout) as stalled:
                reader.read_frame(0.2)
            self.assertTrue(stalled.exception.partial)
            server.shutdown(socket.SHUT_WR)
            with self.assertRaises(TruncatedFrame):
                reader.read_frame(0.2)


class ProtocolTest(unittest.TestCase):
    server = None
    server_log = ""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="chat_python_test_")
        cls.server = ServerProcess(SERVER_EXE, cls.tmp.name, "--log-level", "info")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        ProtocolTest.server_log = cls.server.log()  # shown if a test failed
        cls.tmp.cleanup()

    def setUp(self):
        self.clients = []

    def tearDown(self):
        for c in self.clients:  # quit and read to the end: then the rooms have seen it leave
            try:
                c.send("quit")
                for _ in range(10000):
                    if c.recv() is None:
                        break
            except (OSError, FrameTimeout, TruncatedFrame):
                pass  # closed already (a test's close or a fatal error)
            c.close()

    def connect(self, server=None):
        c = ScriptedClient((server or self.server).port)
        self.clients.append(c)
        return c

    def joined(self, base, rooms=(), server=None):
        """A client joined as a fresh nickname (in no room), then in `rooms`; (client, nick)."""
        c = self.connect(server)
        name = nick(base)
        c.join(name, skip_lobby=True)
        for room in rooms:
            c.join_room(room)
        return c, name

    # ------------------------------------------------------------------ section 5: joining

    def test_join_welcome_lobby_and_handshake_errors(self):
        a = self.connect()
        rid = a.send("ping", nonce=42)  # allowed before join
        a.expect("pong", rid, nonce=42)
        rid = a.send("broadcast", room="lobby", text="too early")
        a.expect_error(E.NOT_JOINED, rid)
        rid = a.send("join", nickname="x" * 33, protocol_version=1)
        a.expect_error(E.NICKNAME_INVALID, rid)
        rid = a.send("join", nickname="fine", protocol_version=2)
        a.expect_error(E.UNSUPPORTED_VERSION, rid)
        name = nick("Alice")
        rid = a.send("join", nickname=name, protocol_version=1)
        w = a.expect("welcome", rid, nickname=name, rooms=["lobby"], protocol_version=1).welcome
        self.assertEqual((w.limits.max_frame_bytes, w.limits.max_text_bytes), (65536, 4096))
        self.assertEqual((w.limits.flood_burst, w.limits.flood_rate), (40, 20))
        self.assertEqual(w.limits.max_rooms_per_session, 16)
        self.assertFalse(w.registered or w.is_operator)
        users = a.expect("user_list", room="lobby")
        self.assertEqual(users.user_list.members[-1], name)  # in join order, you included
        # Settles: the lobby UserList after Welcome carries the join's request_id.
        self.assertEqual(users.request_id, rid)
        for env in a.sync():  # the lobby's history, if earlier tests left any
            self.assertTrue(env.chat_message.history, env)

        b = self.connect()
        rid = b.send("join", nickname=name.upper(), protocol_version=1)  # any letter case
        b.expect_error(E.NICKNAME_TAKEN, rid)
        other = nick("Bob")
        b.join(other)  # the same connection may try again
        a.expect("presence", 0, room="lobby", nickname=other, kind=JOINED, reason="join")
        rid = b.send("join", nickname=nick("again"), protocol_version=1)
        b.expect_error(E.ALREADY_JOINED, rid)

    def test_skip_lobby_starts_in_no_room(self):
        c = self.connect()
        welcome, after = c.join(nick("bot"), skip_lobby=True)
        self.assertEqual(list(welcome.rooms), [])
        self.assertEqual(after, [])  # no UserList, nothing else
        rid = c.send("broadcast", room="lobby", text="hi")
        c.expect_error(E.NOT_IN_ROOM, rid)

    # ------------------------------------------------------------------ rooms and user lists

    def test_rooms_join_leave_and_user_lists(self):
        room = nick("Room")
        a, an = self.joined("ann", [room])
        b, bn = self.joined("ben")
        users, replay = b.join_room(room.lower())  # rooms compare case-insensitively
        self.assertEqual(users.user_list.room, room)  # spelled as its creator did
        self.assertEqual(list(users.user_list.members), [an, bn])
        self.assertEqual(replay, [])  # a new room has no history
        a.expect("presence", 0, room=room, nickname=bn, kind=JOINED, reason="join")
        rid = b.send("join_room", room=room)
        b.expect_error(E.ALREADY_IN_ROOM, rid)

        c, _ = self.joined("cat")  # not a member: may still list the room
        rid = c.send("user_list_request", room=room)
        c.expect("user_list", rid, room=room, members=[an, bn])
        rid = c.send("user_list_request", room=nick("nowhere"))
        c.expect_error(E.UNKNOWN_ROOM, rid)

        rid = b.send("leave_room", room=room)
        b.expect("presence", rid, room=room, nickname=bn, kind=LEFT, reason="leave")
        a.expect("presence", 0, room=room, nickname=bn, kind=LEFT, reason="leave")
        rid = b.send("leave_room", room=room)
        b.expect_error(E.NOT_IN_ROOM, rid)
        rid = a.send("leave_room", room=room)  # the last member: the room ceases to exist
        a.expect("presence", rid, kind=LEFT)
        rid = c.send("user_list_request", room=room)
        c.expect_error(E.UNKNOWN_ROOM, rid)

    def test_room_list_actions_and_nickname_changes(self):
        room = nick("List")
        a, an = self.joined("lia", [room])
        b, bn = self.joined("lou", [room])
        a.expect("presence", 0, nickname=bn, kind=JOINED)
        rid = b.send("room_list_request")  # every room, 100 a page, by case-folded name
        page = b.expect("room_list", rid).room_list
        counts = {r.name: r.members for r in page.rooms}
        self.assertEqual(counts[room], 2)
        self.assertGreaterEqual(page.total_rooms, len(page.rooms))
        names = [r.name.lower() for r in page.rooms]
        self.assertEqual(names, sorted(names))
        rid = a.send("broadcast", room=room, text="waves", client_msg_id=1, action=True)
        a.expect("ack", rid)
        b.expect("chat_message", 0, room=room, text="waves", action=True)
        new = nick("lex")
        rid = a.send("change_nickname", nickname=new)
        a.expect("nickname_changed", rid, old_nickname=an, nickname=new)
        b.expect("presence", 0, room=room, nickname=new, old_nickname=an, kind=RENAMED,
                 reason="nick")
        rid = a.send("change_nickname", nickname=bn)
        a.expect_error(E.NICKNAME_TAKEN, rid)

    def test_lobby_can_be_left_and_rooms_are_capped(self):
        c = self.connect()
        c.join(nick("hopper"))
        rid = c.send("leave_room", room="lobby")
        c.expect("presence", rid, room="lobby", kind=LEFT, reason="leave")
        rooms = [nick("r") for _ in range(17)]
        ids = [c.send("join_room", room=r) for r in rooms]  # pipelined, answered in order
        for rid, room in zip(ids[:16], rooms):
            c.expect("user_list", rid, room=room)
        c.expect_error(E.TOO_MANY_ROOMS, ids[16])

    # ------------------------------------------------------------------ broadcast

    def test_broadcast_reaches_the_other_members_only(self):
        room = nick("talk")
        a, an = self.joined("amy", [room])
        b, bn = self.joined("bo", [room])
        a.expect("presence", 0, nickname=bn, kind=JOINED)
        rid = a.send("broadcast", room=room, text="hello", client_msg_id=77,
                     client_timestamp_us=123456)
        ack = a.expect("ack", rid, client_msg_id=77, room=room).ack
        self.assertGreater(ack.seq, 0)
        msg = b.expect("chat_message", 0, room=room, text="hello", seq=ack.seq, whisper=False,
                       to="", history=False, client_timestamp_us=123456,
                       server_msg_id=ack.server_msg_id).chat_message
        self.assertEqual(sender(msg), an)  # ChatMessage.from: a Python keyword (from_ in expect)
        self.assertEqual(a.sync(), [])  # you do not receive your own message
        ack2 = a.say(room, "\u00e9\n\x1b[31m" + "x" * 4088)  # 4096 bytes, any Unicode
        self.assertEqual(ack2.seq, ack.seq + 1)
        b.expect("chat_message", 0, seq=ack2.seq)
        for text, code in (("", E.TEXT_EMPTY), ("y" * 4097, E.TEXT_TOO_LONG)):
            rid = a.send("broadcast", room=room, text=text)
            a.expect_error(code, rid)
        rid = b.send("broadcast", room=nick("elsewhere"), text="hi")
        b.expect_error(E.NOT_IN_ROOM, rid)
        self.assertEqual(b.sync(), [])  # refused messages reach nobody

    # ------------------------------------------------------------------ whisper

    def test_whisper_to_another_and_to_oneself(self):
        a, an = self.joined("wes")
        b, bn = self.joined("wu")
        rid = a.send("whisper", to=bn.upper(), text="psst", client_msg_id=5)
        a.expect("ack", rid, client_msg_id=5, room="", seq=0, to=bn)  # as bn spells it
        msg = b.expect("chat_message", 0, whisper=True, room="", to=bn, seq=0,
                       text="psst").chat_message
        self.assertEqual(sender(msg), an)
        rid = a.send("whisper", to=an, text="note to self", client_msg_id=6)
        copy = a.expect("chat_message", whisper=True, to=an, text="note to self")
        # Settles: the copy of a whisper to oneself carries request_id 0 (pushed, not a reply).
        self.assertEqual(copy.request_id, 0)
        self.assertEqual(sender(copy.chat_message), an)
        a.expect("ack", rid, client_msg_id=6)  # after the copy, as the doc says
        rid = a.send("whisper", to=nick("ghost"), text="anyone?")
        a.expect_error(E.WHISPER_TARGET_UNKNOWN, rid)
        rid = a.send("whisper", to="two words", text="hi")
        err = a.expect_error(E.NICKNAME_INVALID, rid)
        self.assertNotIn("two words", err.message)  # not quoted back
        self.assertEqual(b.sync(), [])

    # ------------------------------------------------------------------ history and resume

    def test_history_replay_and_resume_after_reconnect(self):
        room = nick("hist")
        a, an = self.joined("hal", [room])
        b, bn = self.joined("hu", [room])
        a.expect("presence", 0, nickname=bn, kind=JOINED)
        acks = [a.say(room, f"m{i}") for i in range(3)]
        last_seen = max(b.expect("chat_message", 0).chat_message.seq for _ in acks)
        self.assertEqual(last_seen, acks[-1].seq)
        b.close()  # lost connection: no quit
        a.expect("presence", 0, room=room, nickname=bn, kind=LEFT,
                 reason="disconnect: connection closed by client")
        acks += [a.say(room, f"m{i}") for i in range(3, 5)]
        reason = ("join", "leave", "join")  # b's resume, leave and join_room below

        b = self.connect()
        welcome, after = b.join(bn, skip_lobby=True)  # the nickname is free after the LEFT
        self.assertEqual((list(welcome.rooms), after), ([], []))
        rid = b.send("join_room", room=room, since_seq=last_seen)
        b.expect("user_list", rid, room=room, members=[an, bn])
        replay = b.sync()
        self.assertEqual([e.chat_message.seq for e in replay], [k.seq for k in acks[3:]])
        for env, text in zip(replay, ("m3", "m4")):
            m = env.chat_message
            self.assertTrue(m.history and m.text == text and sender(m) == an, env)
            self.assertEqual(m.client_timestamp_us, 0)  # history carries none
            # Settles: replayed history carries request_id 0, not the join_room's.
            self.assertEqual(env.request_id, 0)
        rid = b.send("leave_room", room=room)
        b.expect("presence", rid, kind=LEFT)
        _, replay = b.join_room(room, since_seq=acks[-1].seq)  # at the newest: nothing
        self.assertEqual(replay, [])

        c, cn = self.joined("cy")  # a plain join_room: the newest messages, oldest first
        _, replay = c.join_room(room)
        for kind, why in zip((JOINED, LEFT, JOINED), reason):
            a.expect("presence", 0, nickname=bn, kind=kind, reason=why)
        a.expect("presence", 0, nickname=cn, kind=JOINED)
        self.assertEqual([e.chat_message.text for e in replay], [f"m{i}" for i in range(5)])
        live = a.say(room, "live")
        got = c.expect("chat_message", 0, text="live", history=False).chat_message
        self.assertEqual(got.seq, live.seq)
        self.assertEqual(got.seq, replay[-1].chat_message.seq + 1)  # no gap after the replay

    def test_history_gap_notice_when_messages_are_no_longer_kept(self):
        server = ServerProcess(SERVER_EXE, self.tmp.name + "/gap", "--keep-messages", "2",
                               "--history", "2", "--no-console")
        try:
            room = nick("gap")
            a, _ = self.joined("gus", [room], server=server)
            acks = [a.say(room, f"g{i}") for i in range(6)]
            b, _ = self.joined("gil", server=server)
            deadline = time.monotonic() + 10  # the database is pruned once a second
            while True:
                rid = b.send("join_room", room=room, since_seq=0)
                b.expect("user_list", rid, room=room)
                frames = b.sync()
                if frames and frames[0].WhichOneof("body") == "notice":
                    break
                self.assertLess(time.monotonic(), deadline, f"no HISTORY_GAP: {frames}")
                rid = b.send("leave_room", room=room)
                b.expect("presence", rid, kind=LEFT)
                time.sleep(0.2)  # polling the once-a-second pruning, not hiding a race
            gap = frames[0]
            self.assertEqual(gap.notice.kind, E.Notice.HISTORY_GAP)
            self.assertEqual((gap.notice.room, gap.notice.missing_from), (room, 1))
            # Settles: the HISTORY_GAP notice carries request_id 0.
            self.assertEqual(gap.request_id, 0)
            kept = [e.chat_message.seq for e in frames[1:]]
            self.assertEqual(kept, [k.seq for k in acks[-len(kept):]])
            self.assertEqual(gap.notice.missing_to + 1, kept[0])
        finally:
            for c in self.clients:
                c.close()
            self.clients = []
            self.assertEqual(server.stop(), 0)

    # ------------------------------------------------------------------ errors

    def test_names_and_strings_are_checked(self):
        c, _ = self.joined("ed", ["lobby"])
        c.sync()
        for bad in ("two words", "", "r" * 33, "zero\u200bwidth", "tab\t"):
            for body, fields in (("join_room", {}), ("leave_room", {}),
                                 ("user_list_request", {}), ("broadcast", {"text": "x"})):
                rid = c.send(body, room=bad, **fields)
                c.expect_error(E.ROOM_NAME_INVALID, rid)
        c.join_room("r" * 32)  # 32 bytes is allowed
        rid = c.send("echo", text="")
        c.expect("echo_reply", rid, text="")
        # Invalid UTF-8 (written by hand: protobuf will not encode it): a non-fatal error.
        echo = b"\x08\x63\x7a\x03\x0a\x01\xff"  # request_id 99, echo{text: ff}
        c.send_raw(encode_varint(len(echo)) + echo)
        c.expect_error(E.TEXT_INVALID, 99)
        bcast = b"\x08\x64\x6a\x07\x0a\x01\xff\x12\x02hi"  # request_id 100, broadcast{room: ff}
        c.send_raw(encode_varint(len(bcast)) + bcast)
        c.expect_error(E.ROOM_NAME_INVALID, 100)
        c.send_raw(b"\x00")  # a zero-length frame: an empty Envelope
        self.assertEqual(c.expect_error(E.UNKNOWN_MESSAGE, 0).request, "")
        c.send_raw(frame_bytes(new_envelope("welcome", 101)))  # a server-to-client body
        self.assertEqual(c.expect_error(E.UNKNOWN_MESSAGE, 101).request, "welcome")
        unknown = b"\x08\x66\x8a\x03\x00"  # request_id 102, body field 49 (unknown), empty
        c.send_raw(encode_varint(len(unknown)) + unknown)
        self.assertEqual(c.expect_error(E.UNKNOWN_MESSAGE, 102).request, "")  # nothing to name
        # A body of exactly max_frame_bytes is accepted (padded with an unknown field of Echo).
        for pad in range(65536, 0, -1):  # the varints' lengths vary with the padding
            inner = b"\x0a\x02ok\x12" + encode_varint(pad) + b"p" * pad
            body = b"\x08\x67\x7a" + encode_varint(len(inner)) + inner
            if len(body) == 65536:
                break
        self.assertEqual(len(body), 65536)
        c.send_raw(encode_varint(len(body)) + body)
        c.expect("echo_reply", 103, text="ok")

    def test_bad_frames_are_fatal_and_announced(self):
        room = nick("frames")
        w, _ = self.joined("watch", [room])
        for bad, code in ((encode_varint(65537), E.FRAME_TOO_LARGE),  # the prefix alone
                          (b"\x80\x80\x80\x80\x80\x01", E.FRAME_TOO_LARGE),  # 6-byte prefix
                          (b"\x01\x08", E.MALFORMED_FRAME)):  # a truncated varint field
            c, cn = self.joined("bad", [room])
            w.expect("presence", 0, nickname=cn, kind=JOINED)
            c.send_raw(bad)
            self.assertEqual(c.expect_error(code, 0, fatal=True).request, "")
            w.expect("presence", 0, room=room, nickname=cn, kind=LEFT,
                     reason="disconnect: protocol error")

    def test_quit_is_announced_with_its_reason(self):
        room = nick("bye")
        a, _ = self.joined("quinn", [room])
        b, bn = self.joined("quill", [room])
        a.expect("presence", 0, nickname=bn, kind=JOINED)
        b.quit("gone fishing")
        a.expect("presence", 0, room=room, nickname=bn, kind=LEFT, reason="quit: gone fishing")

    def test_mute_from_the_console(self):
        room = nick("hush")
        a, an = self.joined("mo", [room])
        self.server.console(f"mute {an} 10m testing")
        note = a.expect("notice", 0, kind=E.Notice.INFO)  # "they are told by a Notice"
        self.assertIn("mute", note.notice.text.lower())
        rid = a.send("broadcast", room=room, text="can you hear me")
        a.expect_error(E.MUTED, rid)
        rid = a.send("whisper", to=an, text="me neither")
        a.expect_error(E.MUTED, rid)
        self.server.console(f"unmute {an}")
        # "NICK, if connected, is told": the notice comes once the console has acted.
        note = a.expect("notice", 0, kind=E.Notice.INFO)
        self.assertEqual(note.notice.text, "you are no longer muted (by console)")
        rid = a.send("broadcast", room=room, text="back")
        a.expect("ack", rid)

    def test_slow_reader_gets_whole_frames_then_its_error(self):
        server = ServerProcess(SERVER_EXE, self.tmp.name + "/slow", "--flood-rate", "0",
                               "--send-queue-bytes", "65536", "--send-queue-soft-bytes", "0",
                               "--no-console")
        try:
            room = nick("firehose")
            a, _ = self.joined("fast", [room], server=server)
            b = self.connect(server)
            bn = nick("slow")
            b.join(bn, skip_lobby=True)
            b.join_room(room)
            a.expect("presence", 0, nickname=bn, kind=JOINED)
            left, deadline = None, time.monotonic() + 90
            while left is None:  # b reads nothing; a sends, one at a time, until b is dropped
                self.assertLess(time.monotonic(), deadline, "the slow reader was never dropped")
                a.send("broadcast", room=room, text="x" * 4000)
                env = a.recv()  # its Ack, or the Presence that b left (then the Ack)
                if env.WhichOneof("body") == "presence":
                    left = env.presence
            self.assertEqual((left.nickname, left.kind, left.reason),
                             (bn, LEFT, "disconnect: too slow to read (send queue full)"))
            # Whole frames only (protocol.md, "Whole frames"): the messages already on their
            # way, then Error{SLOW_READER, fatal} as the last frame, then end of stream. A cut-off
            # frame raises TruncatedFrame and fails the test.
            frames = list(iter(b.recv, None))
            self.assertGreater(len(frames), 1)
            for env in frames[:-1]:
                self.assertEqual(env.WhichOneof("body"), "chat_message", env)
            last = frames[-1]
            self.assertEqual(last.WhichOneof("body"), "error", last)
            self.assertEqual((last.error.code, last.error.fatal, last.request_id),
                             (E.SLOW_READER, True, 0))
        finally:
            for c in self.clients:
                c.close()
            self.clients = []
            self.assertEqual(server.stop(), 0)

    def test_zz_shutdown_notice_then_end_of_stream(self):
        c, _ = self.joined("last")
        self.assertEqual(self.server.stop(), 0)  # SIGTERM: a graceful shutdown exits with 0
        c.expect("notice", 0, kind=E.Notice.SHUTDOWN, text="server shutting down")
        c.expect_end()


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: protocol_test.py PATH/TO/chat_server [unittest arguments]")
    SERVER_EXE = sys.argv.pop(1)
    result = unittest.main(verbosity=2, exit=False).result
    if not result.wasSuccessful():
        print(f"chat_server's log (its end):\n{ProtocolTest.server_log}", file=sys.stderr)
    sys.exit(0 if result.wasSuccessful() else 1)
