/* A shared object without the nachbar_plugin descriptor. */
#include "probe.h"
PROBE_EXPORT int not_a_plugin(void) { return 42; }
