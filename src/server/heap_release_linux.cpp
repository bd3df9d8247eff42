#include "heap_release.h"

#include <malloc.h>

namespace chat::server {

void release_free_heap() {
  malloc_trim(0);  // glibc: every arena, and free pages inside the heap as well as at its top
}

}  // namespace chat::server
