/*
 * Metrics in the Prometheus text exposition format 0.0.4.
 *
 * Families rendered, in this order:
 *   nachbar_http_requests_total{method,route,status}        counter
 *   nachbar_http_request_duration_seconds{route}            histogram, one
 *       per route label (patterns, "static", "unmatched"), across methods
 *   nachbar_connections{kind}                               gauge
 *   nachbar_plugins_loaded                                  gauge
 *   named counters and gauges (nb__metrics_count/_gauge), in creation order
 *   process_start_time_seconds, process_resident_memory_bytes,
 *   process_cpu_seconds_total
 *
 * Invariants:
 *  - Loop thread only; no locks. All state is in `S`, a zeroed struct
 *    after nb__metrics_close(), so every call also works before init.
 *  - Series live in plain growable arrays searched linearly: route labels
 *    are registered patterns, so there are a few hundred series at most.
 *  - Out of memory drops the sample rather than failing the caller: a
 *    metric is never worth failing a request for.
 *  - Histogram buckets are stored per bucket and made cumulative on render.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "metrics.h"

static const double bounds[] = {.001, .0025, .005, .01, .025, .05, .1,
                                .25,  .5,    1,    2.5, 5,    10};
static const char *const bound_text[] = {
    "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
    "0.25",  "0.5",    "1",     "2.5",  "5",     "10",   "+Inf"};
#define NBOUNDS (sizeof(bounds) / sizeof(*bounds))

typedef struct req_series {
  char *method, *route;
  int status;
  double count;
} req_series_t;

typedef struct hist_series {
  char *route;
  unsigned long long buckets[NBOUNDS + 1]; /* not cumulative; last: +Inf */
  unsigned long long count;
  double sum;
} hist_series_t;

typedef struct conn_gauge {
  char *kind;
  long value;
} conn_gauge_t;

typedef struct named {
  char *name, *help;
  int counter; /* 1: counter, 0: gauge */
  double value;
} named_t;

/* A growable array of `size`-byte elements. */
typedef struct vec {
  void *v;
  size_t n, cap;
} vec_t;

static struct {
  double start_time; /* seconds since the epoch at init */
  vec_t reqs, hists, conns, named;
  int plugins;
} S;

/* Families rendered by this file; named metrics may not reuse them. */
static const char *const reserved[] = {
    "nachbar_http_requests_total", "nachbar_http_request_duration_seconds",
    "nachbar_connections",         "nachbar_plugins_loaded",
    "process_start_time_seconds",  "process_resident_memory_bytes",
    "process_cpu_seconds_total"};

/* Append one zeroed element; returns it or NULL on out of memory. */
static void *vec_push(vec_t *v, size_t size) {
  if (v->n == v->cap) {
    size_t cap = v->cap ? v->cap * 2 : 16;
    void *p = realloc(v->v, cap * size);
    if (!p)
      return NULL;
    v->v = p;
    v->cap = cap;
  }
  void *e = (char *)v->v + v->n * size;
  memset(e, 0, size);
  v->n++;
  return e;
}

static double now_real(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void nb__metrics_init(void) {
  nb__metrics_close();
  S.start_time = now_real();
}

void nb__metrics_close(void) {
  req_series_t *r = S.reqs.v;
  for (size_t i = 0; i < S.reqs.n; i++) {
    free(r[i].method);
    free(r[i].route);
  }
  hist_series_t *h = S.hists.v;
  for (size_t i = 0; i < S.hists.n; i++)
    free(h[i].route);
  conn_gauge_t *c = S.conns.v;
  for (size_t i = 0; i < S.conns.n; i++)
    free(c[i].kind);
  named_t *m = S.named.v;
  for (size_t i = 0; i < S.named.n; i++) {
    free(m[i].name);
    free(m[i].help);
  }
  free(S.reqs.v);
  free(S.hists.v);
  free(S.conns.v);
  free(S.named.v);
  memset(&S, 0, sizeof(S));
}

static req_series_t *req_series(const char *method, const char *route,
                                int status) {
  req_series_t *r = S.reqs.v;
  for (size_t i = 0; i < S.reqs.n; i++)
    if (r[i].status == status && strcmp(r[i].route, route) == 0 &&
        strcmp(r[i].method, method) == 0)
      return &r[i];
  char *m = strdup(method), *rt = strdup(route);
  req_series_t *e = m && rt ? vec_push(&S.reqs, sizeof(*e)) : NULL;
  if (!e) {
    free(m);
    free(rt);
    return NULL;
  }
  e->method = m;
  e->route = rt;
  e->status = status;
  return e;
}

static hist_series_t *hist_series(const char *route) {
  hist_series_t *h = S.hists.v;
  for (size_t i = 0; i < S.hists.n; i++)
    if (strcmp(h[i].route, route) == 0)
      return &h[i];
  char *rt = strdup(route);
  hist_series_t *e = rt ? vec_push(&S.hists, sizeof(*e)) : NULL;
  if (!e) {
    free(rt);
    return NULL;
  }
  e->route = rt;
  return e;
}

void nb__metrics_request(const char *method, const char *route, int status,
                         double seconds) {
  if (!method)
    method = "";
  if (!route)
    route = "unmatched";
  if (!(seconds >= 0)) /* also catches NaN */
    seconds = 0;
  req_series_t *r = req_series(method, route, status);
  if (r)
    r->count++;
  hist_series_t *h = hist_series(route);
  if (!h)
    return;
  size_t b = 0;
  while (b < NBOUNDS && seconds > bounds[b])
    b++;
  h->buckets[b]++;
  h->count++;
  h->sum += seconds;
}

void nb__metrics_conn(const char *kind, int delta) {
  if (!kind)
    return;
  conn_gauge_t *c = S.conns.v;
  for (size_t i = 0; i < S.conns.n; i++) {
    if (strcmp(c[i].kind, kind) == 0) {
      c[i].value += delta;
      return;
    }
  }
  char *k = strdup(kind);
  conn_gauge_t *e = k ? vec_push(&S.conns, sizeof(*e)) : NULL;
  if (!e) {
    free(k);
    return;
  }
  e->kind = k;
  e->value = delta;
}

void nb__metrics_plugins(int n) {
  S.plugins = n;
}

/* A valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*) not used by this file. */
static int name_ok(const char *name) {
  if (!name || !*name)
    return 0;
  for (const char *p = name; *p; p++) {
    char c = *p;
    int alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                c == ':';
    if (!alpha && !(p != name && c >= '0' && c <= '9'))
      return 0;
  }
  for (size_t i = 0; i < sizeof(reserved) / sizeof(*reserved); i++)
    if (strcmp(reserved[i], name) == 0)
      return 0;
  return 1;
}

/* The named metric `name` of kind `counter`, created on first use; NULL
 * for a bad name, a name already used with the other kind, or OOM. */
static named_t *named_get(const char *name, const char *help, int counter) {
  if (!name_ok(name))
    return NULL;
  named_t *m = S.named.v;
  for (size_t i = 0; i < S.named.n; i++)
    if (strcmp(m[i].name, name) == 0)
      return m[i].counter == counter ? &m[i] : NULL;
  char *n = strdup(name), *h = help ? strdup(help) : NULL;
  named_t *e = n && (h || !help) ? vec_push(&S.named, sizeof(*e)) : NULL;
  if (!e) {
    free(n);
    free(h);
    return NULL;
  }
  e->name = n;
  e->help = h;
  e->counter = counter;
  return e;
}

void nb__metrics_count(const char *name, const char *help, double delta) {
  if (!(delta >= 0) || isinf(delta)) /* counters only go up */
    return;
  named_t *m = named_get(name, help, 1);
  if (m)
    m->value += delta;
}

void nb__metrics_gauge(const char *name, const char *help, double value) {
  named_t *m = named_get(name, help, 0);
  if (m)
    m->value = value;
}

/* ---- rendering ---- */

typedef struct sbuf {
  char *p;
  size_t len, cap;
  int oom;
} sbuf_t;

static void put(sbuf_t *b, const char *s, size_t n) {
  if (b->oom)
    return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (b->len + n + 1 > cap)
      cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
      b->oom = 1;
      return;
    }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

static void putstr(sbuf_t *b, const char *s) {
  put(b, s, strlen(s));
}

static void putf(sbuf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void putf(sbuf_t *b, const char *fmt, ...) {
  char tmp[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  if ((size_t)n < sizeof(tmp)) {
    put(b, tmp, (size_t)n);
    return;
  }
  char *big = malloc((size_t)n + 1);
  if (!big) {
    b->oom = 1;
    return;
  }
  va_start(ap, fmt);
  vsnprintf(big, (size_t)n + 1, fmt, ap);
  va_end(ap);
  put(b, big, (size_t)n);
  free(big);
}

/* A label value with \ " and newline escaped as the format requires. */
static void put_label(sbuf_t *b, const char *s) {
  for (; *s; s++) {
    if (*s == '\\')
      putstr(b, "\\\\");
    else if (*s == '"')
      putstr(b, "\\\"");
    else if (*s == '\n')
      putstr(b, "\\n");
    else
      put(b, s, 1);
  }
}

/* "# HELP name text" (\ and newline escaped) and "# TYPE name type". */
static void put_header(sbuf_t *b, const char *name, const char *help,
                       const char *type) {
  if (help) {
    putf(b, "# HELP %s ", name);
    for (const char *s = help; *s; s++) {
      if (*s == '\\')
        putstr(b, "\\\\");
      else if (*s == '\n')
        putstr(b, "\\n");
      else
        put(b, s, 1);
    }
    putstr(b, "\n");
  }
  putf(b, "# TYPE %s %s\n", name, type);
}

/* A sample value: integers without a fraction, specials as Prometheus
 * spells them, everything else with full precision. */
static void put_value(sbuf_t *b, double v) {
  if (isnan(v))
    putstr(b, "NaN");
  else if (isinf(v))
    put(b, v > 0 ? "+Inf" : "-Inf", 4);
  else if (v == floor(v) && fabs(v) < 9007199254740992.0)
    putf(b, "%.0f", v);
  else {
    /* The shortest of 15 or 17 digits that reads back as the same value. */
    char tmp[32];
    snprintf(tmp, sizeof(tmp), "%.15g", v);
    if (strtod(tmp, NULL) != v)
      snprintf(tmp, sizeof(tmp), "%.17g", v);
    putstr(b, tmp);
  }
}

static void render_requests(sbuf_t *b) {
  put_header(b, "nachbar_http_requests_total",
             "HTTP requests answered, by method, route and status", "counter");
  req_series_t *r = S.reqs.v;
  for (size_t i = 0; i < S.reqs.n; i++) {
    putstr(b, "nachbar_http_requests_total{method=\"");
    put_label(b, r[i].method);
    putstr(b, "\",route=\"");
    put_label(b, r[i].route);
    putf(b, "\",status=\"%d\"} ", r[i].status);
    put_value(b, r[i].count);
    putstr(b, "\n");
  }
  put_header(b, "nachbar_http_request_duration_seconds",
             "Time from a request's first byte to its answer, by route",
             "histogram");
  hist_series_t *h = S.hists.v;
  for (size_t i = 0; i < S.hists.n; i++) {
    unsigned long long cum = 0;
    for (size_t k = 0; k <= NBOUNDS; k++) {
      cum += h[i].buckets[k];
      putstr(b, "nachbar_http_request_duration_seconds_bucket{route=\"");
      put_label(b, h[i].route);
      putf(b, "\",le=\"%s\"} %llu\n", bound_text[k], cum);
    }
    putstr(b, "nachbar_http_request_duration_seconds_sum{route=\"");
    put_label(b, h[i].route);
    putstr(b, "\"} ");
    put_value(b, h[i].sum);
    putstr(b, "\nnachbar_http_request_duration_seconds_count{route=\"");
    put_label(b, h[i].route);
    putf(b, "\"} %llu\n", h[i].count);
  }
}

static void render_process(sbuf_t *b) {
  put_header(b, "process_start_time_seconds",
             "Start time of the process since unix epoch in seconds", "gauge");
  putstr(b, "process_start_time_seconds ");
  put_value(b, floor(S.start_time ? S.start_time : now_real()));
  putstr(b, "\n");

  /* statm: size resident shared ... in pages. Skipped when unreadable. */
  FILE *f = fopen("/proc/self/statm", "r");
  unsigned long size = 0, resident = 0;
  if (f) {
    if (fscanf(f, "%lu %lu", &size, &resident) == 2) {
      long page = sysconf(_SC_PAGESIZE);
      put_header(b, "process_resident_memory_bytes",
                 "Resident memory size in bytes", "gauge");
      putf(b, "process_resident_memory_bytes %llu\n",
           (unsigned long long)resident *
               (unsigned long long)(page > 0 ? page : 4096));
    }
    fclose(f);
  }

  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) == 0) {
    double cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
                 (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    put_header(b, "process_cpu_seconds_total",
               "Total user and system CPU time spent in seconds", "counter");
    putf(b, "process_cpu_seconds_total %.6f\n", cpu);
  }
}

/*
 * Render every family (see the top of this file). Returns a malloc'd
 * NUL-terminated string the caller frees, its length in *len (may be
 * NULL), or NULL on out of memory.
 */
char *nb__metrics_render(size_t *len) {
  sbuf_t b = {0};
  char *out = NULL;
  render_requests(&b);

  put_header(&b, "nachbar_connections", "Open connections by kind", "gauge");
  conn_gauge_t *c = S.conns.v;
  for (size_t i = 0; i < S.conns.n; i++) {
    putstr(&b, "nachbar_connections{kind=\"");
    put_label(&b, c[i].kind);
    putf(&b, "\"} %ld\n", c[i].value);
  }

  put_header(&b, "nachbar_plugins_loaded", "Plugins loaded and running",
             "gauge");
  putf(&b, "nachbar_plugins_loaded %d\n", S.plugins);

  named_t *m = S.named.v;
  for (size_t i = 0; i < S.named.n; i++) {
    put_header(&b, m[i].name, m[i].help, m[i].counter ? "counter" : "gauge");
    putf(&b, "%s ", m[i].name);
    put_value(&b, m[i].value);
    putstr(&b, "\n");
  }

  render_process(&b);
  if (b.oom)
    goto cleanup;
  out = b.p;
  b.p = NULL;
  if (len)
    *len = b.len;
cleanup:
  free(b.p);
  return out;
}
