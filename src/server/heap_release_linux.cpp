#include "heap_release.h"

#include <malloc.h>

namespace chat::server {

void release_free_heap() {
#if defined(__GLIBC__)
  malloc_trim(0);  // every arena, and free pages inside the heap as well as at its top
#endif
}

}  // namespace chat::server
