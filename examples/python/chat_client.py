#!/usr/bin/env python3
"""An interactive ChatServer client, written from docs/protocol.md alone.

    chat_client.py --port PORT --nick alice

A line of text goes to the current room; commands start with '/' (type /help). A thread reads
the server's frames and prints them; the main thread reads your lines.
"""
import argparse
import socket
import sys
import threading

import chat_pb2
from chatproto import FrameReader, FrameTimeout, TruncatedFrame, body_of, new_envelope, printable
from chatproto import sender, write_frame

HELP = """/join ROOM          join a room (it becomes the current one)
/leave [ROOM]       leave a room (the current one)
/room ROOM          talk in ROOM from now on (a room you are in)
/whisper NICK TEXT  (/w) a private message
/users [ROOM]       who is in a room (the current one)
/nick NAME          join again with another nickname (after NICKNAME_TAKEN)
/quit [REASON]      leave the chat (so does the end of input)
anything else       said in the current room"""


class Client:
    """The connection. send() is safe from any thread; reading is the reader thread's alone."""

    def __init__(self, sock):
        self.sock = sock
        self.reader = FrameReader(sock)
        self.lock = threading.Lock()
        self.last_id = 0
        self.room = "lobby"  # where a join puts you; then the last room joined
        self.joining = None  # the room of the last /join, until its UserList comes
        self.idle_s = 30.0  # replaced by the server's heartbeat interval from the Welcome

    def send(self, body, **fields):
        with self.lock:
            self.last_id += 1
            write_frame(self.sock, new_envelope(body, self.last_id, **fields))

    def show(self, env):
        name, msg = body_of(env)
        if name == "chat_message":
            text, who = printable(msg.text), printable(sender(msg))
            old = " (history)" if msg.history else ""
            if msg.whisper:
                print(f"*{who} -> {printable(msg.to)}*{old} {text}")
            else:
                print(f"[{printable(msg.room)}]{old} {who}: {text}")
        elif name == "presence":
            verb = "joined" if msg.kind == chat_pb2.Presence.JOINED else "left"
            print(f"[{printable(msg.room)}] {printable(msg.nickname)} {verb} ({printable(msg.reason)})")
        elif name == "user_list":
            print(f"[{printable(msg.room)}] members: {printable(', '.join(msg.members))}")
            if self.joining and msg.room.lower() == self.joining.lower():
                self.room, self.joining = msg.room, None
        elif name == "welcome":
            print(f"welcome, {printable(msg.nickname)} ({msg.server_version}). "
                  f"{printable(msg.motd)}  Type /help.")
            if msg.limits.heartbeat_interval_ms:
                self.idle_s = msg.limits.heartbeat_interval_ms / 1000
        elif name == "error":
            code = chat_pb2.ErrorCode.Name(msg.code)
            print(f"error {code}{' (fatal)' if msg.fatal else ''}: {printable(msg.message)}")
        elif name == "notice":
            print(f"notice: {printable(msg.text)}")
        elif name == "ping":  # the heartbeat: answer in kind
            self.send("pong", nonce=msg.nonce)
        elif name in ("ack", "pong"):
            pass  # the Ack says the message was accepted; nothing to show
        elif name is not None:  # the doc: ignore bodies you do not know, show the ones you do
            print(f"{name}: {printable(str(msg).strip())}")

    def read_loop(self):
        """The reader thread: prints frames until the end of stream. Silent for a heartbeat
        interval, it pings the server; silent for another, it gives the server up for gone."""
        pinged = False
        while True:
            try:
                env = self.reader.read_frame(self.idle_s + 5)
            except FrameTimeout as e:
                if pinged or e.partial:
                    print(f"the server stopped answering ({e})")
                    break
                self.send("ping", nonce=1)
                pinged = True
                continue
            except (OSError, TruncatedFrame, ValueError) as e:
                print(f"connection lost: {e}")
                break
            if env is None:
                print("the server closed the connection")
                break
            pinged = False
            self.show(env)
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the main thread's next send
        except OSError:
            pass

    def command(self, line):
        """Acts on one input line; False once the user quits."""
        word, _, rest = line.partition(" ")
        rest = rest.strip()
        if not line.startswith("/"):
            if self.room is None:
                print("you are in no room: /join ROOM")
            elif line:
                self.send("broadcast", room=self.room, text=line, client_msg_id=self.last_id + 1)
        elif word == "/join" and rest:
            self.send("join_room", room=rest)
            self.joining = rest
        elif word == "/leave":
            self.send("leave_room", room=rest or self.room or "")
            if self.room == (rest or self.room):
                self.room = None
        elif word == "/room" and rest:
            self.room = rest
        elif word in ("/whisper", "/w") and len(rest.split(" ", 1)) == 2:
            to, text = rest.split(" ", 1)
            self.send("whisper", to=to, text=text, client_msg_id=self.last_id + 1)
        elif word == "/users":
            self.send("user_list_request", room=rest or self.room or "lobby")
        elif word == "/nick" and rest:
            self.send("join", nickname=rest, protocol_version=1)
        elif word == "/quit":
            self.send("quit", reason=rest)
            return False
        else:
            print(HELP)
        return True


def main():
    parser = argparse.ArgumentParser(description="An interactive ChatServer client.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=15410)
    parser.add_argument("--nick", required=True)
    args = parser.parse_args()
    try:
        sock = socket.create_connection((args.host, args.port), timeout=10)
    except OSError as e:
        sys.exit(f"cannot connect to {args.host}:{args.port}: {e}")
    client = Client(sock)
    client.send("join", nickname=args.nick, protocol_version=1)
    reader = threading.Thread(target=client.read_loop, daemon=True)
    reader.start()
    try:
        for line in sys.stdin:
            if not reader.is_alive() or not client.command(line.rstrip("\r\n")):
                break
        else:
            client.send("quit")
    except (OSError, KeyboardInterrupt):
        pass
    reader.join(timeout=3)  # the server's answers to the quit, then its end of stream
    return 0


if __name__ == "__main__":
    sys.exit(main())
