/*
 * HTTP request lifecycle on lws (see http.h for the invariants).
 *
 * Order of checks for every request, cheapest first and before any body
 * byte is read: server stopping (503), method known (501), route or static
 * file exists (404/405), permission (401/403), Transfer-Encoding (411:
 * lws 4.1 hangs on chunked request bodies), Content-Length present for
 * POST/PUT/PATCH (411) and within limits.max_body (413), Content-Type JSON
 * (415). Only then is the body read, parsed within the JSON limits (400)
 * and the handler called.
 *
 * Per-request state is freed on completion and also on
 * LWS_CALLBACK_HTTP_DROP_PROTOCOL / CLOSED_HTTP, because on keep-alive lws
 * reuses the connection without telling us otherwise.
 */
#include "http.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "auth.h"
#include "db.h"
#include "jsonv.h"
#include "log.h"
#include "metrics.h"
#include "static.h"
#include "ws.h"

#define CHUNK 16384
#define SEND_BUFFER (64 * 1024)

typedef struct http_pss {
  nb_req_t *req;
} http_pss_t;

static const char *const method_names[] = {
    [LWSHUMETH_GET] = "GET",       [LWSHUMETH_POST] = "POST",
    [LWSHUMETH_OPTIONS] = "OPTIONS", [LWSHUMETH_PUT] = "PUT",
    [LWSHUMETH_PATCH] = "PATCH",   [LWSHUMETH_DELETE] = "DELETE",
    [LWSHUMETH_CONNECT] = "CONNECT", [LWSHUMETH_HEAD] = "HEAD",
};

/* Security headers on every answer, as the vhost's header list: lws adds
 * them to every status line it writes, so the answers lws makes itself
 * (403 for a method its parser does not know, an unknown Upgrade) carry
 * them too. The CSP allows only our own origin: no inline script or style,
 * no eval, WebSocket to the same host. */
static const struct lws_protocol_vhost_options sec_headers[] = {
    {&sec_headers[1], NULL, "content-security-policy:",
     "default-src 'self'; script-src 'self'; style-src 'self'; "
     "img-src 'self' data:; font-src 'self'; connect-src 'self'; "
     "object-src 'none'; base-uri 'none'; form-action 'self'; "
     "frame-ancestors 'none'"},
    {&sec_headers[2], NULL, "x-content-type-options:", "nosniff"},
    {&sec_headers[3], NULL, "x-frame-options:", "DENY"},
    {&sec_headers[4], NULL, "referrer-policy:", "same-origin"},
    {&sec_headers[5], NULL, "cross-origin-opener-policy:", "same-origin"},
    {&sec_headers[6], NULL, "cross-origin-resource-policy:", "same-origin"},
    {NULL, NULL, "permissions-policy:",
     "camera=(), microphone=(), geolocation=()"},
};

const struct lws_protocol_vhost_options *nb__http_security_headers(void) {
  return sec_headers;
}

static void req_free(nb_req_t *req) {
  if (!req)
    return;
  nb__match_close(&req->match);
  json_decref(req->json);
  free(req->path);
  free(req->body);
  free(req->resp);
  free(req->extra);
  free(req->auth);
  free(req);
}

/* Log and count one finished request, then release it. */
static void req_finish(nb_req_t *req) {
  nb_app_t *app = req->app;
  double secs = (double)(uv_hrtime() - req->t0) / 1e9;
  const char *route = req->route     ? req->route_name
                      : req->matched ? "static"
                                     : "unmatched";
  char line[1024] = "";
  size_t n = nb__log_kv(line, sizeof(line), "rid", req->rid);
  n = nb__log_kv(line, sizeof(line), "method", req->method);
  /* Secrets in paths (invitation and reset tokens) never reach the log:
   * such routes are logged by their pattern. */
  const char *logged = req->route && strstr(req->route_name, ":token")
                           ? req->route_name
                       : req->path ? req->path
                                   : "";
  n = nb__log_kv(line, sizeof(line), "path", logged);
  (void)n;
  nb__log(req->status >= 500 ? NB_LOG_ERROR : NB_LOG_INFO, "request",
          "%s status=%d dur_ms=%.3f", line + 1, req->status, secs * 1e3);
  nb__metrics_request(req->method, route, req->status, secs);
  if (app->inflight > 0)
    app->inflight--;
  req_free(req);
}

/* The connection whose request callback is running: an answer given
 * during it is written before the callback returns (answer_inline), the
 * rest wait for a writeable callback. */
static struct lws *answering_inline;

int nb__req_respond(nb_req_t *req, int status, const char *ctype, char *body,
                    size_t len) {
  if (req->answered) {
    free(body);
    return NB_ESTATE;
  }
  req->answered = 1;
  req->status = status;
  req->resp = body;
  req->resp_len = len;
  snprintf(req->ctype, sizeof(req->ctype), "%s", ctype ? ctype : "");
  if (!req->wsi) {
    /* The connection went away while a handler worked: nothing to send. */
    req_finish(req);
    return 0;
  }
  if (req->wsi != answering_inline)
    lws_callback_on_writable(req->wsi);
  return 0;
}

int nb__req_json(nb_req_t *req, int status, const json_t *body) {
  char *text = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
  if (!text)
    return nb__req_error(req, 500, "internal", NULL,
                         "The answer could not be encoded. Please retry.");
  return nb__req_respond(req, status, "application/json; charset=utf-8", text,
                         strlen(text));
}

int nb__req_errorv(nb_req_t *req, int status, const char *code,
                   const char *field, const char *fmt, va_list ap) {
  char msg[512];
  vsnprintf(msg, sizeof(msg), fmt, ap);
  json_t *err = json_pack("{s:s, s:s}", "code", code, "message", msg);
  if (err && field && *field)
    json_object_set_new(err, "field", json_string(field));
  json_t *body = err ? json_pack("{s:o}", "error", err) : NULL;
  char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
  json_decref(body);
  if (!text) {
    static const char oom[] =
        "{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}";
    text = strdup(oom);
    if (!text)
      return nb__req_respond(req, 500, "application/json", NULL, 0);
  }
  return nb__req_respond(req, status, "application/json; charset=utf-8", text,
                         strlen(text));
}

int nb__req_error(nb_req_t *req, int status, const char *code,
                  const char *field, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rc = nb__req_errorv(req, status, code, field, fmt, ap);
  va_end(ap);
  return rc;
}

int nb__req_header(nb_req_t *req, const char *name, const char *value) {
  if (req->answered) /* the headers may be on the wire already */
    return NB_ESTATE;
  if (!name || !*name || !value || strpbrk(name, "\r\n: ") ||
      strpbrk(value, "\r\n"))
    return NB_EINVAL;
  size_t add = strlen(name) + strlen(value) + 4;
  char *p = realloc(req->extra, req->extra_len + add + 1);
  if (!p)
    return NB_ENOMEM;
  req->extra = p;
  req->extra_len +=
      (size_t)sprintf(p + req->extra_len, "%s: %s\r\n", name, value);
  return 0;
}

int nb__req_token(nb_req_t *req, int token, char *buf, size_t len) {
  if (!req->wsi)
    return NB_ENOENT;
  int total = lws_hdr_total_length(req->wsi, token);
  if (total <= 0)
    return NB_ENOENT;
  if ((size_t)total >= len)
    return NB_ELIMIT;
  int n = lws_hdr_copy(req->wsi, buf, (int)len, token);
  return n < 0 ? NB_ENOENT : n;
}

int nb__req_custom(nb_req_t *req, const char *name, char *buf, size_t len) {
  if (!req->wsi)
    return NB_ENOENT;
  int nlen = (int)strlen(name);
  int total = lws_hdr_custom_length(req->wsi, name, nlen);
  if (total <= 0)
    return NB_ENOENT;
  if ((size_t)total >= len)
    return NB_ELIMIT;
  int n = lws_hdr_custom_copy(req->wsi, buf, (int)len, name, nlen);
  return n < 0 ? NB_ENOENT : n;
}

int nb__req_query(nb_req_t *req, const char *name, char *buf, size_t len) {
  char key[80], frag[8192]; /* a fragment is at most the header space */
  int kl = snprintf(key, sizeof(key), "%s=", name);
  if (len)
    buf[0] = '\0';
  if (!req->wsi || kl >= (int)sizeof(key) || !len)
    return NB_ENOENT;
  /* Walk the decoded "name=value" fragments ourselves: lws's own lookup
   * (lws_get_urlarg_by_name) stops at the first fragment that does not fit
   * the caller's buffer, so a long ?q= hid every argument after it. */
  for (int i = 0; i < 256; i++) {
    int n = lws_hdr_copy_fragment(req->wsi, frag, sizeof(frag),
                                  WSI_TOKEN_HTTP_URI_ARGS, i);
    if (n < 0)
      break; /* no fragment i (or one longer than any header) */
    if (n < kl || strncmp(frag, key, (size_t)kl) != 0)
      continue;
    size_t vl = (size_t)n - (size_t)kl;
    if (vl + 1 > len)
      return NB_ELIMIT;
    memcpy(buf, frag + kl, vl + 1);
    return (int)vl;
  }
  return NB_ENOENT;
}

int nb__req_too_many(nb_req_t *req, long wait, const char *what) {
  char ra[24];
  snprintf(ra, sizeof(ra), "%ld", wait);
  nb__req_header(req, "Retry-After", ra);
  return nb__req_error(req, 429, "too_many_attempts", NULL,
                       "Too many %s. Try again in %ld seconds.", what, wait);
}

int nb__req_check(nb_req_t *req, const nb_param_t *schema) {
  nb_app_t *app = req->app;
  nb_json_limits_t lim = {app->cfg.limits.max_json_depth,
                          app->cfg.limits.max_string,
                          app->cfg.limits.max_keys};
  nb_json_error_t err;
  json_t *empty = req->json ? NULL : json_object();
  int rc = nb__json_check(req->json ? req->json : empty, schema, &lim, &err);
  json_decref(empty);
  if (rc == 0)
    return 0;
  nb__req_error(req, 400, err.code, err.field[0] ? err.field : NULL, "%s",
                err.message);
  return NB_EINVAL;
}

int nb__req_page(nb_req_t *req, long *limit, int64_t *cursor) {
  char buf[32], *end;
  const nb_limits_t *l = &req->app->cfg.limits;
  *limit = l->page_size;
  *cursor = 0;
  int n = nb__req_query(req, "limit", buf, sizeof(buf));
  if (n >= 0) {
    long v = strtol(buf, &end, 10);
    if (n == 0 || *end || v < 1 || v > l->max_page_size) {
      nb__req_error(req, 400, "invalid", "limit",
                    "limit must be a number from 1 to %ld.", l->max_page_size);
      return NB_EINVAL;
    }
    *limit = v;
  } else if (n == NB_ELIMIT) {
    nb__req_error(req, 400, "invalid", "limit", "limit is too long.");
    return NB_EINVAL;
  }
  n = nb__req_query(req, "cursor", buf, sizeof(buf));
  if (n >= 0) {
    long long v = strtoll(buf, &end, 10);
    if (n == 0 || *end || v < 0) {
      nb__req_error(req, 400, "invalid", "cursor",
                    "cursor must be the next_cursor of the previous page.");
      return NB_EINVAL;
    }
    *cursor = v;
  } else if (n == NB_ELIMIT) {
    nb__req_error(req, 400, "invalid", "cursor", "cursor is too long.");
    return NB_EINVAL;
  }
  return 0;
}

int nb__req_page_answer(nb_req_t *req, json_t *rows, long limit) {
  json_t *next = json_null();
  if (json_array_size(rows) > (size_t)limit) {
    json_array_remove(rows, (size_t)limit);
    next = json_copy(
        json_object_get(json_array_get(rows, (size_t)limit - 1), "id"));
  }
  json_t *body = json_pack("{s:O, s:o}", "items", rows, "next_cursor", next);
  int rc = body ? nb__req_json(req, 200, body) : NB_ENOMEM;
  json_decref(body);
  return rc;
}

/* Call the matched handler; answer 500 if it failed without answering. */
static void dispatch(nb_req_t *req) {
  req->dispatched = 1;
  int rc = req->route->fn(req, req->route->ud);
  if (rc < 0 && !req->answered) {
    nb__log(NB_LOG_ERROR, "handler_failed", "rid=%s route=%s rc=%d", req->rid,
            req->route->pattern, rc);
    nb__req_error(req, 500, "internal", NULL,
                  "Something went wrong on the server. Please retry; if it "
                  "persists, tell your coordinator the request id %s.",
                  req->rid);
  }
}

static int content_type_is_json(nb_req_t *req) {
  char ct[128];
  if (nb__req_token(req, WSI_TOKEN_HTTP_CONTENT_TYPE, ct, sizeof(ct)) <= 0)
    return 0;
  size_t n = strcspn(ct, "; ");
  return n == strlen("application/json") &&
         strncasecmp(ct, "application/json", n) == 0;
}

/* Decide what to do with a request once its headers are in. Returns 0 to
 * go on (body pending or answered), -1 to hang up. */
static int on_headers(nb_app_t *app, struct lws *wsi, http_pss_t *pss,
                      const char *in) {
  nb_req_t *req = calloc(1, sizeof(*req));
  if (!req)
    return -1;
  pss->req = req;
  req->app = app;
  req->wsi = wsi;
  req->t0 = uv_hrtime();
  req->id = ++app->next_request_id;
  snprintf(req->rid, sizeof(req->rid), "%llx", (unsigned long long)req->id);
  app->inflight++;

  char *uri;
  int ulen;
  int m = lws_http_get_uri_and_method(wsi, &uri, &ulen);
  snprintf(req->method, sizeof(req->method), "%s",
           m >= 0 && m <= LWSHUMETH_HEAD ? method_names[m] : "?");
  req->path = strdup(in ? in : "/");
  if (!req->path)
    return -1;
  req->head_only = m == LWSHUMETH_HEAD;

  if (app->stopping) {
    req->close_after = 1;
    return nb__req_error(req, 503, "stopping", NULL,
                         "The server is restarting. Please retry in a "
                         "moment."),
           0;
  }
  if (m < 0 || m == LWSHUMETH_CONNECT || m > LWSHUMETH_HEAD) {
    req->close_after = 1;
    return nb__req_error(req, 501, "method_not_supported", NULL,
                         "This method is not supported."),
           0;
  }

  char allow[96];
  int rc = nb__router_match(app->router, req->method, req->path, &req->match,
                            allow, sizeof(allow));
  if (rc == NB__EMETHOD) {
    req->matched = 1;
    nb__req_header(req, "Allow", allow);
    req->close_after = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0;
    return nb__req_error(req, 405, "method_not_allowed", NULL,
                         "%s is not allowed here; allowed: %s.", req->method,
                         allow),
           0;
  }
  if (rc == NB_EINVAL) {
    req->close_after = 1;
    return nb__req_error(req, 400, "bad_path", NULL,
                         "The address is malformed."),
           0;
  }
  if (rc == NB_ENOENT) {
    if ((m == LWSHUMETH_GET || m == LWSHUMETH_HEAD) &&
        strncmp(req->path, "/api/", 5) != 0) {
      req->matched = 1;
      if (nb__static_serve(req) == 0)
        return 0;
      req->matched = 0;
    }
    req->close_after =
        lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0;
    return nb__req_error(req, 404, "not_found", NULL,
                         "There is nothing at this address."),
           0;
  }
  req->route = req->match.route;
  if (req->route)
    snprintf(req->route_name, sizeof(req->route_name), "%s",
             req->route->pattern);
  req->matched = 1;

  int has_te = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0;
  char clbuf[32];
  int has_cl = nb__req_token(req, WSI_TOKEN_HTTP_CONTENT_LENGTH, clbuf,
                             sizeof(clbuf)) > 0;
  int wants_body = m == LWSHUMETH_POST || m == LWSHUMETH_PUT ||
                   m == LWSHUMETH_PATCH;
  if (has_te) {
    req->close_after = 1;
    return nb__req_error(req, 411, "length_required", NULL,
                         "Send the body with a Content-Length header; "
                         "chunked bodies are not accepted."),
           0;
  }
  if (wants_body && !has_cl) {
    req->close_after = 1;
    return nb__req_error(req, 411, "length_required", NULL,
                         "Send a Content-Length header with the body."),
           0;
  }
  unsigned long long cl = 0;
  if (has_cl) {
    char *end;
    errno = 0;
    cl = strtoull(clbuf, &end, 10);
    if (errno || end == clbuf || *end || clbuf[0] == '-') {
      req->close_after = 1;
      return nb__req_error(req, 400, "bad_content_length", NULL,
                           "The Content-Length header is not a number."),
             0;
    }
  }
  if (cl > (unsigned long long)app->cfg.limits.max_body) {
    req->close_after = 1;
    return nb__req_error(req, 413, "body_too_large", NULL,
                         "The body is larger than the limit of %ld bytes.",
                         app->cfg.limits.max_body),
           0;
  }
  if (cl > 0 && !content_type_is_json(req)) {
    req->close_after = 1;
    return nb__req_error(req, 415, "unsupported_media_type", NULL,
                         "Send the body as application/json."),
           0;
  }
  /* Permission after the cheap shape checks, before reading the body. */
  if (nb__auth_check(req, req->route->perm) != 0) {
    req->close_after = cl > 0;
    return 0;
  }
  if (cl > 0) {
    req->body = malloc(cl);
    if (!req->body)
      return -1;
    req->body_expected = cl;
    return 0; /* wait for LWS_CALLBACK_HTTP_BODY */
  }
  dispatch(req);
  return 0;
}

static void on_body_complete(nb_req_t *req) {
  nb_app_t *app = req->app;
  if (req->body_len != req->body_expected) {
    req->close_after = 1;
    nb__req_error(req, 400, "bad_body", NULL,
                  "The body ended before Content-Length bytes arrived.");
    return;
  }
  nb_json_limits_t lim = {app->cfg.limits.max_json_depth,
                          app->cfg.limits.max_string,
                          app->cfg.limits.max_keys};
  nb_json_error_t err;
  if (nb__json_parse(req->body, req->body_len, &lim, &req->json, &err) != 0) {
    nb__req_error(req, 400, err.code, err.field[0] ? err.field : NULL, "%s",
                  err.message);
    return;
  }
  nb__db_read_scope(app->db, 1);
  dispatch(req);
  nb__db_read_scope(app->db, 0);
}

/* Write the status line and headers, and with `body` the whole body
 * behind them in the same write (one send(), one writeable round instead
 * of two: the profile of small answers showed each round's POLLOUT toggle
 * costing libuv an epoll_ctl DEL and ADD). Returns 0 or -1 to hang up. */
static int write_headers(nb_req_t *req, int body) {
  struct lws *wsi = req->wsi;
  size_t cap = LWS_PRE + 4096 + req->extra_len + (body ? req->resp_len : 0);
  unsigned char *buf = malloc(cap);
  if (!buf)
    return -1;
  unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + cap - 1;
  int rc = -1;
  const char *ctype = req->ctype[0] ? req->ctype : NULL;
  if (lws_add_http_common_headers(wsi, (unsigned)req->status, ctype,
                                  req->resp_len, &p, end))
    goto out;
  if (lws_add_http_header_by_name(wsi, (const unsigned char *)"x-request-id:",
                                  (const unsigned char *)req->rid,
                                  (int)strlen(req->rid), &p, end))
    goto out;
  if (!req->extra || !strstr(req->extra, "Cache-Control:")) {
    static const char nostore[] = "no-store";
    if (lws_add_http_header_by_name(wsi,
                                    (const unsigned char *)"cache-control:",
                                    (const unsigned char *)nostore,
                                    (int)strlen(nostore), &p, end))
      goto out;
  }
  if (req->close_after || req->head_only) {
    if (lws_add_http_header_by_name(wsi, (const unsigned char *)"connection:",
                                    (const unsigned char *)"close", 5, &p,
                                    end))
      goto out;
  }
  if (req->extra_len) {
    if ((size_t)(end - p) < req->extra_len)
      goto out;
    memcpy(p, req->extra, req->extra_len);
    p += req->extra_len;
  }
  if (!body) {
    if (lws_finalize_write_http_header(wsi, start, &p, end))
      goto out;
  } else {
    if (lws_finalize_http_header(wsi, &p, end) ||
        (size_t)(end - p) < req->resp_len)
      goto out;
    memcpy(p, req->resp, req->resp_len);
    p += req->resp_len;
    if (lws_write(wsi, start, (size_t)(p - start), LWS_WRITE_HTTP_FINAL) !=
        (int)(p - start))
      goto out;
    req->resp_sent = req->resp_len;
  }
  rc = 0;
out:
  free(buf);
  return rc;
}

/* Send what is due. Returns 0 to keep the connection, -1 to close it. */
static int on_writeable(http_pss_t *pss) {
  nb_req_t *req = pss ? pss->req : NULL;
  if (!req || !req->answered)
    return 0;
  struct lws *wsi = req->wsi;
  if (!req->headers_sent) {
    int with_body = req->resp_len && !req->head_only && req->resp_len <= CHUNK;
    if (write_headers(req, with_body))
      goto hangup;
    req->headers_sent = 1;
    if (req->resp_len && !req->head_only && !with_body) {
      lws_callback_on_writable(wsi);
      return 0;
    }
    goto done;
  }
  while (req->resp_sent < req->resp_len) {
    size_t n = req->resp_len - req->resp_sent;
    if (n > CHUNK)
      n = CHUNK;
    unsigned char buf[LWS_PRE + CHUNK];
    memcpy(buf + LWS_PRE, req->resp + req->resp_sent, n);
    int last = req->resp_sent + n == req->resp_len;
    if (lws_write(wsi, buf + LWS_PRE, n,
                  last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) != (int)n)
      goto hangup;
    req->resp_sent += n;
    if (!last) {
      lws_callback_on_writable(wsi);
      return 0;
    }
  }
done: {
  int close_after = req->close_after || req->head_only;
  pss->req = NULL;
  req_finish(req);
  if (close_after || lws_http_transaction_completed(wsi))
    return -1;
  return 0;
}
hangup:
  pss->req = NULL;
  req_finish(req);
  return -1;
}

/* Inside the request's own callback: write an answer given meanwhile now
 * and complete the transaction (lws reads the next request on this
 * connection only after that). An answer still pending (a handler working
 * off the loop) comes later, through the writeable callback. Saves a loop
 * round and lws's POLLOUT toggle per request, and the answer to whoever
 * caused an event leaves before the event's fan-out (ws.c). */
static int answer_inline(http_pss_t *pss) {
  if (!pss->req || !pss->req->answered || !pss->req->wsi)
    return 0;
  return on_writeable(pss);
}

/* The connection is going away: free the request, unless a handler still
 * holds it, which then finishes it on its answer (req->wsi is NULL). */
static void on_drop(http_pss_t *pss) {
  nb_req_t *req = pss ? pss->req : NULL;
  if (!req)
    return;
  pss->req = NULL;
  req->wsi = NULL;
  if (req->answered || !req->dispatched) {
    if (!req->answered)
      req->status = 499; /* client closed before the answer */
    req_finish(req);
  }
  /* else: dispatched and pending; nb__req_respond finishes it. */
}

void nb__http_close(void) {}

int nb__http_callback(struct lws *wsi, enum lws_callback_reasons reason,
                      void *user, void *in, size_t len) {
  nb_app_t *app = lws_context_user(lws_get_context(wsi));
  http_pss_t *pss = user;

  switch (reason) {
  case LWS_CALLBACK_FILTER_NETWORK_CONNECTION: {
    if (app->http_conns >= app->cfg.limits.max_connections) {
      nb__log(NB_LOG_WARN, "connection_refused", "reason=max_connections");
      return 1;
    }
    /* A fixed send buffer instead of kernel autotuning (up to 4 MiB per
     * socket): a client that stops reading then fills its bounded queue
     * here within a few hundred KiB and is cut, instead of parking
     * megabytes in the kernel for each of thousands of connections. */
    int fd = (int)(intptr_t)in, sndbuf = SEND_BUFFER;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
    return 0;
  }
  case LWS_CALLBACK_WSI_CREATE:
    /* Every accepted connection; lws reports create and destroy of each
     * wsi to protocol 0, whatever it was upgraded to. */
    app->http_conns++;
    nb__metrics_conn("http", 1);
    return 0;
  case LWS_CALLBACK_WSI_DESTROY:
    nb__ws_wsi_destroyed(app, wsi, user);
    app->http_conns--;
    nb__metrics_conn("http", -1);
    return 0;
  case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE: {
    /* Only WebSocket. Never read `in` here: for an unknown Upgrade name
     * lws 4.1.6 has already answered 403 and released the header table
     * that `in` points into (CVE-2025-11677). With the table gone the
     * header reads as empty, and we hang up. h2c is refused the same way:
     * lws's HTTP/2 code has unpatched flaws. */
    char up[16];
    int n = lws_hdr_total_length(wsi, WSI_TOKEN_UPGRADE);
    if (n <= 0 || n >= (int)sizeof(up) ||
        lws_hdr_copy(wsi, up, sizeof(up), WSI_TOKEN_UPGRADE) < 0 ||
        strcasecmp(up, "websocket") != 0) {
      nb__log(NB_LOG_WARN, "upgrade_refused", NULL);
      return -1;
    }
    return 0;
  }
  case LWS_CALLBACK_RAW_ADOPT:
    /* CONNECT: lws 4.1.6 turns the connection into a raw socket bound to
     * protocol 0 before any filter runs. We proxy nothing: hang up at
     * once instead of holding a connection slot until the timeout. */
    nb__log(NB_LOG_WARN, "connect_refused", NULL);
    return -1;
  case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
    /* A WebSocket without our subprotocol lands on protocol 0: refuse. */
    return 1;
  case LWS_CALLBACK_HTTP: {
    if (!pss) /* lws calls without per-connection state on odd paths */
      return -1;
    if (pss->req) /* a previous request never finished: drop it */
      on_drop(pss);
    answering_inline = wsi;
    /* Auth and the handler read one snapshot (one WAL read lock, not one
     * per statement); writes end it first and commit as they would. */
    nb__db_read_scope(app->db, 1);
    int rc = on_headers(app, wsi, pss, in);
    nb__db_read_scope(app->db, 0);
    answering_inline = NULL;
    return rc ? rc : answer_inline(pss);
  }
  case LWS_CALLBACK_HTTP_BODY: {
    nb_req_t *req = pss ? pss->req : NULL;
    if (!req || req->answered)
      return 0;
    if (req->body_len + len > req->body_expected) {
      req->close_after = 1;
      nb__req_error(req, 413, "body_too_large", NULL,
                    "The body is longer than its Content-Length.");
      return 0;
    }
    memcpy(req->body + req->body_len, in, len);
    req->body_len += len;
    return 0;
  }
  case LWS_CALLBACK_HTTP_BODY_COMPLETION:
    if (pss && pss->req && !pss->req->answered) {
      answering_inline = wsi;
      on_body_complete(pss->req);
      answering_inline = NULL;
      return answer_inline(pss);
    }
    return 0;
  case LWS_CALLBACK_HTTP_WRITEABLE:
    return on_writeable(pss);
  case LWS_CALLBACK_CLOSED_HTTP:
    on_drop(pss);
    return 0;
  case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
    on_drop(pss);
    return 0;
  default:
    break;
  }
  return lws_callback_http_dummy(wsi, reason, user, in, len);
}
