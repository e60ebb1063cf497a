// SwiftPM needs one source file in a C target; the ABI itself is the header.
#include "sandpit_plugin.h"

_Static_assert(sizeof(sandpit_sink) == 2 * sizeof(void *), "sandpit_sink layout changed");
_Static_assert(sizeof(sandpit_plugin) == 7 * sizeof(void *), "sandpit_plugin layout changed");
