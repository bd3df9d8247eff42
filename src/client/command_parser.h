// Public header. What the user typed, as a command. Pure; unit-tested.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace chat::client {

struct Command {
  enum class Kind {
    empty,
    say,
    whisper,
    echo,
    users,
    join,
    leave,
    quit,
    ping,
    help,
    register_nickname,
    operator_command,
    change_password,  // /passwd: the passwords are asked for (masked), not typed in the line
    delete_account,   // /delete-account: likewise, after a confirmation
    list_rooms,       // /list [AFTER]: every room and its member count
    switch_room,      // /switch ROOM: make a room you are in the current one (no request)
    action,           // /me ACTION: an action in the current room ("* alice waves")
    nick,             // /nick NEW: change your nickname
    invalid
  };
  Kind kind = Kind::empty;
  // whisper: nickname; users/join/leave: room (may be empty = current); switch_room: room, or
  // its number in the prompt's order ("2"); list_rooms: the room to list after (empty: from the
  // start); nick: the new nickname.
  std::string target;
  // say/whisper/echo/action: text; quit: reason; register_nickname: the password; operator_command:
  // the command line for the server ("kick bob spam"); change_password: the new password;
  // invalid: what is wrong.
  std::string text;
  // change_password and delete_account: the account's current password (filled in by whoever
  // asked for it; parse_command leaves it empty).
  std::string secret;
};

// "hello" -> say; "/w bob hi" -> whisper; "//x" -> say "/x". See help_lines(). Thread-safe.
Command parse_command(std::string_view line);

// True for a line that starts with a command about an account's password (/register, /passwd,
// /password, /delete-account, in any letter case), whether it parses as valid or not: a mistyped
// "/passwd old new" carries passwords as surely as a valid one. The client keeps such lines out of
// the Up-arrow history. Thread-safe.
bool names_account_command(std::string_view line);

// The /help text: "commands:", then one command per line, its description aligned in one
// column (a long description goes on under it). Thread-safe.
std::vector<std::string> help_lines();

}  // namespace chat::client
