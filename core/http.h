/*
 * HTTP requests on lws: read the request, enforce limits before any work,
 * route it, and write exactly one answer. A request object lives from the
 * first header to the last byte written, or until its connection closes,
 * whichever comes later when a handler answers asynchronously.
 *
 * Invariants: every answer carries the security headers and a request id;
 * every error body is {"error":{"code","message","field"?}}; a body is read
 * only for a route that exists and only up to limits.max_body.
 */
#ifndef NB_CORE_HTTP_H
#define NB_CORE_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <libwebsockets.h>

#include "app.h"
#include "router.h"

struct nb_req {
  nb_app_t *app;
  struct lws *wsi;        /* NULL once the connection has gone */
  uint64_t id;
  char rid[20];           /* request id as text, sent as X-Request-Id */
  uint64_t t0;            /* uv_hrtime() at the first header */
  char method[8];
  char *path;             /* decoded path, no query string */
  nb_match_t match;
  const nb_route_t *route;
  char route_name[128];   /* route->pattern, copied: a plugin's route can be
                             gone (plugin stopped) before the request ends */
  int matched;
  int dispatched;          /* the handler was called */
  /* body */
  char *body;
  size_t body_len;
  size_t body_expected;
  json_t *json;
  /* answer */
  int answered;           /* a respond call happened */
  int status;
  char *resp;             /* body bytes (owned) */
  size_t resp_len;
  size_t resp_sent;
  char ctype[96];
  char *extra;            /* extra header lines "Name: value\r\n" (owned) */
  size_t extra_len;
  int headers_sent;
  int close_after;        /* the body was not read: close the connection */
  int head_only;
  void *auth;             /* filled by the identity layer */
};

/* The lws callback of the "http" protocol. */
/* The security headers lws adds to every answer (vhost header list). */
const struct lws_protocol_vhost_options *nb__http_security_headers(void);

int nb__http_callback(struct lws *wsi, enum lws_callback_reasons reason,
                      void *user, void *in, size_t len);

/* Answer with `body` (stolen, malloc'd, may be NULL when len is 0). The
 * write starts when the connection is writable. Returns 0 or NB_ESTATE if
 * the request was answered already (body is freed either way). */
int nb__req_respond(nb_req_t *req, int status, const char *ctype, char *body,
                    size_t len);

/* Answer `body` (borrowed) as JSON. */
int nb__req_json(nb_req_t *req, int status, const json_t *body);

/* 429 too_many_attempts with Retry-After: `wait` seconds; `what` says
 * what was tried too often ("failed sign-ins"). */
int nb__req_too_many(nb_req_t *req, long wait, const char *what);

/* Answer the one error shape. `field` may be NULL. */
int nb__req_error(nb_req_t *req, int status, const char *code,
                  const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
int nb__req_errorv(nb_req_t *req, int status, const char *code,
                   const char *field, const char *fmt, va_list ap);

/* Add a response header (copied). NB_EINVAL on CR/LF or an empty name. */
int nb__req_header(nb_req_t *req, const char *name, const char *value);

/* Copy request header `name` ("content-type:" style, lower case with colon
 * for custom ones, or a WSI_TOKEN via nb__req_token). Returns length or
 * NB_ENOENT. */
int nb__req_token(nb_req_t *req, int token, char *buf, size_t len);

/* A header lws has no token for, by lower-case name with colon
 * ("x-csrf-token:"). Returns its length, NB_ENOENT or NB_ELIMIT. */
int nb__req_custom(nb_req_t *req, const char *name, char *buf, size_t len);

/* Check the JSON body against `schema`; on failure answer 400 with the
 * code and field, and return NB_EINVAL. */
int nb__req_check(nb_req_t *req, const nb_param_t *schema);

/* Read ?limit= (1..max_page_size, default page_size) and ?cursor= (the
 * last id of the previous page). On a bad value answer 400, NB_EINVAL. */
int nb__req_page(nb_req_t *req, long *limit, int64_t *cursor);

/* Answer {"items": rows[0..limit), "next_cursor": id or null} where rows
 * was queried with LIMIT limit+1 ordered by id after the cursor. Rows
 * (borrowed) must have an "id". */
int nb__req_page_answer(nb_req_t *req, json_t *rows, long limit);

/* Query argument `name` decoded into buf: length, NB_ENOENT or NB_ELIMIT. */
int nb__req_query(nb_req_t *req, const char *name, char *buf, size_t len);

/* Free module state at exit. */
void nb__http_close(void);

#endif
