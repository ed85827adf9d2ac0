/*
 * Metrics in Prometheus text format: requests by route and status, a
 * latency histogram, open connections, plugin count, and gauges/counters
 * other modules register by name. Loop thread only.
 */
#ifndef NB_CORE_METRICS_H
#define NB_CORE_METRICS_H

#include <stddef.h>

void nb__metrics_init(void);
void nb__metrics_close(void);

/* One finished HTTP request: `route` is the matched pattern, or "static",
 * "unmatched"; seconds is the time from first byte to answer. */
void nb__metrics_request(const char *method, const char *route, int status,
                         double seconds);

/* Open connections by kind ("http" or "ws"): add delta. */
void nb__metrics_conn(const char *kind, int delta);

/* Number of loaded plugins. */
void nb__metrics_plugins(int n);

/* Add to a named counter (created on first use), e.g.
 * "nachbar_ws_messages_total". `help` is used when created. */
void nb__metrics_count(const char *name, const char *help, double delta);

/* Set a named gauge. */
void nb__metrics_gauge(const char *name, const char *help, double value);

/* Render everything; returns a malloc'd NUL-terminated string and its
 * length in *len, or NULL on out of memory. */
char *nb__metrics_render(size_t *len);

#endif
