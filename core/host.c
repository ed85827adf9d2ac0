/*
 * The host API table handed to plugins (include/nachbar/plugin.h).
 *
 * Each entry is a thin adapter onto a core module, so the rules live in
 * one place: routes in router.c, answers in http.c, storage in db.c, live
 * features in ws.c. This file adds only what is about the plugin as owner:
 * recording registrations for rollback, its transaction, its timers and
 * work, and the cross-thread post queue.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "auth.h"
#include "events.h"
#include "hood_plugins.h"
#include "http.h"
#include "jsonv.h"
#include "log.h"
#include "plugins.h"
#include "ws.h"

/* ---- logging ---- */

static void h_log(nb_plugin_t *self, int level, const char *msg,
                  const char *fmt, ...) {
  char extra[1024] = "";
  if (fmt) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(extra, sizeof(extra), fmt, ap);
    va_end(ap);
  }
  nb__log(level, msg, "plugin=%s%s%s", self->name, *extra ? " " : "", extra);
}

/* ---- routes and requests ---- */

static int h_route_add(nb_plugin_t *self, const char *method,
                       const char *pattern, int perm, nb_route_fn fn,
                       void *ud) {
  if (!fn || perm < NB_PERM_PUBLIC || perm > NB_PERM_OPERATOR)
    return NB_EINVAL;
  int rc = nb__router_add(self->app->router, method, pattern, perm, fn, ud,
                          self);
  if (rc)
    nb__log(NB_LOG_WARN, "route_refused", "plugin=%s method=%s pattern=%s rc=%d",
            self->name, method ? method : "", pattern ? pattern : "", rc);
  return rc;
}

static const char *h_req_method(nb_req_t *req) { return req->method; }
static const char *h_req_path(nb_req_t *req) { return req->path; }
static const char *h_req_param(nb_req_t *req, const char *name) {
  return nb__match_param(&req->match, name);
}
static int h_req_query(nb_req_t *req, const char *name, char *buf,
                       size_t len) {
  return nb__req_query(req, name, buf, len);
}
static const json_t *h_req_json(nb_req_t *req) { return req->json; }

static int h_req_check(nb_req_t *req, const nb_param_t *schema) {
  return nb__req_check(req, schema);
}

/* ---- answers ---- */

static int h_respond_json(nb_req_t *req, int status, const json_t *body) {
  return nb__req_json(req, status, body);
}
static int h_respond_json_new(nb_req_t *req, int status, json_t *body) {
  int rc = nb__req_json(req, status, body);
  json_decref(body);
  return rc;
}
static int h_respond_error(nb_req_t *req, int status, const char *code,
                           const char *field, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rc = nb__req_errorv(req, status, code ? code : "error", field, fmt, ap);
  va_end(ap);
  return rc;
}
static int h_respond_raw(nb_req_t *req, int status, const char *ctype,
                         const void *body, size_t len) {
  char *copy = malloc(len ? len : 1);
  if (!copy)
    return NB_ENOMEM;
  if (len)
    memcpy(copy, body, len);
  return nb__req_respond(req, status, ctype, copy, len);
}
static int h_respond_header(nb_req_t *req, const char *name,
                            const char *value) {
  return nb__req_header(req, name, value);
}

/* ---- database ---- */

static void remember_error(nb_plugin_t *self, int rc) {
  if (rc && rc != NB_ECONSTRAINT)
    nb__log(NB_LOG_WARN, "db_error", "plugin=%s rc=%d error=\"%s\"",
            self->name, rc, nb__db_errmsg(self->app->db));
}
static int h_db_query(nb_plugin_t *self, const char *sql, const json_t *params,
                      json_t **rows) {
  int rc = nb__db_query(self->app->db, sql, params, rows);
  remember_error(self, rc);
  return rc;
}
static int h_db_exec(nb_plugin_t *self, const char *sql, const json_t *params,
                     int64_t *changes, int64_t *last_id) {
  int rc = nb__db_exec(self->app->db, sql, params, changes, last_id);
  remember_error(self, rc);
  return rc;
}
static int h_db_begin(nb_plugin_t *self) {
  int rc = nb__db_begin(self->app->db);
  if (rc == 0)
    self->in_tx = 1;
  return rc;
}
static int h_db_commit(nb_plugin_t *self) {
  if (!self->in_tx)
    return NB_ESTATE;
  self->in_tx = 0;
  int rc = nb__db_commit(self->app->db);
  if (rc == 0)
    nb__events_commit(self->app); /* deliver only what is durable */
  else
    nb__events_discard(self->app);
  return rc;
}
static int h_db_rollback(nb_plugin_t *self) {
  if (!self->in_tx)
    return NB_ESTATE;
  self->in_tx = 0;
  nb__events_discard(self->app);
  return nb__db_rollback(self->app->db);
}
static const char *h_db_errmsg(nb_plugin_t *self) {
  return nb__db_errmsg(self->app->db);
}

/* ---- events and live features ---- */

static int h_event_type_add(nb_plugin_t *self, const char *type) {
  return nb__ws_event_type_add(self->app, self, type);
}
static int h_topic_add(nb_plugin_t *self, const char *pattern, int perm) {
  return nb__ws_topic_add(self->app, self, pattern, perm);
}
static int h_ws_op_add(nb_plugin_t *self, const char *op,
                       const nb_param_t *schema, int perm, nb_ws_op_fn fn,
                       void *ud) {
  /* Operations carry the plugin's name so two plugins cannot collide. */
  size_t n = strlen(self->name);
  if (!op || strncmp(op, self->name, n) != 0 || op[n] != '.' || !op[n + 1])
    return NB_EINVAL;
  return nb__ws_op_add(self->app, self, op, schema, perm, fn, ud);
}
static int h_ws_send(nb_conn_t *conn, const json_t *msg) {
  return nb__ws_send(conn, msg);
}

/* ---- UI ---- */

static int h_ui_add(nb_plugin_t *self, const char *module) {
  if (!module || !*module || module[0] == '/' || strstr(module, "..") ||
      strlen(module) > 128)
    return NB_EINVAL;
  if (self->ui_module)
    return NB_EEXIST;
  self->ui_module = strdup(module);
  return self->ui_module ? 0 : NB_ENOMEM;
}

/* ---- work queue ---- */

typedef struct work {
  uv_work_t req;
  nb_plugin_t *plugin;
  nb_cb_fn work;
  nb_done_fn done;
  void *ud;
} work_t;

static void work_run(uv_work_t *w) {
  work_t *wk = w->data;
  wk->work(wk->ud);
}
static void work_after(uv_work_t *w, int status) {
  work_t *wk = w->data;
  wk->plugin->pending_work--;
  if (wk->done)
    wk->done(wk->ud, status == UV_ECANCELED ? NB_ESTATE : 0);
  free(wk);
}
static int h_work(nb_plugin_t *self, nb_cb_fn fn, nb_done_fn done, void *ud) {
  if (!fn)
    return NB_EINVAL;
  if (self->app->stopping)
    return NB_ESTATE;
  work_t *wk = calloc(1, sizeof(*wk));
  if (!wk)
    return NB_ENOMEM;
  *wk = (work_t){.plugin = self, .work = fn, .done = done, .ud = ud};
  wk->req.data = wk;
  if (uv_queue_work(&self->app->loop, &wk->req, work_run, work_after)) {
    free(wk);
    return NB_ESTATE;
  }
  self->pending_work++;
  return 0;
}

/* ---- timers ---- */

struct nb_timer {
  uv_timer_t handle;
  nb_plugin_t *plugin;
  nb_cb_fn cb;
  void *ud;
  struct nb_timer *next;
};

static void timer_closed(uv_handle_t *h) { free(h->data); }

static void timer_fire(uv_timer_t *h) {
  nb_timer_t *t = h->data;
  t->cb(t->ud);
}

static int h_timer_start(nb_plugin_t *self, uint64_t timeout_ms,
                         uint64_t repeat_ms, nb_cb_fn cb, void *ud,
                         nb_timer_t **out) {
  if (!cb)
    return NB_EINVAL;
  nb_timer_t *t = calloc(1, sizeof(*t));
  if (!t)
    return NB_ENOMEM;
  t->plugin = self;
  t->cb = cb;
  t->ud = ud;
  uv_timer_init(&self->app->loop, &t->handle);
  t->handle.data = t;
  uv_timer_start(&t->handle, timer_fire, timeout_ms, repeat_ms);
  t->next = self->timers;
  self->timers = t;
  if (out)
    *out = t;
  return 0;
}

static void h_timer_stop(nb_timer_t *t) {
  if (!t)
    return;
  for (nb_timer_t **pp = &t->plugin->timers; *pp; pp = &(*pp)->next)
    if (*pp == t) {
      *pp = t->next;
      break;
    }
  uv_timer_stop(&t->handle);
  uv_close((uv_handle_t *)&t->handle, timer_closed);
}

void nb__host_timers_stop(nb_plugin_t *p) {
  while (p->timers)
    h_timer_stop(p->timers);
}

/* ---- post: the one cross-thread call ---- */

typedef struct post_item {
  nb_cb_fn cb;
  void *ud;
  struct post_item *next;
} post_item_t;

struct nb_post_queue {
  uv_async_t async;
  pthread_mutex_t lock;
  post_item_t *head, **tail;
  int closing;
};

static void post_drain(uv_async_t *a) {
  nb_post_queue_t *q = a->data;
  pthread_mutex_lock(&q->lock);
  post_item_t *it = q->head;
  q->head = NULL;
  q->tail = &q->head;
  pthread_mutex_unlock(&q->lock);
  while (it) {
    post_item_t *next = it->next;
    it->cb(it->ud);
    free(it);
    it = next;
  }
}

int nb__post_init(nb_app_t *app) {
  nb_post_queue_t *q = calloc(1, sizeof(*q));
  if (!q)
    return NB_ENOMEM;
  pthread_mutex_init(&q->lock, NULL);
  q->tail = &q->head;
  if (uv_async_init(&app->loop, &q->async, post_drain)) {
    pthread_mutex_destroy(&q->lock);
    free(q);
    return NB_ESTATE;
  }
  q->async.data = q;
  app->posts = q;
  return 0;
}

static void post_closed(uv_handle_t *h) {
  nb_post_queue_t *q = h->data;
  post_item_t *it = q->head;
  while (it) { /* never ran: the server stopped first */
    post_item_t *next = it->next;
    free(it);
    it = next;
  }
  pthread_mutex_destroy(&q->lock);
  free(q);
}

void nb__post_close(nb_app_t *app) {
  nb_post_queue_t *q = app->posts;
  if (!q)
    return;
  post_drain(&q->async);
  pthread_mutex_lock(&q->lock);
  q->closing = 1;
  pthread_mutex_unlock(&q->lock);
  app->posts = NULL;
  uv_close((uv_handle_t *)&q->async, post_closed);
}

static int h_post(nb_plugin_t *self, nb_cb_fn cb, void *ud) {
  nb_post_queue_t *q = self->app->posts;
  if (!cb)
    return NB_EINVAL;
  if (!q)
    return NB_ESTATE;
  post_item_t *it = calloc(1, sizeof(*it));
  if (!it)
    return NB_ENOMEM;
  it->cb = cb;
  it->ud = ud;
  pthread_mutex_lock(&q->lock);
  if (q->closing) {
    pthread_mutex_unlock(&q->lock);
    free(it);
    return NB_ESTATE;
  }
  *q->tail = it;
  q->tail = &it->next;
  uv_async_send(&q->async);
  pthread_mutex_unlock(&q->lock);
  return 0;
}

static const char *h_plugin_name(nb_plugin_t *self) { return self->name; }

/* ---- identity, audit, privacy, demo ---- */

static int h_req_who(nb_req_t *req, nb_who_t *who) {
  nb_auth_t *a = nb__auth_of(req);
  memset(who, 0, sizeof(*who));
  if (!a)
    return NB_ENOMEM;
  who->hood_id = a->hood_id;
  who->hood = a->hood[0] ? a->hood : NULL;
  if (!a->person_id)
    return NB_ENOENT;
  who->person_id = a->person_id;
  who->display_name = a->display_name;
  who->locale = a->locale;
  who->is_member = nb__auth_is_member(a);
  who->is_coach = (a->roles & (NB_ROLE_COACH | NB_ROLE_COORDINATOR)) != 0;
  who->is_coordinator = (a->roles & NB_ROLE_COORDINATOR) != 0;
  who->is_operator = a->is_operator;
  who->nfirms = a->nfirms;
  who->firms = a->firms;
  who->firm_admin = a->firm_admin;
  return 0;
}

static int h_req_may(nb_req_t *req, int perm) {
  nb_auth_t *a = nb__auth_of(req);
  return a && nb__auth_allows(a, perm);
}

static int h_audit(nb_plugin_t *self, nb_req_t *req, const char *action,
                   const char *object_type, const char *object_id,
                   const json_t *detail) {
  nb_auth_t *a = req ? nb__auth_of(req) : NULL;
  if (!action || !*action)
    return NB_EINVAL;
  return nb__audit(self->app, a ? a->hood_id : 0, a ? a->person_id : 0,
                   self->name, action, object_type, object_id, detail);
}

static int h_privacy_add(nb_plugin_t *self, nb_export_fn export_fn,
                         nb_erase_fn erase_fn) {
  if (!export_fn || !erase_fn)
    return NB_EINVAL;
  self->export_fn = export_fn;
  self->erase_fn = erase_fn;
  return 0;
}

static int h_event_publish(nb_plugin_t *self, int64_t hood_id,
                           int64_t actor_id, const char *topic,
                           const char *type, const json_t *data, int vis,
                           int64_t vis_firm) {
  int perm;
  void *owner;
  if (!type || !nb__ws_event_type_owned(self->app, type, self) || !topic ||
      nb__ws_topic_find(self->app, topic, &perm, &owner) != 0 || owner != self)
    return NB_EINVAL;
  /* Switched off in this hood: its events stop (the change itself is the
   * plugin's business; its routes there answer 404 already). */
  if (!nb__hood_plugin_enabled(self->app, hood_id, self->name))
    return 0;
  return nb__events_publish(self->app, hood_id, actor_id, topic, type, data,
                            vis, vis_firm);
}

static int h_demo_add(nb_plugin_t *self, nb_demo_fn fn) {
  if (!fn)
    return NB_EINVAL;
  self->demo_fn = fn;
  return 0;
}

static const nb_host_t host = {
    .size = sizeof(nb_host_t),
    .abi_major = NB_ABI_MAJOR,
    .abi_minor = NB_ABI_MINOR,
    .log = h_log,
    .route_add = h_route_add,
    .req_method = h_req_method,
    .req_path = h_req_path,
    .req_param = h_req_param,
    .req_query = h_req_query,
    .req_json = h_req_json,
    .req_check = h_req_check,
    .respond_json = h_respond_json,
    .respond_json_new = h_respond_json_new,
    .respond_error = h_respond_error,
    .respond_raw = h_respond_raw,
    .respond_header = h_respond_header,
    .db_query = h_db_query,
    .db_exec = h_db_exec,
    .db_begin = h_db_begin,
    .db_commit = h_db_commit,
    .db_rollback = h_db_rollback,
    .db_errmsg = h_db_errmsg,
    .event_type_add = h_event_type_add,
    .topic_add = h_topic_add,
    .ws_op_add = h_ws_op_add,
    .ws_send = h_ws_send,
    .ui_add = h_ui_add,
    .work = h_work,
    .timer_start = h_timer_start,
    .timer_stop = h_timer_stop,
    .post = h_post,
    .plugin_name = h_plugin_name,
    .req_who = h_req_who,
    .req_may = h_req_may,
    .audit = h_audit,
    .privacy_add = h_privacy_add,
    .demo_add = h_demo_add,
    .event_publish = h_event_publish,
};

const nb_host_t *nb__host(void) { return &host; }
