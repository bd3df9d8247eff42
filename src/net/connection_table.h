// Internal header (net backends). The connection table every backend keeps: a fixed array of
// slots addressed by ConnId, each with its own mutex, a generation bumped on every reuse and a
// count of the operations still pending on it; and the free list the slots come from.
//
// The rules it carries out are the same on IOCP, epoll and io_uring (docs/architecture.md):
// a stale id (the slot moved on) or the id of a closing connection resolves to "gone"; a slot
// goes back to the free list only after on_closed(), under a new generation; generation 0 is
// never issued. What a slot holds besides that is the backend's own Conn type, derived from
// ConnSlot.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <vector>

#include "conn_id.h"

namespace chat::net {

// What every backend's connection slot holds. All fields are guarded by `mutex`.
struct ConnSlot {
  std::mutex mutex;
  std::uint32_t generation = 1;
  bool in_use = false;
  bool closing = false;
  // Operations started and not yet finished (in the kernel, queued as a task, or in the
  // handler). The slot is released only when this is 0 on a closing connection.
  std::uint32_t pending = 0;

  // Drops one pending operation; true when it was the last one of a closing connection, so
  // the caller must now deliver on_closed(). Call with `mutex` held.
  bool finish_op() { return --pending == 0 && closing; }
};

// The free slot indexes, lowest first. Thread-safe.
class FreeSlots {
 public:
  explicit FreeSlots(unsigned capacity);
  std::optional<std::uint32_t> take();
  void put(std::uint32_t index);

 private:
  std::mutex mutex_;
  std::vector<std::uint32_t> free_;  // a stack: the lowest index on top
};

template <typename Conn>
class ConnectionTable {
  static_assert(std::is_base_of_v<ConnSlot, Conn>, "a connection slot derives from ConnSlot");

 public:
  explicit ConnectionTable(unsigned capacity)
      : capacity_(capacity), slots_(new Conn[capacity]), free_(capacity) {}

  unsigned capacity() const { return capacity_; }
  // The slot at `index` (< capacity()), whatever its state; lock its mutex to look at it.
  Conn& at(std::uint32_t index) { return slots_[index]; }

  // Locks the slot `id` names and returns it if `id` is its open connection; otherwise returns
  // null with `lock` released (an index out of range, a stale id, or a connection already
  // closing). Thread-safe.
  Conn* lock_open(ConnId id, std::unique_lock<std::mutex>& lock) {
    if (id.index >= capacity_) {
      return nullptr;
    }
    Conn& c = slots_[id.index];
    lock = std::unique_lock(c.mutex);
    if (c.generation != id.generation || !c.in_use || c.closing) {
      lock.unlock();
      return nullptr;
    }
    return &c;
  }

  // Takes a free slot for a new connection, lowest index first; nothing when the table is
  // full. The slot stays closed until open_locked(), or goes back with put_back(). Thread-safe.
  std::optional<std::uint32_t> take_free() { return free_.take(); }
  // Returns a slot that take_free() gave and that was never opened. Thread-safe.
  void put_back(std::uint32_t index) { free_.put(index); }

  // Opens the slot take_free() gave: in use, not closing, one operation pending (the accept or
  // connect completion). Returns the connection's id. Call with the slot's mutex held.
  ConnId open_locked(std::uint32_t index) {
    Conn& c = slots_[index];
    c.in_use = true;
    c.closing = false;
    c.pending = 1;
    return ConnId{index, c.generation};
  }

  // Frees the slot of `id` after its on_closed(): `clear(slot)` drops what the connection held
  // (under the slot's mutex), the generation moves on, and the index goes back to the free
  // list. Call once per connection, with no lock held. Thread-safe.
  template <typename Clear>
  void release(ConnId id, Clear&& clear) {
    Conn& c = slots_[id.index];
    {
      std::lock_guard lock(c.mutex);
      c.in_use = false;
      c.closing = false;
      clear(c);
      if (++c.generation == 0) {
        c.generation = 1;  // 0 means "invalid"
      }
    }
    free_.put(id.index);
  }

 private:
  const unsigned capacity_;
  std::unique_ptr<Conn[]> slots_;
  FreeSlots free_;
};

}  // namespace chat::net
