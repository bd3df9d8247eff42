#!/usr/bin/env python3
"""Fills many rooms with history, then empties them, and reports a running chat_server's resident
memory at each step (Linux: /proc/PID/status). The scenario of issue 17, item 12: 50 connections,
each creating 15 rooms of its own and saying 50 messages of 4 KB in each, then all leaving.

  scripts/history_memory.py --server build/release/src/server/chat_server -- --db /tmp/h.db

starts the server (on an ephemeral port, without its console, with --flood-rate 0: the script
sends as fast as the Acks come back, within --window) with the arguments after "--", runs the
scenario and stops it. --port and --server-pid measure a server started otherwise. It speaks the
wire protocol directly (docs/protocol.md): no protobuf package needed.
"""
import argparse
import signal
import socket
import subprocess
import sys
import time


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


def field_varint(number, value):
    return varint(number << 3) + varint(value)


def field_bytes(number, data):
    if isinstance(data, str):
        data = data.encode()
    return varint((number << 3) | 2) + varint(len(data)) + data


def frame(body):
    return varint(len(body)) + body


def envelope(request_id, body_field, body):
    return frame(field_varint(1, request_id) + field_bytes(body_field, body))


JOIN, JOIN_ROOM, BROADCAST, QUIT = 10, 11, 13, 17
WELCOME, ACK, USER_LIST, NOTICE, ERROR = 50, 52, 54, 56, 57


def read_varint(buf, pos):
    value, shift = 0, 0
    while True:
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, pos
        shift += 7


def body_field(body):
    """The Envelope's oneof field number (the first field above request_id)."""
    pos = 0
    while pos < len(body):
        key, pos = read_varint(body, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            _, pos = read_varint(body, pos)
        elif wire == 2:
            length, pos = read_varint(body, pos)
            pos += length
        else:
            raise ValueError(f"unexpected wire type {wire}")
        if number >= 10:
            return number
    return 0


class Connection:
    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()

    def send(self, data):
        self.sock.sendall(data)

    def next_frame(self):
        """The next frame's oneof field number; None at end of stream."""
        while True:
            if self.buf:
                try:
                    length, pos = read_varint(self.buf, 0)
                except IndexError:
                    length, pos = None, 0
                if length is not None and len(self.buf) >= pos + length:
                    body = bytes(self.buf[pos:pos + length])
                    del self.buf[:pos + length]
                    return body_field(body)
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                return None
            self.buf += chunk

    def wait_for(self, wanted):
        while True:
            got = self.next_frame()
            if got == wanted:
                return
            if got in (ERROR, None):
                sys.exit(f"expected field {wanted}, got {'end of stream' if got is None else 'an Error'}")


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--server", help="chat_server to start (arguments for it after --)")
    p.add_argument("--port", type=int)
    p.add_argument("--server-pid", type=int)
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--rooms", type=int, default=15, help="rooms each client creates")
    p.add_argument("--messages", type=int, default=50, help="messages said in each room")
    p.add_argument("--size", type=int, default=4096, help="bytes of text per message")
    p.add_argument("--window", type=int, default=64, help="messages in flight per client")
    p.add_argument("server_args", nargs="*", help="after --: more arguments for --server")
    args = p.parse_args()
    server = None
    if args.server:
        server = subprocess.Popen([args.server, "--port", "0", "--no-console", "--flood-rate", "0",
                                   "--log-level", "warn", *args.server_args],
                                  stdout=subprocess.PIPE, text=True)
        line = server.stdout.readline()  # "listening on HOST:PORT"
        if not line.startswith("listening on "):
            sys.exit(f"the server did not start: {line!r}")
        args.port = int(line.rsplit(":", 1)[1])
        args.server_pid = server.pid
    elif args.port is None or args.server_pid is None:
        p.error("give --server, or --port and --server-pid")
    try:
        run(args)
    finally:
        if server:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)


def run(args):

    def report(what):
        print(f"{what:<34} {rss_kib(args.server_pid) / 1024:8.1f} MiB resident", flush=True)

    report("before")
    start = time.monotonic()
    conns = []
    for c in range(args.clients):
        conn = Connection(args.host, args.port)
        nick = f"hm{c}"
        conn.send(envelope(1, JOIN, field_bytes(1, nick) + field_varint(2, 1) + field_varint(4, 1)))
        conn.wait_for(WELCOME)
        rooms = [f"hm{c}r{r}" for r in range(args.rooms)]
        for room in rooms:
            conn.send(envelope(2, JOIN_ROOM, field_bytes(1, room)))
            conn.wait_for(USER_LIST)
        text = "x" * args.size
        sends = [(room, i) for room in rooms for i in range(args.messages)]
        sent = acked = 0
        while acked < len(sends):
            while sent < len(sends) and sent - acked < args.window:
                room, i = sends[sent]
                sent += 1
                conn.send(envelope(3, BROADCAST, field_bytes(1, room) + field_bytes(2, text) +
                                   field_varint(3, sent)))
            conn.wait_for(ACK)
            acked += 1
        conns.append(conn)
    print(f"filled {args.clients * args.rooms} rooms with {args.messages} x {args.size} B "
          f"in {time.monotonic() - start:.1f} s", flush=True)
    report("rooms full, everyone still in")
    for conn in conns:
        conn.send(envelope(4, QUIT, b""))
    for conn in conns:
        while conn.next_frame() is not None:  # the server closes after the Quit: it has left
            pass
        conn.sock.close()
    report("everyone left")
    time.sleep(1)  # the server's housekeeping, every 100 ms, gives freed memory back
    report("one second later")


if __name__ == "__main__":
    main()
