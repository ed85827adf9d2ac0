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

#include "app.h"
#include "nachbar/plugin.h"

#define NB_WS_SUBPROTOCOL "nachbar.v1"

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

/* Close every connection with 1001 (going away), for a clean stop. */
void nb__ws_close_all(nb_app_t *app);

/* Bytes lws allocates per connection for our state. */
size_t nb__ws_conn_size(void);

/* Open WebSocket connections. */
long nb__ws_count(nb_app_t *app);

#endif
