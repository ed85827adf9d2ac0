/*
 * GET /api/v1/me/export and DELETE /api/v1/me.
 *
 * Deleting an account removes the person's sign-in, sessions, tokens,
 * memberships and roles, and replaces name and e-mail, so what they wrote
 * stays for the neighbourhood but shows as from "former member". With
 * {"delete_content": true} every plugin deletes their contributions too.
 * Core and plugins erase in one transaction: all or nothing.
 */
#include "privacy.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "account.h"
#include "audit.h"
#include "auth.h"
#include "http.h"
#include "log.h"
#include "plugins.h"
#include "ws.h"

static json_t *query(nb_app_t *app, const char *sql, int64_t id) {
  json_t *rows = NULL, *p = json_pack("[I]", (json_int_t)id);
  if (nb__db_query(app->db, sql, p, &rows))
    rows = json_array();
  json_decref(p);
  return rows;
}

static int export_me(nb_req_t *req, void *ud) {
  nb_app_t *app = ud;
  nb_auth_t *a = nb__auth_of(req);
  json_t *me = nb__account_me_json(app, a->person_id);
  if (!me)
    return NB_EDB;
  json_t *plugins = json_object();
  for (nb_plugin_t *p = app->plugins ? app->plugins->head : NULL; p; p = p->next) {
    if (p->state != NB_PLUGIN_ACTIVE || !p->export_fn)
      continue;
    json_t *data = p->export_fn(p, a->person_id);
    json_object_set_new(plugins, p->name, data ? data : json_null());
  }
  json_t *body = json_pack(
      "{s:s, s:o, s:o, s:o, s:o, s:o}", "format", "nachbar-export-1",
      "person", me, "tokens",
      query(app, "SELECT id, name, scope, created_at, last_used_at, revoked_at "
                 "FROM nb_tokens WHERE person_id = ?1 ORDER BY id", a->person_id),
      "sessions",
      query(app, "SELECT datetime(created_at, 'unixepoch') AS created_at, "
                 "datetime(last_seen, 'unixepoch') AS last_seen FROM nb_sessions "
                 "WHERE person_id = ?1", a->person_id),
      "audit",
      query(app, "SELECT ts, source, action, object_type, object_id FROM "
                 "nb_audit WHERE actor_id = ?1 ORDER BY id", a->person_id),
      "plugins", plugins);
  if (!body)
    return NB_ENOMEM;
  nb__req_header(req, "Content-Disposition",
                 "attachment; filename=\"nachbar-export.json\"");
  int rc = nb__req_json(req, 200, body);
  json_decref(body);
  return rc;
}

/* What stands instead of `e` if it names the person: "former member" for
 * the name, "" for the address; NULL when it does not. */
static json_t *forgotten(const json_t *e, const char *name, const char *email) {
  const char *t = json_string_value(e);
  if (!t)
    return NULL;
  if (!strcmp(t, name))
    return json_string("former member");
  return !strcasecmp(t, email) ? json_string("") : NULL;
}

/* Replace every string naming the person inside `v` (in place). */
static int scrub(json_t *v, const char *name, const char *email) {
  int changed = 0;
  size_t i;
  const char *k;
  json_t *e, *tmp, *instead;
  json_object_foreach_safe(v, tmp, k, e) {
    if ((instead = forgotten(e, name, email)))
      changed = !json_object_set_new(v, k, instead) || changed;
    else
      changed |= scrub(e, name, email);
  }
  json_array_foreach(v, i, e) {
    if ((instead = forgotten(e, name, email)))
      changed = !json_array_set_new(v, i, instead) || changed;
    else
      changed |= scrub(e, name, email);
  }
  return changed;
}

/* The event log replays for weeks: it must forget the person as well.
 * With delete_content their events go; otherwise their name and address
 * in every event become "former member" (as the rows in plugins do). */
static int forget_in_events(nb_app_t *app, int64_t id, const char *name,
                            const char *email, int del) {
  json_t *p = json_pack("[I]", (json_int_t)id);
  int rc = 0;
  if (del)
    rc = nb__db_exec(app->db, "DELETE FROM nb_events WHERE actor_id = ?1", p,
                     NULL, NULL);
  json_decref(p);
  if (rc || !name[0])
    return rc;
  json_t *rows = NULL;
  p = json_pack("[I, s, s]", (json_int_t)id, name, email);
  rc = nb__db_query(app->db,
                    "SELECT id, data FROM nb_events WHERE actor_id = ?1 OR "
                    "instr(data, ?2) > 0 OR instr(lower(data), lower(?3)) > 0",
                    p, &rows);
  json_decref(p);
  size_t i;
  json_t *r;
  json_array_foreach(rows, i, r) {
    if (rc)
      break;
    json_t *data = json_loads(json_string_value(json_object_get(r, "data")),
                              0, NULL);
    if (data && scrub(data, name, email)) {
      char *text = json_dumps(data, JSON_COMPACT);
      json_t *u = json_pack("[s, O]", text ? text : "{}",
                            json_object_get(r, "id"));
      rc = nb__db_exec(app->db, "UPDATE nb_events SET data = ?1 WHERE id = ?2",
                       u, NULL, NULL);
      json_decref(u);
      free(text);
    }
    json_decref(data);
  }
  json_decref(rows);
  return rc;
}

static const nb_param_t delete_schema[] = {
    {"delete_content", NB_T_BOOL, 0, 0, 0},
    {"confirm", NB_T_STRING, 1, 1, 254},
    {NULL, 0, 0, 0, 0},
};

static int delete_me(nb_req_t *req, void *ud) {
  nb_app_t *app = ud;
  nb_auth_t *a = nb__auth_of(req);
  if (nb__req_check(req, delete_schema))
    return 0;
  /* The e-mail address typed again: no account vanishes by one stray click. */
  if (strcasecmp(json_string_value(json_object_get(req->json, "confirm")),
                 a->email) != 0)
    return nb__req_error(req, 400, "invalid", "confirm",
                         "Type your e-mail address to confirm.");
  int del = json_is_true(json_object_get(req->json, "delete_content"));
  int64_t id = a->person_id;
  /* A neighbourhood is never left without a coordinator. */
  json_t *rows = NULL, *p = json_pack("[I]", (json_int_t)id);
  int rc = nb__db_query(
      app->db,
      "SELECT r.hood_id FROM nb_hood_roles r WHERE r.person_id = ?1 AND "
      "r.role = 'coordinator' AND NOT EXISTS (SELECT 1 FROM nb_hood_roles o "
      "JOIN nb_people q ON q.id = o.person_id WHERE o.hood_id = r.hood_id "
      "AND o.role = 'coordinator' AND o.person_id <> ?1 AND q.deleted_at IS "
      "NULL)",
      p, &rows);
  size_t last = json_array_size(rows);
  json_decref(rows);
  rows = NULL;
  if (rc) {
    json_decref(p);
    return rc;
  }
  if (last) {
    json_decref(p);
    return nb__req_error(req, 409, "last_coordinator", NULL,
                         "You are the only coordinator of a neighbourhood. "
                         "Make someone else coordinator first.");
  }
  /* Where the person belonged, for the coordinators' audit log. */
  rc = nb__db_query(app->db,
                    "SELECT hood_id FROM nb_hood_roles WHERE person_id = ?1 "
                    "UNION SELECT f.hood_id FROM nb_memberships m JOIN "
                    "nb_firms f ON f.id = m.firm_id WHERE m.person_id = ?1",
                    p, &rows);
  json_decref(p);
  if (rc)
    return rc;
  rc = nb__db_begin(app->db);
  if (rc) {
    json_decref(rows);
    return rc;
  }
  rc = forget_in_events(app, id, a->display_name, a->email, del);
  for (nb_plugin_t *p = app->plugins ? app->plugins->head : NULL; p && !rc;
       p = p->next)
    if (p->state == NB_PLUGIN_ACTIVE && p->erase_fn &&
        (rc = p->erase_fn(p, id, del)))
      nb__log(NB_LOG_ERROR, "erase_failed", "plugin=%s rc=%d", p->name, rc);
  static const char *const steps[] = {
      "DELETE FROM nb_sessions WHERE person_id = ?1",
      "DELETE FROM nb_tokens WHERE person_id = ?1",
      "DELETE FROM nb_invites WHERE person_id = ?1",
      "DELETE FROM nb_memberships WHERE person_id = ?1",
      "DELETE FROM nb_hood_roles WHERE person_id = ?1",
      "UPDATE nb_firms SET contact_person_id = NULL WHERE contact_person_id = ?1",
      "UPDATE nb_people SET email = 'deleted-' || id || '@invalid', "
      "display_name = 'former member', password_hash = NULL, is_operator = 0, "
      "deleted_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?1",
  };
  p = json_pack("[I]", (json_int_t)id);
  for (size_t i = 0; !rc && i < sizeof(steps) / sizeof(*steps); i++)
    rc = nb__db_exec(app->db, steps[i], p, NULL, NULL);
  json_decref(p);
  if (!rc) {
    json_t *d = json_pack("{s:b}", "delete_content", del);
    char obj[32];
    snprintf(obj, sizeof(obj), "%lld", (long long)id);
    rc = nb__audit(app, 0, id, "core", "account.deleted", "person", obj, d);
    size_t i;
    json_t *h;
    json_array_foreach(rows, i, h) {
      if (rc)
        break;
      rc = nb__audit(app, json_integer_value(json_object_get(h, "hood_id")),
                     id, "core", "account.deleted", "person", obj, d);
    }
    json_decref(d);
  }
  json_decref(rows);
  if (rc) {
    nb__db_rollback(app->db);
    return nb__req_error(req, 500, "internal", NULL,
                         "The account could not be deleted; nothing was "
                         "changed. Please retry.");
  }
  if ((rc = nb__db_commit(app->db)))
    return rc;
  nb__ws_reauth_person(app, id);
  nb__req_header(req, "Set-Cookie",
                 NB_SESSION_COOKIE "=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
  return nb__req_respond(req, 204, NULL, NULL, 0);
}

int nb__privacy_routes(nb_app_t *app) {
  int rc = nb__router_add(app->router, "GET", "/api/v1/me/export",
                          NB_PERM_SIGNED_IN, export_me, app, NULL);
  return rc ? rc : nb__router_add(app->router, "DELETE", "/api/v1/me",
                                  NB_PERM_SIGNED_IN, delete_me, app, NULL);
}
