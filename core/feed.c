/*
 * GET /api/v1/n/:hood/events?topics=a,b&limit=N: the newest events of the
 * neighbourhood that the person may see, newest first, in the same shape
 * as the WebSocket's `event` messages, plus the log's last id. The
 * dashboard's "what is new" card shows them on a first visit and then
 * subscribes with that last id, so nothing falls between history and live.
 *
 * Topics and visibility follow the subscription rules exactly: unknown
 * topics and topics of plugins switched off here are refused, as are
 * topics the person's role does not allow; firm events reach that firm's
 * people and coaches/coordinators, coach events only the latter.
 */
#include "feed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "events.h"
#include "hood_plugins.h"
#include "http.h"
#include "plugins.h"
#include "ws.h"

#define FEED_MAX 100

static int events_list(nb_req_t *req, void *ud) {
  nb_app_t *app = ud;
  nb_auth_t *a = nb__auth_of(req);
  char list[1024], lim[16];
  long limit = 30;
  int n = nb__req_query(req, "limit", lim, sizeof(lim));
  if (n > 0) {
    char *end;
    limit = strtol(lim, &end, 10);
    if (*end || limit < 1 || limit > FEED_MAX)
      return nb__req_error(req, 400, "invalid", "limit",
                           "limit must be a number from 1 to %d.", FEED_MAX);
  }
  if (nb__req_query(req, "topics", list, sizeof(list)) <= 0 || !list[0])
    return nb__req_error(req, 400, "required", "topics",
                         "Give topics=a,b (the topics to show).");
  json_t *topics = json_array();
  for (char *save = NULL, *t = strtok_r(list, ",", &save); t;
       t = strtok_r(NULL, ",", &save)) {
    int perm;
    void *owner;
    if (nb__ws_topic_find(app, t, &perm, &owner) != 0 ||
        (owner && !nb__hood_plugin_enabled(app, a->hood_id,
                                           nb__plugin_name(owner)))) {
      json_decref(topics);
      return nb__req_error(req, 400, "unknown_topic", "topics",
                           "There is no such topic here.");
    }
    if (!nb__auth_allows(a, perm)) {
      json_decref(topics);
      return nb__req_error(req, 403, "forbidden", "topics",
                           "Your role does not allow this topic.");
    }
    json_array_append_new(topics, json_string(t));
  }
  json_t *firms = json_array();
  for (int i = 0; i < a->nfirms; i++)
    json_array_append_new(firms, json_integer(a->firms[i]));
  json_t *p = json_pack("[I, o, i, o, i]", (json_int_t)a->hood_id, topics,
                        a->roles != 0, firms, (int)limit);
  json_t *rows = NULL;
  int rc = nb__db_query(
      app->db,
      "SELECT e.id, e.ts, h.slug AS hood, e.topic, e.type, json(e.data) AS "
      "data FROM nb_events e JOIN nb_hoods h ON h.id = e.hood_id WHERE "
      "e.hood_id = ?1 AND e.topic IN (SELECT value FROM json_each(?2)) AND "
      "(e.vis = 'hood' OR ?3 OR (e.vis = 'firm' AND e.vis_firm IN (SELECT "
      "value FROM json_each(?4)))) ORDER BY e.id DESC LIMIT ?5",
      p, &rows);
  json_decref(p);
  if (rc)
    return rc;
  nb__db_rows_json(rows, "data", 0);
  size_t i;
  json_t *r;
  json_array_foreach(rows, i, r) {
    json_object_set_new(r, "op", json_string("event"));
  }
  json_t *body = json_pack("{s:o, s:I}", "items", rows, "last_id",
                           (json_int_t)nb__events_last_id(app));
  rc = nb__req_json(req, 200, body);
  json_decref(body);
  return rc;
}

int nb__feed_routes(nb_app_t *app) {
  return nb__router_add(app->router, "GET", "/api/v1/n/:hood/events",
                        NB_PERM_MEMBER, events_list, app, NULL);
}
