/*
 * WebSocket endpoint /ws and the registries of event types, topics and
 * operations (see ws.h for the invariants).
 *
 * Sending: every outgoing message is one refcounted buffer with LWS_PRE
 * headroom, so one serialised message can be queued to many connections.
 * Queuing puts the connection on a list of dirty queues; the flush
 * writes each queue with one send() straight away, without asking lws
 * for POLLOUT first: toggling POLLOUT costs libuv an epoll_ctl DEL and
 * ADD per connection (a quarter of the server's CPU in the fan-out
 * profile). Only a socket that did not take everything (lws then holds the
 * rest) waits for a WRITEABLE callback, which drains the same way.
 *
 * The flush runs in libuv's check phase, after the I/O callbacks of the
 * loop iteration that queued (an idle handle keeps the poll from blocking
 * when a timer queued): HTTP answers are written before it (see
 * nb__req_respond), and everything queued in that iteration shares one
 * send() per connection. Under load the flush takes longer, more events
 * arrive meanwhile and go out together: a send() carrying several frames
 * costs little more than one carrying a single frame.
 */
#include "ws.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "events.h"
#include "idcount.h"
#include "jsonv.h"
#include "log.h"
#include "metrics.h"
#include "sendpool.h"

#define QUEUE_MAX 1024 /* messages queued to one connection before it is cut */
#define JOB_IOV 64      /* most messages one flush writes to one connection */
#define JOB_BYTES 65536 /* ... and bytes, beyond the first message */
#define PARALLEL_MIN 128 /* connections in a flush before helpers join */

/* A frame header (at most 10 bytes) fits in the headroom before a
 * buffer's payload. */
_Static_assert(LWS_PRE >= 10, "LWS_PRE too small for a frame header");

typedef struct reg_type {
  char *name;
  void *owner;
} reg_type_t;

typedef struct reg_topic {
  char *pattern;
  int perm;
  void *owner;
} reg_topic_t;

typedef struct reg_op {
  char *op;
  const nb_param_t *schema;
  int perm;
  nb_ws_op_fn fn;
  void *ud;
  void *owner;
} reg_op_t;

struct nb_ws_registry {
  reg_type_t *types;
  size_t ntypes;
  reg_topic_t *topics;
  size_t ntopics;
  reg_op_t *ops;
  size_t nops;
  nb_conn_t *conns;
  nb_idcount_t *per_person; /* open connections of each person */
  nb_ws_buf_t *ping;        /* the ping frame, shared (heartbeat.c) */
  nb_conn_t *dirty_head, *dirty_tail; /* queues waiting for the flush */
  uv_idle_t flush_idle;     /* active while a flush is due */
  uv_check_t flush_check;
  int flush_on;             /* handles initialised and not closed */
  int flush_armed;
  nb_sendpool_t *pool;      /* NULL: drain() per connection */
  nb_send_job_t *jobs;      /* one flush's sends, reused */
  nb_conn_t **jconns;       /* the connection of each job */
  struct iovec *iov;        /* the jobs' vectors, one after the other */
  size_t jcap, jccap, iovcap;
  long nconns;
  long nsockets;
  long nsubs; /* subscriptions over all connections */
};

int nb__ws_init(nb_app_t *app) {
  app->ws = calloc(1, sizeof(*app->ws));
  if (!app->ws)
    return NB_ENOMEM;
  uv_idle_init(&app->loop, &app->ws->flush_idle);
  uv_check_init(&app->loop, &app->ws->flush_check);
  app->ws->flush_check.data = app;
  app->ws->flush_on = 1;
  if (!(app->ws->per_person = nb__idcount_create()))
    return NB_ENOMEM;
  long helpers = app->cfg.ws_send_threads;
  if (helpers < 0) { /* half the CPUs, one of them the loop; at most 3 */
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    helpers = cpus >= 8 ? 3 : cpus >= 4 ? cpus / 2 - 1 : 0;
  }
  if (!(app->ws->pool = nb__sendpool_create((int)helpers)))
    nb__log(NB_LOG_WARN, "send_threads_unavailable", "wanted=%ld", helpers);
  return 0;
}

void nb__ws_stop(nb_app_t *app) {
  nb_ws_registry_t *r = app->ws;
  if (!r || !r->flush_on)
    return;
  r->flush_on = 0;
  uv_close((uv_handle_t *)&r->flush_idle, NULL);
  uv_close((uv_handle_t *)&r->flush_check, NULL);
}

void nb__ws_close(nb_app_t *app) {
  nb_ws_registry_t *r = app->ws;
  if (!r)
    return;
  nb__ws_remove_owner(app, NULL);
  nb__sendpool_destroy(r->pool);
  nb__idcount_destroy(r->per_person);
  nb__ws_buf_unref(r->ping);
  free(r->jobs);
  free(r->jconns);
  free(r->iov);
  free(r->types);
  free(r->topics);
  free(r->ops);
  free(r);
  app->ws = NULL;
}

size_t nb__ws_conn_size(void) { return sizeof(nb_conn_t); }

long nb__ws_count(nb_app_t *app) { return app->ws ? app->ws->nconns : 0; }

long nb__ws_sockets(nb_app_t *app) { return app->ws ? app->ws->nsockets : 0; }

void nb__ws_subs_changed(nb_app_t *app, long delta) {
  if (!app->ws || !delta)
    return;
  app->ws->nsubs += delta;
  nb__metrics_gauge("nachbar_ws_subscriptions",
                    "Topic subscriptions open now, over all WebSockets",
                    (double)app->ws->nsubs);
}

void nb__ws_wsi_destroyed(nb_app_t *app, struct lws *wsi, void *user) {
  const struct lws_protocols *pr = lws_get_protocol(wsi);
  nb_conn_t *c = user;
  if (!app->ws || !pr || pr->callback != nb__ws_callback || !c ||
      !c->sock_open)
    return;
  c->sock_open = 0;
  app->ws->nsockets--;
}

/* ---- registries ---- */

static int valid_token(const char *s, size_t max) {
  if (!s || !*s || strlen(s) > max)
    return 0;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' ||
          *s == '.' || *s == '/' || *s == ':' || *s == '-'))
      return 0;
  return 1;
}

int nb__ws_event_type_add(nb_app_t *app, void *owner, const char *type) {
  nb_ws_registry_t *r = app->ws;
  if (!valid_token(type, 64))
    return NB_EINVAL;
  for (size_t i = 0; i < r->ntypes; i++)
    if (strcmp(r->types[i].name, type) == 0)
      return NB_EEXIST;
  reg_type_t *p = realloc(r->types, (r->ntypes + 1) * sizeof(*p));
  if (!p)
    return NB_ENOMEM;
  r->types = p;
  if (!(p[r->ntypes].name = strdup(type)))
    return NB_ENOMEM;
  p[r->ntypes++].owner = owner;
  return 0;
}

int nb__ws_topic_add(nb_app_t *app, void *owner, const char *pattern,
                     int perm) {
  nb_ws_registry_t *r = app->ws;
  if (!valid_token(pattern, 64) || perm < NB_PERM_PUBLIC ||
      perm > NB_PERM_OPERATOR)
    return NB_EINVAL;
  for (size_t i = 0; i < r->ntopics; i++)
    if (strcmp(r->topics[i].pattern, pattern) == 0)
      return NB_EEXIST;
  reg_topic_t *p = realloc(r->topics, (r->ntopics + 1) * sizeof(*p));
  if (!p)
    return NB_ENOMEM;
  r->topics = p;
  if (!(p[r->ntopics].pattern = strdup(pattern)))
    return NB_ENOMEM;
  p[r->ntopics].perm = perm;
  p[r->ntopics++].owner = owner;
  return 0;
}

int nb__ws_op_add(nb_app_t *app, void *owner, const char *op,
                  const nb_param_t *schema, int perm, nb_ws_op_fn fn,
                  void *ud) {
  nb_ws_registry_t *r = app->ws;
  if (!valid_token(op, 64) || !fn || !schema || perm < NB_PERM_PUBLIC ||
      perm > NB_PERM_OPERATOR)
    return NB_EINVAL;
  for (size_t i = 0; i < r->nops; i++)
    if (strcmp(r->ops[i].op, op) == 0)
      return NB_EEXIST;
  reg_op_t *p = realloc(r->ops, (r->nops + 1) * sizeof(*p));
  if (!p)
    return NB_ENOMEM;
  r->ops = p;
  if (!(p[r->nops].op = strdup(op)))
    return NB_ENOMEM;
  p[r->nops].schema = schema;
  p[r->nops].perm = perm;
  p[r->nops].fn = fn;
  p[r->nops].ud = ud;
  p[r->nops++].owner = owner;
  return 0;
}

/* Remove the entries of `owner` from a registry array, freeing the heap
 * string `field` of each removed entry. */
#define REMOVE_OWNER(arr, n, field, owner)                                   \
  do {                                                                       \
    size_t w_ = 0;                                                           \
    for (size_t i_ = 0; i_ < (n); i_++) {                                    \
      if ((arr)[i_].owner == (owner))                                        \
        free((arr)[i_].field);                                               \
      else                                                                   \
        (arr)[w_++] = (arr)[i_];                                             \
    }                                                                        \
    (n) = w_;                                                                \
  } while (0)

void nb__ws_remove_owner(nb_app_t *app, void *owner) {
  nb_ws_registry_t *r = app->ws;
  if (!r)
    return;
  REMOVE_OWNER(r->types, r->ntypes, name, owner);
  REMOVE_OWNER(r->topics, r->ntopics, pattern, owner);
  REMOVE_OWNER(r->ops, r->nops, op, owner);
}

nb_conn_t *nb__ws_conns(nb_app_t *app) { return app->ws ? app->ws->conns : NULL; }

int nb__ws_event_type_owned(nb_app_t *app, const char *type, void *owner) {
  for (size_t i = 0; i < app->ws->ntypes; i++)
    if (strcmp(app->ws->types[i].name, type) == 0)
      return app->ws->types[i].owner == owner;
  return 0;
}

/* "problem/:id" matches "problem/42": same number of '/'-segments, ':'
 * segments match any non-empty segment. */
static int topic_matches(const char *pattern, const char *topic) {
  while (*pattern && *topic) {
    size_t pl = strcspn(pattern, "/"), tl = strcspn(topic, "/");
    if (!(pattern[0] == ':' && tl > 0) &&
        (pl != tl || strncmp(pattern, topic, pl) != 0))
      return 0;
    pattern += pl;
    topic += tl;
    if (*pattern != *topic)
      return 0;
    if (*pattern) {
      pattern++;
      topic++;
    }
  }
  return !*pattern && !*topic;
}

int nb__ws_topic_find(nb_app_t *app, const char *topic, int *perm,
                      void **owner) {
  for (size_t i = 0; i < app->ws->ntopics; i++)
    if (topic_matches(app->ws->topics[i].pattern, topic)) {
      *perm = app->ws->topics[i].perm;
      *owner = app->ws->topics[i].owner;
      return 0;
    }
  return NB_ENOENT;
}

/* ---- sending ---- */

void nb__ws_buf_unref(nb_ws_buf_t *b) {
  if (b && --b->refs == 0)
    free(b);
}

nb_ws_buf_t *nb__ws_buf_copy(const void *payload, size_t len, int ping) {
  nb_ws_buf_t *b = malloc(sizeof(*b) + LWS_PRE + len);
  if (b) {
    b->refs = 1;
    b->ping = ping;
    b->len = len;
    memcpy(b->data + LWS_PRE, payload, len);
  }
  return b;
}

nb_ws_buf_t *nb__ws_buf_json(const json_t *msg) {
  char *text = json_dumps(msg, JSON_COMPACT);
  if (!text)
    return NULL;
  nb_ws_buf_t *b = nb__ws_buf_copy(text, strlen(text), 0);
  free(text);
  return b;
}

static void dirty_del(nb_ws_registry_t *r, nb_conn_t *c);
static nb_ws_buf_t *dequeue(nb_conn_t *c);

/* Drop what is queued to `c` and take it off the flush's list: once its
 * close frame is on the way nothing may follow it (RFC 6455 5.5.1); the
 * client replays what it missed with `since`. */
static void drop_queue(nb_conn_t *c) {
  dirty_del(c->app->ws, c);
  while (c->qlen)
    nb__ws_buf_unref(dequeue(c));
}

/* Nothing more is written to `c`; lws closes it soon (from outside this
 * connection's own callback). */
static void cut(nb_conn_t *c) {
  c->closing = 1;
  drop_queue(c);
  lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

/* Close with a code and reason. */
static void conn_kill(nb_conn_t *c, int code, const char *reason) {
  if (c->closing || !c->wsi)
    return;
  lws_close_reason(c->wsi, (enum lws_close_status)code,
                   (unsigned char *)reason, strlen(reason));
  cut(c);
}

/* The ping carries two bytes: lws 4.1.6 drops an empty pong without
 * calling us (ops-ws.c, "PONG && !eb_in.len"), and a pong echoes the
 * ping's payload. One buffer serves every connection. */
int nb__ws_ping(nb_conn_t *c, uint64_t now) {
  nb_ws_registry_t *r = c->app->ws;
  if (!r->ping && !(r->ping = nb__ws_buf_copy("nb", 2, 1)))
    return 0;
  c->ping_sent = now;
  return nb__ws_queue(c, r->ping, 0) == 0;
}

static int drain(nb_conn_t *c);

static void dirty_del(nb_ws_registry_t *r, nb_conn_t *c) {
  if (!c->dirty)
    return;
  if (c->dprev)
    c->dprev->dnext = c->dnext;
  else
    r->dirty_head = c->dnext;
  if (c->dnext)
    c->dnext->dprev = c->dprev;
  else
    r->dirty_tail = c->dprev;
  c->dprev = c->dnext = NULL;
  c->dirty = 0;
}

static void count_sent(long n) {
  if (n > 0)
    nb__metrics_count("nachbar_ws_messages_sent_total",
                      "WebSocket messages written (heartbeat pings included)",
                      (double)n);
}

/* The frame of message `b` (header in its headroom, then the payload;
 * the same bytes for every connection: server frames are not masked). */
static unsigned char *frame_of(nb_ws_buf_t *b, size_t *len) {
  unsigned char hdr[10];
  size_t h = 0;
  hdr[h++] = b->ping ? 0x89 : 0x81; /* FIN, ping or text */
  if (b->len < 126) {
    hdr[h++] = (unsigned char)b->len;
  } else if (b->len < 65536) {
    hdr[h++] = 126;
    hdr[h++] = (unsigned char)(b->len >> 8);
    hdr[h++] = (unsigned char)b->len;
  } else {
    hdr[h++] = 127;
    for (int i = 7; i >= 0; i--)
      hdr[h++] = (unsigned char)((uint64_t)b->len >> (8 * i));
  }
  unsigned char *f = b->data + LWS_PRE - h;
  memcpy(f, hdr, h);
  *len = h + b->len;
  return f;
}

static int grow(void **p, size_t *cap, size_t need, size_t size) {
  if (need <= *cap)
    return 0;
  size_t n = *cap ? *cap : 256;
  while (n < need)
    n *= 2;
  void *q = realloc(*p, n * size);
  if (!q)
    return NB_ENOMEM;
  *p = q;
  *cap = n;
  return 0;
}

/* Queue the sends of connection `c` as job r->jobs[nj], its vectors
 * appended at r->iov[*niov] (the jobs' iov pointers are set when the
 * array has stopped growing). */
static int add_job(nb_ws_registry_t *r, nb_conn_t *c, size_t nj,
                   size_t *niov) {
  size_t k = 0, bytes = 0;
  if (grow((void **)&r->jobs, &r->jcap, nj + 1, sizeof(*r->jobs)) ||
      grow((void **)&r->jconns, &r->jccap, nj + 1, sizeof(*r->jconns)) ||
      grow((void **)&r->iov, &r->iovcap, *niov + JOB_IOV, sizeof(*r->iov)))
    return NB_ENOMEM;
  while (k < c->qlen && k < JOB_IOV && (k == 0 || bytes < JOB_BYTES)) {
    size_t len;
    unsigned char *f = frame_of(c->q[(c->qhead + k) % c->qcap], &len);
    r->iov[*niov + k] = (struct iovec){f, len};
    bytes += len;
    k++;
  }
  r->jobs[nj] = (nb_send_job_t){.fd = lws_get_socket_fd(c->wsi),
                                .iovcnt = (int)k};
  r->jconns[nj] = c;
  *niov += k;
  return 0;
}

/* After the sends: drop what went out, hand the unsent end of a frame the
 * socket took only in part to lws (which writes it before anything else),
 * wait for WRITEABLE for the rest. The number of messages written. */
static long settle(nb_conn_t *c, nb_send_job_t *j) {
  int whole;
  size_t part;
  if (j->err) { /* the peer is gone */
    cut(c);
    return 0;
  }
  nb__send_progress(j, &whole, &part);
  for (int i = 0; i < whole; i++)
    nb__ws_buf_unref(dequeue(c));
  if (part) {
    size_t rest = j->iov[whole].iov_len - part;
    nb__metrics_count("nachbar_ws_partial_writes_total",
                      "Writes a socket took only in part (a slow reader)", 1);
    unsigned char *tail = malloc(LWS_PRE + rest);
    int n = -1;
    if (tail) {
      memcpy(tail + LWS_PRE, (unsigned char *)j->iov[whole].iov_base + part,
             rest);
      n = lws_write(c->wsi, tail + LWS_PRE, rest, LWS_WRITE_RAW);
      free(tail);
    }
    nb__ws_buf_unref(dequeue(c));
    whole++;
    if (n < 0) { /* out of memory or the peer is gone: the stream is cut */
      cut(c);
      return whole;
    }
  }
  if (c->qlen)
    lws_callback_on_writable(c->wsi);
  return whole;
}

/* Write every dirty queue now; see the top of this file. With a send pool
 * the frames are gathered first (sendmsg vectors pointing into the shared
 * buffers, nothing copied) and written by the loop thread and the helpers
 * together; lws is called only before and after, on this thread. */
static void flush_run(nb_ws_registry_t *r) {
  long sent = 0;
  size_t nj = 0, niov = 0;
  for (nb_conn_t *c; (c = r->dirty_head);) {
    dirty_del(r, c);
    if (c->closing || !c->wsi || !c->qlen)
      continue;
    if (lws_partial_buffered(c->wsi)) { /* lws asked for POLLOUT itself */
      lws_callback_on_writable(c->wsi);
      continue;
    }
    if (r->pool && !lws_is_ssl(c->wsi) && add_job(r, c, nj, &niov) == 0) {
      nj++;
      continue;
    }
    int n = drain(c);
    if (n < 0) /* the peer is gone: lws marked the socket unusable */
      cut(c);
    else
      sent += n;
  }
  if (nj) {
    for (size_t i = 0, at = 0; i < nj; at += (size_t)r->jobs[i++].iovcnt)
      r->jobs[i].iov = r->iov + at;
    nb__sendpool_run(r->pool, r->jobs, nj, PARALLEL_MIN);
    for (size_t i = 0; i < nj; i++)
      sent += settle(r->jconns[i], &r->jobs[i]);
  }
  count_sent(sent);
}

static void flush_idle(uv_idle_t *h) { (void)h; }

static void flush_check(uv_check_t *h) {
  nb_app_t *app = h->data;
  nb_ws_registry_t *r = app->ws;
  nb__events_deliver(app); /* still armed: queuing does not arm again */
  uv_idle_stop(&r->flush_idle);
  uv_check_stop(&r->flush_check);
  r->flush_armed = 0;
  flush_run(r);
}

static void arm_flush(nb_ws_registry_t *r) {
  if (!r->flush_armed) {
    r->flush_armed = 1;
    uv_idle_start(&r->flush_idle, flush_idle);
    uv_check_start(&r->flush_check, flush_check);
  }
}

int nb__ws_flush_soon(nb_app_t *app) {
  nb_ws_registry_t *r = app->ws;
  if (!r || !r->flush_on)
    return 0;
  arm_flush(r);
  return 1;
}

static void dirty_add(nb_conn_t *c) {
  nb_ws_registry_t *r = c->app->ws;
  if (!r->flush_on) { /* stopping: lws writes it (or drops it on close) */
    lws_callback_on_writable(c->wsi);
    return;
  }
  if (!c->dirty) {
    c->dirty = 1;
    c->dprev = r->dirty_tail;
    c->dnext = NULL;
    if (r->dirty_tail)
      r->dirty_tail->dnext = c;
    else
      r->dirty_head = c;
    r->dirty_tail = c;
  }
  arm_flush(r);
}

int nb__ws_queue(nb_conn_t *c, nb_ws_buf_t *b, int force) {
  if (c->closing)
    return NB_ESTATE;
  if (c->qlen >= QUEUE_MAX && !force) {
    nb__metrics_count("nachbar_ws_queue_overflows_total",
                      "Connections cut because they fell behind", 1);
    nb__log(NB_LOG_WARN, "ws_too_slow", "queued=%d", QUEUE_MAX);
    conn_kill(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "too slow: reconnect");
    return NB_ELIMIT;
  }
  if (c->qlen == c->qcap) {
    /* Grow the ring (idle connections hold none: memory per connection
     * stays small). Unwrap into the new array so qhead becomes 0. */
    size_t cap = c->qcap ? c->qcap * 2 : 8;
    nb_ws_buf_t **q = malloc(cap * sizeof(*q));
    if (!q)
      return NB_ENOMEM;
    for (size_t i = 0; i < c->qlen; i++)
      q[i] = c->q[(c->qhead + i) % c->qcap];
    free(c->q);
    c->q = q;
    c->qcap = cap;
    c->qhead = 0;
  }
  b->refs++;
  c->q[(c->qhead + c->qlen++) % c->qcap] = b;
  if (c->qlen == 1)
    dirty_add(c);
  return 0;
}

int nb__ws_send(nb_conn_t *conn, const json_t *msg) {
  if (!conn || !msg)
    return NB_EINVAL;
  nb_ws_buf_t *b = nb__ws_buf_json(msg);
  if (!b)
    return NB_ENOMEM;
  int rc = nb__ws_queue(conn, b, 0);
  nb__ws_buf_unref(b);
  return rc;
}

/* Take the message at the head of the queue (the caller owns the ref). */
static nb_ws_buf_t *dequeue(nb_conn_t *c) {
  nb_ws_buf_t *b = c->q[c->qhead];
  c->q[c->qhead] = NULL;
  c->qhead = (c->qhead + 1) % c->qcap;
  c->qlen--;
  return b;
}

/* Append the frame of `b` to `out`. */
static size_t put_frame(unsigned char *out, nb_ws_buf_t *b) {
  size_t len;
  const unsigned char *f = frame_of(b, &len);
  memcpy(out, f, len);
  return len;
}

/* Write what is queued; the number of messages written, or -1 when the
 * socket failed. Several messages go out as ready-made frames in
 * one buffer and one send() (LWS_WRITE_RAW): the profile of a fan-out to
 * 10,000 subscribers was one send() per message, most of the server's CPU.
 * lws keeps what the socket does not take and sends it before the next
 * writeable callback, so frames never interleave. */
static int drain(nb_conn_t *c) {
  static unsigned char batch[LWS_PRE + 65536];
  size_t off = LWS_PRE, sent = 0;
  if (c->qlen == 1 ||
      (c->qlen && c->q[c->qhead]->len + 10 > sizeof(batch) - LWS_PRE)) {
    nb_ws_buf_t *b = dequeue(c); /* one message, or one too big to batch */
    int n = lws_write(c->wsi, b->data + LWS_PRE, b->len,
                      b->ping ? LWS_WRITE_PING : LWS_WRITE_TEXT);
    nb__ws_buf_unref(b);
    if (n < 0)
      return -1;
    sent = 1;
  } else {
    while (c->qlen && off + c->q[c->qhead]->len + 10 <= sizeof(batch)) {
      nb_ws_buf_t *b = dequeue(c);
      off += put_frame(batch + off, b);
      nb__ws_buf_unref(b);
      sent++;
    }
    if (sent &&
        lws_write(c->wsi, batch + LWS_PRE, off - LWS_PRE, LWS_WRITE_RAW) < 0)
      return -1;
  }
  if (c->qlen)
    lws_callback_on_writable(c->wsi);
  return (int)sent;
}

/* ---- receiving ---- */

static void send_error(nb_conn_t *c, const char *code, const char *field,
                       const char *message, const json_t *id) {
  json_t *m = json_pack("{s:s, s:s, s:s}", "op", "error", "code", code,
                        "message", message);
  if (!m)
    return;
  if (field && *field)
    json_object_set_new(m, "field", json_string(field));
  if (id)
    json_object_set(m, "id", (json_t *)id);
  nb__ws_send(c, m);
  json_decref(m);
}

static void handle_message(nb_conn_t *c, const char *buf, size_t len) {
  nb_app_t *app = c->app;
  nb_ws_registry_t *r = app->ws;
  nb_json_limits_t lim = {app->cfg.limits.max_json_depth,
                          app->cfg.limits.max_string,
                          app->cfg.limits.max_keys};
  nb_json_error_t err;
  json_t *msg = NULL, *args = NULL;
  nb__metrics_count("nachbar_ws_messages_received_total",
                    "WebSocket messages received", 1);
  if (nb__json_parse(buf, len, &lim, &msg, &err) != 0) {
    send_error(c, err.code, err.field, err.message, NULL);
    goto out;
  }
  const json_t *id = json_object_get(msg, "id");
  const char *op = json_string_value(json_object_get(msg, "op"));
  if (!json_is_object(msg) || !op) {
    send_error(c, "bad_message", "op",
               "Send a JSON object with a string \"op\".", id);
    goto out;
  }
  if (strcmp(op, "subscribe") == 0) {
    nb__events_subscribe(c, msg);
    goto out;
  }
  if (strcmp(op, "unsubscribe") == 0) {
    nb__events_unsubscribe(c, msg);
    goto out;
  }
  if (strcmp(op, "ping") == 0) {
    json_t *pong = json_pack("{s:s}", "op", "pong");
    if (pong && id)
      json_object_set(pong, "id", (json_t *)id);
    nb__ws_send(c, pong);
    json_decref(pong);
    goto out;
  }
  for (size_t i = 0; i < r->nops; i++) {
    reg_op_t *o = &r->ops[i];
    if (strcmp(o->op, op) != 0)
      continue;
    if (o->perm != NB_PERM_PUBLIC && !c->person_id) {
      send_error(c, "sign_in_required", NULL, "Please sign in to use this.",
                 id);
      goto out;
    }
    args = json_deep_copy(msg);
    json_object_del(args, "op");
    json_object_del(args, "id");
    if (nb__json_check(args, o->schema, &lim, &err) != 0) {
      send_error(c, err.code, err.field, err.message, id);
      goto out;
    }
    if (o->fn(c, msg, o->ud) < 0)
      send_error(c, "internal", NULL,
                 "The operation failed on the server. Please retry.", id);
    goto out;
  }
  send_error(c, "unknown_op", "op", "This operation does not exist.", id);
out:
  json_decref(args);
  json_decref(msg);
}

/* ---- connections ---- */

/* The request path must be /ws; a browser's Origin must be ours (the
 * configured public origin, or the Host it connected to). Refusing here
 * stops cross-site WebSocket hijacking. */
static int accept_upgrade(nb_app_t *app, struct lws *wsi) {
  char uri[64], origin[256], host[256], expect[300];
  if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) >= (int)sizeof(uri) ||
      lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) < 0 ||
      strcmp(uri, "/ws") != 0)
    return 0;
  if (lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) <= 0)
    return 1; /* not a browser: scripts authenticate with tokens */
  if (lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) >= (int)sizeof(origin) ||
      lws_hdr_copy(wsi, origin, sizeof(origin), WSI_TOKEN_ORIGIN) < 0)
    return 0;
  if (app->cfg.public_origin[0] && strcmp(origin, app->cfg.public_origin) == 0)
    return 1;
  if (lws_hdr_total_length(wsi, WSI_TOKEN_HOST) <= 0 ||
      lws_hdr_total_length(wsi, WSI_TOKEN_HOST) >= (int)sizeof(host) ||
      lws_hdr_copy(wsi, host, sizeof(host), WSI_TOKEN_HOST) < 0)
    return 0;
  snprintf(expect, sizeof(expect), "http://%s", host);
  if (strcmp(origin, expect) == 0)
    return 1;
  snprintf(expect, sizeof(expect), "https://%s", host);
  return strcmp(origin, expect) == 0;
}

/* Who opens this connection: session cookie or bearer token. */
static void identify(nb_app_t *app, struct lws *wsi, nb_auth_t *a) {
  char authz[512], cookie[4096];
  int ha = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_AUTHORIZATION) > 0 &&
           lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_AUTHORIZATION) < (int)sizeof(authz) &&
           lws_hdr_copy(wsi, authz, sizeof(authz), WSI_TOKEN_HTTP_AUTHORIZATION) > 0;
  int hc = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_COOKIE) > 0 &&
           lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_COOKIE) < (int)sizeof(cookie) &&
           lws_hdr_copy(wsi, cookie, sizeof(cookie), WSI_TOKEN_HTTP_COOKIE) > 0;
  nb__auth_resolve(app, ha ? authz : NULL, hc ? cookie : NULL, a);
}

/* Close `c` with a close frame carrying `code` and `reason`, at once:
 * only from outside `c`'s own callback (lws may report CLOSED at once,
 * which unlinks `c`: take c->next first when walking the list). What is
 * still queued is dropped: the client replays it with `since` after
 * reconnecting. lws writes the close frame on the next writeable and frees
 * the socket when the peer acknowledges (or after 5 s). Returning -1 from
 * the writeable callback instead makes lws 4.1.6 on libuv cut the socket
 * without the frame (the peer sees 1006). */
void nb__ws_close_now(nb_conn_t *c, int code, const char *reason) {
  if (c->closing || !c->wsi)
    return;
  c->closing = 1;
  drop_queue(c);
  lws_close_reason(c->wsi, (enum lws_close_status)code,
                   (unsigned char *)reason, strlen(reason));
  lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_SYNC);
}

void nb__ws_reauth_person(nb_app_t *app, int64_t person_id) {
  if (!app->ws || !person_id)
    return;
  nb_conn_t *next;
  for (nb_conn_t *c = app->ws->conns; c; c = next) {
    next = c->next; /* lws may report CLOSED at once */
    if (c->person_id == person_id)
      nb__ws_close_now(c, NB_WS_CLOSE_REAUTH, "access changed: reconnect");
  }
}

void nb__ws_close_all(nb_app_t *app) {
  if (!app->ws)
    return;
  /* lws may report CLOSED at once, which unlinks the connection. */
  nb_conn_t *next;
  for (nb_conn_t *c = app->ws->conns; c; c = next) {
    next = c->next;
    nb__ws_close_now(c, LWS_CLOSE_STATUS_GOINGAWAY, "server stopping");
  }
}

int nb__ws_callback(struct lws *wsi, enum lws_callback_reasons reason,
                    void *user, void *in, size_t len) {
  nb_app_t *app = lws_context_user(lws_get_context(wsi));
  nb_conn_t *c = user;

  switch (reason) {
  case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: {
    if (app->stopping || !accept_upgrade(app, wsi)) {
      nb__log(NB_LOG_WARN, "ws_refused", "reason=%s",
              app->stopping ? "stopping" : "path_or_origin");
      return 1;
    }
    nb_auth_t a = {0};
    identify(app, wsi, &a);
    if (a.person_id && nb__idcount_get(app->ws->per_person, a.person_id) >=
                           app->cfg.ws_per_person) {
      nb__log(NB_LOG_WARN, "ws_refused", "reason=connections_per_person");
      return 1;
    }
    return 0;
  }
  case LWS_CALLBACK_ESTABLISHED:
    memset(c, 0, sizeof(*c));
    c->app = app;
    c->wsi = wsi;
    c->sock_open = 1;
    c->last_rx = uv_now(&app->loop);
    app->ws->nsockets++;
    {
      nb_auth_t a = {0};
      identify(app, wsi, &a);
      c->person_id = a.person_id;
      c->is_operator = a.is_operator;
      c->counted = a.person_id &&
                   nb__idcount_add(app->ws->per_person, a.person_id, 1) > 0;
    }
    c->next = app->ws->conns;
    if (c->next)
      c->next->prev = c;
    app->ws->conns = c;
    app->ws->nconns++;
    nb__metrics_conn("ws", 1);
    return 0;
  case LWS_CALLBACK_RECEIVE_PONG:
    c->last_rx = uv_now(&app->loop);
    return 0;
  case LWS_CALLBACK_RECEIVE: {
    c->last_rx = uv_now(&app->loop);
    if (c->closing)
      return 0;
    long max = app->cfg.limits.ws_max_message;
    if (lws_frame_is_binary(wsi)) {
      lws_close_reason(wsi, LWS_CLOSE_STATUS_UNACCEPTABLE_OPCODE,
                       (unsigned char *)"text only", 9);
      return -1;
    }
    if (c->rx_len + len > (size_t)max ||
        c->rx_len + len + lws_remaining_packet_payload(wsi) > (size_t)max) {
      lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
                       (unsigned char *)"message too large", 17);
      return -1;
    }
    char *p = realloc(c->rx, c->rx_len + len + 1);
    if (!p)
      return -1;
    c->rx = p;
    memcpy(c->rx + c->rx_len, in, len);
    c->rx_len += len;
    if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi)) {
      size_t n = c->rx_len;
      c->rx_len = 0;
      handle_message(c, c->rx, n);
    }
    return 0;
  }
  case LWS_CALLBACK_SERVER_WRITEABLE: {
    if (!c->wsi || c->closing) /* after our close frame: nothing more */
      return 0;
    int n = drain(c);
    count_sent(n);
    return n < 0 ? -1 : 0;
  }
  case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
  case LWS_CALLBACK_WS_SERVER_DROP_PROTOCOL:
    /* lws is about to answer or send a close frame: nothing may follow
     * it, and the flush writes without asking lws first. */
    if (c && c->wsi) {
      c->closing = 1;
      drop_queue(c);
    }
    return 0;
  case LWS_CALLBACK_CLOSED:
    if (!c->wsi)
      return 0;
    if (c->prev)
      c->prev->next = c->next;
    else
      app->ws->conns = c->next;
    if (c->next)
      c->next->prev = c->prev;
    app->ws->nconns--;
    if (c->counted)
      nb__idcount_add(app->ws->per_person, c->person_id, -1);
    drop_queue(c);
    nb__metrics_conn("ws", -1);
    free(c->q);
    c->q = NULL;
    nb__ws_subs_changed(app, -(long)c->nsubs);
    free(c->subs);
    c->subs = NULL;
    c->nsubs = 0;
    free(c->rx);
    c->rx = NULL;
    c->wsi = NULL;
    return 0;
  default:
    break;
  }
  return 0;
}
