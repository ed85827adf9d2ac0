/* Shared bits of the loader probe plugins. */
#include <nachbar/plugin.h>
#define PROBE_EXPORT __attribute__((visibility("default")))
static inline int probe_init_ok(nb_plugin_t *self, const nb_host_t *host,
                         const json_t *config) {
  (void)self; (void)host; (void)config;
  return 0;
}
