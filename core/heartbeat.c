/*
 * WebSocket heartbeats (see heartbeat.h).
 *
 * Why not lws's own (retry_and_idle_policy): lws keeps one timer per
 * connection in a single sorted list, and every insertion walks it. With
 * 10,000 subscribers each new connection and every HTTP request's
 * timeout walked 10,000 entries: a quarter of the CPU of connecting them
 * and 3 % of a fan-out's (tests/bench/RESULTS.md). Here one timer looks at
 * every connection a few times per ping period: O(connections) per tick,
 * nothing per connection or request.
 */
#include "heartbeat.h"

#include "log.h"
#include "metrics.h"
#include "ws.h"

static void tick(uv_timer_t *t) {
  nb_app_t *app = t->data;
  uint64_t now = uv_now(&app->loop);
  uint64_t ping_ms = (uint64_t)app->cfg.ws_ping_seconds * 1000;
  uint64_t drop_ms = (uint64_t)app->cfg.ws_drop_seconds * 1000;
  long pinged = 0, dropped = 0;
  nb_conn_t *next;
  for (nb_conn_t *c = nb__ws_conns(app); c; c = next) {
    next = c->next; /* a close may unlink c */
    if (c->closing || !c->wsi)
      continue;
    uint64_t silent = now - c->last_rx;
    if (silent >= drop_ms) {
      nb__ws_close_now(c, LWS_CLOSE_STATUS_GOINGAWAY, "no answer to ping");
      dropped++;
    } else if (silent >= ping_ms && c->ping_sent <= c->last_rx) {
      pinged += nb__ws_ping(c, now);
    }
  }
  if (pinged)
    nb__metrics_count("nachbar_ws_pings_total",
                      "Pings sent to silent WebSockets", pinged);
  if (dropped) {
    nb__metrics_count("nachbar_ws_silent_closed_total",
                      "WebSockets closed for not answering a ping", dropped);
    nb__log(NB_LOG_INFO, "ws_silent_closed", "count=%ld", dropped);
  }
}

int nb__heartbeat_start(nb_app_t *app) {
  uv_timer_init(&app->loop, &app->heartbeat);
  app->heartbeat.data = app;
  app->heartbeat_on = 1;
  /* A fifth of the ping period, at most 5 s: a ping goes out at most 20 %
   * (or 5 s) late, a drop as much. The pings themselves are queued like
   * messages and written by the flush (no POLLOUT per connection). */
  uint64_t every = (uint64_t)app->cfg.ws_ping_seconds * 200;
  if (every > 5000)
    every = 5000;
  uv_timer_start(&app->heartbeat, tick, every, every);
  uv_unref((uv_handle_t *)&app->heartbeat); /* never keeps the loop alive */
  return 0;
}

void nb__heartbeat_stop(nb_app_t *app) {
  if (!app->heartbeat_on)
    return;
  app->heartbeat_on = 0;
  uv_close((uv_handle_t *)&app->heartbeat, NULL);
}
