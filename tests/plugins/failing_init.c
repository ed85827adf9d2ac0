/* Registers a route, a topic and a timer, then fails: all must be rolled
 * back (the route answers 404 afterwards). */
#include "probe.h"
static int handler(nb_req_t *req, void *ud) {
  (void)ud; (void)req;
  return NB_EINVAL;
}
static void tick(void *ud) { (void)ud; }
static int init(nb_plugin_t *self, const nb_host_t *host, const json_t *c) {
  (void)c;
  host->route_add(self, "GET", "/api/v1/probe/failing", NB_PERM_PUBLIC, handler, NULL);
  host->topic_add(self, "failing_init", NB_PERM_MEMBER);
  host->timer_start(self, 1000, 1000, tick, NULL, NULL);
  return NB_EINVAL;
}
PROBE_EXPORT const nb_plugin_desc_t nachbar_plugin = {
    NB_PLUGIN_DESC_HEAD, .name = "failing_init", .version = "1", .init = init};
