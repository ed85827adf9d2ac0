/*
 * Plugin loader.
 *
 * Order for each name in cfg.plugins: the file and its folder must not be
 * writable by others; dlopen(RTLD_NOW|RTLD_LOCAL) (unresolved symbols fail
 * here); the descriptor symbol must exist; magic, ABI major, descriptor
 * size, jansson major and name are checked — all before any plugin code
 * runs. Then, in dependency order, migrations and init(). Any refusal is one
 * log line that says why and what to do, and the server goes on without
 * that plugin. A failing init has everything it registered rolled back.
 */
#include "plugins.h"

#include <dlfcn.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "metrics.h"
#include "migrate.h"
#include "paths.h"
#include "ws.h"

void nb__host_timers_stop(nb_plugin_t *p); /* host.c */

static int valid_name(const char *s) {
  if (!s || !(*s >= 'a' && *s <= 'z'))
    return 0;
  size_t n = 0;
  for (; s[n]; n++)
    if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9') ||
          s[n] == '_'))
      return 0;
  return n <= 32;
}

static void refuse(nb_plugin_t *p, const char *why, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void refuse(nb_plugin_t *p, const char *why, const char *fmt, ...) {
  char detail[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, sizeof(detail), fmt, ap);
  va_end(ap);
  char kv[700] = "";
  nb__log_kv(kv, sizeof(kv), "detail", detail);
  nb__log(NB_LOG_ERROR, "plugin_refused", "plugin=%s file=%s reason=%s%s",
          p->name, p->file, why, kv);
  p->state = NB_PLUGIN_REFUSED;
}

const char *nb__plugin_name(const void *plugin) {
  return ((const nb_plugin_t *)plugin)->name;
}

nb_plugin_t *nb__plugins_find(nb_app_t *app, const char *name) {
  for (nb_plugin_t *p = app->plugins ? app->plugins->head : NULL; p;
       p = p->next)
    if (p->state == NB_PLUGIN_ACTIVE && strcmp(p->name, name) == 0)
      return p;
  return NULL;
}

/* A file or folder others can write to could be swapped for other code. */
static int unsafe_mode(const char *path, char *what, size_t len) {
  struct stat st;
  char dir[PATH_MAX];
  if (stat(path, &st) != 0) {
    snprintf(what, len, "%s does not exist", path);
    return 1;
  }
  if (st.st_mode & S_IWOTH) {
    snprintf(what, len, "%s is writable by others (chmod o-w)", path);
    return 1;
  }
  snprintf(dir, sizeof(dir), "%s", path);
  char *d = dirname(dir);
  if (stat(d, &st) != 0 || ((st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX))) {
    snprintf(what, len, "folder %s is writable by others (chmod o-w)", d);
    return 1;
  }
  return 0;
}

/* Open one plugin file and check its descriptor. No plugin code runs. */
static void check_one(nb_app_t *app, nb_plugin_t *p) {
  char what[PATH_MAX + 64];
  if (unsafe_mode(p->file, what, sizeof(what))) {
    refuse(p, "unsafe_file", "%s", what);
    return;
  }
  p->dl = dlopen(p->file, RTLD_NOW | RTLD_LOCAL);
  if (!p->dl) {
    refuse(p, "dlopen_failed", "%s (a missing symbol means the plugin was "
           "built for another nachbar or library version)", dlerror());
    return;
  }
  const nb_plugin_desc_t *d = dlsym(p->dl, NB_PLUGIN_SYMBOL);
  if (!d) {
    refuse(p, "no_descriptor",
           "the file exports no '%s' symbol: is it a nachbar plugin?",
           NB_PLUGIN_SYMBOL);
    return;
  }
  if (d->magic != NB_PLUGIN_MAGIC) {
    refuse(p, "bad_magic", "the descriptor does not start with the nachbar "
           "magic number: rebuild the plugin against plugin.h");
    return;
  }
  if (d->abi_major != NB_ABI_MAJOR) {
    refuse(p, "abi_mismatch",
           "built for plugin ABI %u.%u, this server speaks %d.%d: rebuild "
           "the plugin against this server's plugin.h",
           d->abi_major, d->abi_minor, NB_ABI_MAJOR, NB_ABI_MINOR);
    return;
  }
  if (d->size < offsetof(nb_plugin_desc_t, fini) + sizeof(d->fini)) {
    refuse(p, "bad_descriptor_size", "descriptor size %u is too small",
           d->size);
    return;
  }
  if (!d->jansson_version || atoi(d->jansson_version) != JANSSON_MAJOR_VERSION) {
    refuse(p, "jansson_mismatch", "built with jansson %s, server uses %s",
           d->jansson_version ? d->jansson_version : "?", JANSSON_VERSION);
    return;
  }
  if (!valid_name(d->name) || !d->init) {
    refuse(p, "bad_descriptor",
           "the name must match [a-z][a-z0-9_]{0,31} and init must be set");
    return;
  }
  for (nb_plugin_t *q = app->plugins->head; q; q = q->next)
    if (q != p && q->state != NB_PLUGIN_REFUSED && q->desc &&
        strcmp(q->desc->name, d->name) == 0) {
      refuse(p, "name_clash", "plugin name '%s' is already taken by %s",
             d->name, q->file);
      return;
    }
  p->desc = d;
  snprintf(p->name, sizeof(p->name), "%s", d->name);
  p->state = NB_PLUGIN_CHECKED;
}

/* 1 when all dependencies are active, 0 when one is still pending, -1 when
 * one can never be satisfied (its name is not loaded or was refused). */
static int deps_state(nb_app_t *app, nb_plugin_t *p, const char **missing) {
  if (!p->desc->depends)
    return 1;
  int ready = 1;
  for (const char *const *d = p->desc->depends; *d; d++) {
    nb_plugin_t *q = app->plugins->head;
    for (; q; q = q->next)
      if (q->desc && q->state != NB_PLUGIN_REFUSED &&
          strcmp(q->desc->name, *d) == 0)
        break;
    if (!q) {
      *missing = *d;
      return -1;
    }
    if (q->state != NB_PLUGIN_ACTIVE)
      ready = 0;
  }
  return ready;
}

static void start_one(nb_app_t *app, nb_plugin_t *p) {
  char err[512];
  if (nb__migrate(app->db, p->name, p->desc->migrations, err, sizeof(err))) {
    refuse(p, "migration_failed", "%s", err);
    return;
  }
  /* The plugin's config section stays owned by app->cfg until close. */
  json_t *conf = json_object_get(app->cfg.plugin_sections, p->name);
  if (!conf) {
    json_object_set_new(app->cfg.plugin_sections, p->name, json_object());
    conf = json_object_get(app->cfg.plugin_sections, p->name);
  }
  if (!conf) {
    refuse(p, "out_of_memory", "no memory for the plugin's config");
    return;
  }
  p->state = NB_PLUGIN_ACTIVE; /* registrations need an active owner */
  int rc = p->desc->init(p, nb__host(), conf);
  if (rc == 0 && (!p->export_fn || !p->erase_fn)) {
    nb__plugin_rollback(p);
    refuse(p, "no_privacy_callbacks",
           "init did not call privacy_add: every plugin must be able to "
           "export and erase a person's data");
    return;
  }
  if (rc != 0) {
    if (p->in_tx)
      nb__db_rollback(app->db);
    p->in_tx = 0;
    nb__plugin_rollback(p);
    refuse(p, "init_failed",
           "init returned %d; everything it registered was rolled back", rc);
    return;
  }
  app->plugins->active++;
  nb__log(NB_LOG_INFO, "plugin_loaded", "plugin=%s version=%s", p->name,
          p->desc->version ? p->desc->version : "?");
}

int nb__plugins_load(nb_app_t *app) {
  if (!app->plugins) {
    app->plugins = calloc(1, sizeof(*app->plugins));
    if (!app->plugins)
      return NB_ENOMEM;
  }
  if (!app->cfg.plugin_sections)
    app->cfg.plugin_sections = json_object();
  nb_plugin_t **tail = &app->plugins->head;
  size_t i;
  json_t *v;
  json_array_foreach(app->cfg.plugins, i, v) {
    nb_plugin_t *p = calloc(1, sizeof(*p));
    if (!p)
      return NB_ENOMEM;
    p->app = app;
    snprintf(p->name, sizeof(p->name), "%s", json_string_value(v));
    /* <dir>/<name>.so when installed; <dir>/<name>/<name>.so in a build
     * tree, where meson puts each plugin in its own folder. */
    char fname[96];
    snprintf(fname, sizeof(fname), "%s.so", p->name);
    if (nb__path_join(p->file, sizeof(p->file), app->cfg.plugin_dir, fname))
      p->state = NB_PLUGIN_REFUSED;
    else if (access(p->file, F_OK) != 0) {
      snprintf(fname, sizeof(fname), "%s/%s.so", p->name, p->name);
      if (nb__path_join(p->file, sizeof(p->file), app->cfg.plugin_dir, fname))
        p->state = NB_PLUGIN_REFUSED;
    }
    *tail = p;
    tail = &p->next;
    if (!p->state)
      check_one(app, p);
  }
  /* Start in dependency order: repeat passes until nothing changes. */
  for (int progress = 1; progress;) {
    progress = 0;
    for (nb_plugin_t *p = app->plugins->head; p; p = p->next) {
      if (p->state != NB_PLUGIN_CHECKED)
        continue;
      const char *missing = NULL;
      int ds = deps_state(app, p, &missing);
      if (ds < 0) {
        refuse(p, "missing_dependency",
               "needs plugin '%s': add it to [plugins] load", missing);
        progress = 1;
      } else if (ds > 0) {
        start_one(app, p);
        progress = 1;
      }
    }
  }
  for (nb_plugin_t *p = app->plugins->head; p; p = p->next)
    if (p->state == NB_PLUGIN_CHECKED)
      refuse(p, "dependency_cycle", "its dependencies depend on it");
  nb__metrics_plugins(app->plugins->active);
  return app->plugins->active;
}

void nb__plugin_rollback(nb_plugin_t *p) {
  nb__router_remove_owner(p->app->router, p);
  nb__ws_remove_owner(p->app, p);
  nb__host_timers_stop(p);
  free(p->ui_module);
  p->ui_module = NULL;
  p->export_fn = NULL;
  p->erase_fn = NULL;
  p->demo_fn = NULL;
}

static void stop_rec(nb_app_t *app, nb_plugin_t *p) {
  if (!p)
    return;
  stop_rec(app, p->next); /* reverse order: dependants stop first */
  if (p->state != NB_PLUGIN_ACTIVE)
    return;
  if (p->desc->fini)
    p->desc->fini(p);
  nb__plugin_rollback(p);
  p->state = NB_PLUGIN_CHECKED;
  app->plugins->active--;
}

void nb__plugins_stop(nb_app_t *app) {
  if (app->plugins)
    stop_rec(app, app->plugins->head);
}

void nb__plugins_close(nb_app_t *app) {
  if (!app->plugins)
    return;
  nb_plugin_t *p = app->plugins->head;
  while (p) {
    nb_plugin_t *next = p->next;
    if (p->dl)
      dlclose(p->dl);
    free(p->ui_module);
    free(p);
    p = next;
  }
  free(app->plugins);
  app->plugins = NULL;
}

int nb__plugins_asset_dir(nb_app_t *app, const char *name, char *buf,
                          size_t len) {
  nb_plugin_t *p = nb__plugins_find(app, name);
  if (!p || !p->ui_module)
    return NB_ENOENT;
  int n = snprintf(buf, len, "%s/%s/web", app->cfg.plugin_assets, p->name);
  return n < 0 || (size_t)n >= len ? NB_ENOENT : 0;
}

json_t *nb__plugins_json(nb_app_t *app) {
  json_t *arr = json_array();
  for (nb_plugin_t *p = app->plugins ? app->plugins->head : NULL; arr && p;
       p = p->next) {
    if (p->state != NB_PLUGIN_ACTIVE)
      continue;
    char module[256] = "";
    if (p->ui_module)
      snprintf(module, sizeof(module), "/plugins/%s/%s", p->name,
               p->ui_module);
    json_array_append_new(
        arr, json_pack("{s:s, s:s, s:s, s:s?}", "name", p->name, "version",
                       p->desc->version ? p->desc->version : "",
                       "description",
                       p->desc->description ? p->desc->description : "",
                       "module", p->ui_module ? module : NULL));
  }
  return arr;
}
