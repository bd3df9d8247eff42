// Internal header (server). Giving freed heap memory back to the operating system.
#pragma once

namespace chat::server {

// Returns the heap's free pages to the operating system. The C++ heap keeps what a program
// frees for its next allocations: after thousands of rooms' histories were freed, glibc held on
// to them all (docs/benchmarks.md, "history memory"). Takes the allocator's locks in turn and
// may take milliseconds: call it from the housekeeping thread, rarely. Any thread.
// Linux (glibc): malloc_trim. Windows: _heapmin.
void release_free_heap();

}  // namespace chat::server
