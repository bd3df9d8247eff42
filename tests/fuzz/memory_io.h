// An IoService with no sockets: a driver thread plays the clients (connects, bytes, end of
// stream) and run() delivers the completions on a worker thread, as a real backend would. For
// the server fuzzer: the whole server, from received bytes to sent frames, with nothing in
// between that is not the server's own code.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <system_error>
#include <vector>

#include "net/io_service.h"

namespace chat::testing {

class MemoryIo final : public net::IoService {
 public:
  MemoryIo(net::IoHandler& handler, unsigned max_connections)
      : handler_(handler), conns_(max_connections) {}

  // ---- the driver (the clients' side); thread-safe

  // A client connects from `peer_host`; returns its id, or an invalid id when every slot is
  // taken.
  net::ConnId client_connects(const std::string& peer_host) {
    std::lock_guard lock(mutex_);
    for (std::uint32_t i = 0; i < conns_.size(); ++i) {
      Conn& c = conns_[i];
      if (!c.open && !c.closing) {
        c = Conn{};
        c.open = true;
        c.generation = ++generation_;
        const net::ConnId id{i, c.generation};
        push_locked([this, id, peer_host] { handler_.on_accept(id, {peer_host, 40000}); });
        return id;
      }
    }
    return {};
  }
  // The client sends `bytes` (one receive completion each, in order, as the server reads).
  void client_sends(net::ConnId id, std::string bytes) {
    if (bytes.empty()) {
      return;  // an empty receive would read as end of stream
    }
    std::lock_guard lock(mutex_);
    if (Conn* c = find_locked(id)) {
      c->input.push_back(Input{std::move(bytes), false});
      pump_locked(id);
    }
  }
  // The client ends its sending side (end of stream after what it sent).
  void client_ends(net::ConnId id) {
    std::lock_guard lock(mutex_);
    if (Conn* c = find_locked(id)) {
      c->input.push_back(Input{{}, true});
      pump_locked(id);
    }
  }
  // Waits until nothing is queued or running: the server has done all it can with the input.
  void wait_idle() {
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [&] { return events_.empty() && running_ == 0; });
  }
  // Every byte the server sent to `id` so far (also after its close).
  std::string sent_to(net::ConnId id) {
    std::lock_guard lock(mutex_);
    return id.index < conns_.size() && conns_[id.index].generation == id.generation
               ? conns_[id.index].output
               : std::string{};
  }

  // ---- net::IoService (the server's side)

  std::error_code listen(const net::Endpoint& at, net::Endpoint* bound) override {
    if (bound != nullptr) {
      *bound = {at.host, 1};
    }
    return {};
  }
  void stop_accepting() override {}
  net::ConnId connect(const net::Endpoint&, const net::Endpoint&, std::error_code& ec) override {
    ec = std::make_error_code(std::errc::operation_not_supported);
    return {};
  }
  void start_recv(net::ConnId id) override {
    std::lock_guard lock(mutex_);
    if (Conn* c = find_locked(id)) {
      c->recv_armed = true;
      pump_locked(id);
    }
  }
  void start_send(net::ConnId id, std::span<const net::ByteSpan> buffers) override {
    std::lock_guard lock(mutex_);
    if (Conn* c = find_locked(id)) {
      for (const net::ByteSpan& b : buffers) {
        c->output.append(reinterpret_cast<const char*>(b.data()), b.size());
      }
      push_locked([this, id] { handler_.on_send(id, {}); }, id);
    }
  }
  void shutdown_send(net::ConnId) override {}
  void close(net::ConnId id) override {
    std::lock_guard lock(mutex_);
    if (Conn* c = find_locked(id)) {
      c->open = false;
      c->closing = true;  // the slot is reused only after on_closed
      push_locked([this, id] {
        handler_.on_closed(id);
        std::lock_guard relock(mutex_);
        conns_[id.index].closing = false;
      });
    }
  }
  void post(std::function<void()> fn) override {
    std::lock_guard lock(mutex_);
    push_locked(std::move(fn));
  }
  void run() override {
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return stopped_ || !events_.empty(); });
      if (stopped_) {
        return;
      }
      Event e = std::move(events_.front());
      events_.pop_front();
      // A completion for a connection closed since it was queued is cancelled, as on a socket.
      const bool cancelled = e.for_conn.valid() && find_locked(e.for_conn) == nullptr;
      ++running_;
      lock.unlock();
      if (!cancelled) {
        e.fn();
        while (handler_.on_batch_end()) {
          // the handler's slices run back to back: nothing else arrives in memory meanwhile
        }
      }
      lock.lock();
      --running_;
      idle_.notify_all();
    }
  }
  void stop() override {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    wake_.notify_all();
  }
  std::string backend_name() const override { return "memory"; }

 private:
  struct Input {
    std::string bytes;
    bool end = false;
  };
  struct Conn {
    std::uint32_t generation = 0;
    bool open = false;
    bool closing = false;
    bool recv_armed = false;
    std::deque<Input> input;
    std::string output;
  };
  struct Event {
    std::function<void()> fn;
    net::ConnId for_conn;  // valid: dropped if that connection closed meanwhile
  };

  Conn* find_locked(net::ConnId id) {
    if (id.index >= conns_.size()) {
      return nullptr;
    }
    Conn& c = conns_[id.index];
    return c.open && c.generation == id.generation ? &c : nullptr;
  }
  void push_locked(std::function<void()> fn, net::ConnId for_conn = {}) {
    events_.push_back(Event{std::move(fn), for_conn});
    wake_.notify_all();
  }
  // Delivers the next input of `id` if its receive is armed.
  void pump_locked(net::ConnId id) {
    Conn& c = conns_[id.index];
    if (!c.recv_armed || c.input.empty()) {
      return;
    }
    c.recv_armed = false;
    Input in = std::move(c.input.front());
    c.input.pop_front();
    push_locked(
        [this, id, in = std::move(in)] {
          handler_.on_recv(
              id,
              net::ByteSpan(reinterpret_cast<const std::byte*>(in.bytes.data()), in.bytes.size()),
              {});
        },
        id);
  }

  net::IoHandler& handler_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<Event> events_;
  unsigned running_ = 0;
  bool stopped_ = false;
  std::uint32_t generation_ = 0;
  std::vector<Conn> conns_;
};

}  // namespace chat::testing
