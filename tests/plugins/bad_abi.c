/* Declares ABI major 99: must be refused before init runs. */
#include "probe.h"
static int init(nb_plugin_t *self, const nb_host_t *host, const json_t *c) {
  (void)c;
  /* If this ran, the route would appear: the test asserts it does not. */
  return host->route_add(self, "GET", "/api/v1/probe/bad_abi", NB_PERM_PUBLIC, NULL, NULL);
}
PROBE_EXPORT const nb_plugin_desc_t nachbar_plugin = {
    .magic = NB_PLUGIN_MAGIC, .abi_major = 99, .abi_minor = 0,
    .size = sizeof(nb_plugin_desc_t), .jansson_version = JANSSON_VERSION,
    .name = "bad_abi", .version = "1", .init = init};
