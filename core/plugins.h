/*
 * Plugin loader: dlopen, descriptor check before any plugin code runs,
 * migrations, init with the host table, rollback on failure, fini.
 */
#ifndef NB_CORE_PLUGINS_H
#define NB_CORE_PLUGINS_H

#include <limits.h>
#include <stddef.h>
#include <jansson.h>

#include "app.h"
#include "nachbar/plugin.h"

enum nb_plugin_state { NB_PLUGIN_CHECKED = 1, NB_PLUGIN_ACTIVE, NB_PLUGIN_REFUSED };

struct nb_plugin {
  nb_app_t *app;
  void *dl;
  const nb_plugin_desc_t *desc;
  char name[40];
  char file[PATH_MAX];
  int state;
  char *ui_module;     /* path inside the asset folder, or NULL */
  nb_timer_t *timers;  /* running timers, for rollback */
  int in_tx;           /* a transaction opened by this plugin */
  long pending_work;
  nb_export_fn export_fn; /* GDPR callbacks (required) */
  nb_erase_fn erase_fn;
  nb_demo_fn demo_fn;     /* optional */
  struct nb_plugin *next;
};

struct nb_plugin_list {
  nb_plugin_t *head;
  int active;
};

/* Load cfg.plugins in dependency order. A plugin that fails any check is
 * logged with the reason and skipped; the server goes on. Returns the
 * number of active plugins, or NB_ENOMEM. */
int nb__plugins_load(nb_app_t *app);

/* Call fini of every active plugin (reverse order) and remove their
 * registrations. Keeps the shared objects mapped (see nb__plugins_close). */
void nb__plugins_stop(nb_app_t *app);

/* dlclose and free everything; call after the loop has ended. */
void nb__plugins_close(nb_app_t *app);

/* Remove everything `p` registered (routes, topics, ops, timers, UI). */
void nb__plugin_rollback(nb_plugin_t *p);

/* The name of a plugin (route owners are opaque elsewhere). */
const char *nb__plugin_name(const void *plugin);

/* Find an active plugin by name, or NULL. */
nb_plugin_t *nb__plugins_find(nb_app_t *app, const char *name);

/* The UI asset folder of active plugin `name` with a registered module.
 * Returns 0, or NB_ENOENT. */
int nb__plugins_asset_dir(nb_app_t *app, const char *name, char *buf,
                          size_t len);

/* [{name, version, description, module}] of active plugins (new ref). */
json_t *nb__plugins_json(nb_app_t *app);

/* The cross-thread post queue (host.c): create on start, close on stop. */
int nb__post_init(nb_app_t *app);
void nb__post_close(nb_app_t *app);

/* The host API table handed to init() (host.c). */
const nb_host_t *nb__host(void);

#endif
