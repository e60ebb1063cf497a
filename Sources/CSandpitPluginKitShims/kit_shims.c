#define _GNU_SOURCE
#include "sandpit_kit_shims.h"

#include <dlfcn.h>
#include <stddef.h>

const char *sandpit_kit_image_path(const void *address) {
    Dl_info info;
    if (dladdr(address, &info) == 0) return NULL;
    return info.dli_fname;
}
