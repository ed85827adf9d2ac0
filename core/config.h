/*
 * Configuration: defaults, then the INI file (libinih), then command-line
 * flags. Described by one table of {section, key, type, default, min, max}
 * in config.c; unknown sections/keys and bad values are errors naming file,
 * line and key. Sections named [plugin.<name>] are handed to that plugin as
 * a JSON object of strings.
 */
#ifndef NB_CORE_CONFIG_H
#define NB_CORE_CONFIG_H

#include <limits.h>
#include <stddef.h>
#include <jansson.h>

typedef struct nb_limits {
  long max_body;          /* bytes of an HTTP request body (413 beyond) */
  long max_json_depth;    /* nesting of arrays/objects in a body (400) */
  long max_string;        /* bytes of one JSON string (400) */
  long max_keys;          /* members of one JSON object (400) */
  long page_size;         /* default list page size */
  long max_page_size;     /* largest `limit` a list accepts */
  long ws_max_message;    /* bytes of one WebSocket message (close 1009) */
  long max_connections;   /* open HTTP + WebSocket connections */
  long request_timeout;   /* seconds a request may idle before it is cut */
} nb_limits_t;

typedef struct nb_config {
  /* [server] */
  char listen_addr[64];   /* "127.0.0.1" */
  int port;               /* 8080 */
  char data_dir[PATH_MAX];
  char web_root[PATH_MAX];
  char public_origin[256]; /* e.g. https://nachbar.example; "" = derive */
  int log_level;          /* enum nb_log_level */
  /* [database] */
  char synchronous[8];    /* OFF, NORMAL, FULL, EXTRA */
  long busy_timeout_ms;
  /* [plugins] */
  char plugin_dir[PATH_MAX];   /* where <name>.so files are */
  char plugin_assets[PATH_MAX]; /* where <name>/web/ UI folders are */
  json_t *plugins;        /* array of names to load, in order (owned) */
  /* [auth] */
  long session_idle_minutes; /* a session unused this long ends */
  long session_max_days;     /* a session ends this long after sign-in */
  long login_max_failures;   /* failed sign-ins per account (and 4x per
                                address) within login_window before 429 */
  long login_window_seconds;
  long password_min_length;
  long invite_valid_days;
  /* [mail]: invitation and reset links by mail when smtp_url is set */
  char smtp_url[256];
  char mail_from[256];
  char smtp_user[128];
  char smtp_password[256];
  /* [events] */
  long event_retention_days;   /* events older than this are pruned */
  long event_retention_max;    /* at most this many events are kept */
  long event_max_replay;       /* a replay longer than this is a resync */
  long ws_subscriptions;       /* topics one connection may subscribe to */
  long ws_per_person;          /* WebSocket connections of one person */
  long ws_send_threads;        /* sendpool helpers, -1: CPUs/2 - 1 (max 3) */
  long ws_ping_seconds;        /* silence before a WebSocket is pinged */
  long ws_drop_seconds;        /* silence before it is closed */
  /* [limits] */
  nb_limits_t limits;
  /* [plugin.<name>] sections: {"<name>": {"key": "value"}} (owned) */
  json_t *plugin_sections;
} nb_config_t;

/* Fill `c` with built-in defaults. `dev` selects paths relative to the
 * source tree (binary started from the build directory) instead of the
 * installed ones. Returns 0 or NB_ENOMEM. Pair with nb__config_close(). */
int nb__config_init(nb_config_t *c, int dev);

/* Read `file` over the values in `c`. On error returns NB_EINVAL (or
 * NB_ENOENT when the file cannot be opened) and writes a message such as
 * "conf/x.conf:12: [server] prot: unknown key" into err. */
int nb__config_load(nb_config_t *c, const char *file, char *err, size_t len);

/* Set one value as if it stood in the file: used for command-line flags
 * (--listen sets server.listen, etc.). `origin` names the flag for errors.
 * Returns 0 or NB_EINVAL with a message in err. */
int nb__config_set(nb_config_t *c, const char *section, const char *key,
                   const char *value, const char *origin, char *err,
                   size_t len);

/* Free what `c` owns. */
void nb__config_close(nb_config_t *c);

#endif
