// Internal header (epoll backend); include io_service.h instead.
//
// Adapts readiness to completions (Asio's "reactor emulating a proactor"): every worker calls
// epoll_wait on one shared epoll instance (edge-triggered for connections), performs the ready
// recv/send itself and hands the result to the IoHandler as a completion. Completions a worker
// produces for itself go on its own local queue; those produced on other threads go on a shared
// queue whose eventfd wakes a worker (TaskQueue). So a completion is never delivered inline in
// start_*(). The connection table, the tasks and the recv path are PosixCore's.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>

#include "../posix/posix_core.h"
#include "../warnings.h"

namespace chat::net {

class EpollService final : public PosixCore {
 public:
  EpollService(IoHandler& handler, const IoConfig& config);
  ~EpollService() override;

  std::error_code listen(const Endpoint& at, Endpoint* bound) override;
  void stop_accepting() override;
  void start_recv(ConnId id) override;
  void start_send(ConnId id, std::span<const ByteSpan> buffers) override;
  void close(ConnId id) override;
  void run() override;
  void stop() override;
  std::string backend_name() const override { return "epoll"; }

 private:
  struct Conn;

  PosixConn& conn_at(std::uint32_t index) override;
  PosixConn* lock_open_conn(ConnId id, std::unique_lock<std::mutex>& lock) override;
  void perform_recv(ConnId id) override;
  void release_slot(ConnId id) override;
  // Adds `fd` to the epoll set (edge-triggered) under its new slot.
  ConnId allocate(int fd, bool connecting, std::error_code& ec) override;
  void on_event(std::uint64_t key, std::uint32_t events);
  void on_listener_ready();
  // Writes as much of the pending send as the socket takes; true once it is finished.
  bool write_some_locked(Conn& c, std::error_code& ec);

  int epoll_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: the shared task queue has tasks
  int stop_fd_ = -1;  // eventfd: never read, so once written it wakes every worker for good
  std::atomic<bool> stopping_{false};

  std::mutex listener_mutex_;  // guards listen_fd_ across the accepting worker and stop_accepting()
  int listen_fd_ = -1;
  int spare_fd_ = -1;  // closed to accept-and-drop a connection when the process is out of fds
  WarningThrottle accept_warnings_;
  WarningThrottle register_warnings_;

  std::unique_ptr<ConnectionTable<Conn>> conns_;
};

}  // namespace chat::net
