// An IoService that performs no I/O: it records each start_send (which connection, which
// bytes) so tests can check what would have been written, and in how many sends.
#pragma once

#include <string>
#include <vector>

#include "net/io_service.h"

namespace chat::testing {

class RecordingIo final : public net::IoService {
 public:
  struct Send {
    net::ConnId id;
    std::vector<std::string> buffers;
  };
  std::vector<Send> sends;

  std::error_code listen(const net::Endpoint&, net::Endpoint*) override { return {}; }
  void stop_accepting() override {}
  net::ConnId connect(const net::Endpoint&, const net::Endpoint&, std::error_code&) override {
    return {};
  }
  void start_recv(net::ConnId) override {}
  void start_send(net::ConnId id, std::span<const net::ByteSpan> buffers) override {
    Send s{id, {}};
    for (const net::ByteSpan& b : buffers) {
      s.buffers.emplace_back(reinterpret_cast<const char*>(b.data()), b.size());
    }
    sends.push_back(std::move(s));
  }
  void shutdown_send(net::ConnId) override {}
  void close(net::ConnId) override {}
  // Kept, not run: a test runs them (run_posted()) where it wants the worker's turn.
  void post(std::function<void()> fn) override { posted.push_back(std::move(fn)); }
  void run_posted() {
    std::vector<std::function<void()>> due;
    due.swap(posted);
    for (auto& fn : due) {
      fn();
    }
  }
  std::vector<std::function<void()>> posted;
  void run() override {}
  void stop() override {}
  std::string backend_name() const override { return "recording"; }
};

}  // namespace chat::testing
