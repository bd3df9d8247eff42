// The wire path of one chat message: encoding an Envelope into a frame, and splitting a stream of
// frames and parsing each back into an Envelope.
#include <benchmark/benchmark.h>

#include <string>

#include "net/frame_decoder.h"
#include "net/wire/envelope_codec.h"

namespace chat {
namespace {

proto::Envelope chat_message(std::size_t text_bytes) {
  proto::Envelope env;
  auto* m = env.mutable_chat_message();
  m->set_room("bench");
  m->set_from("bot17");
  m->set_text(std::string(text_bytes, 'x'));
  m->set_seq(123456);
  m->set_server_time_ms(1'700'000'000'000);
  m->set_server_msg_id(987654);
  m->set_client_timestamp_us(1'234'567'890);
  return env;
}

// One broadcast's serialization (the server does this once per message, not per recipient).
void BM_EnvelopeEncode(benchmark::State& state) {
  const proto::Envelope env = chat_message(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    net::SharedBytes frame = wire::encode(env);
    benchmark::DoNotOptimize(frame);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EnvelopeEncode)->Arg(64)->Arg(1024);

// What a receiver does with one recv() worth of coalesced frames: split, then parse each.
void BM_FrameDecode(benchmark::State& state) {
  const auto frames = static_cast<std::size_t>(state.range(0));
  const net::SharedBytes one = wire::encode(chat_message(64));
  std::string stream;
  for (std::size_t i = 0; i < frames; ++i) {
    stream += *one;
  }
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(stream.data()),
                                         stream.size());
  net::FrameDecoder decoder(64 * 1024);
  proto::Envelope env;
  for (auto _ : state) {
    std::size_t parsed = 0;
    decoder.feed(bytes, [&](std::span<const std::byte> body) {
      env.Clear();
      parsed += wire::decode(body, env).status == wire::DecodeStatus::ok ? 1 : 0;
      return true;
    });
    benchmark::DoNotOptimize(parsed);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(frames));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(stream.size()));
}
BENCHMARK(BM_FrameDecode)->Arg(1)->Arg(64);

}  // namespace
}  // namespace chat
