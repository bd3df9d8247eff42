// ChangeNickname: a joined user takes another nickname. Everything the server keys by nickname
// either follows the rename or refuses it (docs/protocol.md, "Changing your nickname"):
// the registry moves in one step (whispers, kicks and bans find the new name), every shared room
// renames the member and tells the others, a mute refuses it (so that nobody renames out of
// one), and an account's nickname is not left behind (NICKNAME_LOCKED).
#include "../log.h"
#include "../validation.h"
#include "handlers.h"

namespace chat::server {
namespace {

// The refusals that need no change: banned, registered to someone, a logged-in account's own
// name, muted, too fast. True (with the Error sent) if one applies.
bool refuse_rename(ServerCore& core, net::ConnId id, Session& s, const Envelope& req,
                   const std::string& nickname) {
  if (s.logged_in) {
    core.send_error(id, s, req, proto::NICKNAME_LOCKED,
                    fmt::format("you are logged in to the account {}: its nickname stays yours "
                                "(delete the account, or join as a guest, to use another)",
                                s.nickname));
    return true;
  }
  if (refuse_muted(core, id, s, req)) {
    return true;  // a mute is on the nickname: renaming must not end it
  }
  if (const auto ban =
          core.accounts->banned(Ban::Kind::nickname, fold_name(nickname), ServerCore::now_ms())) {
    core.send_error(id, s, req, proto::NICKNAME_BANNED,
                    fmt::format("nickname '{}' is banned: {}", nickname, describe_ban(*ban)));
    return true;
  }
  // Registering takes holding the nickname, so a name nobody holds cannot become registered
  // between this check and the registry's move below.
  if (core.accounts->is_registered(nickname)) {
    core.send_error(
        id, s, req, proto::NICKNAME_REGISTERED,
        fmt::format("nickname '{}' is registered: join with it and its password", nickname));
    return true;
  }
  if (!s.renames.can_take(TokenBucket::Clock::now())) {  // taken once the rename is done
    core.send_error(id, s, req, proto::RATE_LIMITED,
                    fmt::format("nickname changed too often: {} at once, then one every {} "
                                "seconds; try again later",
                                Session::kRenameBurst, Session::kRenameEverySeconds));
    return true;
  }
  return false;
}

// An operator's ban or mute runs on another thread and may fall between refuse_rename()'s
// checks and the registry's move: a ban of the new name that found nobody holding it yet, a mute
// of the old name whose holder had just left it. Both are stored before their holder is looked
// up, so asked again after the move, one of the two sides always sees the other: a ban then
// removes the renamed user, and a mute follows it to the new name (a rename never ends one).
void catch_up_with_operators(ServerCore& core, net::ConnId id, Session& s,
                             const std::string& old_nickname) {
  if (const auto ban =
          core.accounts->banned(Ban::Kind::nickname, fold_name(s.nickname), ServerCore::now_ms())) {
    if (const auto holder = core.nicknames.find(s.nickname); holder && holder->id == id) {
      core.kick(*holder, CloseReason::banned, describe_ban(*ban));
    }
    return;
  }
  if (core.mutes.muted(s.nickname)) {
    return;
  }
  if (auto mute = core.mutes.muted(old_nickname)) {
    mute->nickname = s.nickname;
    try {
      core.mutes.mute(*mute);
    } catch (const std::exception& e) {
      log::error("nick {}: the mute of {} could not follow it to {}: {}", id, old_nickname,
                 s.nickname, e.what());
      return;
    }
    Envelope told;
    told.mutable_notice()->set_kind(proto::Notice::INFO);
    told.mutable_notice()->set_text(
        "you are " + describe_restriction("muted", mute->by, mute->until_ms, mute->reason));
    core.send(id, told);
  }
}

Envelope nickname_changed(std::uint64_t request_id, const std::string& old_nickname,
                          const std::string& nickname) {
  Envelope reply;
  reply.set_request_id(request_id);
  reply.mutable_nickname_changed()->set_old_nickname(old_nickname);
  reply.mutable_nickname_changed()->set_nickname(nickname);
  return reply;
}

}  // namespace

void handle_change_nickname(ServerCore& core, net::ConnId id, Session& s, const Envelope& req) {
  const std::string& nickname = req.change_nickname().nickname();
  if (!check_name_or_reject(core, id, s, req, nickname, core.config.max_nickname_bytes,
                            proto::NICKNAME_INVALID, "nickname")) {
    return;
  }
  if (nickname == s.nickname) {
    core.send(id, nickname_changed(req.request_id(), s.nickname, s.nickname));
    return;  // nothing to change, nobody to tell; not counted against the renames
  }
  if (refuse_rename(core, id, s, req, nickname)) {
    return;
  }
  // The reply is queued as the registry moves: our own client knows its new name before it sees
  // anything under it, such as a whisper from someone who found the new name at once. (A whisper
  // that found the old name just before still comes, after the reply, addressed to the old one.)
  const bool moved = core.nicknames.rename(id, nickname, [&] {
    core.send(id, nickname_changed(req.request_id(), s.nickname, nickname));
  });
  if (!moved) {
    core.send_error(id, s, req, proto::NICKNAME_TAKEN,
                    fmt::format("nickname '{}' is already in use", nickname));
    return;
  }
  s.renames.take(TokenBucket::Clock::now());  // only a rename that happened counts
  const std::string old = std::exchange(s.nickname, nickname);
  Delivery out(core.pool, *core.io);
  for (const std::string& name : s.rooms) {
    if (const auto room = core.rooms.find(name)) {
      room->rename_member(id, nickname, out);  // false: kicked meanwhile, nobody to tell
    }
  }
  log::info("nick {} {} is now {}", id, old, nickname);
  catch_up_with_operators(core, id, s, old);
}

}  // namespace chat::server
