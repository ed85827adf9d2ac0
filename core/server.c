/*
 * The server's life: open the database and migrate it, register the core
 * routes, load plugins, put lws on our libuv loop, serve, and stop cleanly.
 *
 * Clean stop (SIGTERM/SIGINT), as PLATFORM-NOTES found valgrind-clean:
 * refuse new requests (503) and close WebSockets with 1001; wait for
 * in-flight requests and one poll period without a new one (at most
 * STOP_GRACE_MS, see stop_poll); stop plugins; close our own
 * uv handles; lws_context_destroy; when uv_run returns, destroy once more,
 * run the loop once, close it; checkpoint the WAL and close the database.
 */
#include "server.h"

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netdb.h>
#include <systemd/sd-daemon.h>

#include <libwebsockets.h>

#include "events.h"
#include "http.h"
#include "mail.h"
#include "memo.h"
#include "log.h"
#include "metrics.h"
#include "migrate.h"
#include "password.h"
#include "paths.h"
#include "plugins.h"
#include "routes.h"
#include "heartbeat.h"
#include "ws.h"

#define STOP_GRACE_MS 10000
#define STOP_POLL_MS 20

static struct lws_protocols protocols[] = {
    {"http", nb__http_callback, sizeof(void *), 0, 0, NULL, 0},
    {NB_WS_SUBPROTOCOL, nb__ws_callback, 0, 4096, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0}, /* 4.1 has no LWS_PROTOCOL_LIST_TERM */
};

/* lws's own log lines, routed into ours. Its NOTICE level is chatty in
 * Debian's _DEBUG build, so it lands at debug. */
static void lws_emit(int level, const char *line) {
  char text[512];
  size_t n = strlen(line);
  while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
    n--;
  if (n >= sizeof(text))
    n = sizeof(text) - 1;
  memcpy(text, line, n);
  text[n] = '\0';
  char kv[600] = "";
  nb__log_kv(kv, sizeof(kv), "text", text);
  int ours = level & LLL_ERR ? NB_LOG_ERROR
             : level & LLL_WARN ? NB_LOG_WARN
                                : NB_LOG_DEBUG;
  nb__log(ours, "lws", "%s", kv + 1);
}

static void close_handle(uv_handle_t *h) {
  if (!uv_is_closing(h))
    uv_close(h, NULL);
}

/* Second half of the stop: no request is left (or the grace ran out). */
static void stop_finish(nb_app_t *app) {
  if (app->inflight)
    nb__log(NB_LOG_WARN, "stop_grace_over", "inflight=%ld", app->inflight);
  nb__plugins_stop(app);
  nb__post_close(app);
  nb__events_close(app);
  nb__ws_stop(app);
  nb__heartbeat_stop(app);
  nb__pw_close(); /* queued sign-ins answer 503; running ones finish */
  uv_timer_stop(&app->stop_timer);
  close_handle((uv_handle_t *)&app->stop_timer);
  close_handle((uv_handle_t *)&app->sigterm);
  close_handle((uv_handle_t *)&app->sigint);
  lws_context_destroy(app->lws);
}

/* Can ADDR:PORT be bound? lws 4.1.6 reports a port in use only in its log
 * and returns a context without a listener, which cannot even be
 * destroyed cleanly on a foreign loop: so ask first. */
static int port_free(const nb_config_t *cfg) {
  char port[8];
  struct addrinfo hints = {0}, *res = NULL;
  snprintf(port, sizeof(port), "%d", cfg->port);
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST;
  if (getaddrinfo(cfg->listen_addr, port, &hints, &res) != 0)
    return 1; /* not numeric: let lws resolve and report it */
  int ok = 1, one = 1;
  int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0) {
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    ok = bind(fd, res->ai_addr, res->ai_addrlen) == 0 || errno != EADDRINUSE;
    close(fd);
  }
  freeaddrinfo(res);
  return ok;
}

/* Finish when the server is quiet: nothing in flight, no WebSocket left,
 * and no request begun since the last poll. A request a client wrote just
 * before the signal may still sit unread in its socket or in the accept
 * backlog; closing then would answer it with a reset. Waiting one poll
 * period without a new request lets the loop read it (it gets its answer,
 * or 503 if it came after the signal). */
static void stop_poll(uv_timer_t *t) {
  nb_app_t *app = t->data;
  int quiet = app->inflight == 0 && nb__ws_sockets(app) == 0 &&
              app->next_request_id == app->stop_seen_request;
  app->stop_seen_request = app->next_request_id;
  if (quiet || uv_now(&app->loop) >= app->stop_deadline)
    stop_finish(app);
}

static void on_signal(uv_signal_t *s, int signum) {
  nb_app_t *app = s->data;
  if (app->stopping)
    return;
  app->stopping = 1;
  sd_notify(0, "STOPPING=1");
  nb__log(NB_LOG_INFO, "stopping", "signal=%s inflight=%ld ws=%ld",
          signum == SIGTERM ? "TERM" : "INT", app->inflight,
          nb__ws_count(app));
  nb__ws_close_all(app);
  app->stop_deadline = uv_now(&app->loop) + STOP_GRACE_MS;
  app->stop_seen_request = app->next_request_id;
  uv_timer_start(&app->stop_timer, stop_poll, STOP_POLL_MS, STOP_POLL_MS);
}

/* Create the data folder (0750) if needed. */
static int ensure_dir(const char *dir) {
  struct stat st;
  if (stat(dir, &st) == 0)
    return S_ISDIR(st.st_mode) ? 0 : NB_EINVAL;
  if (mkdir(dir, 0750) != 0 && errno != EEXIST)
    return NB_EINVAL;
  return 0;
}

int nb__server_open_db(nb_app_t *app) {
  char path[PATH_MAX], err[512];
  if (ensure_dir(app->cfg.data_dir)) {
    nb__log(NB_LOG_ERROR, "data_dir_unusable",
            "dir=%s hint=\"create it and make it writable for nachbar\"",
            app->cfg.data_dir);
    return NB_EINVAL;
  }
  if (nb__path_join(path, sizeof(path), app->cfg.data_dir, "nachbar.db"))
    return NB_ELIMIT;
  if (nb__db_open(&app->db, path, app->cfg.synchronous,
                  app->cfg.busy_timeout_ms)) {
    nb__log(NB_LOG_ERROR, "db_open_failed", "path=%s", path);
    return NB_EDB;
  }
  if (!(app->auth_memo = nb__memo_create(1024)) ||
      !(app->page_memo = nb__memo_create(128)))
    return NB_ENOMEM;
  if (nb__migrate_prepare(app->db) ||
      nb__migrate(app->db, "core", nb__core_migrations, err, sizeof(err))) {
    char kv[600] = "";
    nb__log_kv(kv, sizeof(kv), "detail", err);
    nb__log(NB_LOG_ERROR, "migration_failed", "owner=core%s", kv);
    return NB_EDB;
  }
  return 0;
}

static int create_lws(nb_app_t *app) {
  struct lws_context_creation_info info;
  void *foreign[1] = {&app->loop};
  memset(&info, 0, sizeof(info));
  protocols[1].per_session_data_size = nb__ws_conn_size();
  info.port = app->cfg.port;
  info.iface = app->cfg.listen_addr;
  info.protocols = protocols;
  info.user = app;
  info.foreign_loops = foreign;
  info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_VALIDATE_UTF8 |
                 LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND;
  if (!strchr(app->cfg.listen_addr, ':'))
    info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
  info.alpn = "http/1.1"; /* HTTP/2 stays unreachable (PLATFORM-NOTES) */
  info.server_string = "nachbar";
  info.headers = nb__http_security_headers();
  info.vhost_name = "nachbar";
  info.timeout_secs = (unsigned)app->cfg.limits.request_timeout;
  info.timeout_secs_ah_idle = 10;
  info.keepalive_timeout = 15;
  /* No idle policy of lws's: heartbeat.c pings silent WebSockets. Without
   * any policy lws would use its default (ping after 300 s) and keep a
   * timer per connection in its one sorted list, walked by every
   * insertion (O(connections) per connect); secs_since_valid_hangup = 0
   * turns those timers off. */
  static const lws_retry_bo_t no_idle_policy = {.secs_since_valid_hangup = 0};
  info.retry_and_idle_policy = &no_idle_policy;
  info.max_http_header_data = 8192;
  info.max_http_header_pool = 256;
  info.fd_limit_per_thread = (unsigned)app->cfg.limits.max_connections + 64;
  if (port_free(&app->cfg))
    app->lws = lws_create_context(&info);
  if (app->lws && lws_get_vhost_by_name(app->lws, "nachbar"))
    return 0;
  /* A context without its vhost (a bind failure lws only logs) is left
   * alone: destroying it outside a running stop crashes lws 4.1.6. */
  app->lws = NULL;
  nb__log(NB_LOG_ERROR, "listen_failed",
          "addr=%s port=%d hint=\"is the port in use, or is the package "
          "libwebsockets-evlib-uv missing?\"",
          app->cfg.listen_addr, app->cfg.port);
  return NB_EINVAL;
}

int nb__server_run(nb_app_t *app) {
  int rc = 1;
  /* glibc gives the top of the heap back to the kernel whenever more than
   * 128 KiB at its end are free, and SQLite's per-transaction page cache
   * sits right there: every request then paid page faults to get the
   * memory back (half the CPU of a list request in the benchmark profile).
   * Keep up to 64 MiB; RSS stays at the busiest moment's size. */
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  lws_set_log_level(LLL_ERR | LLL_WARN |
                        (nb__log_get_level() >= NB_LOG_DEBUG ? LLL_NOTICE : 0),
                    lws_emit);
  nb__metrics_init();
  if (uv_loop_init(&app->loop))
    return 1;
  if (nb__server_open_db(app) || nb__router_create(&app->router) ||
      nb__ws_init(app) || nb__heartbeat_start(app) || nb__routes_add(app) ||
      nb__post_init(app) ||
      nb__events_init(app) || nb__mail_init(app))
    goto out;
  uv_signal_init(&app->loop, &app->sigterm);
  uv_signal_init(&app->loop, &app->sigint);
  uv_timer_init(&app->loop, &app->stop_timer);
  app->sigterm.data = app->sigint.data = app->stop_timer.data = app;

  if (nb__plugins_load(app) < 0)
    goto out_handles;
  if (app->demo)
    nb__routes_demo(app);
  if (create_lws(app))
    goto out_handles;
  uv_signal_start(&app->sigterm, on_signal, SIGTERM);
  uv_signal_start(&app->sigint, on_signal, SIGINT);

  app->ready = 1;
  sd_notify(0, "READY=1");
  nb__log(NB_LOG_INFO, "listening",
          "url=http://%s:%d plugins=%d startup_ms=%.1f", app->cfg.listen_addr,
          app->cfg.port, app->plugins ? app->plugins->active : 0,
          (double)(uv_hrtime() - app->started_ns) / 1e6);

  uv_run(&app->loop, UV_RUN_DEFAULT);
  lws_context_destroy(app->lws); /* second call completes a foreign-loop stop */
  app->lws = NULL;
  rc = 0;
  goto out_loop;

out_handles:
  nb__plugins_stop(app);
  nb__post_close(app);
  nb__events_close(app);
  nb__ws_stop(app);
  nb__heartbeat_stop(app);
  close_handle((uv_handle_t *)&app->sigterm);
  close_handle((uv_handle_t *)&app->sigint);
  close_handle((uv_handle_t *)&app->stop_timer);
out_loop:
  uv_run(&app->loop, UV_RUN_DEFAULT);
out:
  if (app->posts)
    nb__post_close(app);
  nb__ws_stop(app);
  nb__heartbeat_stop(app);
  uv_run(&app->loop, UV_RUN_NOWAIT);
  if (uv_loop_close(&app->loop))
    nb__log(NB_LOG_WARN, "loop_not_empty", "hint=\"a handle was left open\"");
  nb__plugins_close(app);
  nb__ws_close(app);
  nb__mail_close();
  nb__router_destroy(app->router);
  app->router = NULL;
  if (app->db) {
    if (nb__db_checkpoint(app->db))
      nb__log(NB_LOG_WARN, "checkpoint_failed", NULL);
    nb__db_close(app->db);
    app->db = NULL;
  }
  nb__memo_destroy(app->auth_memo);
  nb__memo_destroy(app->page_memo);
  app->auth_memo = app->page_memo = NULL;
  nb__http_close();
  nb__metrics_close();
  if (rc == 0)
    nb__log(NB_LOG_INFO, "stopped", NULL);
  return rc;
}
