#include "memory_message_backend.h"

#include <algorithm>
#include <chrono>

#include "../unix_time.h"

namespace chat::server {

void MemoryMessageBackend::write_batch(const std::vector<Stored>& batch) {
  std::lock_guard lock(mutex_);
  for (const Stored& p : batch) {
    rooms_[p.msg->room_key][p.msg->seq] = p.msg;
    top_msg_id_ = std::max(top_msg_id_, p.msg->server_msg_id);
  }
}

void MemoryMessageBackend::prune_count(Messages& room) {
  while (room.size() > retention_.max_per_room) {
    room.erase(room.begin());
  }
}

void MemoryMessageBackend::prune(const std::unordered_set<std::string>& written, bool everywhere) {
  std::lock_guard lock(mutex_);
  if (retention_.max_age.count() > 0) {
    const auto age_ms = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(retention_.max_age).count());
    const std::uint64_t now = unix_time_ms();
    const std::uint64_t oldest_kept = now - std::min(now, age_ms);
    // Every message of every room, as SQLite's DELETE does: after the wall clock stepped
    // back, an old message may come after a newer one.
    for (auto& [key, room] : rooms_) {
      std::erase_if(room,
                    [&](const auto& entry) { return entry.second->server_time_ms < oldest_kept; });
    }
  }
  if (retention_.max_per_room > 0) {
    if (everywhere) {
      for (auto& [key, room] : rooms_) {
        prune_count(room);
      }
    } else {
      for (const std::string& key : written) {
        const auto it = rooms_.find(key);
        if (it != rooms_.end()) {
          prune_count(it->second);
        }
      }
    }
  }
  std::erase_if(rooms_, [](const auto& entry) { return entry.second.empty(); });
}

std::uint64_t MemoryMessageBackend::last_seq(const std::string& room_key) {
  std::lock_guard lock(mutex_);
  const auto it = rooms_.find(room_key);
  return it == rooms_.end() ? 0 : it->second.rbegin()->first;
}

std::uint64_t MemoryMessageBackend::first_seq(const std::string& room_key) {
  std::lock_guard lock(mutex_);
  const auto it = rooms_.find(room_key);
  return it == rooms_.end() ? 0 : it->second.begin()->first;
}

std::vector<StoredMessagePtr> MemoryMessageBackend::read_after(const std::string& room_key,
                                                               std::uint64_t after_seq,
                                                               std::size_t limit) {
  std::vector<StoredMessagePtr> out;
  std::lock_guard lock(mutex_);
  const auto it = rooms_.find(room_key);
  if (it == rooms_.end()) {
    return out;
  }
  for (auto m = it->second.upper_bound(after_seq); m != it->second.end() && out.size() < limit;
       ++m) {
    out.push_back(m->second);
  }
  return out;
}

std::vector<StoredMessagePtr> MemoryMessageBackend::read_last(const std::string& room_key,
                                                              std::size_t count) {
  std::vector<StoredMessagePtr> out;
  std::lock_guard lock(mutex_);
  const auto it = rooms_.find(room_key);
  if (it == rooms_.end()) {
    return out;
  }
  for (auto m = it->second.rbegin(); m != it->second.rend() && out.size() < count; ++m) {
    out.push_back(m->second);
  }
  std::reverse(out.begin(), out.end());
  return out;
}

std::uint64_t MemoryMessageBackend::last_msg_id() {
  std::lock_guard lock(mutex_);
  return top_msg_id_;
}

}  // namespace chat::server
