// Public header. Reading a secret (a password) from the process's standard input.
#pragma once

#include <string>

namespace chat::net {

// Reads one line from standard input into `line` (without its line ending). When standard input
// is a terminal, what is typed is not echoed meanwhile; from a pipe it reads as usual. False at
// end of input. Call from one thread at a time, the one that reads standard input. Should the
// process exit while it waits, an exit handler turns the echo back on.
bool read_secret_line(std::string& line);

}  // namespace chat::net
