// Internal header (server). A map that holds at most a fixed number of entries and forgets the
// least recently touched one to make room: what the login and registration limits remember
// about clients, so that no one can grow it without bound by spraying addresses or nicknames.
#pragma once

#include <cstddef>
#include <iterator>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

namespace chat::server {

// Not thread-safe: its owner serializes the calls.
template <typename Value>
class RecentMap {
 public:
  // capacity: at least 1.
  explicit RecentMap(std::size_t capacity) : capacity_(capacity > 0 ? capacity : 1) {}
  RecentMap(const RecentMap&) = delete;
  RecentMap& operator=(const RecentMap&) = delete;

  // The entry for `key`, or null. Does not count as a touch.
  Value* find(std::string_view key) {
    const auto it = index_.find(key);
    return it == index_.end() ? nullptr : &it->second->value;
  }

  // The entry for `key` (made from `fresh` if there is none), now the most recently touched.
  // Making one when full first forgets the least recently touched entry.
  Value& touch(std::string_view key, const Value& fresh) {
    if (const auto it = index_.find(key); it != index_.end()) {
      order_.splice(order_.end(), order_, it->second);
      return it->second->value;
    }
    if (index_.size() >= capacity_) {
      index_.erase(order_.front().key);
      order_.pop_front();
    }
    order_.push_back(Entry{std::string(key), fresh});
    const auto last = std::prev(order_.end());
    index_.emplace(last->key, last);  // the view points into the list node, which never moves
    return last->value;
  }

  void erase(std::string_view key) {
    if (const auto it = index_.find(key); it != index_.end()) {
      const auto entry = it->second;
      index_.erase(it);
      order_.erase(entry);
    }
  }

  // Forgets entries from the least recently touched on, while `stale(value)` says so. Stops at
  // the first that is not: cheap enough to call before every use.
  template <typename Stale>
  void forget_oldest_while(Stale stale) {
    while (!order_.empty() && stale(order_.front().value)) {
      index_.erase(order_.front().key);
      order_.pop_front();
    }
  }

  std::size_t size() const { return index_.size(); }
  std::size_t capacity() const { return capacity_; }

 private:
  struct Entry {
    std::string key;
    Value value;
  };

  const std::size_t capacity_;
  std::list<Entry> order_;  // least recently touched first
  std::unordered_map<std::string_view, typename std::list<Entry>::iterator> index_;
};

}  // namespace chat::server
