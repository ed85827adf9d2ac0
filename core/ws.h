/*
 * WebSocket endpoint /ws (subprotocol nachbar.v1) and the registries behind
 * it: event types, topics and operations declared by plugins.
 *
 * Invariants: messages are JSON objects with a string "op"; each message is
 * at most limits.ws_max_message bytes (close 1009 beyond); each connection
 * has a bounded send queue; operations are checked against their declared
 * schema before their handler runs.
 */
#ifndef NB_CORE_WS_H
#define NB_CORE_WS_H

#include <libwebsockets.h>
#include <jansson.h>
#include <stdint.h>

#include "app.h"
#include "nachbar/plugin.h"

#define NB_WS_SUBPROTOCOL "nachbar.v1"

/* One serialised message, shared by every connection it is queued to. */
typedef struct nb_ws_buf {
  int refs;
  int ping;   /* a ping control frame (heartbeat.c), not a text message */
  size_t len;
  unsigned char data[]; /* LWS_PRE headroom, then len bytes */
} nb_ws_buf_t;

/* A subscription: one topic in one neighbourhood, with what the person
 * was allowed to see there when subscribing (visibility is decided per
 * event from these). */
typedef struct nb_ws_sub {
  int64_t hood_id;
  int roles;          /* NB_ROLE_* */
  int nfirms;
  int64_t firms[8];
  int64_t after;      /* live events after this id (older ones: replay) */
  char topic[64];
} nb_ws_sub_t;

struct nb_conn {
  nb_app_t *app;
  struct lws *wsi;
  nb_ws_buf_t **q;  /* ring of qcap slots, grown on demand */
  size_t qcap, qhead, qlen;
  char *rx;
  size_t rx_len;
  int closing;
  int sock_open;           /* counted in nsockets until lws frees the wsi */
  int dirty;               /* on the registry's list of queues to flush */
  struct nb_conn *dprev, *dnext;
  int64_t person_id; /* 0: anonymous (public operations only) */
  int is_operator;
  int counted;       /* in the registry's per-person count */
  nb_ws_sub_t *subs;
  size_t nsubs;
  uint64_t last_rx;        /* uv_now() of the last frame from the client */
  uint64_t ping_sent;      /* uv_now() of the last ping (heartbeat.c) */
  struct nb_conn *prev, *next;
};

int nb__ws_init(nb_app_t *app);
void nb__ws_close(nb_app_t *app);

/* The lws callback of the nachbar.v1 protocol. */
int nb__ws_callback(struct lws *wsi, enum lws_callback_reasons reason,
                    void *user, void *in, size_t len);

/* Registrations (owner NULL = core). NB_EEXIST for a name taken. */
int nb__ws_event_type_add(nb_app_t *app, void *owner, const char *type);
int nb__ws_topic_add(nb_app_t *app, void *owner, const char *pattern,
                     int perm);
int nb__ws_op_add(nb_app_t *app, void *owner, const char *op,
                  const nb_param_t *schema, int perm, nb_ws_op_fn fn,
                  void *ud);
void nb__ws_remove_owner(nb_app_t *app, void *owner);

/* Queue `msg` (borrowed) to one connection. NB_ELIMIT when its queue is
 * full (the connection is then closed with 1008 "too slow"). */
int nb__ws_send(nb_conn_t *conn, const json_t *msg);

/* A text message of `len` bytes (copied) as a shared buffer with one
 * reference, or NULL; `ping`: a ping control frame instead. */
nb_ws_buf_t *nb__ws_buf_copy(const void *payload, size_t len, int ping);

/* A JSON message as a shared buffer with one reference (new), or NULL. */
nb_ws_buf_t *nb__ws_buf_json(const json_t *msg);
void nb__ws_buf_unref(nb_ws_buf_t *b);

/* Queue `b` to `c` (takes a reference). A connection whose queue is full
 * is closed with 1008 and NB_ELIMIT returned, unless `force` (replay,
 * which is bounded by [events] max_replay). The message is written by the
 * next flush (see ws.c), not at once: what is queued in between shares
 * one send(). */
int nb__ws_queue(nb_conn_t *c, nb_ws_buf_t *b, int force);

/* Run the flush at the end of this loop iteration (events.c queues its
 * committed events then). 0 when no flush will run (stopping). */
int nb__ws_flush_soon(nb_app_t *app);

/* The registered topic pattern matching `topic` ("problem/42" matches
 * "problem/:id"): its permission and owner. NB_ENOENT when none. */
int nb__ws_topic_find(nb_app_t *app, const char *topic, int *perm,
                      void **owner);

/* The first connection (iterate with ->next). */
nb_conn_t *nb__ws_conns(nb_app_t *app);

/* 1 when `type` was declared by `owner`. */
int nb__ws_event_type_owned(nb_app_t *app, const char *type, void *owner);

/* Stop the flush timer (idempotent): the first step of a stop. */
void nb__ws_stop(nb_app_t *app);

/* Close every connection with 1001 (going away), for a clean stop. */
void nb__ws_close_all(nb_app_t *app);

/* Close `c` now with a close frame of `code` and `reason`; only from
 * outside `c`'s own callback (CLOSED may come at once and unlink `c`:
 * take c->next first when walking the list). */
void nb__ws_close_now(nb_conn_t *c, int code, const char *reason);

/* Queue a ping to `c` (written by the next flush between two messages,
 * like one); `now` is uv_now(). 1 when queued. A connection whose queue
 * is full is cut as too slow (see nb__ws_queue). */
int nb__ws_ping(nb_conn_t *c, uint64_t now);

/* Bytes lws allocates per connection for our state. */
size_t nb__ws_conn_size(void);

/* Open WebSocket connections. */
long nb__ws_count(nb_app_t *app);

/* Close code for "who you are or what you may see changed": the client
 * reconnects (its cookie or token is checked again) and resubscribes with
 * the last id it saw, so nothing is missed and nothing is shown that the
 * new roles do not allow. */
#define NB_WS_CLOSE_REAUTH 4000

/* Close every WebSocket of `person_id` with NB_WS_CLOSE_REAUTH: after a
 * sign-out, a revoked token, a password change, changed roles or
 * memberships, a removal or a deleted account. Call after the commit. */
void nb__ws_reauth_person(nb_app_t *app, int64_t person_id);

/* Subscriptions were added (delta > 0) or dropped: keeps the
 * nachbar_ws_subscriptions gauge. */
void nb__ws_subs_changed(nb_app_t *app, long delta);

/* WebSocket sockets lws still holds: a closed connection keeps its socket
 * until the close frame is written and acknowledged. A stop waits for
 * zero so every client gets its 1001. */
long nb__ws_sockets(nb_app_t *app);

/* Called for every wsi lws frees (LWS_CALLBACK_WSI_DESTROY on protocol 0). */
void nb__ws_wsi_destroyed(nb_app_t *app, struct lws *wsi, void *user);

#endif
