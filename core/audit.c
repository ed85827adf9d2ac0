/*
 * Audit log storage and GET /api/v1/n/:hood/audit (newest first).
 */
#include "audit.h"

#include <stdlib.h>

#include "auth.h"
#include "http.h"

int nb__audit(nb_app_t *app, int64_t hood_id, int64_t actor_id,
              const char *source, const char *action, const char *object_type,
              const char *object_id, const json_t *detail) {
  char *text = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
  json_t *p = json_pack("[o, o, s, s, s, s, s]",
                        hood_id ? json_integer(hood_id) : json_null(),
                        actor_id ? json_integer(actor_id) : json_null(), source,
                        action, object_type ? object_type : "",
                        object_id ? object_id : "", text ? text : "{}");
  free(text);
  if (!p)
    return NB_ENOMEM;
  int rc = nb__db_exec(app->db,
                       "INSERT INTO nb_audit(hood_id, actor_id, source, action, "
                       "object_type, object_id, detail) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, json(?7))",
                       p, NULL, NULL);
  json_decref(p);
  return rc;
}

static int audit_list(nb_req_t *req, void *ud) {
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
      "SELECT a.id, a.ts, a.source, a.action, a.object_type, a.object_id, "
      "json(a.detail) AS detail, a.actor_id, coalesce((SELECT CASE WHEN "
      "deleted_at IS NULL THEN display_name ELSE 'former member' END FROM "
      "nb_people WHERE id = a.actor_id), 'system') AS actor "
      "FROM nb_audit a WHERE a.hood_id = ?1 AND (?2 = 0 OR a.id < ?2) "
      "ORDER BY a.id DESC LIMIT ?3",
      p, &rows);
  json_decref(p);
  if (rc)
    return rc;
  nb__db_rows_json(rows, "detail", 0);
  rc = nb__req_page_answer(req, rows, limit);
  json_decref(rows);
  return rc;
}

int nb__audit_routes(nb_app_t *app) {
  return nb__router_add(app->router, "GET", "/api/v1/n/:hood/audit",
                        NB_PERM_COORDINATOR, audit_list, app, NULL);
}
