/* Calls a function nothing defines: dlopen(RTLD_NOW) fails. */
#include "probe.h"
extern int nb_function_that_does_not_exist(void);
static int init(nb_plugin_t *self, const nb_host_t *host, const json_t *c) {
  (void)self; (void)host; (void)c;
  return nb_function_that_does_not_exist();
}
__attribute__((visibility("default"))) const nb_plugin_desc_t nachbar_plugin = {
    NB_PLUGIN_DESC_HEAD, .name = "undefined_ref", .version = "1", .init = init};
