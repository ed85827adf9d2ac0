/*
 * Editing what a person owns: their own name and language, their
 * password, and (firm admins, coordinators) their firm's profile in the
 * directory.
 *
 * A password change needs the current password (verified off the loop
 * like a sign-in, and throttled the same way) and ends every other session
 * of the person; the session making the change stays signed in.
 */
#include "profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "audit.h"
#include "auth.h"
#include "http.h"
#include "password.h"
#include "tenancy.h"
#include "throttle.h"
#include "ws.h"

/* ---- PATCH /api/v1/me ---- */

static const nb_param_t me_schema[] = {
    {"display_name", NB_T_STRING, 0, 1, 120},
    {"locale", NB_T_STRING, 0, 2, 2},
    {NULL, 0, 0, 0, 0},
};

static int me_patch(nb_req_t *req, void *ud) {
  nb_app_t *app = ud;
  nb_auth_t *a = nb__auth_of(req);
  if (nb__req_check(req, me_schema))
    return 0;
  const char *name =
      json_string_value(json_object_get(req->json, "display_name"));
  const char *locale = json_string_value(json_object_get(req->json, "locale"));
  if (locale && strcmp(locale, "de") && strcmp(locale, "en"))
    return nb__req_error(req, 400, "invalid", "locale",
                         "locale must be de or en.");
  if (name && !name[strspn(name, " \t")])
    return nb__req_error(req, 400, "invalid", "display_name",
                         "The name must not be empty.");
  json_t *p = json_pack("[I, s?, s?]", (json_int_t)a->person_id, name, locale);
  int rc = nb__db_exec(app->db,
                       "UPDATE nb_people SET display_name = "
                       "coalesce(?2, display_name), locale = coalesce(?3, "
                       "locale) WHERE id = ?1",
                       p, NULL, NULL);
  json_decref(p);
  if (rc)
    return rc;
  json_t *body = nb__account_me_json(app, a->person_id);
  if (!body)
    return NB_EDB;
  if (!a->via_token)
    json_object_set_new(body, "csrf", json_string(a->csrf));
  rc = nb__req_json(req, 200, body);
  json_decref(body);
  return rc;
}

/* ---- PUT /api/v1/me/password ---- */

typedef struct pw_change {
  nb_req_t *req;
  nb_app_t *app;
  int64_t person_id;
  char session_hash[65];
  char key[300];
  char *password; /* the new one, wiped after hashing */
} pw_change_t;

static const nb_param_t pw_schema[] = {
    {"current", NB_T_STRING, 1, 1, 256},
    {"password", NB_T_STRING, 1, 1, 256},
    {NULL, 0, 0, 0, 0},
};

static void pw_free(pw_change_t *c) {
  if (c->password) {
    memset(c->password, 0, strlen(c->password));
    free(c->password);
  }
  free(c);
}

static void pw_stored(void *ud, int ok, int rehash, const char *hash) {
  pw_change_t *c = ud;
  nb_app_t *app = c->app;
  (void)rehash;
  if (ok != 1) {
    nb__req_error(c->req, 503, "stopping", NULL, "Please retry in a moment.");
    pw_free(c);
    return;
  }
  json_t *p = json_pack("[I, s]", (json_int_t)c->person_id, hash);
  json_t *ps = json_pack("[I, s]", (json_int_t)c->person_id, c->session_hash);
  int rc = nb__db_begin(app->db);
  if (!rc)
    rc = nb__db_exec(app->db,
                     "UPDATE nb_people SET password_hash = ?2 WHERE id = ?1",
                     p, NULL, NULL);
  if (!rc) /* every other session ends; this one stays signed in */
    rc = nb__db_exec(app->db,
                     "DELETE FROM nb_sessions WHERE person_id = ?1 AND "
                     "id_hash <> ?2",
                     ps, NULL, NULL);
  json_decref(ps);
  if (!rc)
    rc = nb__audit(app, 0, c->person_id, "core", "password.changed", "person",
                   NULL, NULL);
  json_decref(p);
  if (!rc)
    rc = nb__db_commit(app->db);
  else
    nb__db_rollback(app->db);
  if (rc)
    nb__req_error(c->req, 500, "internal", NULL, "Please retry.");
  else {
    nb__ws_reauth_person(app, c->person_id);
    nb__req_respond(c->req, 204, NULL, NULL, 0);
  }
  pw_free(c);
}

static void pw_verified(void *ud, int ok, int rehash, const char *hash) {
  pw_change_t *c = ud;
  (void)rehash;
  (void)hash;
  if (ok == 1) {
    nb__throttle_reset(c->key);
    if (nb__pw_hash(&c->app->loop, c->password, pw_stored, c) == 0)
      return;
    nb__req_error(c->req, 500, "internal", NULL, "Please retry.");
  } else if (ok == 0) {
    nb__throttle_fail(c->key, c->app->cfg.login_window_seconds, (int64_t)time(NULL));
    nb__req_error(c->req, 403, "wrong_password", "current",
                  "The current password is not right.");
  } else {
    nb__req_error(c->req, 503, "stopping", NULL, "Please retry in a moment.");
  }
  pw_free(c);
}

static int pw_change(nb_req_t *req, void *ud) {
  nb_app_t *app = ud;
  nb_auth_t *a = nb__auth_of(req);
  if (nb__req_check(req, pw_schema))
    return 0;
  const char *cur = json_string_value(json_object_get(req->json, "current"));
  const char *pw = json_string_value(json_object_get(req->json, "password"));
  const char *why = nb__pw_policy(pw, app->cfg.password_min_length, a->email,
                                  a->display_name);
  if (why)
    return nb__req_error(req, 400, "weak_password", "password", "%s", why);
  pw_change_t *c = calloc(1, sizeof(*c));
  if (!c)
    return NB_ENOMEM;
  c->req = req;
  c->app = app;
  c->person_id = a->person_id;
  memcpy(c->session_hash, a->session_hash, sizeof(c->session_hash));
  snprintf(c->key, sizeof(c->key), "pwchange:%lld", (long long)a->person_id);
  long wait = nb__throttle_wait(c->key, app->cfg.login_max_failures,
                                app->cfg.login_window_seconds,
                                (int64_t)time(NULL));
  if (wait > 0) {
    free(c);
    return nb__req_too_many(req, wait, "wrong passwords");
  }
  c->password = strdup(pw);
  json_t *rows = NULL, *p = json_pack("[I]", (json_int_t)a->person_id);
  int rc = c->password ? nb__db_query(app->db,
                                      "SELECT password_hash FROM nb_people "
                                      "WHERE id = ?1",
                                      p, &rows)
                       : NB_ENOMEM;
  json_decref(p);
  const char *stored =
      json_string_value(json_object_get(json_array_get(rows, 0), "password_hash"));
  if (!rc)
    rc = nb__pw_verify(&app->loop, stored, cur, pw_verified, c);
  json_decref(rows);
  if (rc)
    pw_free(c);
  return rc;
}

/* ---- PATCH /api/v1/n/:hood/firms/:id ---- */

static const nb_param_t firm_schema[] = {
    {"name", NB_T_STRING, 0, 1, 160},
    {"sector", NB_T_STRING, 0, 0, 120},
    {"size", NB_T_STRING, 0, 0, 40},
    {"address", NB_T_STRING, 0, 0, 240},
    {"profile", NB_T_STRING, 0, 0, 4000},
    {"offers", NB_T_STRING, 0, 0, 4000},
    {"tags", NB_T_ARRAY, 0, 0, 20},
    {NULL, 0, 0, 0, 0},
};

static int firm_patch(nb_req_t *req, void *ud) {
  nb_app_t *app = ud;
  nb_auth_t *a = nb__auth_of(req);
  char *end;
  long long id = strtoll(nb__match_param(&req->match, "id"), &end, 10);
  if (*end || id <= 0)
    return nb__req_error(req, 400, "invalid", "id", "id must be a number.");
  json_t *rows = NULL, *p = json_pack("[I, I]", (json_int_t)id,
                                      (json_int_t)a->hood_id);
  int rc = nb__db_query(app->db,
                        "SELECT id FROM nb_firms WHERE id = ?1 AND hood_id = ?2",
                        p, &rows);
  json_decref(p);
  size_t found = json_array_size(rows);
  json_decref(rows);
  if (rc)
    return rc;
  if (!found)
    return nb__req_error(req, 404, "not_found", NULL, "There is no such firm.");
  if (!(a->roles & NB_ROLE_COORDINATOR) && !nb__auth_is_firm_admin(a, id))
    return nb__req_error(req, 403, "forbidden", NULL,
                         "Only the firm's admins and coordinators can edit "
                         "its profile.");
  if (nb__req_check(req, firm_schema))
    return 0;
  json_t *in = req->json, *tags = json_object_get(in, "tags");
  size_t i;
  json_t *t;
  json_array_foreach(tags, i, t) {
    size_t n = json_string_length(t);
    if (!json_is_string(t) || n < 1 || n > 40)
      return nb__req_error(req, 400, "invalid", "tags",
                           "Tags are strings of 1 to 40 characters.");
  }
  const char *name = json_string_value(json_object_get(in, "name"));
  if (name && !name[strspn(name, " \t")])
    return nb__req_error(req, 400, "invalid", "name",
                         "The name must not be empty.");
  char *tags_text = tags ? json_dumps(tags, JSON_COMPACT) : NULL;
  p = json_pack("[I, O?, O?, O?, O?, O?, O?, s?]", (json_int_t)id,
                json_object_get(in, "name"), json_object_get(in, "sector"),
                json_object_get(in, "size"), json_object_get(in, "address"),
                json_object_get(in, "profile"), json_object_get(in, "offers"),
                tags_text);
  free(tags_text);
  rc = nb__db_begin(app->db);
  if (!rc)
    rc = nb__db_exec(app->db,
                     "UPDATE nb_firms SET name = coalesce(?2, name), sector = "
                     "coalesce(?3, sector), size = coalesce(?4, size), "
                     "address = coalesce(?5, address), profile = coalesce(?6, "
                     "profile), offers = coalesce(?7, offers), tags = "
                     "coalesce(?8, tags) WHERE id = ?1",
                     p, NULL, NULL);
  json_decref(p);
  if (!rc) {
    char oid[24];
    snprintf(oid, sizeof(oid), "%lld", id);
    rc = nb__audit(app, a->hood_id, a->person_id, "core", "firm.updated",
                   "firm", oid, in);
  }
  if (rc) {
    nb__db_rollback(app->db);
    if (rc == NB_ECONSTRAINT)
      return nb__req_error(req, 409, "name_taken", "name",
                           "Another firm here has this name.");
    return rc;
  }
  if ((rc = nb__db_commit(app->db)))
    return rc;
  /* Answer with the profile as the directory shows it. */
  return nb__tenancy_firm_answer(req, app, id);
}

int nb__profile_routes(nb_app_t *app) {
  static const nb_route_def_t routes[] = {
      {"PATCH", "/api/v1/me", NB_PERM_SIGNED_IN, me_patch},
      {"PUT", "/api/v1/me/password", NB_PERM_SIGNED_IN, pw_change},
      {"PATCH", "/api/v1/n/:hood/firms/:id", NB_PERM_MEMBER, firm_patch},
  };
  return nb__router_add_table(app->router, routes,
                              sizeof(routes) / sizeof(*routes), app);
}
