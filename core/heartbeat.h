/*
 * Heartbeats for WebSockets: a connection the server heard nothing from
 * for [events] ping_seconds gets a ping; one still silent after
 * [events] drop_seconds is closed (1001 "no answer to ping"), so a phone
 * that lost its network does not hold a connection and its queue forever.
 * A message from the client counts as an answer as well as the pong to
 * the ping (lws 4.1.6 tells us of neither a client's own pings nor empty
 * pongs).
 */
#ifndef NB_CORE_HEARTBEAT_H
#define NB_CORE_HEARTBEAT_H

#include "app.h"

/* Start the check (after nb__ws_init). 0. */
int nb__heartbeat_start(nb_app_t *app);

/* Stop it and close its timer (idempotent). */
void nb__heartbeat_stop(nb_app_t *app);

#endif
