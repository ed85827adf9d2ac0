/*
 * problems: the taxonomy of categories, one per neighbourhood, which the
 * coach edits. A neighbourhood copies the defaults (hood_id 0 in
 * problems_categories) the first time it needs categories; from then on
 * its list is its own. A category in use can be archived (no new problems
 * get it) but not deleted.
 *
 *   GET    /api/v1/n/:hood/problems/categories          member
 *   POST   /api/v1/n/:hood/problems/categories          coach
 *   PATCH  /api/v1/n/:hood/problems/categories/:key     coach
 *   DELETE /api/v1/n/:hood/problems/categories/:key     coach
 */
#include <string.h>

#include "problems.h"

#define BASE "/api/v1/n/:hood/problems/categories"

int pb_categories_ensure(int64_t hood_id) {
  json_t *rows = NULL;
  int rc = pb_query_new("SELECT 1 AS x FROM problems_seeded WHERE hood_id = ?1",
                        json_pack("[I]", (json_int_t)hood_id), &rows);
  int seeded = rc == 0 && json_array_size(rows) > 0;
  json_decref(rows);
  if (rc || seeded)
    return rc;
  rc = pb_exec_new("INSERT OR IGNORE INTO problems_categories(hood_id, key, "
                   "label_de, label_en, position) SELECT ?1, key, label_de, "
                   "label_en, position FROM problems_categories WHERE "
                   "hood_id = 0",
                   json_pack("[I]", (json_int_t)hood_id), NULL, NULL);
  if (rc == 0)
    rc = pb_exec_new("INSERT OR IGNORE INTO problems_seeded(hood_id) "
                     "VALUES (?1)",
                     json_pack("[I]", (json_int_t)hood_id), NULL, NULL);
  return rc;
}

int pb_category_usable(int64_t hood_id, const char *key) {
  json_t *rows = NULL;
  int rc = pb_query_new("SELECT 1 AS x FROM problems_categories WHERE "
                        "hood_id = ?1 AND key = ?2 AND archived = 0",
                        json_pack("[I, s]", (json_int_t)hood_id, key), &rows);
  int found = rc == 0 && json_array_size(rows) > 0;
  json_decref(rows);
  return rc ? rc : found;
}

static json_t *category_json(const json_t *r, const char *locale) {
  int en = locale && strcmp(locale, "en") == 0;
  return json_pack("{s:s, s:s, s:s, s:s, s:I, s:b}", "key", pb_str(r, "key"),
                   "label", pb_str(r, en ? "label_en" : "label_de"), "label_de",
                   pb_str(r, "label_de"), "label_en", pb_str(r, "label_en"),
                   "position", (json_int_t)pb_int(r, "position"), "archived",
                   (int)pb_int(r, "archived"));
}

/* The category `key` of the hood as a row (new reference), or NULL. */
static int find(int64_t hood, const char *key, json_t **row) {
  json_t *rows = NULL;
  *row = NULL;
  int rc = pb_query_new("SELECT key, label_de, label_en, position, archived "
                        "FROM problems_categories WHERE hood_id = ?1 AND "
                        "key = ?2",
                        json_pack("[I, s]", (json_int_t)hood, key), &rows);
  if (rc == 0)
    *row = json_incref(json_array_get(rows, 0));
  json_decref(rows);
  return rc;
}

static int list(nb_req_t *req, void *ud) {
  (void)ud;
  nb_who_t who;
  int all = 0;
  pb_host->req_who(req, &who);
  int rc = pb_query_flag(req, "all", &all);
  if (rc)
    return PB_DONE(rc);
  /* Archived ones only for coaches, who manage them. */
  all = all && pb_host->req_may(req, NB_PERM_COACH);
  if ((rc = pb_categories_ensure(who.hood_id)))
    return rc;
  json_t *rows = NULL;
  rc = pb_query_new("SELECT key, label_de, label_en, position, archived FROM "
                    "problems_categories WHERE hood_id = ?1 AND (?2 OR "
                    "archived = 0) ORDER BY position, key",
                    json_pack("[I, i]", (json_int_t)who.hood_id, all), &rows);
  if (rc)
    return rc;
  json_t *items = json_array();
  size_t i;
  json_t *r;
  json_array_foreach(rows, i, r)
      json_array_append_new(items, category_json(r, who.locale));
  json_decref(rows);
  return pb_host->respond_json_new(req, 200,
                                   json_pack("{s:o}", "items", items));
}

static const nb_param_t create_schema[] = {
    {"key", NB_T_STRING, 1, 1, PB_KEY_MAX},
    {"label_de", NB_T_STRING, 1, 1, PB_LABEL_MAX},
    {"label_en", NB_T_STRING, 1, 1, PB_LABEL_MAX},
    {"position", NB_T_INT, 0, 0, 1000000},
    {"archived", NB_T_BOOL, 0, 0, 0},
    {NULL, 0, 0, 0, 0},
};

static int check_labels(nb_req_t *req, const json_t *body) {
  int rc = pb_check_text(req, body, "label_de", 0, 1);
  return rc ? rc : pb_check_text(req, body, "label_en", 0, 1);
}

static int create(nb_req_t *req, void *ud) {
  (void)ud;
  nb_who_t who;
  if (pb_host->req_check(req, create_schema))
    return 0;
  pb_host->req_who(req, &who);
  const json_t *body = pb_host->req_json(req);
  const char *key = pb_str(body, "key");
  if (!pb_key_ok(key))
    return pb_host->respond_error(req, 400, "invalid", "key",
                                  "key must be lowercase letters, digits and "
                                  "inner dashes, e.g. \"e-invoicing\".");
  int rc = check_labels(req, body);
  if (rc)
    return PB_DONE(rc);
  if ((rc = pb_categories_ensure(who.hood_id)))
    return rc;
  json_t *row = NULL;
  if ((rc = find(who.hood_id, key, &row)))
    return rc;
  if (row) {
    json_decref(row);
    return pb_host->respond_error(req, 409, "exists", "key",
                                  "There is a category \"%s\" already.", key);
  }
  json_t *de = pb_trimmed(pb_str(body, "label_de")),
         *en = pb_trimmed(pb_str(body, "label_en"));
  const json_t *pos = json_object_get(body, "position");
  rc = pb_exec_new("INSERT INTO problems_categories(hood_id, key, label_de, "
                   "label_en, position, archived) VALUES (?1, ?2, ?3, ?4, "
                   "coalesce(?5, (SELECT coalesce(max(position), 0) + 10 FROM "
                   "problems_categories WHERE hood_id = ?1)), ?6)",
                   json_pack("[I, s, o, o, O, b]", (json_int_t)who.hood_id, key,
                             de, en, pos ? pos : json_null(),
                             json_is_true(json_object_get(body, "archived"))),
                   NULL, NULL);
  if (rc)
    return rc;
  if ((rc = find(who.hood_id, key, &row)))
    return rc;
  json_t *out = category_json(row, who.locale);
  json_decref(row);
  return pb_host->respond_json_new(req, 201, out);
}

static const nb_param_t patch_schema[] = {
    {"label_de", NB_T_STRING, 0, 1, PB_LABEL_MAX},
    {"label_en", NB_T_STRING, 0, 1, PB_LABEL_MAX},
    {"position", NB_T_INT, 0, 0, 1000000},
    {"archived", NB_T_BOOL, 0, 0, 0},
    {NULL, 0, 0, 0, 0},
};

static int patch(nb_req_t *req, void *ud) {
  (void)ud;
  nb_who_t who;
  if (pb_host->req_check(req, patch_schema))
    return 0;
  pb_host->req_who(req, &who);
  const json_t *body = pb_host->req_json(req);
  const char *key = pb_host->req_param(req, "key");
  int rc = check_labels(req, body);
  if (rc)
    return PB_DONE(rc);
  if ((rc = pb_categories_ensure(who.hood_id)))
    return rc;
  json_t *row = NULL;
  if ((rc = find(who.hood_id, key, &row)))
    return rc;
  if (!row)
    return pb_host->respond_error(req, 404, "not_found", "key",
                                  "There is no category \"%s\".", key);
  json_decref(row);
  const char *de = pb_str(body, "label_de"), *en = pb_str(body, "label_en");
  json_t *p = json_pack(
      "{s:I, s:s, s:o, s:o, s:O, s:O}", "hood", (json_int_t)who.hood_id, "key",
      key, "de", de ? pb_trimmed(de) : json_null(), "en",
      en ? pb_trimmed(en) : json_null(), "pos",
      json_object_get(body, "position") ? json_object_get(body, "position")
                                        : json_null(),
      "arch",
      json_object_get(body, "archived") ? json_object_get(body, "archived")
                                        : json_null());
  rc = pb_exec_new("UPDATE problems_categories SET label_de = coalesce(:de, "
                   "label_de), label_en = coalesce(:en, label_en), position "
                   "= coalesce(:pos, position), archived = coalesce(:arch, "
                   "archived) WHERE hood_id = :hood AND key = :key",
                   p, NULL, NULL);
  if (rc)
    return rc;
  if ((rc = find(who.hood_id, key, &row)))
    return rc;
  json_t *out = category_json(row, who.locale);
  json_decref(row);
  return pb_host->respond_json_new(req, 200, out);
}

static int remove_category(nb_req_t *req, void *ud) {
  (void)ud;
  nb_who_t who;
  pb_host->req_who(req, &who);
  const char *key = pb_host->req_param(req, "key");
  int rc = pb_categories_ensure(who.hood_id);
  json_t *row = NULL, *rows = NULL;
  if (rc || (rc = find(who.hood_id, key, &row)))
    return rc;
  if (!row)
    return pb_host->respond_error(req, 404, "not_found", "key",
                                  "There is no category \"%s\".", key);
  json_decref(row);
  rc = pb_query_new("SELECT count(*) AS n FROM problems WHERE hood_id = ?1 "
                    "AND category = ?2",
                    json_pack("[I, s]", (json_int_t)who.hood_id, key), &rows);
  int64_t used = rc == 0 ? pb_int(json_array_get(rows, 0), "n") : 0;
  json_decref(rows);
  if (rc)
    return rc;
  if (used)
    return pb_host->respond_error(req, 409, "in_use", "key",
                                  "%lld problems use \"%s\": archive it "
                                  "instead ({\"archived\": true}).",
                                  (long long)used, key);
  rc = pb_exec_new("DELETE FROM problems_categories WHERE hood_id = ?1 AND "
                   "key = ?2",
                   json_pack("[I, s]", (json_int_t)who.hood_id, key), NULL,
                   NULL);
  return rc ? rc : pb_host->respond_raw(req, 204, NULL, NULL, 0);
}

int pb_routes_categories(void) {
  int rc = pb_host->route_add(pb_self, "GET", BASE, NB_PERM_MEMBER, list, NULL);
  if (!rc)
    rc = pb_host->route_add(pb_self, "POST", BASE, NB_PERM_COACH, create, NULL);
  if (!rc)
    rc = pb_host->route_add(pb_self, "PATCH", BASE "/:key", NB_PERM_COACH,
                            patch, NULL);
  if (!rc)
    rc = pb_host->route_add(pb_self, "DELETE", BASE "/:key", NB_PERM_COACH,
                            remove_category, NULL);
  return rc;
}
