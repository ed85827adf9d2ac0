/*
 * Neighbourhoods, the firm directory and the people list over HTTP.
 *
 * Every query here is scoped by the hood the router's permission check
 * resolved (nb_auth_t.hood_id), never by an id from the client alone, so
 * nothing of another neighbourhood can be named into an answer.
 */
#include "tenancy.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "http.h"
#include "memo.h"

static int answer_rows(nb_req_t *req, int rc, json_t *rows, long limit) {
  if (rc)
    return rc;
  rc = nb__req_page_answer(req, rows, limit);
  json_decref(rows);
  return rc;
}

/* Neighbourhoods the person belongs to; an operator sees all. */
static int hoods(nb_req_t *req, void *ud) {
  nb_app_t *app = ud;
  nb_auth_t *a = nb__auth_of(req);
  long limit;
  int64_t cursor;
  if (nb__req_page(req, &limit, &cursor))
    return 0;
  json_t *rows = NULL;
  json_t *p = json_pack("[I, I, I, I]", (json_int_t)a->person_id,
                        (json_int_t)a->is_operator, (json_int_t)cursor,
                        (json_int_t)limit + 1);
  int rc = nb__db_query(
      app->db,
      "SELECT id, slug, name, region, description, timezone FROM nb_hoods "
      "WHERE (?2 OR id IN (SELECT hood_id FROM nb_hood_roles WHERE "
      "person_id = ?1 UNION SELECT f.hood_id FROM nb_memberships m JOIN "
      "nb_firms f ON f.id = m.firm_id WHERE m.person_id = ?1)) AND id > ?3 "
      "ORDER BY id LIMIT ?4",
      p, &rows);
  json_decref(p);
  return answer_rows(req, rc, rows, limit);
}

static const char firm_columns[] =
    "f.id, f.name, f.sector, f.size, f.address, f.profile, f.offers, "
    "json(f.tags) AS tags, (SELECT display_name FROM nb_people WHERE id = "
    "f.contact_person_id AND deleted_at IS NULL) AS contact";

/* The firm directory: ?q= searches name, sector, profile, offers, tags
 * ("who here can help with …"). */
static int firms(nb_req_t *req, void *ud) {
  nb_app_t *app = ud;
  nb_auth_t *a = nb__auth_of(req);
  long limit;
  int64_t cursor;
  char q[128] = "";
  if (nb__req_page(req, &limit, &cursor))
    return 0;
  if (nb__req_query(req, "q", q, sizeof(q)) == NB_ELIMIT)
    return nb__req_error(req, 400, "invalid", "q",
                         "q must be at most 126 characters.");
  /* The directory is the most read list: a page without a search is kept
   * (memo.h) until the database changes. */
  char key[96];
  int memo = q[0] == '\0' && app->page_memo && !nb__db_in_tx(app->db);
  uint64_t version = memo ? nb__db_version(app->db) : 0;
  snprintf(key, sizeof(key), "d:%lld:%lld:%ld", (long long)a->hood_id,
           (long long)cursor, limit);
  size_t kept_len = 0;
  const char *kept =
      memo ? nb__memo_get(app->page_memo, key, version, 0, &kept_len) : NULL;
  if (kept) {
    char *copy = malloc(kept_len);
    if (!copy)
      return NB_ENOMEM;
    memcpy(copy, kept, kept_len);
    return nb__req_respond(req, 200, "application/json; charset=utf-8", copy,
                           kept_len);
  }
  /* Each firm's JSON is built by SQLite (rows through jansson and back
   * were most of its cost in the benchmark profile); the page is joined
   * here. One row more than the page tells whether there is a next one. */
  json_t *rows = NULL;
  json_t *p = json_pack("[I, I, s, I]", (json_int_t)a->hood_id,
                        (json_int_t)cursor, q, (json_int_t)limit);
  int rc = nb__db_query(
      app->db,
      "SELECT f.id, json_object('id', f.id, 'name', f.name, 'sector', "
      "f.sector, 'size', f.size, 'address', f.address, 'profile', f.profile, "
      "'offers', f.offers, 'tags', json(f.tags), 'contact', (SELECT "
      "display_name FROM nb_people WHERE id = f.contact_person_id AND "
      "deleted_at IS NULL)) AS j FROM nb_firms f WHERE f.hood_id = ?1 AND "
      "f.id > ?2 AND (?3 = '' OR instr(lower(f.name || ' ' || f.sector || ' ' "
      "|| f.profile || ' ' || f.offers || ' ' || f.tags), lower(?3)) > 0) "
      "ORDER BY f.id LIMIT ?4 + 1",
      p, &rows);
  json_decref(p);
  if (rc)
    return rc;
  size_t n = json_array_size(rows), shown = n > (size_t)limit ? (size_t)limit : n;
  size_t cap = 64;
  for (size_t i = 0; i < shown; i++)
    cap += json_string_length(json_object_get(json_array_get(rows, i), "j")) + 1;
  char *body = malloc(cap);
  if (!body) {
    json_decref(rows);
    return NB_ENOMEM;
  }
  size_t len = 10;
  memcpy(body, "{\"items\":[", len);
  for (size_t i = 0; i < shown; i++) {
    const json_t *j = json_object_get(json_array_get(rows, i), "j");
    if (i)
      body[len++] = ',';
    memcpy(body + len, json_string_value(j), json_string_length(j));
    len += json_string_length(j);
  }
  if (n > shown && shown)
    len += (size_t)snprintf(body + len, cap - len, "],\"next_cursor\":%lld}",
                            (long long)json_integer_value(json_object_get(
                                json_array_get(rows, shown - 1), "id")));
  else
    len += (size_t)snprintf(body + len, cap - len, "],\"next_cursor\":null}");
  json_decref(rows);
  if (memo)
    nb__memo_put(app->page_memo, key, version, INT64_MAX, body, len);
  return nb__req_respond(req, 200, "application/json; charset=utf-8", body,
                         len);
}

static int firm(nb_req_t *req, void *ud) {
  char *end;
  long long id = strtoll(nb__match_param(&req->match, "id"), &end, 10);
  if (*end || id <= 0)
    return nb__req_error(req, 400, "invalid", "id", "id must be a number.");
  return nb__tenancy_firm_answer(req, ud, id);
}

int nb__tenancy_firm_answer(nb_req_t *req, nb_app_t *app, int64_t id) {
  nb_auth_t *a = nb__auth_of(req);
  char sql[512];
  snprintf(sql, sizeof(sql),
           "SELECT %s FROM nb_firms f WHERE f.id = ?1 AND f.hood_id = ?2",
           firm_columns);
  json_t *rows = NULL, *staff = NULL;
  json_t *p = json_pack("[I, I]", (json_int_t)id, (json_int_t)a->hood_id);
  int rc = nb__db_query(app->db, sql, p, &rows);
  if (rc == 0 && json_array_size(rows) == 1)
    rc = nb__db_query(app->db,
                      "SELECT p.id, p.display_name, m.role FROM nb_memberships m "
                      "JOIN nb_people p ON p.id = m.person_id JOIN nb_firms f "
                      "ON f.id = m.firm_id WHERE m.firm_id = ?1 AND "
                      "f.hood_id = ?2 AND p.deleted_at IS NULL "
                      "ORDER BY p.display_name",
                      p, &staff);
  json_decref(p);
  if (rc) {
    json_decref(rows);
    return rc;
  }
  if (json_array_size(rows) != 1) {
    json_decref(rows);
    return nb__req_error(req, 404, "not_found", NULL, "There is no such firm.");
  }
  nb__db_rows_json(rows, "tags", 1); /* stored as JSON text */
  json_t *body = json_array_get(rows, 0);
  json_object_set_new(body, "people", staff);
  rc = nb__req_json(req, 200, body);
  json_decref(rows);
  return rc;
}

/* Everyone in the hood with their firms and roles (coordinators). */
static int people(nb_req_t *req, void *ud) {
  nb_app_t *app = ud;
  nb_auth_t *a = nb__auth_of(req);
  long limit;
  int64_t cursor;
  if (nb__req_page(req, &limit, &cursor))
    return 0;
  json_t *rows = NULL;
  json_t *p = json_pack("[I, I, I]", (json_int_t)a->hood_id,
                        (json_int_t)cursor, (json_int_t)limit + 1);
  int rc = nb__db_query(
      app->db,
      "SELECT p.id, p.email, p.display_name, p.locale, "
      "(p.password_hash IS NOT NULL) AS active, "
      "(SELECT json_group_array(json_object('id', f.id, 'name', f.name, "
      "'role', m.role)) FROM nb_memberships m JOIN nb_firms f ON "
      "f.id = m.firm_id WHERE m.person_id = p.id AND f.hood_id = ?1) AS firms, "
      "(SELECT json_group_array(role) FROM nb_hood_roles r WHERE "
      "r.person_id = p.id AND r.hood_id = ?1) AS roles "
      "FROM nb_people p WHERE p.deleted_at IS NULL AND p.id > ?2 AND p.id IN "
      "(SELECT person_id FROM nb_hood_roles WHERE hood_id = ?1 UNION "
      "SELECT m.person_id FROM nb_memberships m JOIN nb_firms f ON "
      "f.id = m.firm_id WHERE f.hood_id = ?1) ORDER BY p.id LIMIT ?3",
      p, &rows);
  json_decref(p);
  if (rc == 0) {
    size_t i;
    json_t *r;
    nb__db_rows_json(rows, "firms", 1);
    nb__db_rows_json(rows, "roles", 1);
    json_array_foreach(rows, i, r) {
      json_object_set_new(r, "active", json_boolean(json_integer_value(
                                           json_object_get(r, "active"))));
    }
  }
  return answer_rows(req, rc, rows, limit);
}

int nb__tenancy_routes(nb_app_t *app) {
  static const nb_route_def_t routes[] = {
      {"GET", "/api/v1/hoods", NB_PERM_SIGNED_IN, hoods},
      {"GET", "/api/v1/n/:hood/firms", NB_PERM_MEMBER, firms},
      {"GET", "/api/v1/n/:hood/firms/:id", NB_PERM_MEMBER, firm},
      {"GET", "/api/v1/n/:hood/people", NB_PERM_COORDINATOR, people},
  };
  return nb__router_add_table(app->router, routes,
                              sizeof(routes) / sizeof(*routes), app);
}
