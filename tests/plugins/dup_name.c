/* Claims the name of the bundled example plugin: a name clash. */
#include "probe.h"
PROBE_EXPORT const nb_plugin_desc_t nachbar_plugin = {
    NB_PLUGIN_DESC_HEAD, .name = "hello", .version = "1", .init = probe_init_ok};
