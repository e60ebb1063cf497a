#ifndef SANDPIT_CSECCOMP_SHIM_H
#define SANDPIT_CSECCOMP_SHIM_H
// libseccomp (Debian: libseccomp-dev). The host compiles policies with it and
// exports BPF; the worker never links it.
#include <seccomp.h>
#endif
