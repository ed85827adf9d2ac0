/*
 * nachbar plugin API: the only header a plugin sees.
 *
 * A plugin is a shared object that exports one symbol, `nachbar_plugin`, a
 * const nb_plugin_desc_t. The host checks the descriptor (magic, ABI major,
 * size, name) after dlopen() and before any plugin code runs, applies the
 * plugin's migrations, then calls init() with the host API table.
 *
 * Invariants across the boundary:
 *  - Every callback runs on the loop thread. Blocking work goes through
 *    host->work(); host->post() is the only call allowed from another thread.
 *  - JSON ownership follows jansson's words everywhere: arguments are
 *    borrowed, returned values are new references, a `_new` suffix steals
 *    its argument. No call has a rule of its own.
 *  - Functions return 0 or a negative NB_E* code.
 *  - The host table starts with its size and is only ever appended to: a
 *    plugin built against a newer minor tests NB_HOST_HAS(host, member)
 *    before calling a member an older host may not have.
 *  - Everything a plugin registers is recorded against its nb_plugin_t and
 *    rolled back if init() fails or the plugin is unloaded.
 *
 * Plugins never see sqlite3*, struct lws* or uv_loop_t*: the core can change
 * its database backend or transport without breaking them.
 */
#ifndef NACHBAR_PLUGIN_H
#define NACHBAR_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NB_ABI_MAJOR 1
#define NB_ABI_MINOR 0
#define NB_PLUGIN_MAGIC 0x6e616368u /* "nach" */
#define NB_PLUGIN_SYMBOL "nachbar_plugin"

/* Error codes: every call returns 0 or one of these. */
enum nb_err {
  NB_OK = 0,
  NB_EINVAL = -1,      /* an argument is malformed or out of range */
  NB_ENOMEM = -2,      /* out of memory */
  NB_ENOENT = -3,      /* no such item */
  NB_EEXIST = -4,      /* already exists / registered */
  NB_EDB = -5,         /* database error; host->db_errmsg() says which */
  NB_EPERM = -6,       /* not allowed */
  NB_ECONSTRAINT = -7, /* a database constraint refused the change */
  NB_EBUSY = -8,       /* database busy past the busy timeout */
  NB_ESTATE = -9,      /* call not valid now (e.g. request answered twice) */
  NB_ELIMIT = -10      /* a configured limit was hit */
};

/* Log levels for host->log(). */
enum nb_log_level { NB_LOG_ERROR = 0, NB_LOG_WARN, NB_LOG_INFO, NB_LOG_DEBUG };

/*
 * Permission a route requires. The router checks it before the handler
 * runs: PUBLIC needs nothing; SIGNED_IN a valid session or token; MEMBER
 * membership in the route's :hood; COACH / COORDINATOR that role in :hood;
 * OPERATOR the server operator role. Failing answers 401 (not signed in) or
 * 403/404 (signed in, not allowed) and the handler never runs.
 */
enum nb_perm {
  NB_PERM_PUBLIC = 0,
  NB_PERM_SIGNED_IN,
  NB_PERM_MEMBER,
  NB_PERM_COACH,
  NB_PERM_COORDINATOR,
  NB_PERM_OPERATOR
};

/* Who may see an event (host->event_publish). */
enum nb_vis {
  NB_VIS_HOOD = 0, /* every member of the neighbourhood */
  NB_VIS_FIRM,     /* one firm's people, and the coaches and coordinators */
  NB_VIS_COACHES   /* coaches and coordinators only */
};

/* Types in a parameter schema (nb_param_t.type). */
enum nb_type {
  NB_T_STRING = 1,
  NB_T_INT,
  NB_T_NUMBER,
  NB_T_BOOL,
  NB_T_OBJECT,
  NB_T_ARRAY
};

/*
 * One field of a parameter schema, used for HTTP bodies (host->req_check)
 * and WebSocket operations (host->ws_op_add). An array of these ends with an
 * entry whose name is NULL. For strings min/max bound the length in UTF-8
 * bytes, for numbers the value, for arrays the element count; max == 0 means
 * "the configured default limit". Keys not in the schema are refused.
 */
typedef struct nb_param {
  const char *name;
  int type;     /* enum nb_type */
  int required; /* 1: must be present; 0: optional, may be null */
  int64_t min;
  int64_t max;
} nb_param_t;

/* One migration step: SQL run in one transaction, recorded as applied. */
typedef struct nb_migration {
  int version; /* 1, 2, 3, ... strictly increasing */
  const char *sql;
} nb_migration_t;

typedef struct nb_plugin nb_plugin_t; /* the host's record of one plugin */
typedef struct nb_req nb_req_t;       /* one HTTP request */
typedef struct nb_conn nb_conn_t;     /* one WebSocket connection */
typedef struct nb_timer nb_timer_t;   /* a timer started by a plugin */
typedef struct nb_host nb_host_t;

/* Route handler: answer with one of host->respond_*() now or later (after
 * work queue completion). Return 0, or a negative NB_E* code to let the host
 * answer 500 if nothing was answered yet. */
typedef int (*nb_route_fn)(nb_req_t *req, void *ud);

/* WebSocket operation handler: `msg` is the validated message (borrowed). */
typedef int (*nb_ws_op_fn)(nb_conn_t *conn, const json_t *msg, void *ud);

/*
 * Who makes a request, in the route's neighbourhood (host->req_who). All
 * pointers are borrowed and valid until the request is answered.
 */
typedef struct nb_who {
  int64_t person_id;        /* 0 when nobody is signed in */
  const char *display_name;
  const char *locale;       /* "de" or "en" */
  int64_t hood_id;          /* 0 when the route has no :hood */
  const char *hood;         /* the :hood slug, or NULL */
  int is_member;            /* belongs to the hood (a firm there or a role) */
  int is_coach;             /* coach or coordinator in the hood */
  int is_coordinator;
  int is_operator;
  int nfirms;               /* the person's firms in the hood */
  const int64_t *firms;
  const int *firm_admin;    /* firm_admin[i]: admin of firms[i] */
} nb_who_t;

/* GDPR callbacks (host->privacy_add). export: everything the plugin
 * stores about `person_id` as a new JSON value (or NULL for nothing).
 * erase: remove or anonymise it; when `delete_content` is 0 the person's
 * contributions stay for the neighbourhood but must no longer name them.
 * Return 0 or a negative code (the whole erase is then rolled back). */
typedef json_t *(*nb_export_fn)(nb_plugin_t *self, int64_t person_id);
typedef int (*nb_erase_fn)(nb_plugin_t *self, int64_t person_id,
                           int delete_content);

/* Demo content hook (host->demo_add): called in one transaction with
 * --demo after the core created the demo neighbourhood. `demo` (borrowed)
 * is {"hood_id", "hood", "firms": [{"id","name","key"}], "people":
 * [{"id","email","role","firm_id"}]}. */
typedef int (*nb_demo_fn)(nb_plugin_t *self, const json_t *demo);

typedef void (*nb_cb_fn)(void *ud);
typedef void (*nb_done_fn)(void *ud, int status);

/*
 * The descriptor a plugin exports as `const nb_plugin_desc_t nachbar_plugin`.
 * Fill it with NB_PLUGIN_DESC_HEAD first so magic, ABI and size are right.
 */
typedef struct nb_plugin_desc {
  uint32_t magic;  /* NB_PLUGIN_MAGIC */
  uint16_t abi_major;
  uint16_t abi_minor;
  uint32_t size;   /* sizeof(nb_plugin_desc_t) the plugin was built with */
  const char *jansson_version; /* JANSSON_VERSION the plugin was built with */
  const char *name;        /* [a-z][a-z0-9_]{0,31}; tables and events carry it */
  const char *version;     /* the plugin's own version, free text */
  const char *description; /* one line for coordinators */
  const char *const *depends; /* NULL-terminated plugin names, or NULL */
  const nb_migration_t *migrations; /* ends with {0, NULL}, or NULL */
  /* Called once after migrations. `config` is the plugin's own config
   * section as a JSON object of strings (borrowed, valid until fini).
   * Return 0, or a negative code: the plugin is then refused and everything
   * it registered is rolled back. */
  int (*init)(nb_plugin_t *self, const nb_host_t *host, const json_t *config);
  /* Called once before unload; may be NULL. Registrations are removed by
   * the host afterwards. */
  void (*fini)(nb_plugin_t *self);
} nb_plugin_desc_t;

#define NB_PLUGIN_DESC_HEAD                                                  \
  .magic = NB_PLUGIN_MAGIC, .abi_major = NB_ABI_MAJOR,                      \
  .abi_minor = NB_ABI_MINOR, .size = sizeof(nb_plugin_desc_t),              \
  .jansson_version = JANSSON_VERSION

/*
 * The host API. Append-only: never reorder, only add at the end and raise
 * NB_ABI_MINOR. `size` is sizeof(nb_host_t) of the host.
 */
struct nb_host {
  size_t size;
  uint16_t abi_major;
  uint16_t abi_minor;

  /* ---- logging ---- */
  /* One key=value line carrying plugin=<name>. `msg` is a short event name,
   * `fmt` formats further key=value pairs (may be NULL). Never log secrets. */
  void (*log)(nb_plugin_t *self, int level, const char *msg, const char *fmt,
              ...) __attribute__((format(printf, 4, 5)));

  /* ---- routes ---- */
  /* Register `method` (GET, POST, PUT, PATCH, DELETE) on `pattern`, a path
   * of literal segments and `:name` parameters, e.g.
   * "/api/v1/n/:hood/problems/:id". A pattern owned by another plugin or the
   * core with the same method is NB_EEXIST. */
  int (*route_add)(nb_plugin_t *self, const char *method, const char *pattern,
                   int perm /* enum nb_perm */, nb_route_fn fn, void *ud);

  /* ---- requests (all pointers borrowed, valid until the answer) ---- */
  const char *(*req_method)(nb_req_t *req);
  const char *(*req_path)(nb_req_t *req);
  /* The value of `:name` in the matched pattern, decoded, or NULL. */
  const char *(*req_param)(nb_req_t *req, const char *name);
  /* Copy query argument `name` (decoded) into buf. Returns its length, or
   * NB_ENOENT if absent, NB_ELIMIT if it does not fit. */
  int (*req_query)(nb_req_t *req, const char *name, char *buf, size_t len);
  /* The parsed JSON body (borrowed), or NULL when the request had none. The
   * host has already enforced size, content type, depth and string limits. */
  const json_t *(*req_json)(nb_req_t *req);
  /* Check the JSON body against `schema`. Returns 0, or answers 400 with
   * the offending field and returns NB_EINVAL (the handler just returns). */
  int (*req_check)(nb_req_t *req, const nb_param_t *schema);

  /* ---- responses: exactly one per request ---- */
  /* Answer `status` with `body` (borrowed) as JSON. */
  int (*respond_json)(nb_req_t *req, int status, const json_t *body);
  /* Same, stealing `body`. */
  int (*respond_json_new)(nb_req_t *req, int status, json_t *body);
  /* Answer {"error":{"code","message","field"}}; field may be NULL. */
  int (*respond_error)(nb_req_t *req, int status, const char *code,
                       const char *field, const char *fmt, ...)
      __attribute__((format(printf, 5, 6)));
  /* Answer raw bytes (copied) with a content type, e.g. text/csv. */
  int (*respond_raw)(nb_req_t *req, int status, const char *content_type,
                     const void *body, size_t len);
  /* Add a response header before answering (Location, Content-Disposition).
   * Names and values are copied; CR/LF in either is NB_EINVAL; after the
   * answer NB_ESTATE (it may be on the wire already). */
  int (*respond_header)(nb_req_t *req, const char *name, const char *value);

  /* ---- database (backend-neutral) ---- */
  /* Run one statement. `params` (borrowed) is a JSON array bound to ?1..?N,
   * or an object bound to :name, or NULL. On success *rows (may be NULL when
   * the caller does not want them) receives a new array of row objects
   * keyed by column name. */
  int (*db_query)(nb_plugin_t *self, const char *sql, const json_t *params,
                  json_t **rows);
  /* Run one statement that changes data. *changes and *last_id may be NULL. */
  int (*db_exec)(nb_plugin_t *self, const char *sql, const json_t *params,
                 int64_t *changes, int64_t *last_id);
  /* Transactions do not nest: NB_ESTATE if one is open already. A
   * transaction must be closed before the callback that opened it returns. */
  int (*db_begin)(nb_plugin_t *self);
  int (*db_commit)(nb_plugin_t *self);
  int (*db_rollback)(nb_plugin_t *self);
  /* The last database error of this plugin, for logs (never for users). */
  const char *(*db_errmsg)(nb_plugin_t *self);

  /* ---- events and live features ---- */
  /* Declare an event type this plugin publishes, e.g. "problem.created". */
  int (*event_type_add)(nb_plugin_t *self, const char *type);
  /* Declare a topic clients may subscribe to: a pattern like "problems" or
   * "problem/:id"; `perm` is who may subscribe within a neighbourhood. */
  int (*topic_add)(nb_plugin_t *self, const char *pattern, int perm);
  /* Declare a WebSocket operation `op` ("<plugin>.<verb>"); messages are
   * checked against `schema` (kept by reference: static storage) first. */
  int (*ws_op_add)(nb_plugin_t *self, const char *op, const nb_param_t *schema,
                   int perm, nb_ws_op_fn fn, void *ud);
  /* Send `msg` (borrowed) to one connection. */
  int (*ws_send)(nb_conn_t *conn, const json_t *msg);

  /* ---- UI ---- */
  /* Serve the plugin's UI from its asset folder under /plugins/<name>/ and
   * list `module` (a path inside it, e.g. "index.js") in /api/v1/plugins. */
  int (*ui_add)(nb_plugin_t *self, const char *module);

  /* ---- work queue, timers, cross-thread ---- */
  /* Run work(ud) on a worker thread, then done(ud, status) on the loop
   * (status NB_ESTATE when the server is stopping before work ran). */
  int (*work)(nb_plugin_t *self, nb_cb_fn work, nb_done_fn done, void *ud);
  /* Call cb(ud) after `timeout_ms`, then every `repeat_ms` if non-zero.
   * *out (may be NULL) receives a handle for timer_stop. */
  int (*timer_start)(nb_plugin_t *self, uint64_t timeout_ms,
                     uint64_t repeat_ms, nb_cb_fn cb, void *ud,
                     nb_timer_t **out);
  /* Stop and free a timer; NULL is a no-op. Safe inside its own callback. */
  void (*timer_stop)(nb_timer_t *timer);
  /* The one call allowed from any thread: run cb(ud) on the loop soon. */
  int (*post)(nb_plugin_t *self, nb_cb_fn cb, void *ud);

  /* ---- about the plugin itself ---- */
  const char *(*plugin_name)(nb_plugin_t *self);

  /* ---- identity, audit, privacy, demo ---- */
  /* Fill *who for the request. Returns 0, or NB_ENOENT when nobody is
   * signed in (who->person_id is then 0). */
  int (*req_who)(nb_req_t *req, nb_who_t *who);
  /* 1 when the requester holds `perm` (enum nb_perm) in the route's
   * neighbourhood, else 0: for decisions inside a handler ("coaches see
   * private problems"). */
  int (*req_may)(nb_req_t *req, int perm);
  /* Append to the audit log coordinators read: the request's person did
   * `action` ("problem.comment_hidden") on object_type/object_id, with
   * `detail` (borrowed, may be NULL). Call it in the same transaction as
   * the change. */
  int (*audit)(nb_plugin_t *self, nb_req_t *req, const char *action,
               const char *object_type, const char *object_id,
               const json_t *detail);
  /* Register the GDPR callbacks. Required: a plugin whose init returns
   * without registering them is refused (reason=no_privacy_callbacks). */
  int (*privacy_add)(nb_plugin_t *self, nb_export_fn export_fn,
                     nb_erase_fn erase_fn);
  /* Register demo content (optional). */
  int (*demo_add)(nb_plugin_t *self, nb_demo_fn fn);

  /* ---- live events ---- */
  /* Append an event to the neighbourhood's log and push it to every
   * subscriber of `topic` there who may see it (`vis`, enum nb_vis;
   * `vis_firm` names the firm for NB_VIS_FIRM). `type` must have been
   * declared with event_type_add and `topic` must match a declared topic.
   * `data` (borrowed) is what clients receive: put nothing in it that the
   * audience may not see (an anonymous problem's firm, say). Call it
   * inside the transaction of the change: it is delivered only after
   * commit and dropped on rollback. `actor_id` is stored for the audit,
   * never sent. */
  int (*event_publish)(nb_plugin_t *self, int64_t hood_id, int64_t actor_id,
                       const char *topic, const char *type,
                       const json_t *data, int vis, int64_t vis_firm);
};

/* True when `host` has member `m` (for plugins built against a newer minor). */
#define NB_HOST_HAS(host, m)                                                 \
  ((host)->size >= offsetof(nb_host_t, m) + sizeof((host)->m) && (host)->m)

#ifdef __cplusplus
}
#endif
#endif /* NACHBAR_PLUGIN_H */
