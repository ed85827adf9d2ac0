/*
 * Invitations, password resets and role administration.
 *
 * No mail server is assumed: an invitation or reset answers with its link,
 * which the inviter passes on. Links are single-use and expire after
 * [auth] invite_valid_days; only a hash of their token is stored. Who may
 * invite whom follows the roles table: coordinators invite firms (their
 * first firm admin) and coaches/coordinators; a firm admin invites staff
 * of their own firm.
 */
#include "invites.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "auth.h"
#include "http.h"
#include "mail.h"
#include "password.h"
#include "ws.h"

static int64_t param_id(nb_req_t *req, const char *name) {
  char *end;
  const char *v = nb__match_param(&req->match, name);
  long long n = v ? strtoll(v, &end, 10) : 0;
  return v && !*end && n > 0 ? n : 0;
}

static json_t *one(nb_app_t *app, const char *sql, json_t *params) {
  json_t *rows = NULL;
  int rc = nb__db_query(app->db, sql, params, &rows);
  json_decref(params);
  json_t *row = rc == 0 && json_array_size(rows) == 1
                    ? json_incref(json_array_get(rows, 0))
                    : NULL;
  json_decref(rows);
  return row;
}

/* Create an invitation or reset link for person_id; answers nothing.
 * Writes the link into `link`. */
static int make_link(nb_req_t *req, const char *kind, int64_t person_id,
                     int64_t firm_id, const char *role, char *link,
                     size_t len, int64_t *expires) {
  nb_app_t *app = req->app;
  nb_auth_t *a = nb__auth_of(req);
  char token[64], hash[65];
  nb__auth_random(token, sizeof(token), 32);
  nb__auth_hash(token, hash);
  *expires = (int64_t)time(NULL) + app->cfg.invite_valid_days * 86400;
  json_t *p = json_pack("[s, s, I, o, I, s, I, I]", hash, kind,
                        (json_int_t)a->hood_id,
                        firm_id ? json_integer(firm_id) : json_null(),
                        (json_int_t)person_id, role ? role : "",
                        (json_int_t)a->person_id, (json_int_t)*expires);
  int rc = nb__db_exec(app->db,
                       "INSERT INTO nb_invites(hash, kind, hood_id, firm_id, "
                       "person_id, role, created_by, expires_at) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                       p, NULL, NULL);
  json_decref(p);
  snprintf(link, len, "%s/#/invite/%s", app->cfg.public_origin, token);
  return rc;
}

/* Mail a fresh link to the person it is for, in their language, when a
 * relay is configured. Returns 1 when queued, else 0 (the link is shown
 * to the inviter either way). */
static int mail_link(nb_req_t *req, const char *kind, const char *email,
                     const char *name, const char *locale, const char *link,
                     int64_t expires) {
  nb_app_t *app = req->app;
  nb_auth_t *a = nb__auth_of(req);
  if (!app->cfg.smtp_url[0])
    return 0;
  json_t *hood = one(app, "SELECT name FROM nb_hoods WHERE id = ?1",
                     json_pack("[I]", (json_int_t)a->hood_id));
  const char *hood_name = hood ? json_string_value(json_object_get(hood, "name"))
                               : a->hood;
  char until[32], subject[256], text[2048];
  time_t t = (time_t)expires;
  struct tm tm;
  gmtime_r(&t, &tm);
  int de = !locale || strcmp(locale, "en") != 0;
  strftime(until, sizeof(until), de ? "%d.%m.%Y" : "%Y-%m-%d", &tm);
  int invite = strcmp(kind, "invite") == 0;
  if (de) {
    snprintf(subject, sizeof(subject), invite ? "Einladung zu nachbar: %s"
                                              : "Neues Passwort für nachbar: %s",
             hood_name);
    snprintf(text, sizeof(text),
             invite ? "Hallo %s,\n\n%s lädt Sie in die "
                      "Digitalisierungsnachbarschaft „%s“ auf nachbar ein.\n\n"
                      "Mit diesem Link legen Sie Ihr Passwort fest (gültig bis "
                      "%s):\n%s\n\nWenn Sie diese Einladung nicht erwartet "
                      "haben, ignorieren Sie diese Nachricht einfach.\n"
                    : "Hallo %s,\n\n%s hat für Sie einen Link zum Festlegen "
                      "eines neuen Passworts für „%s“ erstellt (gültig bis "
                      "%s):\n%s\n\nWenn Sie das nicht erwartet haben, sagen "
                      "Sie bitte Ihrer Koordination Bescheid.\n",
             name, a->display_name, hood_name, until, link);
  } else {
    snprintf(subject, sizeof(subject), invite ? "Invitation to nachbar: %s"
                                              : "New password for nachbar: %s",
             hood_name);
    snprintf(text, sizeof(text),
             invite ? "Hello %s,\n\n%s invites you to the digitalization "
                      "neighbourhood \"%s\" on nachbar.\n\nSet your password "
                      "with this link (valid until %s):\n%s\n\nIf you did not "
                      "expect this invitation, just ignore this message.\n"
                    : "Hello %s,\n\n%s made a link for you to set a new "
                      "password for \"%s\" (valid until %s):\n%s\n\nIf you "
                      "did not expect this, please tell your coordinator.\n",
             name, a->display_name, hood_name, until, link);
  }
  int rc = nb__mail_send(app, email, subject, text);
  json_decref(hood);
  return rc == 1;
}

static const nb_param_t invite_schema[] = {
    {"email", NB_T_STRING, 1, 3, 254},
    {"display_name", NB_T_STRING, 1, 1, 120},
    {"firm_name", NB_T_STRING, 0, 1, 160},
    {"firm_id", NB_T_INT, 0, 1, INT64_MAX},
    {"role", NB_T_STRING, 0, 1, 16},
    {"locale", NB_T_STRING, 0, 2, 2},
    {NULL, 0, 0, 0, 0},
};

static int invite(nb_req_t *req, void *ud) {
  nb_app_t *app = ud;
  nb_auth_t *a = nb__auth_of(req);
  if (nb__req_check(req, invite_schema))
    return 0;
  const json_t *b = req->json;
  const char *email = json_string_value(json_object_get(b, "email"));
  const char *name = json_string_value(json_object_get(b, "display_name"));
  const char *firm_name = json_string_value(json_object_get(b, "firm_name"));
  const char *locale = json_string_value(json_object_get(b, "locale"));
  int64_t firm_id = json_integer_value(json_object_get(b, "firm_id"));
  const char *role = json_string_value(json_object_get(b, "role"));
  int coordinator = (a->roles & NB_ROLE_COORDINATOR) != 0;
  if (!strchr(email, '@') || strchr(email, ' '))
    return nb__req_error(req, 400, "invalid", "email",
                         "email must be an e-mail address.");
  if (locale && strcmp(locale, "de") && strcmp(locale, "en"))
    return nb__req_error(req, 400, "invalid", "locale", "locale must be de or en.");
  if (firm_name && firm_id)
    return nb__req_error(req, 400, "invalid", "firm_id",
                         "Give firm_name (a new firm) or firm_id, not both.");
  const char *kind; /* what the invitation grants */
  if (firm_name) {
    if (!coordinator)
      return nb__req_error(req, 403, "forbidden", NULL,
                           "Only coordinators invite new firms.");
    role = "admin";
    kind = "firm";
  } else if (firm_id) {
    if (!coordinator && !nb__auth_is_firm_admin(a, firm_id))
      return nb__req_error(req, 403, "forbidden", NULL,
                           "Only the firm's admins and coordinators invite its staff.");
    role = role ? role : "member";
    if (strcmp(role, "member") && strcmp(role, "admin"))
      return nb__req_error(req, 400, "invalid", "role",
                           "role must be member or admin for firm staff.");
    json_t *f = one(app, "SELECT id FROM nb_firms WHERE id = ?1 AND hood_id = ?2",
                    json_pack("[I, I]", (json_int_t)firm_id, (json_int_t)a->hood_id));
    if (!f)
      return nb__req_error(req, 404, "not_found", "firm_id", "There is no such firm.");
    json_decref(f);
    kind = "staff";
  } else {
    if (!coordinator)
      return nb__req_error(req, 403, "forbidden", NULL,
                           "Only coordinators invite coaches and coordinators.");
    if (!role || (strcmp(role, "coach") && strcmp(role, "coordinator")))
      return nb__req_error(req, 400, "invalid", "role",
                           "Give firm_name, firm_id, or role coach/coordinator.");
    kind = "role";
  }

  int rc = nb__db_begin(app->db);
  if (rc)
    return rc;
  int64_t pid = 0, changes = 0;
  json_t *existing = one(app,
                         "SELECT id FROM nb_people WHERE email = ?1 AND "
                         "deleted_at IS NULL AND password_hash IS NOT NULL",
                         json_pack("[s]", email));
  if (existing) {
    pid = json_integer_value(json_object_get(existing, "id"));
    json_decref(existing);
  } else {
    /* Someone invited before who has not accepted yet holds what that
     * invitation granted (a firm, a role, maybe in another hood). A second
     * link for the same address would hand all of it to whoever gets the
     * new link: the open invitation is revoked first, then re-sent. */
    json_t *pending = one(
        app,
        "SELECT p.id FROM nb_people p WHERE p.email = ?1 AND "
        "p.deleted_at IS NULL AND p.password_hash IS NULL AND (EXISTS "
        "(SELECT 1 FROM nb_memberships WHERE person_id = p.id) OR EXISTS "
        "(SELECT 1 FROM nb_hood_roles WHERE person_id = p.id))",
        json_pack("[s]", email));
    if (pending) {
      json_decref(pending);
      nb__db_rollback(app->db);
      return nb__req_error(req, 409, "invite_pending", "email",
                           "This address has an open invitation already. "
                           "Revoke it to send a new one.");
    }
    /* A pending person: no password until the link is used. */
    json_t *p = json_pack("[s, s, s]", email, name, locale ? locale : "de");
    rc = nb__db_exec(app->db,
                     "INSERT INTO nb_people(email, display_name, locale) "
                     "VALUES (?1, ?2, ?3) ON CONFLICT (email) DO UPDATE SET "
                     "display_name = excluded.display_name",
                     p, NULL, NULL);
    json_decref(p);
    json_t *row = rc ? NULL : one(app, "SELECT id FROM nb_people WHERE email = ?1",
                                  json_pack("[s]", email));
    pid = row ? json_integer_value(json_object_get(row, "id")) : 0;
    json_decref(row);
    if (!pid)
      goto fail;
  }
  if (firm_name) {
    json_t *p = json_pack("[I, s, I]", (json_int_t)a->hood_id, firm_name,
                          (json_int_t)pid);
    rc = nb__db_exec(app->db,
                     "INSERT INTO nb_firms(hood_id, name, contact_person_id) "
                     "VALUES (?1, ?2, ?3)",
                     p, NULL, &firm_id);
    json_decref(p);
    if (rc == NB_ECONSTRAINT) {
      nb__db_rollback(app->db);
      return nb__req_error(req, 409, "exists", "firm_name",
                           "A firm of this name is in the neighbourhood already.");
    }
    if (rc)
      goto fail;
  }
  json_t *p = firm_id ? json_pack("[I, I, s]", (json_int_t)pid, (json_int_t)firm_id, role)
                      : json_pack("[I, I, s]", (json_int_t)pid, (json_int_t)a->hood_id, role);
  rc = nb__db_exec(app->db,
                   firm_id ? "INSERT INTO nb_memberships(person_id, firm_id, role) "
                             "VALUES (?1, ?2, ?3) ON CONFLICT DO UPDATE SET "
                             "role = excluded.role"
                           : "INSERT OR IGNORE INTO nb_hood_roles(person_id, "
                             "hood_id, role) VALUES (?1, ?2, ?3)",
                   p, &changes, NULL);
  json_decref(p);
  if (rc)
    goto fail;
  char link[600] = "";
  int64_t expires = 0;
  if (!existing && (rc = make_link(req, "invite", pid, firm_id, role, link,
                                   sizeof(link), &expires)))
    goto fail;
  json_t *detail = json_pack("{s:s, s:s, s:s}", "email", email, "kind", kind,
                             "role", role);
  char obj[32];
  snprintf(obj, sizeof(obj), "%lld", (long long)pid);
  rc = nb__audit(app, a->hood_id, a->person_id, "core", "invite.created",
                 "person", obj, detail);
  json_decref(detail);
  if (rc || (rc = nb__db_commit(app->db)))
    goto fail;
  if (existing) /* new firm or role: live subscriptions see it after a reconnect */
    nb__ws_reauth_person(app, pid);
  json_t *body = json_pack("{s:I, s:s, s:o, s:o, s:o}", "person_id",
                           (json_int_t)pid, "role", role, "firm_id",
                           firm_id ? json_integer(firm_id) : json_null(),
                           "link", existing ? json_null() : json_string(link),
                           "expires_at",
                           existing ? json_null() : json_integer(expires));
  /* An existing account is added at once: nothing to accept. */
  json_object_set_new(body, "added", json_boolean(existing != NULL));
  json_object_set_new(
      body, "mailed",
      json_boolean(!existing && mail_link(req, "invite", email, name,
                                          locale ? locale : "de", link,
                                          expires)));
  rc = nb__req_json(req, 201, body);
  json_decref(body);
  return rc;
fail:
  if (nb__db_in_tx(app->db))
    nb__db_rollback(app->db);
  return rc ? rc : NB_EDB;
}

/* The invitation behind a token, or answer 404/410 and return NULL. */
static json_t *lookup(nb_req_t *req) {
  char hash[65];
  const char *token = nb__match_param(&req->match, "token");
  nb__auth_hash(token ? token : "", hash);
  json_t *row = one(req->app,
                    "SELECT i.id, i.kind, i.person_id, i.expires_at, i.used_at, "
                    "p.email, p.display_name, h.name AS hood, f.name AS firm, "
                    "i.role FROM nb_invites i JOIN nb_people p ON p.id = "
                    "i.person_id LEFT JOIN nb_hoods h ON h.id = i.hood_id "
                    "LEFT JOIN nb_firms f ON f.id = i.firm_id WHERE i.hash = ?1 "
                    "AND p.deleted_at IS NULL",
                    json_pack("[s]", hash));
  if (!row) {
    nb__req_error(req, 404, "not_found", NULL,
                  "This link is not valid. Ask for a new one.");
    return NULL;
  }
  if (!json_is_null(json_object_get(row, "used_at")) ||
      json_integer_value(json_object_get(row, "expires_at")) <= time(NULL)) {
    json_decref(row);
    nb__req_error(req, 410, "link_expired", NULL,
                  "This link was used already or has expired. Ask for a new one.");
    return NULL;
  }
  return row;
}

static int invite_show(nb_req_t *req, void *ud) {
  (void)ud;
  json_t *row = lookup(req);
  if (!row)
    return 0;
  json_object_del(row, "id");
  json_object_del(row, "used_at");
  json_object_del(row, "person_id");
  int rc = nb__req_json(req, 200, row);
  json_decref(row);
  return rc;
}

typedef struct accept {
  nb_req_t *req;
  int64_t invite_id, person_id;
} accept_t;

static void accept_done(void *ud, int ok, int rehash, const char *hash) {
  (void)rehash;
  accept_t *ac = ud;
  nb_req_t *req = ac->req;
  nb_app_t *app = req->app;
  int64_t changes = 0;
  if (ok != 1 || !hash) {
    nb__req_error(req, 503, "busy", NULL, "Please try again in a moment.");
    goto out;
  }
  int rc = nb__db_begin(app->db);
  json_t *p = json_pack("[I, I]", (json_int_t)ac->invite_id, (json_int_t)time(NULL));
  /* Single use even under a race: only one request flips used_at. */
  if (!rc)
    rc = nb__db_exec(app->db,
                     "UPDATE nb_invites SET used_at = "
                     "strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?1 AND "
                     "used_at IS NULL AND expires_at > ?2",
                     p, &changes, NULL);
  json_decref(p);
  if (!rc && changes == 1) {
    p = json_pack("[s, I]", hash, (json_int_t)ac->person_id);
    rc = nb__db_exec(app->db,
                     "UPDATE nb_people SET password_hash = ?1 WHERE id = ?2", p,
                     NULL, NULL);
    json_decref(p);
    p = json_pack("[I]", (json_int_t)ac->person_id);
    if (!rc) /* a reset ends every other session */
      rc = nb__db_exec(app->db, "DELETE FROM nb_sessions WHERE person_id = ?1",
                       p, NULL, NULL);
    json_decref(p);
  }
  if (rc || changes != 1) {
    if (nb__db_in_tx(app->db))
      nb__db_rollback(app->db);
    if (rc)
      nb__req_error(req, 500, "internal", NULL, "Please retry.");
    else
      nb__req_error(req, 410, "link_expired", NULL,
                    "This link was used already or has expired.");
    goto out;
  }
  if (nb__db_commit(app->db)) {
    nb__req_error(req, 500, "internal", NULL, "Please retry.");
    goto out;
  }
  nb__ws_reauth_person(app, ac->person_id); /* a reset ends sessions */
  json_t *body = json_pack("{s:b}", "ok", 1);
  nb__req_json(req, 200, body);
  json_decref(body);
out:
  free(ac);
}

static const nb_param_t accept_schema[] = {
    {"password", NB_T_STRING, 1, 1, 256},
    {NULL, 0, 0, 0, 0},
};

static int invite_accept(nb_req_t *req, void *ud) {
  nb_app_t *app = ud;
  if (nb__req_check(req, accept_schema))
    return 0;
  json_t *row = lookup(req);
  if (!row)
    return 0;
  const char *pw = json_string_value(json_object_get(req->json, "password"));
  const char *why = nb__pw_policy(
      pw, app->cfg.password_min_length,
      json_string_value(json_object_get(row, "email")),
      json_string_value(json_object_get(row, "display_name")));
  if (why) {
    json_decref(row);
    return nb__req_error(req, 400, "weak_password", "password", "%s", why);
  }
  accept_t *ac = calloc(1, sizeof(*ac));
  if (!ac) {
    json_decref(row);
    return NB_ENOMEM;
  }
  ac->req = req;
  ac->invite_id = json_integer_value(json_object_get(row, "id"));
  ac->person_id = json_integer_value(json_object_get(row, "person_id"));
  json_decref(row);
  int rc = nb__pw_hash(&app->loop, pw, accept_done, ac);
  if (rc)
    free(ac);
  return rc;
}

/* A person of this hood (firm member or role holder), or NULL. */
static json_t *hood_person(nb_req_t *req, int64_t id) {
  nb_auth_t *a = nb__auth_of(req);
  return one(req->app,
             "SELECT p.id, p.email, p.display_name, p.locale FROM nb_people "
             "p WHERE p.id = ?1 AND "
             "p.deleted_at IS NULL AND p.id IN (SELECT person_id FROM "
             "nb_hood_roles WHERE hood_id = ?2 UNION SELECT m.person_id FROM "
             "nb_memberships m JOIN nb_firms f ON f.id = m.firm_id WHERE "
             "f.hood_id = ?2)",
             json_pack("[I, I]", (json_int_t)id, (json_int_t)a->hood_id));
}

static const nb_param_t roles_schema[] = {
    {"roles", NB_T_ARRAY, 1, 0, 2},
    {NULL, 0, 0, 0, 0},
};

/* Replace a person's coach/coordinator roles in the hood. */
static int set_roles(nb_req_t *req, void *ud) {
  nb_app_t *app = ud;
  nb_auth_t *a = nb__auth_of(req);
  int64_t id = param_id(req, "id");
  if (nb__req_check(req, roles_schema))
    return 0;
  json_t *roles = json_object_get(req->json, "roles"), *r;
  size_t i;
  json_array_foreach(roles, i, r) {
    const char *s = json_string_value(r);
    if (!s || (strcmp(s, "coach") && strcmp(s, "coordinator")))
      return nb__req_error(req, 400, "invalid", "roles",
                           "roles may hold coach and coordinator.");
  }
  json_t *who = id ? hood_person(req, id) : NULL;
  if (!who)
    return nb__req_error(req, 404, "not_found", NULL, "There is no such person here.");
  json_decref(who);
  int rc = nb__db_begin(app->db);
  json_t *p = json_pack("[I, I]", (json_int_t)id, (json_int_t)a->hood_id);
  if (!rc)
    rc = nb__db_exec(app->db,
                     "DELETE FROM nb_hood_roles WHERE person_id = ?1 AND hood_id = ?2",
                     p, NULL, NULL);
  json_array_foreach(roles, i, r) {
    json_t *q = json_pack("[I, I, O]", (json_int_t)id, (json_int_t)a->hood_id, r);
    if (!rc)
      rc = nb__db_exec(app->db,
                       "INSERT OR IGNORE INTO nb_hood_roles(person_id, hood_id, "
                       "role) VALUES (?1, ?2, ?3)",
                       q, NULL, NULL);
    json_decref(q);
  }
  json_t *left = rc ? NULL : one(app,
                                 "SELECT count(*) AS n FROM nb_hood_roles WHERE "
                                 "hood_id = ?2 AND role = 'coordinator' AND ?1 = ?1",
                                 json_incref(p));
  json_decref(p);
  if (!rc && json_integer_value(json_object_get(left, "n")) == 0) {
    json_decref(left);
    nb__db_rollback(app->db);
    return nb__req_error(req, 409, "last_coordinator", "roles",
                         "The neighbourhood needs at least one coordinator.");
  }
  json_decref(left);
  char obj[32];
  snprintf(obj, sizeof(obj), "%lld", (long long)id);
  json_t *detail = json_pack("{s:O}", "roles", roles);
  if (!rc)
    rc = nb__audit(app, a->hood_id, a->person_id, "core", "roles.set",
                   "person", obj, detail);
  json_decref(detail);
  if (!rc)
    rc = nb__db_commit(app->db);
  else if (nb__db_in_tx(app->db))
    nb__db_rollback(app->db);
  if (rc)
    return rc;
  nb__ws_reauth_person(app, id);
  json_t *body = json_pack("{s:I, s:O}", "id", (json_int_t)id, "roles", roles);
  rc = nb__req_json(req, 200, body);
  json_decref(body);
  return rc;
}

/* Remove a person from the hood: its firm memberships and roles there. */
static int remove_person(nb_req_t *req, void *ud) {
  nb_app_t *app = ud;
  nb_auth_t *a = nb__auth_of(req);
  int64_t id = param_id(req, "id");
  json_t *who = id ? hood_person(req, id) : NULL;
  if (!who)
    return nb__req_error(req, 404, "not_found", NULL, "There is no such person here.");
  json_decref(who);
  if (id == a->person_id)
    return nb__req_error(req, 409, "self", NULL,
                         "You cannot remove yourself; ask another coordinator.");
  int rc = nb__db_begin(app->db);
  json_t *p = json_pack("[I, I]", (json_int_t)id, (json_int_t)a->hood_id);
  if (!rc)
    rc = nb__db_exec(app->db,
                     "DELETE FROM nb_memberships WHERE person_id = ?1 AND firm_id "
                     "IN (SELECT id FROM nb_firms WHERE hood_id = ?2)",
                     p, NULL, NULL);
  if (!rc)
    rc = nb__db_exec(app->db,
                     "DELETE FROM nb_hood_roles WHERE person_id = ?1 AND hood_id = ?2",
                     p, NULL, NULL);
  json_decref(p);
  char obj[32];
  snprintf(obj, sizeof(obj), "%lld", (long long)id);
  if (!rc)
    rc = nb__audit(app, a->hood_id, a->person_id, "core", "person.removed",
                   "person", obj, NULL);
  if (!rc)
    rc = nb__db_commit(app->db);
  else if (nb__db_in_tx(app->db))
    nb__db_rollback(app->db);
  if (!rc)
    nb__ws_reauth_person(app, id);
  return rc ? rc : nb__req_respond(req, 204, NULL, NULL, 0);
}

/* A password-reset link for a person of the hood (coordinators). */
static int reset_link(nb_req_t *req, void *ud) {
  nb_app_t *app = ud;
  nb_auth_t *a = nb__auth_of(req);
  int64_t id = param_id(req, "id");
  json_t *who = id ? hood_person(req, id) : NULL;
  if (!who)
    return nb__req_error(req, 404, "not_found", NULL, "There is no such person here.");
  /* A new password opens every neighbourhood the person belongs to: a
   * coordinator of this one may only reset people who belong nowhere
   * else (and never an operator). */
  json_t *elsewhere = one(
      app,
      "SELECT 1 AS x FROM nb_people p WHERE p.id = ?1 AND (p.is_operator OR "
      "EXISTS (SELECT 1 FROM nb_hood_roles WHERE person_id = ?1 AND hood_id "
      "<> ?2) OR EXISTS (SELECT 1 FROM nb_memberships m JOIN nb_firms f ON "
      "f.id = m.firm_id WHERE m.person_id = ?1 AND f.hood_id <> ?2))",
      json_pack("[I, I]", (json_int_t)id, (json_int_t)a->hood_id));
  if (elsewhere) {
    json_decref(elsewhere);
    json_decref(who);
    return nb__req_error(req, 403, "forbidden", NULL,
                         "This person also belongs to another neighbourhood "
                         "(or runs the server): the operator resets their "
                         "password with nachbar admin reset-password.");
  }
  char link[600], obj[32];
  int64_t expires;
  int rc = nb__db_begin(app->db);
  if (!rc)
    rc = make_link(req, "reset", id, 0, NULL, link, sizeof(link), &expires);
  snprintf(obj, sizeof(obj), "%lld", (long long)id);
  if (!rc)
    rc = nb__audit(app, a->hood_id, a->person_id, "core", "password.reset_link",
                   "person", obj, NULL);
  if (!rc)
    rc = nb__db_commit(app->db);
  else if (nb__db_in_tx(app->db))
    nb__db_rollback(app->db);
  if (rc) {
    json_decref(who);
    return rc;
  }
  int mailed = mail_link(
      req, "reset", json_string_value(json_object_get(who, "email")),
      json_string_value(json_object_get(who, "display_name")),
      json_string_value(json_object_get(who, "locale")), link, expires);
  json_decref(who);
  json_t *body = json_pack("{s:s, s:I, s:b}", "link", link, "expires_at",
                           (json_int_t)expires, "mailed", mailed);
  rc = nb__req_json(req, 201, body);
  json_decref(body);
  return rc;
}

/* ---- open invitations: list and revoke ---- */

/* Firms of this hood the person administers, as a JSON array of ids. */
static json_t *admin_firms(const nb_auth_t *a) {
  json_t *ids = json_array();
  for (int i = 0; i < a->nfirms; i++)
    if (a->firm_admin[i])
      json_array_append_new(ids, json_integer(a->firms[i]));
  return ids;
}

/* Coordinators see every open invitation of the hood, firm admins those
 * into their own firms; everyone else is refused. */
static int invite_list(nb_req_t *req, void *ud) {
  nb_app_t *app = ud;
  nb_auth_t *a = nb__auth_of(req);
  int coordinator = (a->roles & NB_ROLE_COORDINATOR) != 0;
  json_t *firms = admin_firms(a);
  if (!coordinator && json_array_size(firms) == 0) {
    json_decref(firms);
    return nb__req_error(req, 403, "forbidden", NULL,
                         "Only coordinators and firm admins see invitations.");
  }
  char *ids = json_dumps(firms, JSON_COMPACT);
  json_decref(firms);
  json_t *rows = NULL;
  json_t *p = json_pack("[I, I, i, s]", (json_int_t)a->hood_id,
                        (json_int_t)time(NULL), coordinator, ids ? ids : "[]");
  free(ids);
  int rc = nb__db_query(
      app->db,
      "SELECT i.id, p.email, p.display_name, i.role, i.firm_id, f.name AS "
      "firm_name, strftime('%Y-%m-%dT%H:%M:%SZ', i.expires_at, 'unixepoch') "
      "AS expires_at, i.created_at, c.display_name AS created_by FROM "
      "nb_invites i JOIN nb_people p ON p.id = i.person_id LEFT JOIN nb_firms "
      "f ON f.id = i.firm_id LEFT JOIN nb_people c ON c.id = i.created_by "
      "WHERE i.kind = 'invite' AND i.hood_id = ?1 AND i.used_at IS NULL AND "
      "i.expires_at > ?2 AND (?3 OR i.firm_id IN (SELECT value FROM "
      "json_each(?4))) ORDER BY i.id DESC",
      p, &rows);
  json_decref(p);
  if (rc)
    return rc;
  size_t i;
  json_t *r;
  json_array_foreach(rows, i, r) {
    json_t *fid = json_object_get(r, "firm_id");
    json_object_set_new(r, "firm",
                        json_is_integer(fid)
                            ? json_pack("{s:O, s:O}", "id", fid, "name",
                                        json_object_get(r, "firm_name"))
                            : json_null());
    json_object_del(r, "firm_id");
    json_object_del(r, "firm_name");
  }
  json_t *body = json_pack("{s:o}", "items", rows);
  rc = nb__req_json(req, 200, body);
  json_decref(body);
  return rc;
}

/* Revoke: the link stops working at once. A person who never accepted
 * loses what the invitation granted in this hood, and disappears when
 * nothing else is left of them. */
static int invite_revoke(nb_req_t *req, void *ud) {
  nb_app_t *app = ud;
  nb_auth_t *a = nb__auth_of(req);
  int64_t id = param_id(req, "id");
  if (!id)
    return nb__req_error(req, 400, "invalid", "id", "id must be a number.");
  json_t *mine = admin_firms(a);
  int may_revoke_some = (a->roles & NB_ROLE_COORDINATOR) || json_array_size(mine);
  json_decref(mine);
  if (!may_revoke_some) /* before the lookup: members learn no ids */
    return nb__req_error(req, 403, "forbidden", NULL,
                         "Only coordinators and firm admins revoke "
                         "invitations.");
  json_t *row = one(app,
                    "SELECT i.id, i.person_id, i.firm_id, i.role, "
                    "p.password_hash IS NULL AS pending FROM nb_invites i JOIN "
                    "nb_people p ON p.id = i.person_id WHERE i.id = ?1 AND "
                    "i.hood_id = ?2 AND i.kind = 'invite' AND i.used_at IS "
                    "NULL AND i.expires_at > ?3",
                    json_pack("[I, I, I]", (json_int_t)id,
                              (json_int_t)a->hood_id, (json_int_t)time(NULL)));
  if (!row)
    return nb__req_error(req, 404, "not_found", NULL,
                         "There is no such open invitation.");
  int64_t person = json_integer_value(json_object_get(row, "person_id"));
  int64_t firm = json_integer_value(json_object_get(row, "firm_id"));
  int pending = json_integer_value(json_object_get(row, "pending")) != 0;
  json_decref(row);
  if (!(a->roles & NB_ROLE_COORDINATOR) && !nb__auth_is_firm_admin(a, firm))
    return nb__req_error(req, 403, "forbidden", NULL,
                         "Only coordinators and the firm's admins revoke "
                         "this invitation.");
  /* Each statement gets exactly its own parameters (db.c refuses extra
   * ones). */
  json_t *pi = json_pack("[I]", (json_int_t)id);
  json_t *ph = json_pack("[I, I]", (json_int_t)person, (json_int_t)a->hood_id);
  json_t *pp = json_pack("[I]", (json_int_t)person);
  int rc = nb__db_begin(app->db);
  if (!rc)
    rc = nb__db_exec(app->db,
                     "UPDATE nb_invites SET expires_at = 0 WHERE id = ?1", pi,
                     NULL, NULL);
  if (!rc && pending)
    rc = nb__db_exec(app->db,
                     "DELETE FROM nb_memberships WHERE person_id = ?1 AND "
                     "firm_id IN (SELECT id FROM nb_firms WHERE hood_id = ?2)",
                     ph, NULL, NULL);
  if (!rc && pending)
    rc = nb__db_exec(app->db,
                     "DELETE FROM nb_hood_roles WHERE person_id = ?1 AND "
                     "hood_id = ?2",
                     ph, NULL, NULL);
  if (!rc && pending)
    rc = nb__db_exec(app->db,
                     "DELETE FROM nb_people WHERE id = ?1 AND password_hash IS "
                     "NULL AND NOT EXISTS (SELECT 1 FROM nb_memberships WHERE "
                     "person_id = ?1) AND NOT EXISTS (SELECT 1 FROM "
                     "nb_hood_roles WHERE person_id = ?1)",
                     pp, NULL, NULL);
  json_decref(pi);
  json_decref(ph);
  json_decref(pp);
  if (!rc) {
    char obj[32];
    snprintf(obj, sizeof(obj), "%lld", (long long)id);
    rc = nb__audit(app, a->hood_id, a->person_id, "core", "invite.revoked",
                   "invite", obj, NULL);
  }
  if (!rc)
    rc = nb__db_commit(app->db);
  if (rc) {
    if (nb__db_in_tx(app->db))
      nb__db_rollback(app->db);
    return rc;
  }
  return nb__req_respond(req, 204, NULL, NULL, 0);
}

int nb__invites_routes(nb_app_t *app) {
  static const nb_route_def_t routes[] = {
      {"POST", "/api/v1/n/:hood/invites", NB_PERM_MEMBER, invite},
      {"GET", "/api/v1/n/:hood/invites", NB_PERM_MEMBER, invite_list},
      {"DELETE", "/api/v1/n/:hood/invites/:id", NB_PERM_MEMBER, invite_revoke},
      {"GET", "/api/v1/invites/:token", NB_PERM_PUBLIC, invite_show},
      {"POST", "/api/v1/invites/:token/accept", NB_PERM_PUBLIC, invite_accept},
      {"PUT", "/api/v1/n/:hood/people/:id/roles", NB_PERM_COORDINATOR, set_roles},
      {"DELETE", "/api/v1/n/:hood/people/:id", NB_PERM_COORDINATOR, remove_person},
      {"POST", "/api/v1/n/:hood/people/:id/reset", NB_PERM_COORDINATOR, reset_link},
  };
  return nb__router_add_table(app->router, routes,
                              sizeof(routes) / sizeof(*routes), app);
}
