/*
 * The running server's state, shared by the core modules. One instance,
 * owned by main.c, touched only on the loop thread (except `post`, which has
 * its own lock). Plugins never see this struct.
 */
#ifndef NB_CORE_APP_H
#define NB_CORE_APP_H

#include <stdint.h>
#include <uv.h>
#include "config.h"
#include "db.h"
#include "router.h"

struct lws_context;
typedef struct nb_plugin_list nb_plugin_list_t;
typedef struct nb_ws_registry nb_ws_registry_t;
typedef struct nb_post_queue nb_post_queue_t;
typedef struct nb_memo nb_memo_t;

typedef struct nb_app {
  nb_config_t cfg;
  int dev;                 /* started from the build directory */
  int demo;                /* --demo */
  uv_loop_t loop;
  struct lws_context *lws;
  nb_db_t *db;
  nb_memo_t *auth_memo;    /* identities and hood roles (auth.c) */
  nb_memo_t *page_memo;    /* firm directory pages (tenancy.c) */
  nb_router_t *router;
  nb_plugin_list_t *plugins;
  nb_ws_registry_t *ws;    /* topics, ws ops, open connections */
  nb_post_queue_t *posts;
  int ready;               /* database open and migrated, plugins loaded */
  int stopping;            /* signal received: refuse new work */
  int exit_code;
  long inflight;           /* HTTP requests accepted and not yet answered */
  long http_conns;         /* open HTTP connections (not WebSocket) */
  uint64_t next_request_id;
  uint64_t started_ns;     /* uv_hrtime() at exec, for start-up timing */
  uv_signal_t sigterm, sigint;
  uv_timer_t stop_timer;
  uv_timer_t heartbeat;    /* pings silent WebSockets (heartbeat.c) */
  int heartbeat_on;
  uint64_t stop_deadline;
  uint64_t stop_seen_request; /* next_request_id at the last stop poll */
} nb_app_t;

#endif
