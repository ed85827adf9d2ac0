/*
 * The durable event log: publish in the change's transaction, deliver
 * after commit, subscribe with replay, retention (see events.c).
 */
#ifndef NB_CORE_EVENTS_H
#define NB_CORE_EVENTS_H

#include <stdint.h>
#include <jansson.h>

#include "app.h"
#include "nachbar/plugin.h"

int nb__events_init(nb_app_t *app);
void nb__events_close(nb_app_t *app);

/* Append an event (data borrowed, may be NULL). Inside an open transaction
 * it is delivered when that commits (nb__events_commit) and dropped when
 * it rolls back (nb__events_discard); outside one it is committed and
 * delivered at once. vis is enum nb_vis; vis_firm the firm for
 * NB_VIS_FIRM. Returns 0 or a negative code. */
int nb__events_publish(nb_app_t *app, int64_t hood_id, int64_t actor_id,
                       const char *topic, const char *type,
                       const json_t *data, int vis, int64_t vis_firm);

/* After a commit: deliver what was published in it. */
void nb__events_commit(nb_app_t *app);
/* After a rollback: forget what was published in it. */
void nb__events_discard(nb_app_t *app);

/* Queue the committed events to their subscribers: called by the
 * WebSocket flush (ws.c) right before it writes, so that all events
 * committed in one loop iteration take one pass over the connections. */
void nb__events_deliver(nb_app_t *app);

/* WebSocket operations subscribe {hood, topics, since} and unsubscribe. */
/* The highest event id ever used (also after pruning). */
int64_t nb__events_last_id(nb_app_t *app);

int nb__events_subscribe(nb_conn_t *c, const json_t *msg);
int nb__events_unsubscribe(nb_conn_t *c, const json_t *msg);

#endif
