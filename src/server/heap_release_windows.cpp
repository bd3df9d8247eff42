#include "heap_release.h"

#include <malloc.h>

namespace chat::server {

void release_free_heap() {
  _heapmin();  // the CRT heap: decommits what is free (not measured: docs/benchmarks.md is Linux)
}

}  // namespace chat::server
