/*
 * The durable event log and its live delivery.
 *
 * Invariants:
 *  - An event is a row of nb_events written in the transaction of the
 *    change; it is delivered only after that transaction commits, and
 *    forgotten when it rolls back. Ids only grow (AUTOINCREMENT).
 *  - Each event is serialised once; the one buffer is queued to every
 *    subscriber that may see it (visibility decided per subscriber).
 *  - Replay sends every visible event after `since`, in order, then
 *    `replayed {last_id}`; live events follow. Everything runs on the loop
 *    thread, so no event can slip between replay and live delivery.
 *  - A client whose `since` lies before what retention kept is told to
 *    `resync` instead of silently missing events.
 */
#include "events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "hood_plugins.h"
#include "log.h"
#include "metrics.h"
#include "plugins.h"
#include "ws.h"

#define PRUNE_EVERY_MS 60000
#define PRUNE_BATCH 5000

typedef struct pending {
  int64_t id, hood_id, vis_firm;
  int vis;
  char topic[64];
  nb_ws_buf_t *buf;
  struct pending *next;
} pending_t;

static pending_t *pending_head, **pending_tail = &pending_head;
static uv_timer_t prune_timer;
static int prune_started;

static const char *const vis_names[] = {"hood", "firm", "coaches"};

static void list_free(pending_t **head, pending_t ***tail) {
  while (*head) {
    pending_t *p = *head;
    *head = p->next;
    nb__ws_buf_unref(p->buf);
    free(p);
  }
  *tail = head;
}

static void pending_free(void) { list_free(&pending_head, &pending_tail); }

/* May subscription s see an event of hood/vis/firm? */
static int visible(const nb_ws_sub_t *s, int64_t hood_id, int vis,
                   int64_t firm) {
  if (s->hood_id != hood_id)
    return 0;
  if (vis == NB_VIS_HOOD)
    return 1;
  if (s->roles) /* coaches and coordinators see firm-private events */
    return 1;
  if (vis == NB_VIS_FIRM)
    for (int i = 0; i < s->nfirms; i++)
      if (s->firms[i] == firm)
        return 1;
  return 0;
}

/* Committed events wait here for the next flush (nb__events_deliver):
 * events committed by all the requests of one loop iteration are queued
 * in one pass over the connections, not one pass per event. */
static pending_t *ready_head, **ready_tail = &ready_head;

void nb__events_deliver(nb_app_t *app) {
  pending_t *list = ready_head;
  ready_head = NULL;
  ready_tail = &ready_head;
  if (!list)
    return;
  long n = 0;
  for (nb_conn_t *c = nb__ws_conns(app), *next; c; c = next) {
    next = c->next; /* a too-slow client may be closed while queuing */
    for (const pending_t *p = list; p && c->nsubs; p = p->next)
      for (size_t i = 0; i < c->nsubs; i++) {
        const nb_ws_sub_t *s = &c->subs[i];
        /* p->id <= s->after: the subscription's replay had it */
        if (p->id > s->after && strcmp(s->topic, p->topic) == 0 &&
            visible(s, p->hood_id, p->vis, p->vis_firm)) {
          if (nb__ws_queue(c, p->buf, 0) == 0)
            n++;
          break;
        }
      }
  }
  pending_t **end;
  list_free(&list, &end);
  nb__metrics_count("nachbar_events_delivered_total",
                    "Event messages queued to subscribers", (double)n);
}

void nb__events_commit(nb_app_t *app) {
  if (!pending_head)
    return;
  *ready_tail = pending_head;
  ready_tail = pending_tail;
  pending_head = NULL;
  pending_tail = &pending_head;
  if (!nb__ws_flush_soon(app)) /* stopping: no flush will come */
    nb__events_deliver(app);
}

void nb__events_discard(nb_app_t *app) {
  (void)app;
  pending_free();
}

int nb__events_publish(nb_app_t *app, int64_t hood_id, int64_t actor_id,
                       const char *topic, const char *type,
                       const json_t *data, int vis, int64_t vis_firm) {
  if (!topic || !*topic || strlen(topic) >= sizeof(((pending_t *)0)->topic) ||
      !type || !*type || vis < NB_VIS_HOOD || vis > NB_VIS_COACHES ||
      (vis == NB_VIS_FIRM && vis_firm <= 0) || hood_id <= 0)
    return NB_EINVAL;
  json_t *empty = data ? NULL : json_object();
  char *text = json_dumps(data ? data : empty, JSON_COMPACT);
  json_decref(empty);
  if (!text)
    return NB_ENOMEM;
  int own_tx = !nb__db_in_tx(app->db);
  int rc = own_tx ? nb__db_begin(app->db) : 0;
  int64_t id = 0;
  json_t *rows = NULL;
  json_t *params = json_pack("[I, s, s, o, s, s, o]", (json_int_t)hood_id,
                             topic, type,
                             actor_id ? json_integer(actor_id) : json_null(),
                             text, vis_names[vis],
                             vis == NB_VIS_FIRM ? json_integer(vis_firm)
                                                : json_null());
  free(text);
  if (!rc)
    rc = params ? nb__db_exec(app->db,
                              "INSERT INTO nb_events(hood_id, topic, type, "
                              "actor_id, data, vis, vis_firm) VALUES "
                              "(?1, ?2, ?3, ?4, json(?5), ?6, ?7)",
                              params, NULL, &id)
                : NB_ENOMEM;
  json_decref(params);
  /* The message as subscribers get it, built once from the stored row. */
  if (!rc) {
    params = json_pack("[I]", (json_int_t)id);
    rc = nb__db_query(app->db,
                      "SELECT json_object('op', 'event', 'id', e.id, 'ts', "
                      "e.ts, 'hood', h.slug, 'topic', e.topic, 'type', "
                      "e.type, 'data', json(e.data)) AS msg FROM nb_events e "
                      "JOIN nb_hoods h ON h.id = e.hood_id WHERE e.id = ?1",
                      params, &rows);
    json_decref(params);
  }
  pending_t *p = NULL;
  if (!rc) {
    const char *msg =
        json_string_value(json_object_get(json_array_get(rows, 0), "msg"));
    size_t len = msg ? strlen(msg) : 0;
    p = msg ? calloc(1, sizeof(*p)) : NULL;
    nb_ws_buf_t *b = p ? nb__ws_buf_copy(msg, len, 0) : NULL;
    if (!b) {
      free(p);
      p = NULL;
      rc = NB_ENOMEM;
    } else {
      *p = (pending_t){.id = id, .hood_id = hood_id, .vis_firm = vis_firm,
                       .vis = vis, .buf = b};
      snprintf(p->topic, sizeof(p->topic), "%s", topic);
      *pending_tail = p;
      pending_tail = &p->next;
    }
  }
  json_decref(rows);
  if (own_tx) {
    if (!rc && (rc = nb__db_commit(app->db)) == 0)
      nb__events_commit(app);
    else {
      if (nb__db_in_tx(app->db))
        nb__db_rollback(app->db);
      nb__events_discard(app);
    }
  }
  if (!rc)
    nb__metrics_count("nachbar_events_published_total", "Events published", 1);
  return rc;
}

/* ---- subscribe / unsubscribe ---- */

static void send_op(nb_conn_t *c, json_t *msg, int force) {
  nb_ws_buf_t *b = msg ? nb__ws_buf_json(msg) : NULL;
  if (b) {
    nb__ws_queue(c, b, force);
    nb__ws_buf_unref(b);
  }
  json_decref(msg);
}

static void send_error(nb_conn_t *c, const json_t *id, const char *code,
                       const char *field, const char *message) {
  json_t *m = json_pack("{s:s, s:s, s:s}", "op", "error", "code", code,
                        "message", message);
  if (m && field)
    json_object_set_new(m, "field", json_string(field));
  if (m && id)
    json_object_set(m, "id", (json_t *)id);
  send_op(c, m, 1);
}

static int64_t meta_int(nb_app_t *app, const char *key) {
  json_t *rows = NULL, *p = json_pack("[s]", key);
  int64_t v = 0;
  if (nb__db_query(app->db, "SELECT value FROM nb_meta WHERE key = ?1", p,
                   &rows) == 0 &&
      json_array_size(rows) == 1)
    v = strtoll(json_string_value(json_object_get(json_array_get(rows, 0), "value")),
                NULL, 10);
  json_decref(rows);
  json_decref(p);
  return v;
}

int64_t nb__events_last_id(nb_app_t *app) {
  json_t *rows = NULL;
  int64_t v = 0;
  /* sqlite_sequence holds the highest id ever used, even after pruning. */
  if (nb__db_query(app->db,
                   "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE "
                   "name = 'nb_events'), 0) AS id",
                   NULL, &rows) == 0)
    v = json_integer_value(json_object_get(json_array_get(rows, 0), "id"));
  json_decref(rows);
  return v;
}

/* Replay what `topics` (in `hood`) missed after `since`. Returns 0, or 1
 * when the client must resync instead. */
static int replay(nb_conn_t *c, int64_t hood_id, const json_t *topics,
                  int64_t since, int64_t *replayed) {
  nb_app_t *app = c->app;
  long max = app->cfg.event_max_replay;
  json_t *rows = NULL;
  json_t *p = json_pack("[I, I, O, I]", (json_int_t)hood_id, (json_int_t)since,
                        (json_t *)topics, (json_int_t)max + 1);
  int rc = nb__db_query(
      app->db,
      "SELECT e.id, e.topic, e.vis, e.vis_firm, json_object('op', 'event', "
      "'id', e.id, 'ts', e.ts, 'hood', h.slug, 'topic', e.topic, 'type', "
      "e.type, 'data', json(e.data)) AS msg FROM nb_events e JOIN nb_hoods h "
      "ON h.id = e.hood_id WHERE e.hood_id = ?1 AND e.id > ?2 AND e.topic IN "
      "(SELECT value FROM json_each(?3)) ORDER BY e.id LIMIT ?4",
      p, &rows);
  json_decref(p);
  if (rc || json_array_size(rows) > (size_t)max) {
    json_decref(rows);
    return 1;
  }
  size_t i;
  json_t *r;
  json_array_foreach(rows, i, r) {
    const char *topic = json_string_value(json_object_get(r, "topic"));
    const char *vs = json_string_value(json_object_get(r, "vis"));
    int vis = strcmp(vs, "hood") == 0 ? NB_VIS_HOOD
              : strcmp(vs, "firm") == 0 ? NB_VIS_FIRM
                                        : NB_VIS_COACHES;
    int64_t firm = json_integer_value(json_object_get(r, "vis_firm"));
    for (size_t k = 0; k < c->nsubs; k++) {
      if (strcmp(c->subs[k].topic, topic) != 0 ||
          !visible(&c->subs[k], hood_id, vis, firm))
        continue;
      const char *msg = json_string_value(json_object_get(r, "msg"));
      nb_ws_buf_t *b = nb__ws_buf_copy(msg, strlen(msg), 0);
      if (b) {
        nb__ws_queue(c, b, 1);
        nb__ws_buf_unref(b);
        (*replayed)++;
      }
      break;
    }
  }
  json_decref(rows);
  return 0;
}

int nb__events_subscribe(nb_conn_t *c, const json_t *msg) {
  nb_app_t *app = c->app;
  const json_t *id = json_object_get(msg, "id");
  const char *hood = json_string_value(json_object_get(msg, "hood"));
  const json_t *topics = json_object_get(msg, "topics");
  const json_t *since_v = json_object_get(msg, "since");
  if (!c->person_id) {
    send_error(c, id, "sign_in_required", NULL,
               "Sign in before subscribing to a neighbourhood's events.");
    return 0;
  }
  if (!hood || !json_is_array(topics) || json_array_size(topics) == 0 ||
      (since_v && !json_is_null(since_v) && !json_is_integer(since_v))) {
    send_error(c, id, "invalid", !hood ? "hood" : json_is_array(topics) && json_array_size(topics) ? "since" : "topics",
               "Send {\"op\":\"subscribe\",\"hood\":slug,\"topics\":[...],"
               "\"since\":last_id or null}.");
    return 0;
  }
  int64_t since = json_integer_value(since_v);
  nb_auth_t a = {0};
  a.person_id = c->person_id;
  a.is_operator = c->is_operator;
  if (nb__auth_load_hood(app, &a, hood) != 0 || !nb__auth_is_member(&a)) {
    send_error(c, id, "not_found", "hood", "There is no such neighbourhood.");
    return 0;
  }
  if (c->nsubs + json_array_size(topics) > (size_t)app->cfg.ws_subscriptions) {
    send_error(c, id, "too_many_subscriptions", "topics",
               "Too many subscriptions on this connection.");
    return 0;
  }
  /* Check every topic first: all or nothing. */
  size_t i;
  json_t *t;
  json_array_foreach(topics, i, t) {
    const char *topic = json_string_value(t);
    int perm;
    void *owner;
    if (!topic || strlen(topic) >= sizeof(c->subs[0].topic) ||
        nb__ws_topic_find(app, topic, &perm, &owner) != 0 ||
        (owner && !nb__hood_plugin_enabled(app, a.hood_id, nb__plugin_name(owner)))) {
      send_error(c, id, "unknown_topic", "topics",
                 "There is no such topic here.");
      return 0;
    }
    if (!nb__auth_allows(&a, perm)) {
      send_error(c, id, "forbidden", "topics",
                 "Your role does not allow this topic.");
      return 0;
    }
  }
  nb_ws_sub_t *subs =
      realloc(c->subs, (c->nsubs + json_array_size(topics)) * sizeof(*subs));
  if (!subs)
    return NB_ENOMEM;
  c->subs = subs;
  size_t had = c->nsubs;
  json_array_foreach(topics, i, t) {
    nb_ws_sub_t *s = &c->subs[c->nsubs];
    int dup = 0;
    for (size_t k = 0; k < c->nsubs; k++)
      dup |= c->subs[k].hood_id == a.hood_id &&
             strcmp(c->subs[k].topic, json_string_value(t)) == 0;
    if (dup)
      continue;
    memset(s, 0, sizeof(*s));
    s->hood_id = a.hood_id;
    s->roles = a.roles;
    s->nfirms = a.nfirms < 8 ? a.nfirms : 8;
    memcpy(s->firms, a.firms, (size_t)s->nfirms * sizeof(int64_t));
    snprintf(s->topic, sizeof(s->topic), "%s", json_string_value(t));
    c->nsubs++;
  }
  nb__metrics_count("nachbar_ws_subscriptions_total", "Topics subscribed",
                    (double)json_array_size(topics));
  nb__ws_subs_changed(app, (long)(c->nsubs - had));
  int64_t last = nb__events_last_id(app), replayed = 0;
  /* Live delivery starts after `last`: what is committed up to it comes
   * through the replay (or not at all without `since`), even if its
   * delivery is still waiting for the flush. */
  for (size_t k = had; k < c->nsubs; k++)
    c->subs[k].after = last;
  if (since_v && !json_is_null(since_v)) {
    if (since < meta_int(app, "events_pruned_upto") || since > last ||
        replay(c, a.hood_id, topics, since, &replayed)) {
      json_t *m = json_pack("{s:s, s:s, s:I}", "op", "resync", "hood", hood,
                            "last_id", (json_int_t)last);
      if (m && id)
        json_object_set(m, "id", (json_t *)id);
      send_op(c, m, 1);
      nb__metrics_count("nachbar_events_resyncs_total",
                        "Subscribers told to reload instead of replaying", 1);
      return 0;
    }
  }
  nb__metrics_count("nachbar_events_replayed_total", "Events replayed",
                    (double)replayed);
  json_t *m = json_pack("{s:s, s:s, s:I, s:I}", "op", "replayed", "hood", hood,
                        "last_id", (json_int_t)last, "count",
                        (json_int_t)replayed);
  if (m && id)
    json_object_set(m, "id", (json_t *)id);
  send_op(c, m, 1);
  return 0;
}

int nb__events_unsubscribe(nb_conn_t *c, const json_t *msg) {
  const json_t *id = json_object_get(msg, "id");
  const char *hood = json_string_value(json_object_get(msg, "hood"));
  const json_t *topics = json_object_get(msg, "topics");
  if (!hood || !json_is_array(topics)) {
    send_error(c, id, "invalid", !hood ? "hood" : "topics",
               "Send {\"op\":\"unsubscribe\",\"hood\":slug,\"topics\":[...]}.");
    return 0;
  }
  nb_auth_t a = {0};
  a.person_id = c->person_id;
  if (nb__auth_load_hood(c->app, &a, hood) == 0) {
    size_t w = 0;
    for (size_t k = 0; k < c->nsubs; k++) {
      int drop = 0;
      size_t i;
      json_t *t;
      json_array_foreach(topics, i, t) drop |=
          c->subs[k].hood_id == a.hood_id &&
          strcmp(c->subs[k].topic, json_string_value(t) ? json_string_value(t) : "") == 0;
      if (!drop)
        c->subs[w++] = c->subs[k];
    }
    nb__ws_subs_changed(c->app, (long)w - (long)c->nsubs);
    c->nsubs = w;
  }
  json_t *m = json_pack("{s:s}", "op", "unsubscribed");
  if (m && id)
    json_object_set(m, "id", (json_t *)id);
  send_op(c, m, 0);
  return 0;
}

/* ---- retention ---- */

static void prune(uv_timer_t *t) {
  nb_app_t *app = t->data;
  char cutoff[64];
  snprintf(cutoff, sizeof(cutoff), "-%ld days", app->cfg.event_retention_days);
  json_t *rows = NULL;
  json_t *p = json_pack("[s, I, I]", cutoff, (json_int_t)app->cfg.event_retention_max,
                        (json_int_t)PRUNE_BATCH);
  /* The highest id to drop: older than the age limit, or beyond the count
   * limit; at most one batch per tick so a big backlog never blocks. */
  int rc = nb__db_query(
      app->db,
      "SELECT max(id) AS upto FROM (SELECT id FROM nb_events WHERE "
      "ts < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?1) OR id <= (SELECT "
      "coalesce(max(id), 0) FROM nb_events) - ?2 ORDER BY id LIMIT ?3)",
      p, &rows);
  json_decref(p);
  json_t *upto = rc ? NULL : json_object_get(json_array_get(rows, 0), "upto");
  if (json_is_integer(upto) && nb__db_begin(app->db) == 0) {
    p = json_pack("[O]", upto);
    rc = nb__db_exec(app->db, "DELETE FROM nb_events WHERE id <= ?1", p, NULL, NULL);
    if (!rc)
      rc = nb__db_exec(app->db,
                       "INSERT INTO nb_meta(key, value) VALUES "
                       "('events_pruned_upto', ?1) ON CONFLICT (key) DO "
                       "UPDATE SET value = excluded.value",
                       p, NULL, NULL);
    json_decref(p);
    if (rc || nb__db_commit(app->db))
      nb__db_rollback(app->db);
  }
  json_decref(rows);
}

int nb__events_init(nb_app_t *app) {
  uv_timer_init(&app->loop, &prune_timer);
  prune_timer.data = app;
  uv_timer_start(&prune_timer, prune, 1000, PRUNE_EVERY_MS);
  prune_started = 1;
  return 0;
}

void nb__events_close(nb_app_t *app) {
  (void)app;
  pending_free();
  list_free(&ready_head, &ready_tail);
  if (prune_started && !uv_is_closing((uv_handle_t *)&prune_timer))
    uv_close((uv_handle_t *)&prune_timer, NULL);
  prune_started = 0;
}
