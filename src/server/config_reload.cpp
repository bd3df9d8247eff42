#include "config_reload.h"

#include <fmt/format.h>

#include <functional>

#include "net/wire/duration_text.h"
#include "server_core.h"

namespace chat::server {
namespace {

using Text = std::function<std::string(const ServerConfig&)>;

struct Field {
  const char* flag;
  Text text;
  bool reloadable;
};

template <typename T>
Text number(T ServerConfig::*member) {
  return [member](const ServerConfig& c) { return std::to_string(c.*member); };
}
Text duration(std::chrono::milliseconds ServerConfig::*member) {
  return [member](const ServerConfig& c) { return wire::format_duration(c.*member); };
}
Text quoted(std::string ServerConfig::*member) {
  return [member](const ServerConfig& c) { return "\"" + c.*member + "\""; };
}

std::string joined(const std::vector<std::string>& names) {
  return names.empty() ? "none" : fmt::format("{}", fmt::join(names, ","));
}

// The fields behind chat_server's flags, in the order of its --help.
const std::vector<Field>& fields() {
  static const std::vector<Field> kFields{
      {"host", quoted(&ServerConfig::host), false},
      {"port",
       [](const ServerConfig& c) { return c.port ? std::to_string(*c.port) : "the first free"; },
       false},
      {"workers", number(&ServerConfig::workers), false},
      {"max-clients", number(&ServerConfig::max_clients), false},
      {"posted-accepts", number(&ServerConfig::posted_accepts), false},
      {"io-backend", quoted(&ServerConfig::io_backend), false},
      {"flood-burst", number(&ServerConfig::flood_burst), true},
      {"flood-rate", number(&ServerConfig::flood_rate), true},
      {"whisper-bytes-per-s", number(&ServerConfig::whisper_bytes_per_s), true},
      {"handshake-timeout", duration(&ServerConfig::handshake_timeout), false},
      {"heartbeat-interval", duration(&ServerConfig::heartbeat_interval), false},
      {"heartbeat-timeout", duration(&ServerConfig::heartbeat_timeout), false},
      {"max-conns-per-ip", number(&ServerConfig::max_connections_per_ip), true},
      {"connects-per-ip", number(&ServerConfig::connects_per_ip_per_s), true},
      {"limit-loopback",
       [](const ServerConfig& c) { return std::string(c.limit_loopback ? "true" : "false"); },
       false},
      {"max-frame-bytes", number(&ServerConfig::max_frame_bytes), false},
      {"max-text-bytes", number(&ServerConfig::max_text_bytes), false},
      {"max-rooms", number(&ServerConfig::max_rooms_per_session), false},
      {"send-queue-soft-bytes", number(&ServerConfig::send_queue_soft_bytes), false},
      {"send-queue-bytes", number(&ServerConfig::max_send_queue_bytes), false},
      {"db", quoted(&ServerConfig::db_path), false},
      {"history", number(&ServerConfig::history_replay), false},
      {"history-memory-bytes", number(&ServerConfig::history_memory_bytes), false},
      {"keep-messages", number(&ServerConfig::keep_messages), false},
      {"keep-days", number(&ServerConfig::keep_days), false},
      {"auth-threads", number(&ServerConfig::auth_threads), false},
      {"auth-priority",
       [](const ServerConfig& c) {
         return std::string(c.auth_priority == net::ThreadPriority::idle     ? "idle"
                            : c.auth_priority == net::ThreadPriority::normal ? "normal"
                                                                             : "low");
       },
       false},
      {"registrations-per-ip-per-hour",
       [](const ServerConfig& c) { return std::to_string(c.registration_limits.per_address); },
       false},
      {"registrations-per-hour",
       [](const ServerConfig& c) { return std::to_string(c.registration_limits.in_all); }, false},
      {"operator", [](const ServerConfig& c) { return joined(c.operators); }, true},
      {"motd", quoted(&ServerConfig::motd), true},
      {"linger", duration(&ServerConfig::linger), false},
      {"shutdown-grace", duration(&ServerConfig::shutdown_grace), false},
  };
  return kFields;
}

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// The --operator part of a reload: the names `next` adds get the role for this run if they are
// registered; the names it drops lose it. `running.operators` becomes what holds now.
void reload_operators(ServerCore& core, ServerConfig& running, const ServerConfig& next,
                      std::vector<std::string>& lines) {
  const std::lock_guard roles(core.role_changes);
  std::vector<std::string> now;
  for (const std::string& name : running.operators) {
    if (contains(next.operators, name)) {
      now.push_back(name);
      continue;
    }
    const bool had = core.has_operator_role(name);
    core.accounts->take_operator_for_this_run(name);
    const bool still = core.has_operator_role(name);
    lines.push_back(fmt::format("operator: {} no longer has the operator role from --operator{}",
                                name, still ? " (still has it from op)" : ""));
    if (had && !still) {  // a holder without the role (deop'd, or a guest) hears nothing
      if (const auto holder = core.nicknames.find(name)) {
        core.send(holder->id, ServerCore::role_changed_notice(false, "reload"));
      }
    }
  }
  for (const std::string& name : next.operators) {
    if (contains(running.operators, name)) {
      continue;
    }
    const bool had = core.has_operator_role(name);
    if (!core.accounts->give_operator_for_this_run_if_registered(name)) {
      lines.push_back(fmt::format(
          "operator: {} refused: not a registered nickname (register it, or start the server "
          "with it to be asked for its password)",
          name));
      continue;
    }
    now.push_back(name);
    lines.push_back(fmt::format("operator: {} has the operator role from --operator", name));
    if (!had) {
      if (const auto holder = core.nicknames.find(name)) {
        core.send(holder->id, ServerCore::role_changed_notice(true, "reload"));
      }
    }
  }
  running.operators = std::move(now);
}

}  // namespace

std::vector<ConfigChange> diff_config(const ServerConfig& running, const ServerConfig& next) {
  std::vector<ConfigChange> changes;
  for (const Field& field : fields()) {
    std::string from = field.text(running);
    std::string to = field.text(next);
    if (from != to) {
      changes.push_back({field.flag, std::move(from), std::move(to), field.reloadable});
    }
  }
  return changes;
}

std::vector<std::string> apply_reload(ServerCore& core, ServerConfig& running,
                                      const ServerConfig& next) {
  std::vector<std::string> lines;
  for (const ConfigChange& change : diff_config(running, next)) {
    if (!change.reloadable) {
      lines.push_back(fmt::format("{}: {} -> {} needs a restart; still {}", change.flag,
                                  change.from, change.to, change.from));
    } else if (change.flag == "operator") {
      reload_operators(core, running, next, lines);
    } else {
      lines.push_back(fmt::format("{}: {} -> {}", change.flag, change.from, change.to));
    }
  }
  running.flood_burst = next.flood_burst;
  running.flood_rate = next.flood_rate;
  running.whisper_bytes_per_s = next.whisper_bytes_per_s;
  running.max_connections_per_ip = next.max_connections_per_ip;
  running.connects_per_ip_per_s = next.connects_per_ip_per_s;
  running.motd = next.motd;
  core.live.set(running);
  core.addresses.set_limits(running.max_connections_per_ip, running.connects_per_ip_per_s);
  return lines;
}

}  // namespace chat::server
