/*
 * problems: sharing a problem — "we have this too", comments, links.
 *
 *   POST   /api/v1/n/:hood/problems/:id/join                 member
 *   DELETE /api/v1/n/:hood/problems/:id/join[?firm_id=]      member
 *   GET    /api/v1/n/:hood/problems/:id/comments             member
 *   POST   /api/v1/n/:hood/problems/:id/comments             member
 *   POST   /api/v1/n/:hood/problems/:id/comments/:cid/hide   coach
 *   DELETE /api/v1/n/:hood/problems/:id/comments/:cid/hide   coach
 *   POST   /api/v1/n/:hood/problems/:id/links                member
 *   DELETE /api/v1/n/:hood/problems/:id/links/:lid           its author, coach
 *
 * A firm joins a problem it can see (not its own, not a private one); on
 * an anonymous problem, or when it asks to be anonymous, it is named to
 * nobody but itself and the coaches. A comment's author on an anonymous
 * problem (or who asked to be anonymous) likewise. Coaches comment under
 * their name. Hiding a comment is audit-logged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "problems.h"

#define BASE "/api/v1/n/:hood/problems/:id"

/* ---- join / leave ---- */

static const nb_param_t join_schema[] = {
    {"firm_id", NB_T_INT, 0, 1, INT64_MAX},
    {"note", NB_T_STRING, 0, 0, PB_NOTE_MAX},
    {"hours_per_week", NB_T_NUMBER, 0, 0, PB_HOURS_MAX},
    {"urgency", NB_T_STRING, 0, 1, 16},
    {"anonymous", NB_T_BOOL, 0, 0, 0},
    {NULL, 0, 0, 0, 0},
};

/* problem.joined / problem.left: the supporter is named only when the
 * problem is open and the supporter did not ask to stay unnamed. */
static int publish_support(const json_t *before, int64_t actor,
                           const char *type, int64_t firm, int hidden) {
  json_t *row = pb_problem_row(pb_int(before, "hood_id"), pb_int(before, "id"));
  if (!row)
    return NB_EDB;
  int named = !hidden && strcmp(pb_str(row, "visibility"), "open") == 0;
  json_t *firm_json = json_null();
  if (named) {
    json_t *rows = NULL;
    pb_query_new("SELECT id, name FROM nb_firms WHERE id = ?1",
                 json_pack("[I]", (json_int_t)firm), &rows);
    json_t *f = json_array_get(rows, 0);
    if (f)
      firm_json = json_pack("{s:I, s:s}", "id", (json_int_t)firm, "name",
                            pb_str(f, "name"));
    json_decref(rows);
  }
  json_t *data =
      json_pack("{s:I, s:o, s:I, s:o, s:o}", "problem_id",
                (json_int_t)pb_int(row, "id"), "firm", firm_json,
                "affected_firms", (json_int_t)(1 + pb_int(row, "supporters")),
                "hours_total", pb_num_or_null(row, "hours_total"), "problem",
                pb_problem_json(row, NULL));
  int rc = data ? pb_publish(row, actor, type, data) : NB_ENOMEM;
  json_decref(data);
  json_decref(row);
  return rc;
}

static int join(nb_req_t *req, void *ud) {
  (void)ud;
  pb_viewer_t v;
  int64_t id, firm = 0;
  json_t *row = NULL, *rows = NULL;
  if (pb_host->req_check(req, join_schema))
    return 0;
  const json_t *body = pb_host->req_json(req);
  int rc = pb_open_problem(req, &v, PB_FIND_WRITE, NULL, &id, &row);
  if (rc)
    goto out;
  if ((rc = pb_check_text(req, body, "note", 1, 0)))
    goto out;
  const char *urgency = pb_str(body, "urgency");
  if (urgency && !pb_urgency_value(urgency)) {
    rc = pb_host->respond_error(req, 400, "invalid", "urgency",
                                "urgency must be low, medium, high or "
                                "critical.");
    goto out;
  }
  if ((rc = pb_acting_firm(req, &v, json_object_get(body, "firm_id"), &firm)))
    goto out;
  if (firm == pb_int(row, "firm_id")) {
    rc = pb_host->respond_error(req, 409, "own_problem", "firm_id",
                                "This is your firm's own problem; it counts "
                                "already.");
    goto out;
  }
  if (strcmp(pb_str(row, "visibility"), "private") == 0) {
    rc = pb_host->respond_error(req, 409, "private", NULL,
                                "A private problem cannot be joined by other "
                                "firms.");
    goto out;
  }
  rc = pb_query_new("SELECT 1 AS x FROM problems_supporters WHERE "
                    "problem_id = ?1 AND firm_id = ?2",
                    json_pack("[I, I]", (json_int_t)id, (json_int_t)firm),
                    &rows);
  if (rc)
    goto out;
  if (json_array_size(rows)) {
    rc = pb_host->respond_error(req, 409, "already_joined", "firm_id",
                                "Your firm has joined this problem already.");
    goto out;
  }
  int hidden = json_is_true(json_object_get(body, "anonymous")) ||
               strcmp(pb_str(row, "visibility"), "anonymous") == 0;
  const char *note = pb_str(body, "note");
  const json_t *hours = json_object_get(body, "hours_per_week");
  json_t *p = json_pack(
      "[I, I, I, o, O, o, i]", (json_int_t)id, (json_int_t)firm,
      (json_int_t)v.who.person_id,
      note && *note ? pb_trimmed(note) : json_null(),
      hours ? hours : json_null(),
      urgency ? json_integer(pb_urgency_value(urgency)) : json_null(), hidden);
  if ((rc = pb_host->db_begin(pb_self))) {
    json_decref(p);
    goto out;
  }
  rc = pb_exec_new("INSERT INTO problems_supporters(problem_id, firm_id, "
                   "person_id, note, hours_per_week, urgency, hidden) VALUES "
                   "(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                   p, NULL, NULL);
  if (!rc)
    rc = publish_support(row, v.who.person_id, "problem.joined", firm, hidden);
  if ((rc = pb_tx_end(rc)))
    goto out;
  rc = pb_answer_problem(req, &v, id, 201);
out:
  json_decref(rows);
  json_decref(row);
  pb_viewer_close(&v);
  return PB_DONE(rc);
}

static int leave(nb_req_t *req, void *ud) {
  (void)ud;
  pb_viewer_t v;
  int64_t id, firm = 0, changes = 0;
  json_t *row = NULL, *rows = NULL, *given = NULL;
  char buf[24];
  int present;
  int rc = pb_path_id(req, "id", &id);
  if (rc)
    return PB_DONE(rc);
  if ((rc = pb_viewer_init(&v, req)))
    goto out;
  if ((rc = pb_query_arg(req, "firm_id", buf, sizeof(buf), &present)))
    goto out;
  if (present) {
    char *end;
    long long f = strtoll(buf, &end, 10);
    if (*end || f <= 0 || !*buf) {
      rc = pb_host->respond_error(req, 400, "invalid", "firm_id",
                                  "firm_id must be a positive whole number.");
      goto out;
    }
    given = json_integer(f);
  }
  if ((rc = pb_problem_find(req, &v, id, PB_FIND_WRITE, NULL, &row)))
    goto out;
  if ((rc = pb_acting_firm(req, &v, given, &firm)))
    goto out;
  rc = pb_query_new("SELECT hidden FROM problems_supporters WHERE "
                    "problem_id = ?1 AND firm_id = ?2",
                    json_pack("[I, I]", (json_int_t)id, (json_int_t)firm),
                    &rows);
  if (rc)
    goto out;
  if (!json_array_size(rows)) {
    rc = pb_host->respond_error(req, 404, "not_joined", "firm_id",
                                "Your firm has not joined this problem.");
    goto out;
  }
  int hidden = (int)pb_int(json_array_get(rows, 0), "hidden");
  if ((rc = pb_host->db_begin(pb_self)))
    goto out;
  rc = pb_exec_new("DELETE FROM problems_supporters WHERE problem_id = ?1 AND "
                   "firm_id = ?2",
                   json_pack("[I, I]", (json_int_t)id, (json_int_t)firm),
                   &changes, NULL);
  if (!rc)
    rc = publish_support(row, v.who.person_id, "problem.left", firm, hidden);
  if ((rc = pb_tx_end(rc)))
    goto out;
  rc = pb_answer_problem(req, &v, id, 200);
out:
  json_decref(given);
  json_decref(rows);
  json_decref(row);
  pb_viewer_close(&v);
  return PB_DONE(rc);
}

/* ---- comments ---- */

#define COMMENT_SELECT                                                         \
  "SELECT m.id, m.body, m.author_id, pe.display_name AS author_name, "         \
  "m.firm_id, f.name AS firm_name, m.anon, m.only_firm, m.hidden_at, "         \
  "m.hidden_reason, m.created_at FROM problems_comments m LEFT JOIN "          \
  "nb_people pe ON pe.id = m.author_id LEFT JOIN nb_firms f ON "               \
  "f.id = m.firm_id "

static int list_comments(nb_req_t *req, void *ud) {
  (void)ud;
  pb_viewer_t v;
  int64_t id, cursor;
  long limit;
  json_t *row = NULL, *rows = NULL, *p = NULL;
  int rc = pb_path_id(req, "id", &id);
  if (rc)
    return PB_DONE(rc);
  if ((rc = pb_viewer_init(&v, req)))
    goto out;
  if ((rc = pb_page(req, &limit, &cursor)))
    goto out;
  if ((rc = pb_problem_find(req, &v, id, PB_FIND_READ, "/comments", &row)))
    goto out;
  if (!(p = pb_viewer_params(&v))) {
    rc = NB_ENOMEM;
    goto out;
  }
  json_object_set_new(p, "id", json_integer(id));
  json_object_set_new(p, "cursor", json_integer(cursor));
  json_object_set_new(p, "limit", json_integer(limit + 1));
  rc = pb_host->db_query(pb_self,
                         COMMENT_SELECT "WHERE m.problem_id = :id AND m.id > "
                                        ":cursor AND (:coach OR m.only_firm IS "
                                        "NULL OR m.only_firm IN (SELECT value "
                                        "FROM json_each(:firms))) ORDER BY "
                                        "m.id LIMIT :limit",
                         p, &rows);
  if (rc)
    goto out;
  json_t *items = json_array(), *next = json_null(), *c;
  size_t i;
  json_array_foreach(rows, i, c) {
    if (i == (size_t)limit) {
      next = json_integer(pb_int(json_array_get(rows, i - 1), "id"));
      break;
    }
    json_array_append_new(items, pb_comment_json(row, c, &v));
  }
  rc = pb_host->respond_json_new(
      req, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor", next));
out:
  json_decref(p);
  json_decref(rows);
  json_decref(row);
  pb_viewer_close(&v);
  return PB_DONE(rc);
}

/* Comment `cid` of problem `id` (raw row, new reference) or NULL. */
static json_t *comment_row(int64_t id, int64_t cid) {
  json_t *rows = NULL;
  pb_query_new(COMMENT_SELECT "WHERE m.id = ?1 AND m.problem_id = ?2",
               json_pack("[I, I]", (json_int_t)cid, (json_int_t)id), &rows);
  json_t *r = json_incref(json_array_get(rows, 0));
  json_decref(rows);
  return r;
}

/* The firm a comment is written for: coaches speak as coaches (none);
 * a firm's people for the problem's firm if it is theirs, else a firm of
 * theirs that joined it, else their first firm. */
static int64_t comment_firm(const pb_viewer_t *v, const json_t *row) {
  if (v->coach || v->who.nfirms == 0)
    return 0;
  int64_t owner = pb_int(row, "firm_id");
  if (pb_viewer_in_firm(v, owner))
    return owner;
  json_t *rows = NULL;
  int64_t firm = v->who.firms[0];
  if (pb_query_new("SELECT firm_id FROM problems_supporters WHERE "
                   "problem_id = ?1 AND firm_id IN (SELECT value FROM "
                   "json_each(?2)) ORDER BY id LIMIT 1",
                   json_pack("[I, O]", (json_int_t)pb_int(row, "id"), v->firms),
                   &rows) == 0 &&
      json_array_size(rows))
    firm = pb_int(json_array_get(rows, 0), "firm_id");
  json_decref(rows);
  return firm;
}

static const nb_param_t comment_schema[] = {
    {"body", NB_T_STRING, 1, 1, PB_COMMENT_MAX},
    {"anonymous", NB_T_BOOL, 0, 0, 0},
    {NULL, 0, 0, 0, 0},
};

static int add_comment(nb_req_t *req, void *ud) {
  (void)ud;
  pb_viewer_t v;
  int64_t id, cid = 0;
  json_t *row = NULL, *c = NULL;
  if (pb_host->req_check(req, comment_schema))
    return 0;
  const json_t *body = pb_host->req_json(req);
  int rc = pb_open_problem(req, &v, PB_FIND_WRITE, NULL, &id, &row);
  if (rc)
    goto out;
  if ((rc = pb_check_text(req, body, "body", 1, 1)))
    goto out;
  int64_t firm = comment_firm(&v, row);
  int anon = firm && (json_is_true(json_object_get(body, "anonymous")) ||
                      strcmp(pb_str(row, "visibility"), "anonymous") == 0);
  json_t *p =
      json_pack("[I, I, o, o, i]", (json_int_t)id, (json_int_t)v.who.person_id,
                firm ? json_integer(firm) : json_null(),
                pb_trimmed(pb_str(body, "body")), anon);
  if ((rc = pb_host->db_begin(pb_self))) {
    json_decref(p);
    goto out;
  }
  rc = pb_exec_new("INSERT INTO problems_comments(problem_id, author_id, "
                   "firm_id, body, anon) VALUES (?1, ?2, ?3, ?4, ?5)",
                   p, NULL, &cid);
  if (!rc)
    rc = pb_exec_new("UPDATE problems SET updated_at = strftime('%Y-%m-%dT"
                     "%H:%M:%fZ','now') WHERE id = ?1",
                     json_pack("[I]", (json_int_t)id), NULL, NULL);
  if (!rc && !(c = comment_row(id, cid)))
    rc = NB_EDB;
  if (!rc) {
    json_t *data = json_pack("{s:I, s:o}", "problem_id", (json_int_t)id,
                             "comment", pb_comment_json(row, c, NULL));
    rc = data ? pb_publish(row, v.who.person_id, "problem.commented", data)
              : NB_ENOMEM;
    json_decref(data);
  }
  if ((rc = pb_tx_end(rc)))
    goto out;
  json_t *out = pb_comment_json(row, c, &v);
  rc = out ? pb_host->respond_json_new(req, 201, out) : NB_ENOMEM;
out:
  json_decref(c);
  json_decref(row);
  pb_viewer_close(&v);
  return PB_DONE(rc);
}

static const nb_param_t hide_schema[] = {
    {"reason", NB_T_STRING, 0, 0, PB_REASON_MAX},
    {NULL, 0, 0, 0, 0},
};

/* Hide (hide = 1) or show again a comment; audit-logged. */
static int hide_or_show(nb_req_t *req, int hide) {
  pb_viewer_t v;
  int64_t id, cid;
  json_t *row = NULL, *c = NULL;
  if (hide && pb_host->req_check(req, hide_schema))
    return 0;
  const json_t *body = pb_host->req_json(req);
  int rc = pb_path_id(req, "id", &id);
  if (!rc)
    rc = pb_path_id(req, "cid", &cid);
  if (rc)
    return PB_DONE(rc);
  if ((rc = pb_viewer_init(&v, req)))
    goto out;
  if ((rc = pb_problem_find(req, &v, id, PB_FIND_WRITE, NULL, &row)))
    goto out;
  const char *reason = hide ? pb_str(body, "reason") : NULL;
  if (reason && !pb_text_ok(reason, 1)) {
    rc = pb_host->respond_error(req, 400, "invalid", "reason",
                                "reason must not contain control characters.");
    goto out;
  }
  if (!(c = comment_row(id, cid))) {
    rc = pb_host->respond_error(req, 404, "not_found", "cid",
                                "Problem %lld has no comment %lld.",
                                (long long)id, (long long)cid);
    goto out;
  }
  int hidden = pb_str(c, "hidden_at") != NULL;
  if (hidden == hide) {
    rc = pb_host->respond_error(
        req, 409, hide ? "already_hidden" : "not_hidden", NULL,
        hide ? "The comment is hidden already." : "The comment is not hidden.");
    goto out;
  }
  char oid[32];
  snprintf(oid, sizeof(oid), "%lld", (long long)cid);
  if ((rc = pb_host->db_begin(pb_self)))
    goto out;
  if (hide)
    rc = pb_exec_new(
        "UPDATE problems_comments SET hidden_at = strftime("
        "'%Y-%m-%dT%H:%M:%fZ','now'), hidden_by = ?2, "
        "hidden_reason = ?3 WHERE id = ?1",
        json_pack("[I, I, o]", (json_int_t)cid, (json_int_t)v.who.person_id,
                  reason && *reason ? pb_trimmed(reason) : json_null()),
        NULL, NULL);
  else
    rc = pb_exec_new("UPDATE problems_comments SET hidden_at = NULL, "
                     "hidden_by = NULL, hidden_reason = NULL WHERE id = ?1",
                     json_pack("[I]", (json_int_t)cid), NULL, NULL);
  if (!rc) {
    json_t *detail = json_pack("{s:I, s:s?}", "problem_id", (json_int_t)id,
                               "reason", reason);
    rc = pb_host->audit(
        pb_self, req, hide ? "problem.comment_hidden" : "problem.comment_shown",
        "comment", oid, detail);
    json_decref(detail);
  }
  if (!rc) {
    json_t *data = json_pack("{s:I, s:I, s:b}", "problem_id", (json_int_t)id,
                             "comment_id", (json_int_t)cid, "hidden", hide);
    rc = data ? pb_publish(row, v.who.person_id, "problem.comment_hidden", data)
              : NB_ENOMEM;
    json_decref(data);
  }
  if ((rc = pb_tx_end(rc)))
    goto out;
  json_decref(c);
  if (!(c = comment_row(id, cid))) {
    rc = NB_EDB;
    goto out;
  }
  json_t *out = pb_comment_json(row, c, &v);
  rc = out ? pb_host->respond_json_new(req, 200, out) : NB_ENOMEM;
out:
  json_decref(c);
  json_decref(row);
  pb_viewer_close(&v);
  return PB_DONE(rc);
}

static int hide_comment(nb_req_t *req, void *ud) {
  (void)ud;
  return hide_or_show(req, 1);
}

static int show_comment(nb_req_t *req, void *ud) {
  (void)ud;
  return hide_or_show(req, 0);
}

/* ---- links ---- */

static const nb_param_t link_schema[] = {
    {"url", NB_T_STRING, 1, 1, PB_URL_MAX},
    {"title", NB_T_STRING, 0, 0, PB_LINK_TITLE_MAX},
    {NULL, 0, 0, 0, 0},
};

static int publish_links(const json_t *row, int64_t actor) {
  json_t *now = pb_problem_row(pb_int(row, "hood_id"), pb_int(row, "id"));
  if (!now)
    return NB_EDB;
  json_t *data = json_pack("{s:o, s:[s]}", "problem",
                           pb_problem_json(now, NULL), "changed", "links");
  int rc = data ? pb_publish(now, actor, "problem.updated", data) : NB_ENOMEM;
  json_decref(data);
  json_decref(now);
  return rc;
}

static int add_link(nb_req_t *req, void *ud) {
  (void)ud;
  pb_viewer_t v;
  int64_t id, lid = 0;
  json_t *row = NULL;
  if (pb_host->req_check(req, link_schema))
    return 0;
  const json_t *body = pb_host->req_json(req);
  int rc = pb_open_problem(req, &v, PB_FIND_WRITE, NULL, &id, &row);
  if (rc)
    goto out;
  const char *url = pb_str(body, "url"), *title = pb_str(body, "title");
  if (!pb_url_ok(url)) {
    rc = pb_host->respond_error(req, 400, "invalid", "url",
                                "url must be an http:// or https:// address "
                                "without spaces or quotes.");
    goto out;
  }
  if ((rc = pb_check_text(req, body, "title", 0, 0)))
    goto out;
  if ((rc = pb_host->db_begin(pb_self)))
    goto out;
  rc = pb_exec_new("INSERT INTO problems_links(problem_id, author_id, url, "
                   "title) VALUES (?1, ?2, ?3, ?4)",
                   json_pack("[I, I, s, o]", (json_int_t)id,
                             (json_int_t)v.who.person_id, url,
                             pb_trimmed(title ? title : "")),
                   NULL, &lid);
  if (!rc)
    rc = publish_links(row, v.who.person_id);
  if ((rc = pb_tx_end(rc)))
    goto out;
  json_t *rows = NULL;
  rc = pb_query_new("SELECT id, url, title, created_at FROM problems_links "
                    "WHERE id = ?1",
                    json_pack("[I]", (json_int_t)lid), &rows);
  if (!rc) {
    json_t *l = json_array_get(rows, 0);
    rc = pb_host->respond_json_new(
        req, 201,
        json_pack("{s:I, s:s, s:s, s:s, s:b}", "id", (json_int_t)lid, "url",
                  pb_str(l, "url"), "title", pb_str(l, "title"), "created_at",
                  pb_str(l, "created_at"), "mine", 1));
  }
  json_decref(rows);
out:
  json_decref(row);
  pb_viewer_close(&v);
  return PB_DONE(rc);
}

static int remove_link(nb_req_t *req, void *ud) {
  (void)ud;
  pb_viewer_t v;
  int64_t id, lid;
  json_t *row = NULL, *rows = NULL;
  int rc = pb_path_id(req, "id", &id);
  if (!rc)
    rc = pb_path_id(req, "lid", &lid);
  if (rc)
    return PB_DONE(rc);
  if ((rc = pb_viewer_init(&v, req)))
    goto out;
  if ((rc = pb_problem_find(req, &v, id, PB_FIND_WRITE, NULL, &row)))
    goto out;
  json_t *p = pb_viewer_params(&v);
  if (p) {
    json_object_set_new(p, "lid", json_integer(lid));
    json_object_set_new(p, "id", json_integer(id));
  }
  rc = pb_query_new("SELECT author_id FROM problems_links WHERE id = :lid AND "
                    "problem_id = :id AND (:coach OR only_firm IS NULL OR "
                    "only_firm IN (SELECT value FROM json_each(:firms)))",
                    p, &rows);
  if (rc)
    goto out;
  json_t *l = json_array_get(rows, 0);
  if (!l) {
    rc = pb_host->respond_error(req, 404, "not_found", "lid",
                                "Problem %lld has no link %lld.", (long long)id,
                                (long long)lid);
    goto out;
  }
  if (!v.coach && pb_int(l, "author_id") != v.who.person_id) {
    rc = pb_host->respond_error(req, 403, "forbidden", NULL,
                                "Only who added a link, or a coach, can "
                                "remove it.");
    goto out;
  }
  if ((rc = pb_host->db_begin(pb_self)))
    goto out;
  rc = pb_exec_new("DELETE FROM problems_links WHERE id = ?1",
                   json_pack("[I]", (json_int_t)lid), NULL, NULL);
  if (!rc)
    rc = publish_links(row, v.who.person_id);
  if ((rc = pb_tx_end(rc)))
    goto out;
  rc = pb_host->respond_raw(req, 204, NULL, NULL, 0);
out:
  json_decref(rows);
  json_decref(row);
  pb_viewer_close(&v);
  return PB_DONE(rc);
}

int pb_routes_share(void) {
  int rc = pb_host->route_add(pb_self, "POST", BASE "/join", NB_PERM_MEMBER,
                              join, NULL);
  if (!rc)
    rc = pb_host->route_add(pb_self, "DELETE", BASE "/join", NB_PERM_MEMBER,
                            leave, NULL);
  if (!rc)
    rc = pb_host->route_add(pb_self, "GET", BASE "/comments", NB_PERM_MEMBER,
                            list_comments, NULL);
  if (!rc)
    rc = pb_host->route_add(pb_self, "POST", BASE "/comments", NB_PERM_MEMBER,
                            add_comment, NULL);
  if (!rc)
    rc = pb_host->route_add(pb_self, "POST", BASE "/comments/:cid/hide",
                            NB_PERM_COACH, hide_comment, NULL);
  if (!rc)
    rc = pb_host->route_add(pb_self, "DELETE", BASE "/comments/:cid/hide",
                            NB_PERM_COACH, show_comment, NULL);
  if (!rc)
    rc = pb_host->route_add(pb_self, "POST", BASE "/links", NB_PERM_MEMBER,
                            add_link, NULL);
  if (!rc)
    rc = pb_host->route_add(pb_self, "DELETE", BASE "/links/:lid",
                            NB_PERM_MEMBER, remove_link, NULL);
  return rc;
}
