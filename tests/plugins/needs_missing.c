/* Depends on a plugin that is not loaded. */
#include "probe.h"
static const char *const deps[] = {"does_not_exist", NULL};
PROBE_EXPORT const nb_plugin_desc_t nachbar_plugin = {
    NB_PLUGIN_DESC_HEAD, .name = "needs_missing", .version = "1",
    .depends = deps, .init = probe_init_ok};
