/*
 * problems: firms record the problems that cost them time, see which ones
 * their neighbours share ("we have this too"), comment; the coach triages,
 * merges duplicates, moves them through a workflow towards a workshop,
 * and ranks them; the coordinator exports the ranking as CSV.
 *
 * This file holds the descriptor and init: what the plugin registers. The
 * routes live one area per file (routes_*.c), rendering and visibility in
 * store.c, search in search.c, events in events.c, GDPR in privacy.c,
 * demo content in demo.c, the tables in schema.c. See
 * docs/api-problems.md for the HTTP and event reference.
 */
#include "problems.h"

const nb_host_t *pb_host;
nb_plugin_t *pb_self;

static int init(nb_plugin_t *plugin, const nb_host_t *host,
                const json_t *config) {
  (void)config;
  pb_host = host;
  pb_self = plugin;
  int rc = pb_routes_categories();
  if (!rc)
    rc = pb_routes_report();
  if (!rc)
    rc = pb_routes_problems();
  if (!rc)
    rc = pb_routes_share();
  if (!rc)
    rc = pb_routes_moderation();
  if (!rc)
    rc = pb_events_register();
  if (!rc)
    rc = host->ui_add(plugin, "index.js");
  if (!rc)
    rc = host->privacy_add(plugin, pb_privacy_export, pb_privacy_erase);
  if (!rc)
    rc = host->demo_add(plugin, pb_demo);
  return rc;
}

__attribute__((visibility("default"))) const nb_plugin_desc_t nachbar_plugin = {
    NB_PLUGIN_DESC_HEAD,
    .name = "problems",
    .version = "1.0.0",
    .description = "Digitalization problems: capture, share (+1), triage, "
                   "merge, rank and export",
    .depends = NULL,
    .migrations = pb_migrations,
    .init = init,
    .fini = NULL,
};
