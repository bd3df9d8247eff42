// libFuzzer target: the whole chat server (decoder, flood control, dispatcher, handlers, rooms,
// send queues) on an in-memory transport. The input is a script of client actions; after it,
// every byte the server sent to every client must be a well-formed frame holding a valid
// Envelope, and shutdown must complete. ASan/UBSan/LeakSanitizer catch the rest.
//
// Script: a sequence of commands, each one byte `op` then its operands:
//   op % 5 == 0  a client connects (its address picked by the next byte)
//   op % 5 == 1  client [next byte] sends the next [next byte] bytes
//   op % 5 == 2  client [next byte] ends its sending side
//   op % 5 == 3  the server catches up (every completion so far is delivered)
//   op % 5 == 4  client [next byte] sends one frame: a length prefix, then [next byte] bytes
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "chat_server.h"
#include "log.h"
#include "memory_io.h"
#include "net/frame_decoder.h"
#include "net/wire/envelope_codec.h"

namespace {

using chat::testing::MemoryIo;

class Script {
 public:
  Script(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool done() const { return pos_ >= size_; }
  std::uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  std::string bytes(std::size_t n) {
    n = std::min(n, size_ - pos_);
    std::string out(reinterpret_cast<const char*>(data_ + pos_), n);
    pos_ += n;
    return out;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

// Everything the server sent one client must split into frames that decode as Envelopes.
void check_output(const std::string& sent) {
  chat::net::FrameDecoder decoder(64u * 1024 * 1024);
  chat::proto::Envelope env;
  const auto status =
      decoder.feed(std::span(reinterpret_cast<const std::byte*>(sent.data()), sent.size()),
                   [&](chat::net::ByteSpan body) {
                     if (chat::wire::decode(body, env).status != chat::wire::DecodeStatus::ok) {
                       std::abort();  // the server sent a frame that is not a valid Envelope
                     }
                     return true;
                   });
  if (status != chat::net::FrameDecoder::Status::ok || decoder.buffered() != 0) {
    std::abort();  // a cut-off or oversized frame
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool quiet = [] {
    chat::log::set_level(chat::log::Level::off);
    return true;
  }();
  (void)quiet;

  MemoryIo* io = nullptr;
  chat::server::ServerConfig cfg;
  cfg.port = 0;
  cfg.workers = 1;
  cfg.max_clients = 4;
  cfg.max_connections_per_ip = 3;  // reachable with the addresses below
  cfg.connects_per_ip_per_s = 4;
  cfg.limit_loopback = true;
  cfg.flood_burst = 8;  // reachable within one input
  cfg.flood_rate = 4;
  cfg.max_text_bytes = 1024;
  cfg.max_frame_bytes = 2048;
  cfg.send_queue_soft_bytes = 4096;
  cfg.max_send_queue_bytes = 16384;
  cfg.handshake_timeout = std::chrono::milliseconds(0);  // time plays no part: reproducible
  cfg.heartbeat_interval = std::chrono::milliseconds(0);
  cfg.heartbeat_timeout = std::chrono::milliseconds(0);
  cfg.linger = std::chrono::minutes(10);
  cfg.db_path = ":memory:";  // the history store too, fresh for every input
  cfg.password_cost = chat::server::HashCost::minimal;  // a Register in an input stays quick
  cfg.history_replay = 4;  // replays and resumes within reach of short inputs
  cfg.keep_messages = 16;
  cfg.shutdown_grace = std::chrono::milliseconds(0);
  cfg.io_factory = [&io](chat::net::IoHandler& handler, const chat::net::IoConfig& config) {
    auto memory = std::make_unique<MemoryIo>(handler, config.max_connections);
    io = memory.get();
    return memory;
  };
  static const char* const kHosts[] = {"127.0.0.1",   "10.0.0.1",    "10.0.0.2",       "::1",
                                       "2001:db8::1", "2001:db8::2", "::ffff:10.0.0.1"};

  std::vector<chat::net::ConnId> clients;
  {
    chat::server::ChatServer server(cfg);
    server.start();
    Script script(data, size);
    const auto client = [&](std::uint8_t pick) {
      return clients.empty() ? chat::net::ConnId{} : clients[pick % clients.size()];
    };
    while (!script.done()) {
      const std::uint8_t op = script.byte();
      switch (op % 5) {
        case 0:
          if (clients.size() < 8) {
            const auto id = io->client_connects(kHosts[script.byte() % std::size(kHosts)]);
            if (id.valid()) {
              clients.push_back(id);
            }
          }
          break;
        case 1: {
          const auto id = client(script.byte());
          std::string bytes = script.bytes(script.byte());
          if (id.valid()) {
            io->client_sends(id, std::move(bytes));
          }
          break;
        }
        case 2:
          if (const auto id = client(script.byte()); id.valid()) {
            io->client_ends(id);
          }
          break;
        case 3:
          io->wait_idle();
          break;
        case 4: {
          const auto id = client(script.byte());
          std::string body = script.bytes(script.byte());
          std::byte prefix[chat::net::kMaxVarint32Bytes];
          const std::size_t n =
              chat::net::write_varint32(static_cast<std::uint32_t>(body.size()), prefix);
          std::string frame(reinterpret_cast<const char*>(prefix), n);
          frame += body;
          if (id.valid()) {
            io->client_sends(id, std::move(frame));
          }
          break;
        }
      }
    }
    io->wait_idle();
    server.shutdown();
    for (const chat::net::ConnId id : clients) {
      check_output(io->sent_to(id));  // `io` lives as long as `server`
    }
  }
  return 0;
}
