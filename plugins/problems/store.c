/*
 * problems: loading problems and turning rows into answers. This is where
 * visibility is decided for what a person reads:
 *
 *  - a private problem is seen by its firm and the coaches only (the SQL
 *    clause PB_VISIBLE; everyone else gets 404);
 *  - an anonymous problem's firm and author are named to its own firm and
 *    the coaches only;
 *  - a supporter marked hidden, or any supporter of an anonymous problem,
 *    is named to its own firm and the coaches only; the same holds for the
 *    firm and name of a comment's author (anon, or on an anonymous
 *    problem); coaches' comments are always named;
 *  - comments and links moved from a private problem (only_firm) are seen
 *    by that firm and the coaches only.
 *
 * Renderers build each answer from a whitelist of fields, so a column
 * added later cannot leak by accident. A NULL viewer renders for the
 * audience of an event (see pb_problem_json).
 */
#include <stdio.h>
#include <string.h>

#include "problems.h"

int pb_problem_find(nb_req_t *req, const pb_viewer_t *v, int64_t id, int mode,
                    const char *suffix, json_t **row) {
  *row = NULL;
  json_t *p = pb_viewer_params(v), *rows = NULL;
  if (p)
    json_object_set_new(p, "id", json_integer(id));
  int rc =
      pb_query_new("SELECT " PB_PROBLEM_COLUMNS PB_PROBLEM_FROM
                   "WHERE p.hood_id = :hood AND p.id = :id AND " PB_VISIBLE,
                   p, &rows);
  if (rc)
    return rc;
  json_t *r = json_array_get(rows, 0);
  if (!r) {
    json_decref(rows);
    pb_host->respond_error(req, 404, "not_found", NULL,
                           "There is no problem %lld here (or it is private "
                           "to another firm).",
                           (long long)id);
    return PB_ANSWERED;
  }
  int64_t into = pb_int(r, "merged_into");
  if (into && mode == PB_FIND_READ) {
    char loc[256];
    snprintf(loc, sizeof(loc), "/api/v1/n/%s/problems/%lld%s",
             v->who.hood ? v->who.hood : "", (long long)into,
             suffix ? suffix : "");
    json_decref(rows);
    pb_host->respond_header(req, "Location", loc);
    pb_host->respond_json_new(req, 308,
                              json_pack("{s:I, s:I, s:s}", "id", (json_int_t)id,
                                        "merged_into", (json_int_t)into,
                                        "location", loc));
    return PB_ANSWERED;
  }
  if (into && mode == PB_FIND_WRITE) {
    json_decref(rows);
    pb_host->respond_error(req, 409, "merged", NULL,
                           "Problem %lld was merged into problem %lld; "
                           "continue there.",
                           (long long)id, (long long)into);
    return PB_ANSWERED;
  }
  *row = json_incref(r);
  json_decref(rows);
  return 0;
}

json_t *pb_problem_row(int64_t hood_id, int64_t id) {
  json_t *rows = NULL;
  int rc = pb_query_new("SELECT " PB_PROBLEM_COLUMNS PB_PROBLEM_FROM
                        "WHERE p.hood_id = :hood AND p.id = :id",
                        json_pack("{s:I, s:I, s:i, s:[]}", "hood",
                                  (json_int_t)hood_id, "id", (json_int_t)id,
                                  "coach", 0, "firms"),
                        &rows);
  json_t *r = rc == 0 ? json_incref(json_array_get(rows, 0)) : NULL;
  json_decref(rows);
  return r;
}

static int is_anonymous(const json_t *problem) {
  const char *vis = pb_str(problem, "visibility");
  return vis && strcmp(vis, "anonymous") == 0;
}

static json_t *ref(int64_t id, const char *name) {
  return id ? json_pack("{s:I, s:s?}", "id", (json_int_t)id, "name", name)
            : json_null();
}

json_t *pb_problem_json(const json_t *row, const pb_viewer_t *v) {
  int64_t firm = pb_int(row, "firm_id");
  int own = pb_viewer_in_firm(v, firm);
  int named = !is_anonymous(row) || own || (v && v->coach);
  const char *locale = v && v->who.locale ? v->who.locale : "de";
  const char *label =
      pb_str(row, strcmp(locale, "en") == 0 ? "category_en" : "category_de");
  json_t *o = json_pack(
      "{s:I, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:o, s:s, s:s, s:s?, "
      "s:I, s:o, s:I, s:s, s:s}",
      "id", (json_int_t)pb_int(row, "id"), "title", pb_str(row, "title"),
      "description", pb_str(row, "description"), "category",
      pb_str(row, "category"), "category_label", label, "urgency",
      pb_urgency_name(pb_int(row, "urgency")), "urgency_max",
      pb_urgency_name(pb_int(row, "urgency_max")), "hours_per_week",
      pb_num_or_null(row, "hours_per_week"), "visibility",
      pb_str(row, "visibility"), "status", pb_str(row, "status"),
      "workshop_ref", pb_str(row, "workshop_ref"), "affected_firms",
      (json_int_t)(1 + pb_int(row, "supporters")), "hours_total",
      pb_num_or_null(row, "hours_total"), "comments",
      (json_int_t)pb_int(row, "comments"), "created_at",
      pb_str(row, "created_at"), "updated_at", pb_str(row, "updated_at"));
  if (!o)
    return NULL;
  json_object_set_new(
      o, "firm", named ? ref(firm, pb_str(row, "firm_name")) : json_null());
  int64_t author = pb_int(row, "author_id");
  json_object_set_new(o, "author",
                      named && author ? ref(author, pb_str(row, "author_name"))
                                      : json_null());
  if (v) {
    json_object_set_new(o, "mine", json_boolean(own));
    json_object_set_new(o, "joined", json_boolean(pb_int(row, "joined")));
  }
  return o;
}

json_t *pb_supporter_json(const json_t *problem, const json_t *s,
                          const pb_viewer_t *v) {
  int64_t firm = pb_int(s, "firm_id");
  int own = pb_viewer_in_firm(v, firm);
  int named = (v && v->coach) || own ||
              (!pb_int(s, "hidden") && !is_anonymous(problem));
  json_t *o = json_pack(
      "{s:I, s:o, s:s?, s:o, s:s?, s:b, s:s}", "id",
      (json_int_t)pb_int(s, "id"), "firm",
      named ? ref(firm, pb_str(s, "firm_name")) : json_null(), "note",
      pb_str(s, "note"), "hours_per_week", pb_num_or_null(s, "hours_per_week"),
      "urgency", pb_urgency_name(pb_int(s, "urgency")), "anonymous",
      (int)pb_int(s, "hidden"), "created_at", pb_str(s, "created_at"));
  if (o && v)
    json_object_set_new(o, "mine", json_boolean(own));
  return o;
}

json_t *pb_comment_json(const json_t *problem, const json_t *c,
                        const pb_viewer_t *v) {
  int64_t firm = pb_int(c, "firm_id"), author = pb_int(c, "author_id");
  int coach = v && v->coach, own = pb_viewer_in_firm(v, firm);
  int named =
      !firm || coach || own || (!pb_int(c, "anon") && !is_anonymous(problem));
  int hidden = pb_str(c, "hidden_at") != NULL;
  json_t *o = json_pack(
      "{s:I, s:s?, s:b, s:s, s:s}", "id", (json_int_t)pb_int(c, "id"), "body",
      hidden && !coach ? NULL : pb_str(c, "body"), "hidden", hidden, "role",
      firm ? "firm" : "coach", "created_at", pb_str(c, "created_at"));
  if (!o)
    return NULL;
  json_object_set_new(o, "author",
                      named && author ? ref(author, pb_str(c, "author_name"))
                                      : json_null());
  json_object_set_new(o, "firm",
                      named && firm ? ref(firm, pb_str(c, "firm_name"))
                                    : json_null());
  if (coach && hidden) {
    json_object_set_new(o, "hidden_at", json_string(pb_str(c, "hidden_at")));
    const char *why = pb_str(c, "hidden_reason");
    json_object_set_new(o, "hidden_reason",
                        why ? json_string(why) : json_null());
  }
  if (v)
    json_object_set_new(o, "mine",
                        json_boolean(author && author == v->who.person_id));
  return o;
}

static json_t *supporters_json(const json_t *row, const pb_viewer_t *v) {
  json_t *rows = NULL, *out = json_array();
  pb_query_new("SELECT s.id, s.firm_id, f.name AS firm_name, s.note, "
               "s.hours_per_week, s.urgency, s.hidden, s.created_at "
               "FROM problems_supporters s LEFT JOIN nb_firms f "
               "ON f.id = s.firm_id WHERE s.problem_id = ?1 ORDER BY s.id",
               json_pack("[I]", (json_int_t)pb_int(row, "id")), &rows);
  size_t i;
  json_t *s;
  json_array_foreach(rows, i, s)
      json_array_append_new(out, pb_supporter_json(row, s, v));
  json_decref(rows);
  return out;
}

static json_t *links_json(const json_t *row, const pb_viewer_t *v) {
  json_t *rows = NULL, *out = json_array();
  json_t *p = pb_viewer_params(v);
  if (p)
    json_object_set_new(p, "id", json_integer(pb_int(row, "id")));
  pb_query_new("SELECT id, url, title, author_id, created_at FROM "
               "problems_links WHERE problem_id = :id AND (:coach OR "
               "only_firm IS NULL OR only_firm IN (SELECT value FROM "
               "json_each(:firms))) ORDER BY id",
               p, &rows);
  size_t i;
  json_t *l;
  json_array_foreach(rows, i, l) {
    int64_t author = pb_int(l, "author_id");
    json_array_append_new(out, json_pack("{s:I, s:s, s:s, s:s, s:b}", "id",
                                         (json_int_t)pb_int(l, "id"), "url",
                                         pb_str(l, "url"), "title",
                                         pb_str(l, "title"), "created_at",
                                         pb_str(l, "created_at"), "mine",
                                         author && author == v->who.person_id));
  }
  json_decref(rows);
  return out;
}

/* Status history. Only coaches change status, link workshops and merge,
 * so the person who did it is named. */
static json_t *history_json(const json_t *row) {
  json_t *rows = NULL, *out = json_array();
  pb_query_new("SELECT h.id, h.kind, h.from_status, h.to_status, h.reason, "
               "h.workshop_ref, h.other_id, h.actor_id, pe.display_name AS "
               "actor_name, h.created_at FROM problems_history h LEFT JOIN "
               "nb_people pe ON pe.id = h.actor_id WHERE h.problem_id = ?1 "
               "ORDER BY h.id",
               json_pack("[I]", (json_int_t)pb_int(row, "id")), &rows);
  size_t i;
  json_t *h;
  json_array_foreach(rows, i, h) {
    int64_t other = pb_int(h, "other_id");
    json_array_append_new(
        out,
        json_pack("{s:I, s:s, s:s?, s:s?, s:s?, s:s?, s:o, s:o, s:s}", "id",
                  (json_int_t)pb_int(h, "id"), "kind", pb_str(h, "kind"),
                  "from", pb_str(h, "from_status"), "to",
                  pb_str(h, "to_status"), "reason", pb_str(h, "reason"),
                  "workshop_ref", pb_str(h, "workshop_ref"), "other_id",
                  other ? json_integer(other) : json_null(), "by",
                  ref(pb_int(h, "actor_id"), pb_str(h, "actor_name")), "at",
                  pb_str(h, "created_at")));
  }
  json_decref(rows);
  return out;
}

json_t *pb_problem_detail(const json_t *row, const pb_viewer_t *v) {
  json_t *o = pb_problem_json(row, v);
  if (!o)
    return NULL;
  json_object_set_new(o, "supporters", supporters_json(row, v));
  json_object_set_new(o, "links", links_json(row, v));
  json_object_set_new(o, "history", history_json(row));
  return o;
}

int pb_answer_problem(nb_req_t *req, const pb_viewer_t *v, int64_t id,
                      int status) {
  json_t *row = NULL;
  int rc = pb_problem_find(req, v, id, PB_FIND_ANY, NULL, &row);
  if (rc)
    return PB_DONE(rc);
  json_t *body = pb_problem_detail(row, v);
  json_decref(row);
  if (!body)
    return NB_ENOMEM;
  return pb_host->respond_json_new(req, status, body);
}
