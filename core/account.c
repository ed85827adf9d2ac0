/*
 * A person's own account over HTTP: sign in and out, who am I, personal
 * access tokens.
 *
 * Sign-in answers the same 401 for an unknown e-mail and a wrong password,
 * after the same argon2id work (password.c verifies unknown accounts
 * against a dummy hash). Failures are throttled per account and per client
 * address before any hashing is spent (429 with Retry-After).
 */
#include "account.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "http.h"
#include "jsonv.h"
#include "log.h"
#include "password.h"
#include "throttle.h"
#include "ws.h"

/* {id, email, display_name, locale, is_operator, hoods:[{slug, name,
 * region, timezone, roles:[...], firms:[{id, name, role}]}]} (new ref). */
json_t *nb__account_me_json(nb_app_t *app, int64_t person_id) {
  json_t *params = json_pack("[I]", (json_int_t)person_id);
  json_t *people = NULL, *hoods = NULL, *roles = NULL, *firms = NULL;
  json_t *me = NULL;
  if (nb__db_query(app->db,
                   "SELECT id, email, display_name, locale, is_operator "
                   "FROM nb_people WHERE id = ?1",
                   params, &people) ||
      json_array_size(people) != 1 ||
      nb__db_query(app->db,
                   "SELECT id, slug, name, region, timezone FROM nb_hoods "
                   "WHERE id IN (SELECT hood_id FROM nb_hood_roles "
                   "WHERE person_id = ?1 UNION SELECT f.hood_id FROM "
                   "nb_memberships m JOIN nb_firms f ON f.id = m.firm_id "
                   "WHERE m.person_id = ?1) ORDER BY name",
                   params, &hoods) ||
      nb__db_query(app->db,
                   "SELECT hood_id, role FROM nb_hood_roles WHERE person_id = ?1 "
                   "ORDER BY role",
                   params, &roles) ||
      nb__db_query(app->db,
                   "SELECT f.hood_id, f.id, f.name, m.role FROM nb_memberships m "
                   "JOIN nb_firms f ON f.id = m.firm_id WHERE m.person_id = ?1 "
                   "ORDER BY f.name",
                   params, &firms))
    goto out;
  me = json_deep_copy(json_array_get(people, 0));
  json_object_set_new(me, "is_operator",
                      json_boolean(json_integer_value(
                          json_object_get(me, "is_operator"))));
  size_t i, j;
  json_t *h, *r;
  json_array_foreach(hoods, i, h) {
    json_int_t hid = json_integer_value(json_object_get(h, "id"));
    json_t *hr = json_array(), *hf = json_array();
    json_array_foreach(roles, j, r) if (json_integer_value(json_object_get(r, "hood_id")) == hid)
        json_array_append(hr, json_object_get(r, "role"));
    json_array_foreach(firms, j, r) if (json_integer_value(json_object_get(r, "hood_id")) == hid)
        json_array_append_new(hf, json_pack("{s:O, s:O, s:O}", "id",
                                            json_object_get(r, "id"), "name",
                                            json_object_get(r, "name"), "role",
                                            json_object_get(r, "role")));
    json_object_del(h, "id");
    json_object_set_new(h, "roles", hr);
    json_object_set_new(h, "firms", hf);
  }
  json_object_set(me, "hoods", hoods);
out:
  json_decref(params);
  json_decref(people);
  json_decref(hoods);
  json_decref(roles);
  json_decref(firms);
  return me;
}

/* ---- sign in ---- */

typedef struct login {
  nb_req_t *req;
  int64_t person_id;
  char acct_key[300];
  char addr_key[96];
} login_t;

static void cookie_header(nb_req_t *req, const char *sid, long max_age) {
  char cookie[256];
  int secure = strncmp(req->app->cfg.public_origin, "https://", 8) == 0;
  snprintf(cookie, sizeof(cookie),
           "%s=%s; Path=/; HttpOnly; SameSite=Lax; Max-Age=%ld%s",
           NB_SESSION_COOKIE, sid, max_age, secure ? "; Secure" : "");
  nb__req_header(req, "Set-Cookie", cookie);
}

static void login_done(void *ud, int ok, int rehash, const char *hash) {
  login_t *l = ud;
  nb_req_t *req = l->req;
  nb_app_t *app = req->app;
  int64_t now = (int64_t)time(NULL);
  if (ok < 0) {
    nb__req_error(req, 503, "busy", NULL, "Please try again in a moment.");
    goto out;
  }
  if (!ok || !l->person_id) {
    nb__throttle_fail(l->acct_key, app->cfg.login_window_seconds, now);
    nb__throttle_fail(l->addr_key, app->cfg.login_window_seconds, now);
    nb__log(NB_LOG_INFO, "sign_in_failed", NULL);
    nb__req_error(req, 401, "invalid_credentials", NULL,
                  "The e-mail address or the password is wrong.");
    goto out;
  }
  nb__throttle_reset(l->acct_key);
  if (rehash && hash) {
    json_t *p = json_pack("[s, I]", hash, (json_int_t)l->person_id);
    nb__db_exec(app->db, "UPDATE nb_people SET password_hash = ?1 WHERE id = ?2",
                p, NULL, NULL);
    json_decref(p);
  }
  char sid[64], shash[65], csrf[48];
  nb__auth_random(sid, sizeof(sid), 32);
  nb__auth_random(csrf, sizeof(csrf), 24);
  nb__auth_hash(sid, shash);
  long max_age = app->cfg.session_max_days * 86400;
  json_t *p = json_pack("[s, I, s, I, I, I]", shash, (json_int_t)l->person_id,
                        csrf, (json_int_t)now, (json_int_t)now,
                        (json_int_t)(now + max_age));
  int rc = nb__db_exec(app->db,
                       "INSERT INTO nb_sessions(id_hash, person_id, csrf, "
                       "created_at, last_seen, expires_at) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                       p, NULL, NULL);
  json_decref(p);
  json_t *me = rc ? NULL : nb__account_me_json(app, l->person_id);
  if (!me) {
    nb__req_error(req, 500, "internal", NULL, "Signing in failed. Retry.");
    goto out;
  }
  cookie_header(req, sid, max_age);
  json_object_set_new(me, "csrf", json_string(csrf));
  nb__log(NB_LOG_INFO, "signed_in", "person=%lld", (long long)l->person_id);
  nb__req_json(req, 200, me);
  json_decref(me);
out:
  free(l);
}

static const nb_param_t login_schema[] = {
    {"email", NB_T_STRING, 1, 3, 254},
    {"password", NB_T_STRING, 1, 1, 256},
    {NULL, 0, 0, 0, 0},
};

static int sign_in(nb_req_t *req, void *ud) {
  nb_app_t *app = ud;
  if (nb__req_check(req, login_schema))
    return 0;
  const char *email = json_string_value(json_object_get(req->json, "email"));
  const char *password =
      json_string_value(json_object_get(req->json, "password"));
  login_t *l = calloc(1, sizeof(*l));
  if (!l)
    return NB_ENOMEM;
  l->req = req;
  size_t n = snprintf(l->acct_key, sizeof(l->acct_key), "acct:%s", email);
  for (size_t i = 0; i < n && i < sizeof(l->acct_key); i++)
    l->acct_key[i] = (char)tolower((unsigned char)l->acct_key[i]);
  char peer[64] = "";
  if (req->wsi)
    lws_get_peer_simple(req->wsi, peer, sizeof(peer));
  snprintf(l->addr_key, sizeof(l->addr_key), "addr:%s", peer);
  int64_t now = (int64_t)time(NULL);
  long wait = nb__throttle_wait(l->acct_key, app->cfg.login_max_failures,
                                app->cfg.login_window_seconds, now);
  long wait2 = nb__throttle_wait(l->addr_key, app->cfg.login_max_failures * 4,
                                 app->cfg.login_window_seconds, now);
  if (wait2 > wait)
    wait = wait2;
  if (wait > 0) {
    free(l);
    return nb__req_too_many(req, wait, "failed sign-ins");
  }
  json_t *rows = NULL, *params = json_pack("[s]", email);
  int rc = nb__db_query(app->db,
                        "SELECT id, password_hash FROM nb_people "
                        "WHERE email = ?1 AND deleted_at IS NULL",
                        params, &rows);
  json_decref(params);
  if (rc) {
    free(l);
    return rc;
  }
  const char *hash = NULL;
  if (json_array_size(rows) == 1) {
    json_t *row = json_array_get(rows, 0);
    l->person_id = json_integer_value(json_object_get(row, "id"));
    hash = json_string_value(json_object_get(row, "password_hash"));
  }
  rc = nb__pw_verify(&app->loop, hash, password, login_done, l);
  json_decref(rows);
  if (rc)
    free(l);
  return rc;
}

static int sign_out(nb_req_t *req, void *ud) {
  nb_app_t *app = ud;
  nb_auth_t *a = nb__auth_of(req);
  char all[8];
  int everywhere = nb__req_query(req, "all", all, sizeof(all)) > 0 &&
                   strcmp(all, "1") == 0;
  json_t *p = everywhere ? json_pack("[I]", (json_int_t)a->person_id)
                         : json_pack("[s]", a->session_hash);
  int rc = nb__db_exec(app->db,
                       everywhere ? "DELETE FROM nb_sessions WHERE person_id = ?1"
                                  : "DELETE FROM nb_sessions WHERE id_hash = ?1",
                       p, NULL, NULL);
  json_decref(p);
  if (rc)
    return rc;
  nb__ws_reauth_person(app, a->person_id); /* other tabs reconnect */
  cookie_header(req, "", 0);
  return nb__req_respond(req, 204, NULL, NULL, 0);
}

static int me(nb_req_t *req, void *ud) {
  nb_app_t *app = ud;
  nb_auth_t *a = nb__auth_of(req);
  json_t *body = nb__account_me_json(app, a->person_id);
  if (!body)
    return NB_EDB;
  if (!a->via_token)
    json_object_set_new(body, "csrf", json_string(a->csrf));
  int rc = nb__req_json(req, 200, body);
  json_decref(body);
  return rc;
}

/* ---- personal access tokens ---- */

static const nb_param_t token_schema[] = {
    {"name", NB_T_STRING, 1, 1, 80},
    {"scope", NB_T_STRING, 1, 4, 5},
    {NULL, 0, 0, 0, 0},
};

static int token_create(nb_req_t *req, void *ud) {
  nb_app_t *app = ud;
  nb_auth_t *a = nb__auth_of(req);
  if (nb__req_check(req, token_schema))
    return 0;
  const char *scope = json_string_value(json_object_get(req->json, "scope"));
  if (strcmp(scope, "read") && strcmp(scope, "write"))
    return nb__req_error(req, 400, "invalid", "scope",
                         "scope must be read or write.");
  char raw[64], token[72], hash[65];
  nb__auth_random(raw, sizeof(raw), 32);
  snprintf(token, sizeof(token), "nb_%s", raw);
  nb__auth_hash(token, hash);
  int64_t id = 0;
  json_t *p = json_pack("[I, O, s, s]", (json_int_t)a->person_id,
                        json_object_get(req->json, "name"), hash, scope);
  int rc = nb__db_exec(app->db,
                       "INSERT INTO nb_tokens(person_id, name, hash, scope) "
                       "VALUES (?1, ?2, ?3, ?4)",
                       p, NULL, &id);
  json_decref(p);
  if (rc)
    return rc;
  json_t *rows = NULL;
  p = json_pack("[I]", (json_int_t)id);
  rc = nb__db_query(app->db,
                    "SELECT id, name, scope, created_at FROM nb_tokens "
                    "WHERE id = ?1",
                    p, &rows);
  json_decref(p);
  if (rc)
    return rc;
  json_t *body = json_array_get(rows, 0);
  /* Shown once: only its hash is stored. */
  json_object_set_new(body, "token", json_string(token));
  rc = nb__req_json(req, 201, body);
  json_decref(rows);
  return rc;
}

static int token_list(nb_req_t *req, void *ud) {
  nb_app_t *app = ud;
  nb_auth_t *a = nb__auth_of(req);
  json_t *rows = NULL, *p = json_pack("[I]", (json_int_t)a->person_id);
  int rc = nb__db_query(app->db,
                        "SELECT id, name, scope, created_at, last_used_at "
                        "FROM nb_tokens WHERE person_id = ?1 "
                        "AND revoked_at IS NULL ORDER BY id",
                        p, &rows);
  json_decref(p);
  if (rc)
    return rc;
  json_t *body = json_pack("{s:o}", "items", rows);
  rc = nb__req_json(req, 200, body);
  json_decref(body);
  return rc;
}

static int token_revoke(nb_req_t *req, void *ud) {
  nb_app_t *app = ud;
  nb_auth_t *a = nb__auth_of(req);
  char *end;
  const char *id = nb__match_param(&req->match, "id");
  long long n = strtoll(id, &end, 10);
  if (*end || n <= 0)
    return nb__req_error(req, 400, "invalid", "id", "id must be a number.");
  int64_t changes = 0;
  json_t *p = json_pack("[I, I]", (json_int_t)n, (json_int_t)a->person_id);
  int rc = nb__db_exec(app->db,
                       "UPDATE nb_tokens SET revoked_at = "
                       "strftime('%Y-%m-%dT%H:%M:%fZ','now') "
                       "WHERE id = ?1 AND person_id = ?2 AND revoked_at IS NULL",
                       p, &changes, NULL);
  json_decref(p);
  if (rc)
    return rc;
  if (!changes)
    return nb__req_error(req, 404, "not_found", NULL, "No such token.");
  nb__ws_reauth_person(app, a->person_id);
  return nb__req_respond(req, 204, NULL, NULL, 0);
}

int nb__account_routes(nb_app_t *app) {
  static const nb_route_def_t routes[] = {
      {"POST", "/api/v1/session", NB_PERM_PUBLIC, sign_in},
      {"DELETE", "/api/v1/session", NB_PERM_SIGNED_IN, sign_out},
      {"GET", "/api/v1/me", NB_PERM_SIGNED_IN, me},
      {"GET", "/api/v1/me/tokens", NB_PERM_SIGNED_IN, token_list},
      {"POST", "/api/v1/me/tokens", NB_PERM_SIGNED_IN, token_create},
      {"DELETE", "/api/v1/me/tokens/:id", NB_PERM_SIGNED_IN, token_revoke},
  };
  return nb__router_add_table(app->router, routes,
                              sizeof(routes) / sizeof(*routes), app);
}
