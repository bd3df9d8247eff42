// Internal header (server). The one place that picks the storage backends from the server's
// configuration (--db): the chat logic holds only MessageLog and AccountStore.
#pragma once

#include <memory>

#include "../server_config.h"
#include "account_store.h"
#include "message_log.h"

namespace chat::server {

// config.db_path as the name of the backends kept in memory only.
inline constexpr const char* kMemoryDb = ":memory:";

// The room history config.db_path asks for, its retention config.keep_messages and keep_days:
// SQLite on that file; in memory for kMemoryDb; none (null) for "", when rooms keep only what
// their memory rings hold and messages are Acked at once. `on_stored` as MessageLog takes it.
// Throws std::runtime_error saying why the database cannot be opened.
std::unique_ptr<MessageLog> open_message_log(const ServerConfig& config,
                                             MessageLog::OnStored on_stored);

// The accounts config.db_path asks for: SQLite on that file; in memory for kMemoryDb and "".
// Throws std::runtime_error saying why the database cannot be opened.
std::unique_ptr<AccountStore> open_account_store(const ServerConfig& config);

}  // namespace chat::server
