// Internal header (server). A reload: what differs between the running configuration and a
// newly read one, and applying the part that can change without a restart.
#pragma once

#include <string>
#include <vector>

#include "server_config.h"

namespace chat::server {

struct ServerCore;

// One flag whose value differs. `reloadable`: a reload applies it (--motd, the flood and
// whisper limits, the per-address connection limits, --operator); otherwise it waits for a
// restart.
struct ConfigChange {
  std::string flag;  // "motd", as the flag without its dashes (and the config file's key)
  std::string from;  // the values as text: 20, 30s, "a greeting", alice,bob
  std::string to;
  bool reloadable = false;
};

// Every flag-backed field of ServerConfig that differs, in the order of --help. Pure; any thread.
std::vector<ConfigChange> diff_config(const ServerConfig& running, const ServerConfig& next);

// Applies `next` to the running server as far as a reload can and returns a line for the log
// per change: "motd: \"a\" -> \"b\"", "--workers: 2 -> 4 needs a restart; still 2". Operators
// keep issue 7's rule: a name added must be registered already (no password can be asked for
// now), else it is refused and said so; a name dropped loses the role it had for this run (a
// role the console's op stored stays). A connected holder whose role changes is told at once.
// `running` is what the server runs on now; it is updated to what it runs on after. One reload
// at a time (the caller serializes them); thread-safe otherwise.
std::vector<std::string> apply_reload(ServerCore& core, ServerConfig& running,
                                      const ServerConfig& next);

}  // namespace chat::server
