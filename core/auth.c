/*
 * Request identity and route permissions (see auth.h for the invariants).
 *
 * Tokens and session ids are random 32-byte values; only their BLAKE2b
 * hash is stored, so a copy of the database does not let anyone sign in.
 */
#include "auth.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http.h"
#include "hood_plugins.h"
#include "log.h"
#include "memo.h"
#include "plugins.h"

void nb__auth_random(char *out, size_t len, size_t bytes) {
  unsigned char raw[64];
  if (bytes > sizeof(raw))
    bytes = sizeof(raw);
  randombytes_buf(raw, bytes);
  sodium_bin2base64(out, len, raw, bytes,
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero(raw, sizeof(raw));
}

void nb__auth_hash(const char *token, char hex[65]) {
  unsigned char h[32];
  crypto_generichash(h, sizeof(h), (const unsigned char *)token,
                     strlen(token), NULL, 0);
  sodium_bin2hex(hex, 65, h, sizeof(h));
}

int nb__auth_is_member(const nb_auth_t *a) {
  return a->hood_id && (a->nfirms > 0 || a->roles);
}

static void set_person(nb_auth_t *a, const json_t *row) {
  a->person_id = json_integer_value(json_object_get(row, "pid"));
  a->is_operator = json_integer_value(json_object_get(row, "is_operator")) != 0;
  snprintf(a->email, sizeof(a->email), "%s",
           json_string_value(json_object_get(row, "email")));
  snprintf(a->display_name, sizeof(a->display_name), "%s",
           json_string_value(json_object_get(row, "display_name")));
  snprintf(a->locale, sizeof(a->locale), "%s",
           json_string_value(json_object_get(row, "locale")));
}

/* The value of cookie `name` in a Cookie header, or NB_ENOENT. */
static int cookie_value(const char *hdr, const char *name, char *out,
                        size_t len) {
  size_t nl = strlen(name);
  for (const char *p = hdr; p && *p;) {
    p += strspn(p, " ;");
    if (strncmp(p, name, nl) == 0 && p[nl] == '=') {
      const char *v = p + nl + 1;
      size_t vl = strcspn(v, ";");
      if (vl >= len)
        return NB_ELIMIT;
      memcpy(out, v, vl);
      out[vl] = '\0';
      return (int)vl;
    }
    p = strchr(p, ';');
  }
  return NB_ENOENT;
}

/* Identities and hood roles are memoised (memo.h) at the database version
 * they were read at: any write (a revoked token, a sign-out, a changed
 * membership) or a commit by another process makes them be read again.
 * Time limits are kept as deadlines: a session's expiry and idle limit and
 * the minute after which last_seen / last_used_at is written again. Not
 * inside a transaction, whose own uncommitted rows must not be kept. */
static const void *recall(nb_app_t *app, const char *key, int64_t now,
                          uint64_t *version) {
  *version = app->auth_memo && !nb__db_in_tx(app->db)
                 ? nb__db_version(app->db) /* never 0 */
                 : 0;
  return *version ? nb__memo_get(app->auth_memo, key, *version, now, NULL)
                  : NULL;
}

/* Keep what was read at `version` (0: must not be kept) until `until`. */
static void keep(nb_app_t *app, const char *key, uint64_t version,
                 int64_t until, const void *val, size_t len) {
  if (version)
    nb__memo_put(app->auth_memo, key, version, until, val, len);
}

/* Record a token's or session's use (at most once a minute). 0 when it
 * was written; otherwise (busy) the next request tries again. */
static int record_use(nb_app_t *app, const char *sql, json_t *params) {
  int rc = nb__db_exec(app->db, sql, params, NULL, NULL);
  json_decref(params);
  return rc;
}

static void resolve_token(nb_app_t *app, nb_auth_t *a, const char *token) {
  nb_db_t *db = app->db;
  char hash[65], key[80];
  int64_t now = (int64_t)time(NULL);
  uint64_t version;
  json_t *rows = NULL, *params;
  nb__auth_hash(token, hash);
  snprintf(key, sizeof(key), "t:%s", hash);
  const nb_auth_t *kept = recall(app, key, now, &version);
  if (kept) {
    *a = *kept;
    return;
  }
  params = json_pack("[s]", hash);
  if (nb__db_query(db,
                   "SELECT t.id AS tid, t.scope, p.id AS pid, p.email, "
                   "p.display_name, p.locale, p.is_operator, "
                   "(t.last_used_at IS NULL OR t.last_used_at < "
                   "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-60 seconds')) "
                   "AS stale, CAST(strftime('%s', t.last_used_at) AS INTEGER) "
                   "AS used_at "
                   "FROM nb_tokens t JOIN nb_people p ON p.id = t.person_id "
                   "WHERE t.hash = ?1 AND t.revoked_at IS NULL "
                   "AND p.deleted_at IS NULL",
                   params, &rows) == 0 &&
      json_array_size(rows) == 1) {
    json_t *row = json_array_get(rows, 0);
    int64_t used = json_integer_value(json_object_get(row, "used_at"));
    set_person(a, row);
    a->via_token = 1;
    a->token_write =
        strcmp(json_string_value(json_object_get(row, "scope")), "write") == 0;
    /* last_used_at to the minute, like a session's last_seen: a script
     * reading in a loop must not turn every read into a write. */
    if (json_integer_value(json_object_get(row, "stale"))) {
      if (record_use(app,
                     "UPDATE nb_tokens SET last_used_at = "
                     "strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?1",
                     json_pack("[O]", json_object_get(row, "tid"))) == 0)
        used = now;
      else
        version = 0;
    }
    a->resolved = 1;
    keep(app, key, version, used + 60, a, sizeof(*a));
  }
  json_decref(params);
  json_decref(rows);
}

static void resolve_session(nb_app_t *app, nb_auth_t *a, const char *sid) {
  json_t *rows = NULL, *params;
  char key[80];
  int64_t now = (int64_t)time(NULL);
  uint64_t version;
  nb__auth_hash(sid, a->session_hash);
  snprintf(key, sizeof(key), "s:%s", a->session_hash);
  const nb_auth_t *kept = recall(app, key, now, &version);
  if (kept) {
    *a = *kept;
    return;
  }
  params = json_pack("[s]", a->session_hash);
  if (nb__db_query(app->db,
                   "SELECT s.csrf, s.last_seen, s.expires_at, p.id AS pid, "
                   "p.email, p.display_name, p.locale, p.is_operator "
                   "FROM nb_sessions s JOIN nb_people p ON p.id = s.person_id "
                   "WHERE s.id_hash = ?1 AND p.deleted_at IS NULL",
                   params, &rows) == 0 &&
      json_array_size(rows) == 1) {
    json_t *row = json_array_get(rows, 0);
    int64_t last = json_integer_value(json_object_get(row, "last_seen"));
    int64_t exp = json_integer_value(json_object_get(row, "expires_at"));
    int64_t idle = app->cfg.session_idle_minutes * 60;
    if (now >= exp || now >= last + idle) {
      nb__db_exec(app->db, "DELETE FROM nb_sessions WHERE id_hash = ?1",
                  params, NULL, NULL);
    } else {
      set_person(a, row);
      snprintf(a->csrf, sizeof(a->csrf), "%s",
               json_string_value(json_object_get(row, "csrf")));
      if (now - last >= 60) {
        if (record_use(app,
                       "UPDATE nb_sessions SET last_seen = ?1 WHERE id_hash = ?2",
                       json_pack("[I, s]", (json_int_t)now, a->session_hash)) == 0)
          last = now;
        else
          version = 0;
      }
      a->resolved = 1;
      int64_t until = last + 60;
      if (last + idle < until)
        until = last + idle;
      if (exp < until)
        until = exp;
      keep(app, key, version, until, a, sizeof(*a));
    }
  }
  if (!a->person_id)
    a->session_hash[0] = '\0';
  json_decref(params);
  json_decref(rows);
}

/* What nb__auth_load_hood keeps per person and hood. */
typedef struct hood_roles {
  int64_t hood_id;
  int roles;
  int nfirms;
  int64_t firms[NB_AUTH_MAX_FIRMS];
  int firm_admin[NB_AUTH_MAX_FIRMS];
} hood_roles_t;

/* Read `person`'s roles and firms in hood `slug` (person 0: only the
 * hood's id). NB_ENOENT when the hood does not exist. */
static int read_hood_roles(nb_db_t *db, int64_t person, const char *slug,
                           hood_roles_t *h) {
  json_t *rows = NULL, *params = json_pack("[s]", slug);
  int rc = nb__db_query(db, "SELECT id FROM nb_hoods WHERE slug = ?1", params,
                        &rows);
  json_decref(params);
  if (rc || json_array_size(rows) != 1) {
    json_decref(rows);
    return NB_ENOENT;
  }
  h->hood_id = json_integer_value(json_object_get(json_array_get(rows, 0), "id"));
  json_decref(rows);
  if (!person)
    return 0;
  params = json_pack("[I, I]", (json_int_t)person, (json_int_t)h->hood_id);
  if (nb__db_query(db,
                   "SELECT role FROM nb_hood_roles "
                   "WHERE person_id = ?1 AND hood_id = ?2",
                   params, &rows) == 0) {
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
      const char *role = json_string_value(json_object_get(r, "role"));
      h->roles |= strcmp(role, "coach") == 0 ? NB_ROLE_COACH : NB_ROLE_COORDINATOR;
    }
    json_decref(rows);
  }
  if (nb__db_query(db,
                   "SELECT m.firm_id, m.role FROM nb_memberships m "
                   "JOIN nb_firms f ON f.id = m.firm_id "
                   "WHERE m.person_id = ?1 AND f.hood_id = ?2 ORDER BY m.firm_id",
                   params, &rows) == 0) {
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
      if (h->nfirms == NB_AUTH_MAX_FIRMS)
        break;
      h->firms[h->nfirms] = json_integer_value(json_object_get(r, "firm_id"));
      h->firm_admin[h->nfirms++] =
          strcmp(json_string_value(json_object_get(r, "role")), "admin") == 0;
    }
    json_decref(rows);
  }
  json_decref(params);
  return 0;
}

/* Roles and firms of the signed-in person in hood `slug`. 0 when the hood
 * exists, NB_ENOENT when it does not. */
int nb__auth_load_hood(nb_app_t *app, nb_auth_t *a, const char *slug) {
  char key[160];
  uint64_t version = 0; /* 0: not kept (a slug too long for a key) */
  const hood_roles_t *kept = NULL;
  if (snprintf(key, sizeof(key), "h:%lld:%s", (long long)a->person_id,
               slug) < (int)sizeof(key))
    kept = recall(app, key, 0, &version);
  hood_roles_t h = {0};
  if (kept) {
    h = *kept;
  } else {
    if (read_hood_roles(app->db, a->person_id, slug, &h))
      return NB_ENOENT;
    keep(app, key, version, INT64_MAX, &h, sizeof(h));
  }
  a->hood_id = h.hood_id;
  snprintf(a->hood, sizeof(a->hood), "%s", slug);
  a->roles = h.roles;
  a->nfirms = h.nfirms;
  memcpy(a->firms, h.firms, sizeof(a->firms));
  memcpy(a->firm_admin, h.firm_admin, sizeof(a->firm_admin));
  return 0;
}

void nb__auth_resolve(nb_app_t *app, const char *authorization,
                      const char *cookie, nb_auth_t *a) {
  char sid[128];
  a->resolved = 1;
  if (authorization && strncasecmp(authorization, "Bearer ", 7) == 0)
    resolve_token(app, a, authorization + 7);
  else if (cookie &&
           cookie_value(cookie, NB_SESSION_COOKIE, sid, sizeof(sid)) > 0)
    resolve_session(app, a, sid);
}

nb_auth_t *nb__auth_of(nb_req_t *req) {
  if (!req->auth && !(req->auth = calloc(1, sizeof(nb_auth_t))))
    return NULL;
  nb_auth_t *a = req->auth;
  if (a->resolved)
    return a;
  char authz[512], cookie[4096];
  int ha = nb__req_token(req, WSI_TOKEN_HTTP_AUTHORIZATION, authz, sizeof(authz)) > 0;
  int hc = nb__req_token(req, WSI_TOKEN_HTTP_COOKIE, cookie, sizeof(cookie)) > 0;
  nb__auth_resolve(req->app, ha ? authz : NULL, hc ? cookie : NULL, a);
  return a;
}

/* The origin a browser on this server sends: public_origin, else
 * http(s)://<Host>. 1 when `value` (an Origin, or a Referer when
 * `prefix`) matches. */
static int same_origin(nb_req_t *req, const char *value, int prefix) {
  char host[256], expect[300];
  const char *po = req->app->cfg.public_origin;
  const char *cands[3] = {po[0] ? po : NULL, NULL, NULL};
  char http[300], https[300];
  if (nb__req_token(req, WSI_TOKEN_HOST, host, sizeof(host)) > 0) {
    snprintf(http, sizeof(http), "http://%s", host);
    snprintf(https, sizeof(https), "https://%s", host);
    cands[1] = http;
    cands[2] = https;
  }
  for (int i = 0; i < 3; i++) {
    if (!cands[i])
      continue;
    snprintf(expect, sizeof(expect), "%s", cands[i]);
    size_t n = strlen(expect);
    if (prefix ? strncmp(value, expect, n) == 0 &&
                     (value[n] == '/' || value[n] == '\0')
               : strcmp(value, expect) == 0)
      return 1;
  }
  return 0;
}

static int changes_state(const char *method) {
  return strcmp(method, "GET") && strcmp(method, "HEAD") &&
         strcmp(method, "OPTIONS");
}

/* CSRF defence: browsers send Origin (or at least Referer) with every
 * state-changing request; a cookie request must also echo the session's
 * CSRF token, which a cross-site page cannot read. */
static int csrf_ok(nb_req_t *req, nb_auth_t *a, const char **why) {
  char origin[300], token[64];
  if (!changes_state(req->method))
    return 1;
  if (nb__req_token(req, WSI_TOKEN_ORIGIN, origin, sizeof(origin)) > 0) {
    if (!same_origin(req, origin, 0)) {
      *why = "The request came from another site.";
      return 0;
    }
  } else if (nb__req_token(req, WSI_TOKEN_HTTP_REFERER, origin,
                           sizeof(origin)) > 0 &&
             !same_origin(req, origin, 1)) {
    *why = "The request came from another site.";
    return 0;
  }
  if (a->person_id && !a->via_token) {
    if (nb__req_custom(req, "x-csrf-token:", token, sizeof(token)) <= 0 ||
        sodium_memcmp(token, a->csrf, strlen(a->csrf) + 1) != 0) {
      *why = "The X-CSRF-Token header is missing or wrong. Reload the page.";
      return 0;
    }
  }
  return 1;
}

int nb__auth_allows(const nb_auth_t *a, int perm) {
  switch (perm) {
  case NB_PERM_PUBLIC:
    return 1;
  case NB_PERM_SIGNED_IN:
    return a->person_id != 0;
  case NB_PERM_OPERATOR:
    return a->person_id && a->is_operator;
  case NB_PERM_MEMBER:
    return a->person_id && nb__auth_is_member(a);
  case NB_PERM_COACH:
    return a->person_id && (a->roles & (NB_ROLE_COACH | NB_ROLE_COORDINATOR));
  case NB_PERM_COORDINATOR:
    return a->person_id && (a->roles & NB_ROLE_COORDINATOR);
  default:
    return 0;
  }
}

int nb__auth_check(nb_req_t *req, int perm) {
  nb_auth_t *a = nb__auth_of(req);
  const char *why = NULL;
  if (!a)
    return nb__req_error(req, 500, "internal", NULL, "Out of memory."),
           NB_EPERM;
  if (perm < NB_PERM_PUBLIC || perm > NB_PERM_OPERATOR) {
    nb__req_error(req, 500, "internal", NULL,
                  "This route declares an unknown permission level.");
    return NB_EPERM;
  }
  if (!csrf_ok(req, a, &why)) {
    nb__req_error(req, 403, "csrf", NULL, "%s", why);
    return NB_EPERM;
  }
  const char *hood = nb__match_param(&req->match, "hood");
  if (hood && nb__auth_load_hood(req->app, a, hood) != 0 && perm != NB_PERM_PUBLIC) {
    nb__req_error(req, a->person_id ? 404 : 401,
                  a->person_id ? "not_found" : "sign_in_required", NULL,
                  a->person_id ? "There is nothing at this address."
                               : "Please sign in to use this.");
    return NB_EPERM;
  }
  if (perm == NB_PERM_PUBLIC)
    return 0;
  if (!a->person_id) {
    nb__req_error(req, 401, "sign_in_required", NULL,
                  "Please sign in to use this.");
    return NB_EPERM;
  }
  if (a->via_token && !a->token_write && changes_state(req->method)) {
    nb__req_error(req, 403, "token_read_only", NULL,
                  "This token may only read. Create one with scope write.");
    return NB_EPERM;
  }
  if (perm >= NB_PERM_MEMBER && perm <= NB_PERM_COORDINATOR &&
      (!hood || !nb__auth_is_member(a))) {
    /* Neighbourhood levels: outsiders learn nothing, not even that the
     * neighbourhood exists. */
    nb__req_error(req, 404, "not_found", NULL,
                  "There is nothing at this address.");
    return NB_EPERM;
  }
  if (hood && req->route && req->route->owner &&
      !nb__hood_plugin_enabled(req->app, a->hood_id,
                               nb__plugin_name(req->route->owner))) {
    nb__req_error(req, 404, "not_found", NULL,
                  "This feature is switched off in this neighbourhood.");
    return NB_EPERM;
  }
  int ok = nb__auth_allows(a, perm);
  if (!ok) {
    nb__req_error(req, 403, "forbidden", NULL,
                  "Your role does not allow this.");
    return NB_EPERM;
  }
  return 0;
}

int nb__auth_is_firm_admin(const nb_auth_t *a, int64_t firm_id) {
  for (int i = 0; firm_id > 0 && i < a->nfirms; i++)
    if (a->firms[i] == firm_id && a->firm_admin[i])
      return 1;
  return 0;
}
