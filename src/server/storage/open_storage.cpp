#include "open_storage.h"

#include <chrono>

#include "memory_account_store.h"
#include "memory_message_backend.h"
#include "sqlite_account_store.h"
#include "sqlite_message_backend.h"

namespace chat::server {

std::unique_ptr<MessageLog> open_message_log(const ServerConfig& config,
                                             MessageLog::OnStored on_stored) {
  if (config.db_path.empty()) {
    return nullptr;
  }
  const Retention retention{config.keep_messages, std::chrono::hours(24 * config.keep_days)};
  std::unique_ptr<MessageBackend> backend;
  if (config.db_path == kMemoryDb) {
    backend = std::make_unique<MemoryMessageBackend>(retention);
  } else {
    backend = std::make_unique<SqliteMessageBackend>(config.db_path, retention);
  }
  return std::make_unique<MessageLog>(std::move(backend), std::move(on_stored));
}

std::unique_ptr<AccountStore> open_account_store(const ServerConfig& config) {
  if (config.db_path.empty() || config.db_path == kMemoryDb) {
    return std::make_unique<MemoryAccountStore>();
  }
  return std::make_unique<SqliteAccountStore>(config.db_path);
}

}  // namespace chat::server
