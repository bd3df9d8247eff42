// Internal header (server). The working memory of Argon2id (64 MiB for a login), kept by one
// thread from one hash to the next. Taking 64 MiB from the operating system for every hash and
// handing it back after (what libsodium's crypto_pwhash does) made each hash about 3 times
// slower on the test machine, and its mapping calls, made in the server's own address space,
// raised the chat's p99 latency under a login flood (docs/benchmarks.md, "2026-12-07 (evening)").
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace chat::server {

// Not thread-safe: one per thread (each auth thread has its own). Argon2id overwrites every
// byte it uses and libargon2 wipes it after each hash, so what it held is never read again.
class HashMemory {
 public:
  // `held_total`, when given, is kept up to date with what this holds (the auth pool adds up its
  // threads' memory there).
  explicit HashMemory(std::atomic<std::size_t>* held_total = nullptr) : held_total_(held_total) {}
  ~HashMemory() { release(); }
  HashMemory(const HashMemory&) = delete;
  HashMemory& operator=(const HashMemory&) = delete;

  // At least `bytes` of memory, kept until release(): the block held, if it is large enough,
  // else a new one of exactly `bytes` in its place. Null if the allocation fails.
  std::uint8_t* take(std::size_t bytes) noexcept;
  // Gives the block back to the operating system.
  void release() noexcept;
  std::size_t held_bytes() const { return size_; }

 private:
  std::atomic<std::size_t>* const held_total_;
  std::unique_ptr<std::uint8_t[]> block_;
  std::size_t size_ = 0;
};

}  // namespace chat::server
