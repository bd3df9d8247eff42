#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora (corpus/frame, corpus/server): a few well-formed frames and
client scripts, so that fuzzing starts from conversations that reach deep into the server rather
than from bytes the decoder refuses at once. Run from anywhere: python3 tests/fuzz/make_seeds.py
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field(number, value):
    """One protobuf field: a varint for ints, length-delimited for bytes/str."""
    if isinstance(value, int):
        return varint(number << 3) + varint(value)
    if isinstance(value, str):
        value = value.encode()
    return varint(number << 3 | 2) + varint(len(value)) + value


def envelope(request_id, body_number, body):
    return field(1, request_id) + field(body_number, body)


def frame(body):
    return varint(len(body)) + body


JOIN, JOIN_ROOM, LEAVE_ROOM, BROADCAST, WHISPER, ECHO, USERS, QUIT, PING = range(10, 19)
PONG = 58


def join(rid, nick):
    return envelope(rid, JOIN, field(1, nick) + field(2, 1))


def broadcast(rid, room, text):
    return envelope(rid, BROADCAST, field(1, room) + field(2, text) + field(3, rid))


def whisper(rid, to, text):
    return envelope(rid, WHISPER, field(1, to) + field(2, text) + field(3, rid))


FRAMES = {
    "join": frame(join(1, "alice")),
    "join_broadcast": frame(join(1, "alice")) + frame(broadcast(2, "lobby", "hello")),
    "rooms": frame(join(1, "bob"))
    + frame(envelope(2, JOIN_ROOM, field(1, "dev")))
    + frame(envelope(3, USERS, field(1, "dev")))
    + frame(envelope(4, LEAVE_ROOM, field(1, "dev"))),
    "echo_ping_quit": frame(envelope(1, ECHO, field(1, "x")))
    + frame(envelope(2, PING, field(1, 7)))
    + frame(envelope(3, PONG, field(1, 7)))
    + frame(envelope(4, QUIT, field(1, "bye"))),
    "bad_utf8": frame(join(1, b"\xff\xfe"))
    + frame(envelope(2, ECHO, field(1, b"\xc0\xaf"))),
    "unknown_body": frame(envelope(1, 99, b"")) + frame(b""),
    "oversized_prefix": b"\xff\xff\xff\xff\x0f",
}


def server_script(conversations):
    """conversations: list of (client index, frame bytes); op 0 connects, op 4 sends a frame,
    op 3 lets the server catch up, op 2 ends a client's stream."""
    out = bytearray()
    clients = max(c for c, _ in conversations) + 1
    for i in range(clients):
        out += bytes([0, i])  # connect, from kHosts[i]
    for client, body in conversations:
        out += bytes([4, client, len(body)]) + body
        out += bytes([3])
    out += bytes([2, 0, 3])
    return bytes(out)


SCRIPTS = {
    "two_chat": server_script(
        [
            (0, join(1, "alice")),
            (1, join(1, "bob")),
            (0, broadcast(2, "lobby", "hi bob")),
            (1, whisper(2, "ALICE", "hi alice")),
            (1, envelope(3, JOIN_ROOM, field(1, "dev"))),
            (0, envelope(3, USERS, field(1, "dev"))),
            (1, envelope(4, QUIT, field(1, "later"))),
        ]
    ),
    "same_nick": server_script([(0, join(1, "Carol")), (1, join(1, "cAROL")), (1, join(2, "dave"))]),
    "before_join": server_script(
        [(0, broadcast(1, "lobby", "too early")), (0, envelope(2, PING, field(1, 1))), (0, join(3, "erin"))]
    ),
    "history_resume": server_script(
        [(0, join(1, "hana")), (0, envelope(2, JOIN_ROOM, field(1, "dev")))]
        + [(0, broadcast(i, "dev", "h%d" % i)) for i in range(3, 9)]
        + [(1, join(1, "ivan")), (1, envelope(2, JOIN_ROOM, field(1, "dev") + field(2, 2)))]
    ),
    "flood": server_script([(0, join(1, "flo"))] + [(0, envelope(i, ECHO, field(1, "e"))) for i in range(2, 30)]),
}


def write(directory, items):
    path = os.path.join(HERE, "corpus", directory)
    os.makedirs(path, exist_ok=True)
    for name, data in items.items():
        with open(os.path.join(path, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    # The frame fuzzer's first byte chooses the receive size.
    write("frame", {name: bytes([i % 17]) + data for i, (name, data) in enumerate(FRAMES.items())})
    write("server", SCRIPTS)
