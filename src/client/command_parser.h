// Public header. What the user typed, as a command. Pure; unit-tested.
#pragma once

#include <string>
#include <string_view>

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
    invalid
  };
  Kind kind = Kind::empty;
  std::string target;  // whisper: nickname; users/join/leave: room (may be empty = current)
  // say/whisper/echo: text; quit: reason; register_nickname: the password; operator_command:
  // the command line for the server ("kick bob spam"); invalid: what is wrong.
  std::string text;
};

// "hello" -> say; "/w bob hi" -> whisper; "//x" -> say "/x". See help_text(). Thread-safe.
Command parse_command(std::string_view line);

// The /help text, one command per line.
std::string_view help_text();

}  // namespace chat::client
