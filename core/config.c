/*
 * Configuration (see config.h): one table describes every key, and the
 * file, the command-line flags and the defaults all go through it.
 *
 * Invariants: a value is stored only after it validated; an error names
 * where the value came from (FILE:LINE or the flag), the section and key,
 * and what is allowed. Line numbers come from our own line reader, since
 * Debian's inih is built without INI_HANDLER_LINENO.
 */
#include "config.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "nachbar/plugin.h"
#include "nb_build_config.h"

enum kind { K_STRING, K_PATH, K_INT, K_LONG, K_ENUM, K_LOGLEVEL, K_LIST, K_LISTEN };

typedef struct key {
  const char *section, *name;
  enum kind kind;
  size_t offset, size; /* where in nb_config_t, and its buffer size */
  long min, max;
  const char *const *choices; /* K_ENUM */
} key_t_;

static const char *const sync_levels[] = {"OFF", "NORMAL", "FULL", "EXTRA",
                                          NULL};

#define F(member) offsetof(nb_config_t, member), sizeof(((nb_config_t *)0)->member)
#define L(member) offsetof(nb_config_t, limits.member), sizeof(long)

static const key_t_ keys[] = {
    {"server", "listen", K_LISTEN, F(listen_addr), 0, 0, NULL},
    {"server", "port", K_INT, F(port), 1, 65535, NULL},
    {"server", "data_dir", K_PATH, F(data_dir), 0, 0, NULL},
    {"server", "web_root", K_PATH, F(web_root), 0, 0, NULL},
    {"server", "public_origin", K_STRING, F(public_origin), 0, 0, NULL},
    {"server", "log_level", K_LOGLEVEL, F(log_level), 0, 0, NULL},
    {"database", "synchronous", K_ENUM, F(synchronous), 0, 0, sync_levels},
    {"database", "busy_timeout_ms", K_LONG, F(busy_timeout_ms), 0, 600000, NULL},
    {"plugins", "dir", K_PATH, F(plugin_dir), 0, 0, NULL},
    {"plugins", "assets", K_PATH, F(plugin_assets), 0, 0, NULL},
    {"plugins", "load", K_LIST, offsetof(nb_config_t, plugins), 0, 0, 0, NULL},
    {"limits", "max_body", K_LONG, L(max_body), 1024, 67108864, NULL},
    {"limits", "max_json_depth", K_LONG, L(max_json_depth), 2, 256, NULL},
    {"limits", "max_string", K_LONG, L(max_string), 16, 16777216, NULL},
    {"limits", "max_keys", K_LONG, L(max_keys), 1, 100000, NULL},
    {"limits", "page_size", K_LONG, L(page_size), 1, 1000, NULL},
    {"limits", "max_page_size", K_LONG, L(max_page_size), 1, 10000, NULL},
    {"limits", "ws_max_message", K_LONG, L(ws_max_message), 128, 16777216, NULL},
    {"limits", "max_connections", K_LONG, L(max_connections), 1, 1000000, NULL},
    {"limits", "request_timeout", K_LONG, L(request_timeout), 1, 3600, NULL},
};

static int valid_plugin_name(const char *s, size_t n) {
  if (n == 0 || n > 32 || !(s[0] >= 'a' && s[0] <= 'z'))
    return 0;
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
          s[i] == '_'))
      return 0;
  return 1;
}

static int parse_long(const char *v, long *out) {
  char *end;
  errno = 0;
  long n = strtol(v, &end, 10);
  if (errno || end == v || *end)
    return NB_EINVAL;
  *out = n;
  return 0;
}

static int copy_str(char *dst, size_t size, const char *v, char *why,
                    size_t wlen) {
  if (strlen(v) >= size) {
    snprintf(why, wlen, "longer than %zu bytes", size - 1);
    return NB_EINVAL;
  }
  memcpy(dst, v, strlen(v) + 1);
  return 0;
}

/* Store `v` for key `k` in c. On error writes what is wrong into why. */
static int apply(nb_config_t *c, const key_t_ *k, const char *v, char *why,
                 size_t wlen) {
  char *field = (char *)c + k->offset;
  long n;
  switch (k->kind) {
  case K_STRING:
    return copy_str(field, k->size, v, why, wlen);
  case K_PATH:
    if (!*v) {
      snprintf(why, wlen, "must not be empty");
      return NB_EINVAL;
    }
    return copy_str(field, k->size, v, why, wlen);
  case K_INT:
  case K_LONG:
    if (parse_long(v, &n) || n < k->min || n > k->max) {
      snprintf(why, wlen, "'%s' is not a whole number from %ld to %ld", v,
               k->min, k->max);
      return NB_EINVAL;
    }
    if (k->kind == K_INT)
      *(int *)field = (int)n;
    else
      *(long *)field = n;
    return 0;
  case K_ENUM:
    for (const char *const *ch = k->choices; *ch; ch++)
      if (strcasecmp(v, *ch) == 0)
        return copy_str(field, k->size, *ch, why, wlen);
    snprintf(why, wlen, "'%s' is not one of OFF, NORMAL, FULL, EXTRA", v);
    return NB_EINVAL;
  case K_LOGLEVEL:
    n = nb__log_level_parse(v);
    if (n < 0) {
      snprintf(why, wlen, "'%s' is not one of error, warn, info, debug", v);
      return NB_EINVAL;
    }
    *(int *)field = (int)n;
    return 0;
  case K_LISTEN: {
    /* "ADDR" or "ADDR:PORT" ("[::1]:8080" for IPv6 with a port). */
    char addr[64];
    const char *colon = strrchr(v, ':');
    int bracket = v[0] == '[';
    if (bracket) {
      const char *close = strchr(v, ']');
      if (!close || (close[1] && close[1] != ':')) {
        snprintf(why, wlen, "'%s' is not ADDR or ADDR:PORT", v);
        return NB_EINVAL;
      }
      colon = close[1] == ':' ? close + 1 : NULL;
    } else if (colon && strchr(v, ':') != colon) {
      colon = NULL; /* bare IPv6 address without a port */
    }
    size_t alen = colon ? (size_t)(colon - v) : strlen(v);
    if (bracket) {
      v++;
      alen -= colon ? 2 : (strlen(v) > 0 ? 1 : 0);
    }
    if (alen == 0 || alen >= sizeof(addr)) {
      snprintf(why, wlen, "the address is empty or too long");
      return NB_EINVAL;
    }
    memcpy(addr, v, alen);
    addr[alen] = '\0';
    if (colon) {
      if (parse_long(colon + 1, &n) || n < 1 || n > 65535) {
        snprintf(why, wlen, "the port must be a number from 1 to 65535");
        return NB_EINVAL;
      }
      c->port = (int)n;
    }
    return copy_str(c->listen_addr, sizeof(c->listen_addr), addr, why, wlen);
  }
  case K_LIST: {
    json_t *list = json_array();
    if (!list)
      return NB_ENOMEM;
    for (const char *p = v; *p;) {
      p += strspn(p, " \t,");
      size_t len = strcspn(p, " \t,");
      if (!len)
        break;
      if (!valid_plugin_name(p, len)) {
        snprintf(why, wlen, "'%.*s' is not a plugin name ([a-z][a-z0-9_]*, "
                 "at most 32)", (int)(len > 40 ? 40 : len), p);
        json_decref(list);
        return NB_EINVAL;
      }
      json_array_append_new(list, json_stringn(p, len));
      p += len;
    }
    json_decref(c->plugins);
    c->plugins = list;
    return 0;
  }
  }
  return NB_EINVAL;
}

int nb__config_init(nb_config_t *c, int dev) {
  memset(c, 0, sizeof(*c));
  snprintf(c->listen_addr, sizeof(c->listen_addr), "127.0.0.1");
  c->port = 8080;
  c->log_level = NB_LOG_INFO;
  snprintf(c->synchronous, sizeof(c->synchronous), "FULL");
  c->busy_timeout_ms = 5000;
  c->limits = (nb_limits_t){
      .max_body = 1048576, .max_json_depth = 32, .max_string = 65536,
      .max_keys = 1000, .page_size = 50, .max_page_size = 200,
      .ws_max_message = 65536, .max_connections = 10000,
      .request_timeout = 30};
  if (dev) {
    snprintf(c->data_dir, sizeof(c->data_dir), "%s/data", NB_BUILD_DIR);
    snprintf(c->web_root, sizeof(c->web_root), "%s/web", NB_SOURCE_DIR);
    snprintf(c->plugin_dir, sizeof(c->plugin_dir), "%s/plugins", NB_BUILD_DIR);
    snprintf(c->plugin_assets, sizeof(c->plugin_assets), "%s/plugins",
             NB_SOURCE_DIR);
  } else {
    snprintf(c->data_dir, sizeof(c->data_dir), "%s", NB_INSTALL_DATA);
    snprintf(c->web_root, sizeof(c->web_root), "%s", NB_INSTALL_WEB);
    snprintf(c->plugin_dir, sizeof(c->plugin_dir), "%s", NB_INSTALL_PLUGINS);
    snprintf(c->plugin_assets, sizeof(c->plugin_assets), "%s",
             NB_INSTALL_PLUGIN_ASSETS);
  }
  c->plugins = json_pack("[s]", "hello");
  c->plugin_sections = json_object();
  if (!c->plugins || !c->plugin_sections) {
    nb__config_close(c);
    return NB_ENOMEM;
  }
  return 0;
}

void nb__config_close(nb_config_t *c) {
  json_decref(c->plugins);
  json_decref(c->plugin_sections);
  c->plugins = NULL;
  c->plugin_sections = NULL;
}

static const key_t_ *find_key(const char *section, const char *name,
                              int *section_known) {
  *section_known = 0;
  for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
    if (strcmp(keys[i].section, section) != 0)
      continue;
    *section_known = 1;
    if (strcmp(keys[i].name, name) == 0)
      return &keys[i];
  }
  return NULL;
}

/* Set section/key = value; why receives the problem without location. */
static int set_value(nb_config_t *c, const char *section, const char *name,
                     const char *value, char *why, size_t wlen) {
  if (strncmp(section, "plugin.", 7) == 0) {
    const char *plugin = section + 7;
    if (!valid_plugin_name(plugin, strlen(plugin))) {
      snprintf(why, wlen, "'%s' is not a plugin name", plugin);
      return NB_EINVAL;
    }
    json_t *sec = json_object_get(c->plugin_sections, plugin);
    if (!sec) {
      sec = json_object();
      if (!sec || json_object_set_new(c->plugin_sections, plugin, sec))
        return NB_ENOMEM;
    }
    json_t *s = json_string(value);
    if (!s) {
      snprintf(why, wlen, "the value is not valid UTF-8");
      return NB_EINVAL;
    }
    return json_object_set_new(sec, name, s) ? NB_ENOMEM : 0;
  }
  int section_known;
  const key_t_ *k = find_key(section, name, &section_known);
  if (!k) {
    snprintf(why, wlen, section_known ? "unknown key" : "unknown section");
    return NB_EINVAL;
  }
  return apply(c, k, value, why, wlen);
}

typedef struct parse_ctx {
  nb_config_t *c;
  FILE *f;
  const char *file;
  int line;      /* lines read so far */
  int failed;
  char *err;
  size_t len;
} parse_ctx_t;

static char *read_line(char *buf, int size, void *stream) {
  parse_ctx_t *p = stream;
  char *s = fgets(buf, size, p->f);
  if (s)
    p->line++;
  return s;
}

static int on_value(void *user, const char *section, const char *name,
                    const char *value) {
  parse_ctx_t *p = user;
  char why[256];
  if (p->failed)
    return 1;
  if (!name) /* a section header alone: checked when its keys come */
    return 1;
  if (set_value(p->c, section, name, value, why, sizeof(why)) != 0) {
    snprintf(p->err, p->len, "%s:%d: [%s] %s: %s", p->file, p->line, section,
             name, why);
    p->failed = 1;
    return 0;
  }
  return 1;
}

int nb__config_load(nb_config_t *c, const char *file, char *err, size_t len) {
  parse_ctx_t p = {.c = c, .file = file, .err = err, .len = len};
  if (len)
    err[0] = '\0';
  p.f = fopen(file, "r");
  if (!p.f) {
    snprintf(err, len, "%s: cannot open: %s", file, strerror(errno));
    return NB_ENOENT;
  }
  int rc = ini_parse_stream(read_line, &p, on_value, &p);
  fclose(p.f);
  if (p.failed)
    return NB_EINVAL;
  if (rc != 0) {
    snprintf(err, len, "%s:%d: not a valid line (expected [section], "
             "key = value, or a # comment)", file, rc > 0 ? rc : p.line);
    return NB_EINVAL;
  }
  return 0;
}

int nb__config_set(nb_config_t *c, const char *section, const char *key,
                   const char *value, const char *origin, char *err,
                   size_t len) {
  char why[256];
  if (set_value(c, section, key, value, why, sizeof(why)) != 0) {
    snprintf(err, len, "%s: [%s] %s: %s", origin, section, key, why);
    return NB_EINVAL;
  }
  return 0;
}
