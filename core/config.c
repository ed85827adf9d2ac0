/*
 * Configuration (see config.h): the table `options` below describes every
 * key once - section, name, type, default, range, where it lives in
 * nb_config_t and what it means - and defaults, the INI file and
 * command-line flags all go through it.
 *
 * Invariants:
 *  - A value is stored only after it validated; apply() changes nothing on
 *    error. nb__config_load() parses into a copy and swaps it in only when
 *    the whole file is valid, so a bad file leaves `c` as it was.
 *  - Every error names where the value came from (FILE:LINE, or the flag),
 *    the section and key, what is wrong and what is allowed.
 *  - Line numbers come from our own line reader, since Debian's inih is built
 *    without INI_HANDLER_LINENO. The reader also refuses lines longer than
 *    inih's buffer (inih would silently split them into two lines), refuses
 *    unknown [sections] even when they hold no keys, and strips leading
 *    blanks so indented keys never become inih "continuation lines".
 *  - Section and key names are case-sensitive; enum values are not.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "nachbar/plugin.h"
#include "nb_build_config.h"

enum opt_type {
  T_STRING, /* char[]: any text that fits */
  T_PATH,   /* char[]: non-empty, fits (never truncated) */
  T_ORIGIN, /* char[]: "" or scheme://host[:port] */
  T_SMTP,   /* char[]: "" or smtp(s)://host[:port] */
  T_LISTEN, /* char[]: ADDR or ADDR:PORT (PORT sets server.port) */
  T_INT,    /* int in [min, max] */
  T_LONG,   /* long in [min, max] */
  T_ENUM,   /* char[]: one of `choices`, stored as spelled there */
  T_LEVEL,  /* int: a log level name (error, warn, info, debug) */
  T_LIST    /* json_t *: comma-separated plugin names -> JSON array */
};

typedef struct option {
  const char *section;
  const char *key;
  enum opt_type type;
  const char *def;     /* default, written as in the file */
  const char *def_dev; /* default in a build tree, or NULL: same as def */
  long min, max;       /* T_INT, T_LONG */
  size_t offset, size; /* member of nb_config_t and its size */
  const char *const *choices; /* T_ENUM, T_LEVEL: NULL-terminated */
  const char *help;           /* what the value is; ends error messages */
} option_t;

static const char *const sync_choices[] = {"OFF", "NORMAL", "FULL", "EXTRA",
                                           NULL};
static const char *const level_choices[] = {"error", "warn", "info", "debug",
                                            NULL};

#define AT(member)                                                             \
  offsetof(nb_config_t, member), sizeof(((nb_config_t *)0)->member)

/* Every key there is, in the order of conf/nachbar.conf; the keys of one
 * section stay together (check_section() lists sections from this). */
static const option_t options[] = {
    {"server", "listen", T_LISTEN, "127.0.0.1", NULL, 0, 0, AT(listen_addr),
     NULL,
     "ADDR or ADDR:PORT, e.g. 127.0.0.1 or 0.0.0.0:8080; IPv6 as ::1 "
     "or [::1]:8080"},
    {"server", "port", T_INT, "8080", NULL, 1, 65535, AT(port), NULL,
     "TCP port to listen on"},
    {"server", "data_dir", T_PATH, NB_INSTALL_DATA, NB_BUILD_DIR "/data", 0, 0,
     AT(data_dir), NULL, "folder for the database"},
    {"server", "web_root", T_PATH, NB_INSTALL_WEB, NB_SOURCE_DIR "/web", 0, 0,
     AT(web_root), NULL, "folder of the web app"},
    {"server", "public_origin", T_ORIGIN, "", NULL, 0, 0, AT(public_origin),
     NULL, "empty, or http(s)://host[:port] as browsers show it"},
    {"server", "log_level", T_LEVEL, "info", NULL, 0, 0, AT(log_level),
     level_choices, "how much to log"},
    {"database", "synchronous", T_ENUM, "NORMAL", NULL, 0, 0, AT(synchronous),
     sync_choices, "SQLite PRAGMA synchronous"},
    {"database", "busy_timeout_ms", T_LONG, "5000", NULL, 0, 600000,
     AT(busy_timeout_ms), NULL, "milliseconds to wait for a locked database"},
    {"plugins", "dir", T_PATH, NB_INSTALL_PLUGINS, NB_BUILD_DIR "/plugins", 0,
     0, AT(plugin_dir), NULL, "folder of the plugin .so files"},
    {"plugins", "assets", T_PATH, NB_INSTALL_PLUGIN_ASSETS,
     NB_SOURCE_DIR "/plugins", 0, 0, AT(plugin_assets), NULL,
     "folder holding <name>/web/ for each plugin"},
    {"plugins", "load", T_LIST, "problems", "problems, hello", 0, 0,
     AT(plugins), NULL,
     "comma-separated plugin names, each [a-z][a-z0-9_]{0,31}, no repeats"},
    {"auth", "session_idle_minutes", T_LONG, "1440", NULL, 5, 525600,
     AT(session_idle_minutes), NULL, "minutes a session may stay unused"},
    {"auth", "session_max_days", T_LONG, "30", NULL, 1, 365,
     AT(session_max_days), NULL, "days a session lasts at most"},
    {"auth", "login_max_failures", T_LONG, "5", NULL, 1, 1000,
     AT(login_max_failures), NULL,
     "failed sign-ins per account (4x per address) before 429"},
    {"auth", "login_window_seconds", T_LONG, "900", NULL, 10, 86400,
     AT(login_window_seconds), NULL, "window the failures are counted in"},
    {"auth", "password_min_length", T_LONG, "10", NULL, 8, 128,
     AT(password_min_length), NULL, "shortest password accepted"},
    {"auth", "invite_valid_days", T_LONG, "7", NULL, 1, 90,
     AT(invite_valid_days), NULL, "days an invitation link stays valid"},
    {"mail", "smtp_url", T_SMTP, "", NULL, 0, 0, AT(smtp_url), NULL,
     "empty (links are only shown to the inviter), or smtp://host[:port] "
     "(STARTTLS when offered) or smtps://host[:port]"},
    {"mail", "from", T_STRING, "nachbar@localhost", NULL, 0, 0, AT(mail_from),
     NULL, "sender address of invitation and reset mails"},
    {"mail", "user", T_STRING, "", NULL, 0, 0, AT(smtp_user), NULL,
     "SMTP user name, empty for none"},
    {"mail", "password", T_STRING, "", NULL, 0, 0, AT(smtp_password), NULL,
     "SMTP password (keep the file private)"},
    {"events", "retention_days", T_LONG, "30", NULL, 1, 3650,
     AT(event_retention_days), NULL, "days events are kept for replay"},
    {"events", "retention_max", T_LONG, "1000000", NULL, 1000, 100000000,
     AT(event_retention_max), NULL, "most events kept for replay"},
    {"events", "max_replay", T_LONG, "50000", NULL, 100, 10000000,
     AT(event_max_replay), NULL,
     "events one reconnect may replay; more answers resync"},
    {"events", "subscriptions", T_LONG, "32", NULL, 1, 1024,
     AT(ws_subscriptions), NULL, "topics one WebSocket may subscribe to"},
    {"events", "connections_per_person", T_LONG, "20", NULL, 1, 100000,
     AT(ws_per_person), NULL, "WebSocket connections of one person"},
    {"events", "send_threads", T_LONG, "-1", NULL, -1, 16,
     AT(ws_send_threads), NULL,
     "helper threads writing events to many connections at once; -1: half "
     "the CPUs minus one (none below 4 CPUs, at most 3), 0: the event loop "
     "alone"},
    {"events", "ping_seconds", T_LONG, "30", NULL, 1, 3600,
     AT(ws_ping_seconds), NULL,
     "seconds without a message or pong from a WebSocket client before it "
     "is pinged"},
    {"events", "drop_seconds", T_LONG, "70", NULL, 2, 7200,
     AT(ws_drop_seconds), NULL,
     "seconds without a message or pong before the connection is closed; "
     "more than ping_seconds"},
    {"limits", "max_body", T_LONG, "1048576", NULL, 1024, 67108864,
     AT(limits.max_body), NULL, "bytes of one HTTP request body"},
    {"limits", "max_json_depth", T_LONG, "32", NULL, 2, 256,
     AT(limits.max_json_depth), NULL, "nesting depth of a JSON body"},
    {"limits", "max_string", T_LONG, "65536", NULL, 16, 16777216,
     AT(limits.max_string), NULL, "bytes of one JSON string"},
    {"limits", "max_keys", T_LONG, "1000", NULL, 1, 100000, AT(limits.max_keys),
     NULL, "members of one JSON object"},
    {"limits", "page_size", T_LONG, "50", NULL, 1, 1000, AT(limits.page_size),
     NULL, "default number of items in a list page"},
    {"limits", "max_page_size", T_LONG, "200", NULL, 1, 10000,
     AT(limits.max_page_size), NULL, "largest list page a client may ask for"},
    {"limits", "ws_max_message", T_LONG, "65536", NULL, 128, 16777216,
     AT(limits.ws_max_message), NULL, "bytes of one WebSocket message"},
    {"limits", "max_connections", T_LONG, "10000", NULL, 1, 1000000,
     AT(limits.max_connections), NULL, "open HTTP and WebSocket connections"},
    {"limits", "request_timeout", T_LONG, "30", NULL, 1, 3600,
     AT(limits.request_timeout), NULL, "seconds a request may stay idle"},
};

#define N_OPTIONS (sizeof(options) / sizeof(options[0]))
#define PLUGIN_PREFIX "plugin."
#define MAX_KEY 49 /* longest key inih passes on whole (its MAX_NAME - 1) */

/* A plugin name: [a-z][a-z0-9_]{0,31}, n bytes at s. */
static int valid_plugin_name(const char *s, size_t n) {
  if (n == 0 || n > 32 || s[0] < 'a' || s[0] > 'z')
    return 0;
  for (size_t i = 1; i < n; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
          s[i] == '_'))
      return 0;
  return 1;
}

static int known_section(const char *section) {
  if (strncmp(section, PLUGIN_PREFIX, strlen(PLUGIN_PREFIX)) == 0)
    return 1; /* the name itself is checked by check_section() */
  for (size_t i = 0; i < N_OPTIONS; i++)
    if (strcmp(options[i].section, section) == 0)
      return 1;
  return 0;
}

/* Returns 0 when `section` may appear, else NB_EINVAL with why. */
static int check_section(const char *section, char *why, size_t wlen) {
  if (strncmp(section, PLUGIN_PREFIX, strlen(PLUGIN_PREFIX)) == 0) {
    const char *name = section + strlen(PLUGIN_PREFIX);
    if (valid_plugin_name(name, strlen(name)))
      return 0;
    snprintf(why, wlen,
             "'%.40s' is not a plugin name; use [plugin.NAME] "
             "with NAME like [a-z][a-z0-9_]{0,31}",
             name);
    return NB_EINVAL;
  }
  if (known_section(section))
    return 0;
  /* List the sections from the table, so a new one is never left out. */
  size_t n = (size_t)snprintf(why, wlen, "%s; the sections are",
                              *section ? "unknown section"
                                       : "key outside of any [section]");
  for (size_t i = 0; i < N_OPTIONS && n < wlen; i++)
    if (i == 0 || strcmp(options[i].section, options[i - 1].section) != 0)
      n += (size_t)snprintf(why + n, wlen - n, " [%s],", options[i].section);
  if (n < wlen)
    snprintf(why + n, wlen - n, " [plugin.NAME]");
  return NB_EINVAL;
}

static const option_t *find_option(const char *section, const char *key) {
  for (size_t i = 0; i < N_OPTIONS; i++)
    if (strcmp(options[i].section, section) == 0 &&
        strcmp(options[i].key, key) == 0)
      return &options[i];
  return NULL;
}

/* "unknown key; [limits] has: max_body, ..." into why. */
static void unknown_key(const char *section, char *why, size_t wlen) {
  size_t n = (size_t)snprintf(why, wlen, "unknown key; [%s] has:", section);
  for (size_t i = 0; i < N_OPTIONS && n < wlen; i++)
    if (strcmp(options[i].section, section) == 0)
      n += (size_t)snprintf(why + n, wlen - n, " %s", options[i].key);
}

/* Parse all of v as a base-10 integer: optional '-', digits, nothing else. */
static int parse_long(const char *v, long *out) {
  const char *d = v[0] == '-' ? v + 1 : v;
  char *end;
  if (!isdigit((unsigned char)*d))
    return NB_EINVAL;
  errno = 0;
  long n = strtol(v, &end, 10);
  if (errno || *end)
    return NB_EINVAL;
  *out = n;
  return 0;
}

static int store_string(char *dst, size_t size, const char *v, size_t vlen,
                        char *why, size_t wlen) {
  if (vlen >= size) {
    snprintf(why, wlen, "too long (%zu bytes, at most %zu)", vlen, size - 1);
    return NB_EINVAL;
  }
  memcpy(dst, v, vlen);
  dst[vlen] = '\0';
  return 0;
}

/* Characters of a host name, IPv4 or IPv6 address, or interface name. */
static int valid_host(const char *s, size_t n) {
  if (n == 0)
    return 0;
  for (size_t i = 0; i < n; i++)
    if (!isalnum((unsigned char)s[i]) && !strchr(".-:%_", s[i]))
      return 0;
  return 1;
}

/*
 * server.listen: "ADDR", "ADDR:PORT", "[IPV6]", "[IPV6]:PORT", or a bare
 * IPv6 address (two or more ':' and no brackets: no port then). The
 * address is stored without brackets; a PORT also sets c->port.
 */
static int apply_listen(nb_config_t *c, const option_t *o, const char *v,
                        char *why, size_t wlen) {
  const char *addr = v, *port = NULL;
  size_t alen;
  long n = c->port;
  if (v[0] == '[') {
    const char *close = strchr(v, ']');
    if (!close || (close[1] && close[1] != ':'))
      goto bad;
    addr = v + 1;
    alen = (size_t)(close - addr);
    port = close[1] ? close + 2 : NULL;
  } else {
    const char *colon = strchr(v, ':');
    if (colon && !strchr(colon + 1, ':')) { /* exactly one ':' */
      alen = (size_t)(colon - v);
      port = colon + 1;
    } else {
      alen = strlen(v);
    }
  }
  if (!valid_host(addr, alen))
    goto bad;
  if (port && (parse_long(port, &n) || n < 1 || n > 65535)) {
    snprintf(why, wlen, "'%.64s' is not a port from 1 to 65535", port);
    return NB_EINVAL;
  }
  if (store_string((char *)c + o->offset, o->size, addr, alen, why, wlen))
    return NB_EINVAL;
  c->port = (int)n;
  return 0;
bad:
  snprintf(why, wlen, "'%.80s' is not an address; allowed: %s", v, o->help);
  return NB_EINVAL;
}

/* server.public_origin: "" or http(s)://host[:port], nothing after it. */
static int apply_origin(char *dst, const option_t *o, const char *v, char *why,
                        size_t wlen) {
  const char *rest = NULL;
  if (!strncmp(v, "http://", 7))
    rest = v + 7;
  else if (!strncmp(v, "https://", 8))
    rest = v + 8;
  if (*v && (!rest || !*rest || strpbrk(rest, "/?#@\"\\ \t"))) {
    snprintf(why, wlen,
             "'%.80s' is not an origin (no path, no trailing "
             "slash); allowed: %s",
             v, o->help);
    return NB_EINVAL;
  }
  for (const char *p = v; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f) {
      snprintf(why, wlen, "control characters are not allowed");
      return NB_EINVAL;
    }
  return store_string(dst, o->size, v, strlen(v), why, wlen);
}

/* mail.smtp_url: "" or smtp(s)://host[:port], nothing after it. */
static int apply_smtp(char *dst, const option_t *o, const char *v, char *why,
                      size_t wlen) {
  const char *rest = NULL;
  if (!strncmp(v, "smtp://", 7))
    rest = v + 7;
  else if (!strncmp(v, "smtps://", 8))
    rest = v + 8;
  if (*v && (!rest || !*rest || strpbrk(rest, "/?#@\"\\ \t"))) {
    snprintf(why, wlen, "'%.80s' is not an SMTP server; allowed: %s", v,
             o->help);
    return NB_EINVAL;
  }
  for (const char *p = v; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f) {
      snprintf(why, wlen, "control characters are not allowed");
      return NB_EINVAL;
    }
  return store_string(dst, o->size, v, strlen(v), why, wlen);
}

/* plugins.load: split at commas, trim blanks, check names and repeats;
 * replaces *dst with a new array only when every name is valid. */
static int apply_list(json_t **dst, const option_t *o, const char *v, char *why,
                      size_t wlen) {
  int rc = NB_EINVAL;
  json_t *list = json_array();
  if (!list)
    return NB_ENOMEM;
  for (const char *p = v; *p;) {
    size_t len = strcspn(p, ",");
    const char *next = p[len] ? p + len + 1 : p + len;
    while (len && isspace((unsigned char)*p))
      p++, len--;
    while (len && isspace((unsigned char)p[len - 1]))
      len--;
    if (len == 0) { /* "a, ,b" or a trailing comma: nothing to load */
      p = next;
      continue;
    }
    if (!valid_plugin_name(p, len)) {
      snprintf(why, wlen, "'%.*s' is not a plugin name; allowed: %s",
               (int)(len > 40 ? 40 : len), p, o->help);
      goto cleanup;
    }
    size_t i;
    json_t *have;
    json_array_foreach(list, i, have) {
      if (strlen(json_string_value(have)) == len &&
          !memcmp(json_string_value(have), p, len)) {
        snprintf(why, wlen, "'%.*s' is named twice", (int)len, p);
        goto cleanup;
      }
    }
    if (json_array_append_new(list, json_stringn(p, len))) {
      rc = NB_ENOMEM;
      goto cleanup;
    }
    p = next;
  }
  json_decref(*dst);
  *dst = list;
  list = NULL;
  rc = 0;
cleanup:
  json_decref(list);
  return rc;
}

/*
 * Validate v for option o and store it in c. Returns 0, NB_EINVAL with the
 * problem (without location) in why, or NB_ENOMEM. On error c is unchanged.
 */
static int apply(nb_config_t *c, const option_t *o, const char *v, char *why,
                 size_t wlen) {
  char *field = (char *)c + o->offset;
  long n;
  switch (o->type) {
  case T_STRING:
    return store_string(field, o->size, v, strlen(v), why, wlen);
  case T_PATH:
    if (!*v) {
      snprintf(why, wlen, "must not be empty (%s)", o->help);
      return NB_EINVAL;
    }
    return store_string(field, o->size, v, strlen(v), why, wlen);
  case T_ORIGIN:
    return apply_origin(field, o, v, why, wlen);
  case T_SMTP:
    return apply_smtp(field, o, v, why, wlen);
  case T_LISTEN:
    return apply_listen(c, o, v, why, wlen);
  case T_INT:
  case T_LONG:
    if (parse_long(v, &n) || n < o->min || n > o->max) {
      snprintf(why, wlen,
               "'%.40s' is %s; allowed: a whole number from %ld "
               "to %ld (%s)",
               v, parse_long(v, &n) ? "not a whole number" : "out of range",
               o->min, o->max, o->help);
      return NB_EINVAL;
    }
    if (o->type == T_INT)
      *(int *)field = (int)n;
    else
      *(long *)field = n;
    return 0;
  case T_ENUM:
  case T_LEVEL:
    for (size_t i = 0; o->choices[i]; i++) {
      if (strcasecmp(v, o->choices[i]) != 0)
        continue;
      if (o->type == T_LEVEL) {
        *(int *)field = nb__log_level_parse(o->choices[i]);
        return 0;
      }
      return store_string(field, o->size, o->choices[i], strlen(o->choices[i]),
                          why, wlen);
    }
    {
      size_t k = (size_t)snprintf(why, wlen,
                                  "'%.40s' is not allowed; "
                                  "allowed:",
                                  v);
      for (size_t i = 0; o->choices[i] && k < wlen; i++)
        k += (size_t)snprintf(why + k, wlen - k, "%s %s", i ? "," : "",
                              o->choices[i]);
    }
    return NB_EINVAL;
  case T_LIST:
    return apply_list((json_t **)field, o, v, why, wlen);
  }
  return NB_EINVAL;
}

/*
 * Set section/key = value in c: a table option, or a string in
 * c->plugin_sections for [plugin.NAME]. Returns 0, NB_EINVAL with the
 * problem in why, or NB_ENOMEM. On error c is unchanged.
 */
static int set_value(nb_config_t *c, const char *section, const char *key,
                     const char *value, char *why, size_t wlen) {
  if (check_section(section, why, wlen))
    return NB_EINVAL;
  if (strncmp(section, PLUGIN_PREFIX, strlen(PLUGIN_PREFIX)) == 0) {
    const char *plugin = section + strlen(PLUGIN_PREFIX);
    json_t *s = json_string(key); /* NULL: not UTF-8 */
    if (!*key || strlen(key) > MAX_KEY || !s) {
      json_decref(s);
      snprintf(why, wlen, "a key must be 1 to %d characters of UTF-8", MAX_KEY);
      return NB_EINVAL;
    }
    json_decref(s);
    s = json_string(value);
    if (!s) {
      snprintf(why, wlen, "the value is not valid UTF-8");
      return NB_EINVAL;
    }
    json_t *sec = json_object_get(c->plugin_sections, plugin);
    if (!sec) {
      sec = json_object();
      if (json_object_set_new(c->plugin_sections, plugin, sec)) {
        json_decref(s);
        return NB_ENOMEM;
      }
    }
    return json_object_set_new(sec, key, s) ? NB_ENOMEM : 0;
  }
  const option_t *o = find_option(section, key);
  if (!o) {
    unknown_key(section, why, wlen);
    return NB_EINVAL;
  }
  return apply(c, o, value, why, wlen);
}

/*
 * Fill c with the defaults from `options`, each through apply() like any
 * other value. Returns 0 or NB_ENOMEM (NB_EINVAL would be a bad table);
 * on error c owns nothing.
 */
int nb__config_init(nb_config_t *c, int dev) {
  char why[256];
  int rc = NB_ENOMEM;
  memset(c, 0, sizeof(*c));
  c->plugin_sections = json_object();
  if (!c->plugin_sections)
    goto cleanup;
  for (size_t i = 0; i < N_OPTIONS; i++) {
    const option_t *o = &options[i];
    rc = apply(c, o, dev && o->def_dev ? o->def_dev : o->def, why, sizeof(why));
    if (rc)
      goto cleanup;
  }
  return 0;
cleanup:
  nb__config_close(c);
  return rc;
}

void nb__config_close(nb_config_t *c) {
  json_decref(c->plugins);
  json_decref(c->plugin_sections);
  c->plugins = NULL;
  c->plugin_sections = NULL;
}

/* ---- reading a file ---- */

typedef struct parse_ctx {
  nb_config_t *c; /* the copy being filled */
  FILE *f;
  const char *file;
  int line;      /* lines handed to inih so far */
  int fail_line; /* line of our first error, 0 if none */
  int rc;        /* our first error code */
  char *raw;     /* getline() buffer */
  size_t raw_cap;
  char *err;
  size_t len;
} parse_ctx_t;

static void fail(parse_ctx_t *p, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Record the first error as "FILE:LINE: <fmt...>". */
static void fail(parse_ctx_t *p, int rc, const char *fmt, ...) {
  if (p->fail_line)
    return;
  p->fail_line = p->line > 0 ? p->line : 1;
  p->rc = rc;
  int n = snprintf(p->err, p->len, "%s:%d: ", p->file, p->fail_line);
  if (n >= 0 && (size_t)n < p->len) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err + n, p->len - (size_t)n, fmt, ap);
    va_end(ap);
  }
}

/*
 * inih's reader: hand over one whole line, counted, without leading blanks.
 * Returns NULL at the end of the file or after an error (which stops inih).
 */
static char *read_line(char *buf, int size, void *stream) {
  parse_ctx_t *p = stream;
  char why[256];
  if (p->fail_line)
    return NULL;
  errno = 0;
  ssize_t n = getline(&p->raw, &p->raw_cap, p->f);
  if (n < 0) {
    if (ferror(p->f))
      fail(p, NB_ENOENT, "cannot read: %s", strerror(errno ? errno : EIO));
    return NULL;
  }
  p->line++;
  if (memchr(p->raw, '\0', (size_t)n)) {
    fail(p, NB_EINVAL, "the line holds a NUL byte; is this a text file?");
    return NULL;
  }
  char *s = p->raw;
  if (p->line == 1 && !strncmp(s, "\xEF\xBB\xBF", 3))
    s += 3; /* a UTF-8 byte order mark */
  while (*s == ' ' || *s == '\t')
    s++;
  size_t len = strlen(s);
  while (len && (s[len - 1] == '\n' || s[len - 1] == '\r'))
    len--;
  if (len + 2 > (size_t)size) { /* the line, '\n' and NUL must fit */
    fail(p, NB_EINVAL, "line is longer than %d characters; shorten it",
         size - 2);
    return NULL;
  }
  if (s[0] != '[' && s[0] != ';' && s[0] != '#' && len) {
    /* inih cuts names at MAX_NAME (50) bytes without a word: refuse. */
    size_t key = strcspn(s, "=:");
    while (key && isspace((unsigned char)s[key - 1]))
      key--;
    if (key > MAX_KEY) {
      fail(p, NB_EINVAL, "key '%.*s...' is longer than %d characters", 20, s,
           MAX_KEY);
      return NULL;
    }
  }
  if (s[0] == '[') {
    /* inih takes the text up to the first ']' as the section name. */
    size_t end = strcspn(s + 1, "]");
    if (s[1 + end] == ']') {
      char section[256];
      snprintf(section, sizeof(section), "%.*s", (int)end, s + 1);
      if (check_section(section, why, sizeof(why))) {
        fail(p, NB_EINVAL, "[%s]: %s", section, why);
        return NULL;
      }
    }
  }
  memcpy(buf, s, len);
  buf[len] = '\n';
  buf[len + 1] = '\0';
  return buf;
}

static int on_value(void *user, const char *section, const char *name,
                    const char *value) {
  parse_ctx_t *p = user;
  char why[512];
  if (p->fail_line || !name || !value)
    return 0;
  int rc = set_value(p->c, section, name, value, why, sizeof(why));
  if (rc) {
    fail(p, rc, "[%s] %s: %s", section, name,
         rc == NB_ENOMEM ? "out of memory" : why);
    return 0;
  }
  return 1;
}

/*
 * Parse `file` into a copy of c and swap the copy in only when the whole
 * file is valid. Returns 0, NB_ENOENT (cannot open or read), NB_EINVAL or
 * NB_ENOMEM with a message in err.
 */
int nb__config_load(nb_config_t *c, const char *file, char *err, size_t len) {
  parse_ctx_t p = {.file = file, .err = err, .len = len};
  int rc = NB_ENOMEM;
  if (len)
    err[0] = '\0';
  p.c = malloc(sizeof(*p.c));
  if (!p.c) {
    snprintf(err, len, "%s: out of memory", file);
    goto cleanup;
  }
  *p.c = *c;
  p.c->plugins = json_deep_copy(c->plugins);
  p.c->plugin_sections = json_deep_copy(c->plugin_sections);
  if (!p.c->plugins || !p.c->plugin_sections) {
    snprintf(err, len, "%s: out of memory", file);
    goto cleanup;
  }
  p.f = fopen(file, "r");
  if (!p.f) {
    snprintf(err, len, "%s: cannot open: %s", file, strerror(errno));
    rc = NB_ENOENT;
    goto cleanup;
  }
  int first = ini_parse_stream(read_line, &p, on_value, &p);
  if (first > 0 && (!p.fail_line || first < p.fail_line)) {
    /* inih's own complaint: its line numbers are our reader's calls. */
    snprintf(err, len,
             "%s:%d: cannot read this line; expected [section], "
             "key = value, or a comment starting with # or ;",
             file, first);
    rc = NB_EINVAL;
    goto cleanup;
  }
  if (p.fail_line || first != 0) {
    rc = p.fail_line ? p.rc : NB_ENOMEM; /* first < 0: inih's malloc */
    if (!p.fail_line)
      snprintf(err, len, "%s: out of memory", file);
    goto cleanup;
  }
  /* Checks across keys. */
  if (p.c->ws_drop_seconds <= p.c->ws_ping_seconds) {
    snprintf(err, len,
             "%s: [events] drop_seconds (%ld) must be more than ping_seconds "
             "(%ld): a client needs time to answer the ping",
             file, p.c->ws_drop_seconds, p.c->ws_ping_seconds);
    rc = NB_EINVAL;
    goto cleanup;
  }
  if (p.c->smtp_url[0] && !p.c->public_origin[0]) {
    snprintf(err, len,
             "%s: [mail] smtp_url needs [server] public_origin: mailed "
             "links must be absolute",
             file);
    rc = NB_EINVAL;
    goto cleanup;
  }
  /* Swap: c takes the new values, p.c the old JSON to be freed below. */
  json_t *old_plugins = c->plugins, *old_sections = c->plugin_sections;
  *c = *p.c;
  p.c->plugins = old_plugins;
  p.c->plugin_sections = old_sections;
  rc = 0;
cleanup:
  if (p.f)
    fclose(p.f);
  free(p.raw);
  if (p.c) {
    nb__config_close(p.c);
    free(p.c);
  }
  return rc;
}

int nb__config_set(nb_config_t *c, const char *section, const char *key,
                   const char *value, const char *origin, char *err,
                   size_t len) {
  char why[512];
  int rc = set_value(c, section, key, value, why, sizeof(why));
  if (rc)
    snprintf(err, len, "%s: [%s] %s: %s", origin, section, key,
             rc == NB_ENOMEM ? "out of memory" : why);
  return rc;
}
