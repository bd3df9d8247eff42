// Internal header (server). How many connections the server can hold: the table it sizes from
// --max-clients, and what the process's open-file limit leaves room for.
#pragma once

namespace chat::server {

// Descriptors the process keeps besides its connections: stdio, the listener, the epoll or ring
// and wake-up descriptors, the database with its journal, the spare kept for running out.
inline constexpr unsigned kDescriptorsBesidesConnections = 64;

// Connection slots for `max_clients` served at once: one in eight more (at least 16), so the
// connections after the last one can still be accepted and told SERVER_FULL instead of being
// dropped unanswered. Pure; any thread.
unsigned connection_slots_for(unsigned max_clients);

// The most clients whose connection slots, with the descriptors besides them, fit in
// `open_file_limit` descriptors: the inverse of connection_slots_for(). 0 when not even one
// fits. Pure; any thread.
unsigned clients_within_open_file_limit(unsigned open_file_limit);

}  // namespace chat::server
