// Public header. The completion-based (proactor) I/O interface; the only thing the server and
// the clients include for I/O. The build compiles the backends of its platform (iocp/ on
// Windows; epoll/ and, with liburing, uring/ on Linux) and IoConfig::backend picks one at run
// time; nothing above src/net/ names a platform.
//
// The model is IOCP's: you start an operation on a connection, and later exactly one completion
// for it is delivered to your IoHandler on one of the worker threads that call run(). On epoll
// the backend performs the ready recv/send itself and turns the result into that completion.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "conn_id.h"
#include "endpoint.h"

namespace chat::net {

using ByteSpan = std::span<const std::byte>;

class SocketFaults;  // socket_faults.h: fault injection, for tests

// Receives completions. Every callback runs on a worker thread inside IoService::run(), never
// inline inside the start_*() call that began the operation, and never concurrently with another
// callback for the same ConnId of the same kind (one recv and one send in flight per connection;
// a recv and a send completion for one connection may run at the same time on two workers).
class IoHandler {
 public:
  virtual ~IoHandler() = default;

  // A listener accepted a connection. Nothing is started on it yet: call start_recv().
  virtual void on_accept(ConnId id, const Endpoint& peer) = 0;
  // connect() finished. On error, call close(id) to release the slot.
  virtual void on_connect(ConnId id, std::error_code ec) = 0;
  // start_recv() finished: bytes received (valid only during the call), or an empty span with
  // no error at end of stream, or an error. Call start_recv() again to keep reading.
  virtual void on_recv(ConnId id, ByteSpan data, std::error_code ec) = 0;
  // start_send() finished: every byte was written, or an error.
  virtual void on_send(ConnId id, std::error_code ec) = 0;
  // The connection is closed and no other callback for `id` is running or will ever run; its
  // slot is about to be reused under a new generation. Delivered exactly once per connection,
  // only after close(id).
  virtual void on_closed(ConnId id) = 0;
  // A worker delivered one batch of completions (what one wait returned) and is about to wait
  // for more. Runs on that worker, after its callbacks: the place to start work that gathers
  // well, such as one send per connection for everything the batch queued to it.
  // Return true to say that work is left over (long work done in slices): the worker then takes
  // only the completions already there, without waiting, and calls on_batch_end() again after
  // them. So new completions are delivered between the slices instead of behind all of them.
  virtual bool on_batch_end() { return false; }
};

struct IoConfig {
  // Size of the connection table (accepted plus outgoing). Accepts beyond it are closed at once.
  unsigned max_connections = 1024;
  int listen_backlog = 1024;
  // How many AcceptEx calls are kept posted (IOCP); the epoll backend accepts in a loop instead.
  unsigned posted_accepts = 16;
  // Bytes read per recv completion; the buffer belongs to the worker thread, not the connection.
  std::size_t recv_chunk_bytes = 64 * 1024;
  // "auto" (this platform's default, see io_backend_names()) or one backend's name.
  std::string backend = "auto";
  // After a wait that returned completions, a worker keeps polling, without sleeping, for this
  // long before it may block again. Saves its wake-up latency and the senders' cost of waking
  // it while traffic flows, for a core kept busy meanwhile. 0: never (the server). The load-test
  // bot polls, so that its own wake-ups are not counted as the server's latency. (WaitPolicy
  // applies it, and on_batch_end()'s "more", in every backend.)
  std::chrono::microseconds busy_poll{0};
  // Tests only: makes chosen socket calls fail (socket_faults.h). Null in every program.
  std::shared_ptr<SocketFaults> faults;
};

// The most buffers one start_send() should carry: what each backend hands the kernel in one
// call (Linux takes up to 1024 in a sendmsg). The SendQueue gathers no more than this per send,
// and the backends size their iovec arrays by it, so a gathered send is one system call.
inline constexpr std::size_t kMaxSendBuffers = 512;

// How many threads should call IoService::run() when the user did not say: one per hardware
// thread but one, and at least one. The one left over is for what else runs beside the workers
// (the kernel's network processing, which on loopback runs in the sending thread, a storage or
// auth thread, the clients of a benchmark). On a 2-core machine that is one worker, which
// measured faster than two in every load-test scenario (docs/benchmarks.md): a second worker
// there mostly contends for the room and queue locks. Thread-safe.
inline unsigned default_worker_count() {
  const unsigned hardware = std::thread::hardware_concurrency();  // 0 when unknown
  return hardware > 1 ? hardware - 1 : 1;
}

class IoService {
 public:
  virtual ~IoService() = default;
  IoService() = default;
  IoService(const IoService&) = delete;
  IoService& operator=(const IoService&) = delete;

  // Binds and listens. `at.port` 0 picks an ephemeral port; the bound endpoint is returned
  // through `bound`. At most one listener. Call before the workers start.
  virtual std::error_code listen(const Endpoint& at, Endpoint* bound) = 0;
  // Stops accepting new connections; already accepted ones are unaffected. Thread-safe.
  virtual void stop_accepting() = 0;

  // Starts an outgoing connection; on_connect() reports the outcome. Returns an invalid ConnId
  // and sets `ec` when it could not even start (table full, bad address). Thread-safe.
  ConnId connect(const Endpoint& to, std::error_code& ec) { return connect(to, Endpoint{}, ec); }
  // The same, from the local address `from.host` (port 0: any free one), so that one client
  // can open more connections than one source address has ports (127.0.0.2, 127.0.0.3, ...).
  // An empty `from.host` lets the system choose.
  virtual ConnId connect(const Endpoint& to, const Endpoint& from, std::error_code& ec) = 0;

  // Starts the one receive of `id`. Must not be called while a receive is in flight.
  // Thread-safe; a stale or closed id is ignored.
  virtual void start_recv(ConnId id) = 0;
  // Starts the one send of `id`: writes all of `buffers` in order (gathered). The array and the
  // bytes it points to must stay valid until on_send() or on_closed(). Must not be called while a
  // send is in flight. Thread-safe; a stale or closed id is ignored.
  virtual void start_send(ConnId id, std::span<const ByteSpan> buffers) = 0;
  // Half-closes: no more sends; the peer sees end of stream. Receives go on. Call it only with no
  // send in flight. Thread-safe; a stale or closed id is ignored.
  virtual void shutdown_send(ConnId id) = 0;
  // Closes `id`: operations in flight are cancelled and their completions are NOT delivered;
  // on_closed(id) follows once no callback for `id` is running. Idempotent. Thread-safe.
  virtual void close(ConnId id) = 0;

  // Runs `fn` on a worker thread (never inline). Thread-safe.
  virtual void post(std::function<void()> fn) = 0;

  // The worker loop: delivers completions until stop(). Call from each of N worker threads.
  virtual void run() = 0;
  // Makes every run() return soon. Thread-safe; call once. Connections are not closed by it.
  virtual void stop() = 0;

  // "epoll", "iocp"...: for logs. Thread-safe.
  virtual std::string backend_name() const = 0;
};

// Creates the backend `config.backend` names; `handler` must outlive the service. "auto" is the
// platform's default, the first of io_backend_names(): epoll on Linux, IOCP on Windows, which
// every kernel of the platform runs, so "auto" never needs to fall back (io_uring, which many
// containers refuse, is used only when asked for by name). Throws std::runtime_error, saying why,
// for an unknown name or a backend that this build or this machine cannot run. Defined per
// platform (posix/linux_backends.cpp, iocp/windows_backends.cpp).
std::unique_ptr<IoService> make_io_service(IoHandler& handler, const IoConfig& config);

// What builds an I/O service: make_io_service, or a transport's own (a TLS filter over a
// backend, an in-memory one for the fuzzer). The transport hook of both the server
// (ServerConfig::io_factory) and the clients (client::ClientTransport).
using IoFactory = std::function<std::unique_ptr<IoService>(IoHandler&, const IoConfig&)>;

// The backend names this build accepts besides "auto"; the first is the one "auto" takes.
// Whether the machine can run each is known only by trying (make_io_service). Thread-safe.
std::vector<std::string> io_backend_names();

// Raises this process's open-file limit toward `wanted` descriptors where the OS has one; returns
// the limit now in force (or `wanted` where there is none). Call once at start-up.
unsigned raise_open_file_limit(unsigned wanted);

}  // namespace chat::net
