// Broadcast and Whisper: the messages themselves.

#include "../validation.h"
#include "handlers.h"
#include "net/wire/envelope_codec.h"

namespace chat::server {
namespace {

// A ChatMessage from `from`, stamped with the server's time and the next server_msg_id; the
// caller adds the room, or the whisper's recipient. `action`: a "/me" message.
Envelope make_chat_message(ServerCore& core, const std::string& from, const std::string& text,
                           std::uint64_t client_timestamp_us, bool action) {
  Envelope msg;
  auto* m = msg.mutable_chat_message();
  m->set_from(from);
  m->set_text(text);
  m->set_action(action);
  m->set_server_time_ms(ServerCore::now_ms());
  m->set_server_msg_id(core.next_msg_id.fetch_add(1, std::memory_order_relaxed));
  m->set_client_timestamp_us(client_timestamp_us);
  return msg;
}

}  // namespace

void handle_broadcast(ServerCore& core, net::ConnId id, Session& s, const Envelope& req) {
  const auto& b = req.broadcast();
  if (!check_room_name(core, id, s, req, b.room())) {
    return;
  }
  const auto joined = find_joined_or_reject(core, id, s, req, b.room());
  if (joined == s.rooms.end()) {
    return;
  }
  if (!check_text_or_reject(core, id, s, req, b.text()) || refuse_muted(core, id, s, req)) {
    return;
  }
  const auto room = core.rooms.find(*joined);
  if (!room) {
    return;  // cannot happen while we are a member; nothing sensible to send
  }
  Envelope msg = make_chat_message(core, s.nickname, b.text(), b.client_timestamp_us(), b.action());
  msg.mutable_chat_message()->set_room(room->name());
  const std::uint64_t now = msg.chat_message().server_time_ms();
  const std::uint64_t msg_id = msg.chat_message().server_msg_id();
  // With a store, the Ack waits until the message is on disk (an Acked message survives a
  // crash): the store's writer sends it (ServerCore::on_stored). It is promised to our queue
  // first, so a close that comes meanwhile (a Quit right behind this, a kick) waits for it.
  const bool stored = core.history != nullptr;
  if (stored && !s.outbox.promise(id)) {
    return;  // closing (kicked, timed out) since this frame was read: nothing is published
  }
  Room::Published published;
  {
    Delivery out(core.pool, *core.io);
    published = room->publish(msg, id, out, AckTo{id, req.request_id(), b.client_msg_id()});
    if (stored && !published.deferred) {
      out.drop_promise(id);  // not handed to the store after all
    }
  }
  if (!published.published()) {
    return;  // kicked meanwhile: out of the room already, and its connection is closing
  }
  if (!published.deferred) {
    core.send_ack(id, req.request_id(), b.client_msg_id(), msg_id, room->name(), published.seq,
                  now);
  }
}

void handle_whisper(ServerCore& core, net::ConnId id, Session& s, const Envelope& req) {
  const auto& w = req.whisper();
  // Checked in the order of the fields, as for a broadcast: the recipient, then the text. The
  // recipient is a nickname first: one that could never be held is refused without a lookup,
  // and without being quoted back (or logged) at whatever length it came.
  if (!check_name_or_reject(core, id, s, req, w.to(), core.config.max_nickname_bytes,
                            proto::NICKNAME_INVALID, "whisper target")) {
    return;
  }
  const auto target = core.nicknames.find(w.to());
  if (!target) {
    core.send_error(id, s, req, proto::WHISPER_TARGET_UNKNOWN, fmt::format("no user '{}'", w.to()));
    return;
  }
  if (!check_text_or_reject(core, id, s, req, w.text()) || refuse_muted(core, id, s, req)) {
    return;
  }
  Envelope msg = make_chat_message(core, s.nickname, w.text(), w.client_timestamp_us(), w.action());
  auto* m = msg.mutable_chat_message();
  m->set_to(target->nickname);
  m->set_whisper(true);
  const std::uint64_t now = m->server_time_ms();
  const std::uint64_t msg_id = m->server_msg_id();
  const wire::FramedMessage frame(msg);
  Session& to = core.pool.at(target->id);
  if (const auto rate = to.take_whisper_allowance(target->id, frame.frame(to.frame_kind)->size())) {
    core.send_error(id, s, req, proto::RATE_LIMITED,
                    fmt::format("{} receives more whispers than the server passes on ({} bytes a "
                                "second from everyone): not delivered; try again later",
                                target->nickname, *rate));
    return;
  }
  {
    Delivery out(core.pool, *core.io);
    out.push(target->id, frame);
  }
  // The Ack names the recipient as they spell it ("/w BOB" reaches bob).
  Envelope ack = ServerCore::ack_envelope(req.request_id(), w.client_msg_id(), msg_id, "", 0, now);
  ack.mutable_ack()->set_to(target->nickname);
  core.send(id, ack);
}

}  // namespace chat::server
