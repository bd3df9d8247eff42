// A database path of its own in the temp directory, for tests of the history store; the file and
// its WAL companions are removed before and after.
#pragma once

#include <filesystem>
#include <random>
#include <string>
#include <system_error>

namespace chat::testing {

class TempDatabase {
 public:
  TempDatabase() {
    path_ = (std::filesystem::temp_directory_path() /
             ("chat-test-" + std::to_string(std::random_device{}()) + ".db"))
                .string();
    remove();
  }
  ~TempDatabase() { remove(); }
  TempDatabase(const TempDatabase&) = delete;
  TempDatabase& operator=(const TempDatabase&) = delete;
  const std::string& path() const { return path_; }

 private:
  void remove() const {
    std::error_code ignored;
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::filesystem::remove(path_ + suffix, ignored);
    }
  }
  std::string path_;
};

}  // namespace chat::testing
