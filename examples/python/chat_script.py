#!/usr/bin/env python3
"""A scripted ChatServer client, written from docs/protocol.md alone.

ScriptedClient is what protocol_test.py drives: it sends requests with fresh request_ids and
checks each frame it expects, one at a time, every read within a deadline. Run alone, it joins,
says one line in a room, waits for the Ack and quits:

    chat_script.py --port PORT --nick robot --room lobby --say "hello from a script"
"""
import argparse
import socket
import sys

from chatproto import FrameReader, body_of, frame_bytes, new_envelope, printable, sender


def check(condition, message):
    """An assertion that `python3 -O` does not strip: the test's verdicts depend on it."""
    if not condition:
        raise AssertionError(message)


class ScriptedClient:
    """One connection. Not thread-safe: one thread drives it."""

    def __init__(self, port, host="127.0.0.1", timeout=10.0):
        self.timeout = timeout  # the deadline of every frame read
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.reader = FrameReader(self.sock)
        self.last_id = 0

    def send(self, body, **fields):
        """Sends `body` with a new request_id, which it returns."""
        self.last_id += 1
        self.send_raw(frame_bytes(new_envelope(body, self.last_id, **fields)))
        return self.last_id

    def send_raw(self, data):
        self.sock.settimeout(self.timeout)
        self.sock.sendall(data)

    def recv(self):
        """The next Envelope, or None at end of stream."""
        return self.reader.read_frame(self.timeout)

    def expect(self, body, request_id=None, **fields):
        """Reads the next frame and checks that it is `body` with these fields (and request_id,
        when given); returns the Envelope. `from_` names ChatMessage.from."""
        env = self.recv()
        check(env is not None, f"expected {body}, got end of stream")
        name, msg = body_of(env)
        check(name == body, f"expected {body}, got {name}: {env}")
        if request_id is not None:
            check(env.request_id == request_id,
                  f"{body}: request_id {env.request_id}, expected {request_id}")
        for field, want in fields.items():
            got = sender(msg) if field == "from_" else getattr(msg, field)
            if isinstance(want, list):
                got = list(got)
            check(got == want, f"{body}.{field} is {got!r}, expected {want!r}: {env}")
        return env

    def expect_error(self, code, request_id=None, fatal=False):
        """Expects Error{code}; a fatal one must be followed by end of stream."""
        env = self.expect("error", request_id, code=code, fatal=fatal)
        if fatal:
            self.expect_end()
        return env.error

    def expect_end(self):
        env = self.recv()
        check(env is None, f"expected end of stream, got {env}")

    def join(self, nick, skip_lobby=False):
        """Joins; returns the Welcome and the frames after it up to a sync point (section 5:
        the lobby's UserList and history, unless skip_lobby)."""
        rid = self.send("join", nickname=nick, protocol_version=1, skip_lobby=skip_lobby)
        welcome = self.expect("welcome", rid).welcome
        return welcome, self.sync()

    def sync(self):
        """Sends a Ping and returns every frame that arrives before its Pong (the doc: a Pong
        comes after every replay requested before it)."""
        nonce = 7000 + self.last_id
        rid = self.send("ping", nonce=nonce)
        frames = []
        for _ in range(10000):
            env = self.recv()
            check(env is not None, f"end of stream before the Pong; got {frames}")
            if env.WhichOneof("body") == "pong" and env.request_id == rid:
                check(env.pong.nonce == nonce, f"Pong with nonce {env.pong.nonce}, sent {nonce}")
                return frames
            frames.append(env)
        raise AssertionError("no Pong after 10000 frames")

    def join_room(self, room, since_seq=None):
        """join_room; returns the UserList Envelope and the frames up to a sync point."""
        fields = {"room": room} if since_seq is None else {"room": room, "since_seq": since_seq}
        rid = self.send("join_room", **fields)
        users = self.expect("user_list")  # the room as its creator spelled it
        check(users.user_list.room.lower() == room.lower(), f"UserList of {room}: {users}")
        check(users.request_id == rid, f"UserList of join_room: request_id {users.request_id}")
        return users, self.sync()

    def say(self, room, text, msg_id=None):
        """broadcast; returns the Ack."""
        rid = self.send("broadcast", room=room, text=text, client_msg_id=msg_id or self.last_id + 1)
        return self.expect("ack", rid, room=room).ack

    def quit(self, reason=""):
        self.send("quit", reason=reason)
        self.expect_end()
        self.close()

    def close(self):
        self.sock.close()


def describe(env):
    """One line for a person: what a server frame says."""
    name, msg = body_of(env)
    if name == "chat_message":
        where = f"whisper to {msg.to}" if msg.whisper else f"{msg.room} #{msg.seq}"
        return f"[{where}] {sender(msg)}: {printable(msg.text)}"
    return f"{name} (request {env.request_id}): {printable(str(msg).strip())}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--nick", required=True)
    parser.add_argument("--room", default="lobby")
    parser.add_argument("--say", required=True)
    args = parser.parse_args()
    client = ScriptedClient(args.port, args.host)
    client.send("join", nickname=args.nick, protocol_version=1, skip_lobby=True)
    env = client.recv()
    if env is None or env.WhichOneof("body") != "welcome":
        sys.exit(f"join refused: {env}")
    _, replay = client.join_room(args.room)
    for frame in replay:
        print(describe(frame))
    ack = client.say(args.room, args.say)
    print(f"sent as {args.room} #{ack.seq}")
    client.quit("script done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
