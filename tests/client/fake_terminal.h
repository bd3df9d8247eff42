// Test fakes for the console: a screen that records writes and a keyboard that hands out typed
// chunks, in place of the terminal (OrderedConsole::Options::write and ::read).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "client/terminal.h"

namespace chat::client {

// Records every write call separately, so tests can check what went out in one write.
class FakeScreen {
 public:
  std::function<void(std::string_view)> writer() {
    return [this](std::string_view bytes) {
      std::lock_guard lock(mutex_);
      writes_.emplace_back(bytes);
      written_.notify_all();
    };
  }
  std::vector<std::string> writes() const {
    std::lock_guard lock(mutex_);
    return writes_;
  }
  std::string all() const {
    std::string out;
    for (const std::string& w : writes()) {
      out += w;
    }
    return out;
  }
  // Waits (up to `timeout`) until what was written contains `text`; false if it never did.
  bool wait_for_text(const std::string& text, std::chrono::milliseconds timeout) {
    return wait_for_text_after(0, text, timeout);
  }
  // The same, for `text` starting at or after byte `from` of all().
  bool wait_for_text_after(std::size_t from, const std::string& text,
                           std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return written_.wait_for(lock, timeout, [&] {
      std::string out;
      for (const std::string& w : writes_) {
        out += w;
      }
      return out.find(text, from) != std::string::npos;
    });
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable written_;
  std::vector<std::string> writes_;
};

// Hands out pushed chunks, one per read call. With nothing pushed, a read blocks until a push
// or close() (then returns 0, end of input). wait_for_reads(k) returns once the k-th read has
// started, which proves the console consumed (and echoed) every earlier chunk.
class FakeKeyboard {
 public:
  std::function<long(char*, std::size_t)> reader() {
    return [this](char* buf, std::size_t n) { return read(buf, n); };
  }
  void push(std::string chunk) {
    std::lock_guard lock(mutex_);
    chunks_.push_back(std::move(chunk));
    changed_.notify_all();
  }
  // The next read reports a resize of the window (terminal::kReadResized).
  void push_resize() { push(""); }
  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    changed_.notify_all();
  }
  void wait_for_reads(int count) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return reads_started_ >= count; });
  }
  int reads_started() {
    std::lock_guard lock(mutex_);
    return reads_started_;
  }

 private:
  long read(char* buf, std::size_t n) {
    std::unique_lock lock(mutex_);
    ++reads_started_;
    changed_.notify_all();
    changed_.wait(lock, [&] { return !chunks_.empty() || closed_; });
    if (chunks_.empty()) {
      return 0;
    }
    const std::string chunk = std::move(chunks_.front());
    chunks_.pop_front();
    if (chunk.empty()) {
      return terminal::kReadResized;  // push_resize()
    }
    EXPECT_LE(chunk.size(), n);
    std::memcpy(buf, chunk.data(), chunk.size());
    return static_cast<long>(chunk.size());
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::string> chunks_;
  bool closed_ = false;
  int reads_started_ = 0;
};

}  // namespace chat::client
