// Internal header (server). The little of SQLite's C API the server uses, with RAII: a database
// connection opened in WAL mode, and prepared statements.
#pragma once

#include <cstdint>
#include <string>

struct sqlite3;
struct sqlite3_stmt;

namespace chat::server {

// One connection. Not thread-safe: its owner serializes use (a mutex, or one thread).
class SqliteDb {
 public:
  // Opens (creating if needed) the database at `path` (":memory:" for one in memory) in WAL mode
  // with synchronous=NORMAL: a commit is in the OS before it returns, so a killed server loses
  // nothing committed (a power cut may lose the last few). Throws std::runtime_error, naming
  // `what` ("history", "accounts"), when it cannot.
  SqliteDb(const std::string& path, std::string what);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Runs SQL with no results; throws std::runtime_error saying why it failed.
  void exec(const char* sql);
  // Like exec, but a failure is ignored (ROLLBACK after a failed transaction).
  void exec_noexcept(const char* sql) noexcept;
  sqlite3* get() const { return db_; }
  const std::string& what() const { return what_; }

 private:
  std::string what_;
  sqlite3* db_ = nullptr;
};

// A prepared statement, finalized when it goes out of scope.
class Statement {
 public:
  Statement(const SqliteDb& db, const char* sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Binds by 1-based index. The text must outlive the statement's next step().
  void bind(int index, const std::string& text);
  void bind(int index, std::uint64_t value);
  // One step: true while it yields a row; false when done. Throws on an error.
  bool step();
  // Runs a statement that returns no rows, then resets it for reuse.
  void run();
  void reset();
  std::string text(int column) const;
  std::uint64_t u64(int column) const;
  sqlite3_stmt* get() const { return stmt_; }

 private:
  const SqliteDb& db_;
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace chat::server
