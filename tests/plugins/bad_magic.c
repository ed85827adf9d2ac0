/* Exports the symbol but not a nachbar descriptor. */
#include "probe.h"
PROBE_EXPORT const nb_plugin_desc_t nachbar_plugin = {
    .magic = 0xdeadbeef, .abi_major = NB_ABI_MAJOR,
    .size = sizeof(nb_plugin_desc_t), .jansson_version = JANSSON_VERSION,
    .name = "bad_magic", .init = probe_init_ok};
