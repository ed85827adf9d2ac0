/*
 * problems: the collection and its items.
 *
 *   GET   /api/v1/n/:hood/problems        member: list, filters, search
 *   POST  /api/v1/n/:hood/problems        member: record a problem
 *   GET   /api/v1/n/:hood/problems/:id    member: one problem in detail
 *   PATCH /api/v1/n/:hood/problems/:id    its firm, or a coach
 *
 * A firm's people edit their problem (and alone choose its visibility);
 * coaches may correct title, description, category and urgency during
 * triage and change the status. Everything else answers 403.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "problems.h"

#define BASE "/api/v1/n/:hood/problems"

/* ---- list ---- */

/* Parse "new,triaged" into a JSON array; NULL when a name is unknown. */
static json_t *status_list(const char *s) {
  json_t *out = json_array();
  char buf[128];
  snprintf(buf, sizeof(buf), "%s", s);
  for (char *save = NULL, *t = strtok_r(buf, ",", &save); t;
       t = strtok_r(NULL, ",", &save)) {
    if (!pb_status_valid(t)) {
      json_decref(out);
      return NULL;
    }
    json_array_append_new(out, json_string(t));
  }
  if (json_array_size(out) == 0) {
    json_decref(out);
    return NULL;
  }
  return out;
}

int pb_filters(nb_req_t *req, json_t *p) {
  char category[PB_KEY_MAX + 1], status[100];
  int has_cat, has_status;
  int rc = pb_query_arg(req, "category", category, sizeof(category), &has_cat);
  if (!rc)
    rc = pb_query_arg(req, "status", status, sizeof(status), &has_status);
  if (rc)
    return rc;
  if (has_cat && *category && !pb_key_ok(category)) {
    pb_host->respond_error(req, 400, "invalid", "category",
                           "category must be a category key such as "
                           "\"it-security\".");
    return PB_ANSWERED;
  }
  json_t *statuses = NULL;
  if (has_status && *status && !(statuses = status_list(status))) {
    pb_host->respond_error(req, 400, "invalid", "status",
                           "status must be new, triaged, planned, solved or "
                           "declined, or several of them separated by "
                           "commas.");
    return PB_ANSWERED;
  }
  json_object_set_new(p, "category",
                      has_cat && *category ? json_string(category)
                                           : json_null());
  json_object_set_new(p, "statuses", statuses ? statuses : json_null());
  return 0;
}

#define LIST_WHERE                                                             \
  "WHERE p.hood_id = :hood AND p.merged_into IS NULL AND " PB_VISIBLE          \
  " AND (:cursor = 0 OR p.id < :cursor) "                                      \
  "AND (:category IS NULL OR p.category = :category) "                         \
  "AND (:statuses IS NULL OR p.status IN "                                     \
  "  (SELECT value FROM json_each(:statuses))) "                               \
  "AND (:visibility IS NULL OR p.visibility = :visibility) "                   \
  "AND (:mine = 0 OR p.firm_id IN (SELECT value FROM json_each(:firms))) "     \
  "AND (:joined = 0 OR EXISTS (SELECT 1 FROM problems_supporters s WHERE "     \
  "  s.problem_id = p.id AND s.firm_id IN "                                    \
  "  (SELECT value FROM json_each(:firms)))) "                                 \
  "AND (:firm IS NULL OR (p.firm_id = :firm AND (:coach OR "                   \
  "  p.visibility = 'open' OR p.firm_id IN "                                   \
  "  (SELECT value FROM json_each(:firms))))) "

static const char list_sql[] =
    "SELECT " PB_PROBLEM_COLUMNS PB_PROBLEM_FROM LIST_WHERE
    "ORDER BY p.id DESC LIMIT :limit";
static const char search_sql[] =
    "SELECT " PB_PROBLEM_COLUMNS PB_PROBLEM_FROM LIST_WHERE
    "AND p.id IN (SELECT rowid FROM problems_fts WHERE "
    "problems_fts MATCH :match) ORDER BY p.id DESC LIMIT :limit";

/* Query arguments of the list beyond the shared filters. */
static int list_args(nb_req_t *req, json_t *p, char *match, size_t mlen) {
  char q[PB_Q_MAX + 1], vis[16], firm[24];
  int has_q, has_vis, has_firm, mine, joined;
  int rc = pb_filters(req, p);
  if (!rc)
    rc = pb_query_arg(req, "q", q, sizeof(q), &has_q);
  if (!rc)
    rc = pb_query_arg(req, "visibility", vis, sizeof(vis), &has_vis);
  if (!rc)
    rc = pb_query_arg(req, "firm_id", firm, sizeof(firm), &has_firm);
  if (!rc)
    rc = pb_query_flag(req, "mine", &mine);
  if (!rc)
    rc = pb_query_flag(req, "joined", &joined);
  if (rc)
    return rc;
  if (has_vis && *vis && !pb_visibility_valid(vis)) {
    pb_host->respond_error(req, 400, "invalid", "visibility",
                           "visibility must be private, anonymous or open.");
    return PB_ANSWERED;
  }
  long long firm_id = 0;
  if (has_firm && *firm) {
    char *end;
    firm_id = strtoll(firm, &end, 10);
    if (*end || firm_id <= 0) {
      pb_host->respond_error(req, 400, "invalid", "firm_id",
                             "firm_id must be a positive whole number.");
      return PB_ANSWERED;
    }
  }
  match[0] = '\0';
  if (has_q && *q) {
    if (!pb_text_ok(q, 0)) {
      pb_host->respond_error(req, 400, "invalid", "q",
                             "q must be one line of text.");
      return PB_ANSWERED;
    }
    int words = pb_fts_match(q, match, mlen);
    if (words < 0)
      return words;
    if (words == 0) {
      pb_host->respond_error(req, 400, "invalid", "q",
                             "q must contain at least one word or number.");
      return PB_ANSWERED;
    }
  }
  json_object_set_new(p, "visibility",
                      has_vis && *vis ? json_string(vis) : json_null());
  json_object_set_new(p, "firm", firm_id ? json_integer(firm_id) : json_null());
  json_object_set_new(p, "mine", json_integer(mine));
  json_object_set_new(p, "joined", json_integer(joined));
  if (*match)
    json_object_set_new(p, "match", json_string(match));
  return 0;
}

/* Answer {items, next_cursor} from rows fetched with limit + 1. */
static int answer_page(nb_req_t *req, const pb_viewer_t *v, json_t *rows,
                       long limit) {
  json_t *items = json_array(), *next = json_null();
  size_t i;
  json_t *r;
  json_array_foreach(rows, i, r) {
    if (i == (size_t)limit) {
      next = json_integer(pb_int(json_array_get(rows, i - 1), "id"));
      break;
    }
    json_array_append_new(items, pb_problem_json(r, v));
  }
  return pb_host->respond_json_new(
      req, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor", next));
}

static int list(nb_req_t *req, void *ud) {
  (void)ud;
  pb_viewer_t v;
  long limit;
  int64_t cursor;
  char match[2048];
  json_t *p = NULL, *rows = NULL;
  int rc = pb_viewer_init(&v, req);
  if (rc)
    goto out;
  if ((rc = pb_page(req, &limit, &cursor)))
    goto out;
  if (!(p = pb_viewer_params(&v))) {
    rc = NB_ENOMEM;
    goto out;
  }
  json_object_set_new(p, "cursor", json_integer(cursor));
  json_object_set_new(p, "limit", json_integer(limit + 1));
  if ((rc = list_args(req, p, match, sizeof(match))))
    goto out;
  if ((rc = pb_categories_ensure(v.who.hood_id)))
    goto out;
  rc = pb_host->db_query(pb_self, *match ? search_sql : list_sql, p, &rows);
  if (rc == 0)
    rc = answer_page(req, &v, rows, limit);
out:
  json_decref(rows);
  json_decref(p);
  pb_viewer_close(&v);
  return PB_DONE(rc);
}

/* ---- create ---- */

static const nb_param_t create_schema[] = {
    {"title", NB_T_STRING, 1, 1, PB_TITLE_MAX},
    {"description", NB_T_STRING, 0, 0, PB_DESCRIPTION_MAX},
    {"category", NB_T_STRING, 1, 1, PB_KEY_MAX},
    {"urgency", NB_T_STRING, 0, 1, 16},
    {"hours_per_week", NB_T_NUMBER, 0, 0, PB_HOURS_MAX},
    {"visibility", NB_T_STRING, 1, 1, 16},
    {"firm_id", NB_T_INT, 0, 1, INT64_MAX},
    {NULL, 0, 0, 0, 0},
};

/* Checks shared by create and edit for the fields present in `body`. */
static int check_fields(nb_req_t *req, const pb_viewer_t *v, const json_t *body,
                        int creating) {
  int rc = pb_check_text(req, body, "title", 0, 1);
  if (!rc)
    rc = pb_check_text(req, body, "description", 1, 0);
  if (rc)
    return rc;
  static const char *const required[] = {"title", "category", "urgency",
                                         "visibility"};
  for (size_t i = creating ? 4 : 0; i < 4; i++)
    if (json_is_null(json_object_get(body, required[i]))) {
      pb_host->respond_error(req, 400, "invalid", required[i],
                             "%s cannot be removed; send a value.",
                             required[i]);
      return PB_ANSWERED;
    }
  const char *urgency = pb_str(body, "urgency");
  if (urgency && !pb_urgency_value(urgency)) {
    pb_host->respond_error(req, 400, "invalid", "urgency",
                           "urgency must be low, medium, high or critical.");
    return PB_ANSWERED;
  }
  const char *vis = pb_str(body, "visibility");
  if (vis && !pb_visibility_valid(vis)) {
    pb_host->respond_error(req, 400, "invalid", "visibility",
                           "visibility must be private (your firm and the "
                           "coaches), anonymous (everyone here, without your "
                           "firm's name) or open.");
    return PB_ANSWERED;
  }
  const char *category = pb_str(body, "category");
  if (category) {
    if ((rc = pb_categories_ensure(v->who.hood_id)))
      return rc;
    rc = pb_category_usable(v->who.hood_id, category);
    if (rc < 0)
      return rc;
    if (rc == 0) {
      pb_host->respond_error(req, 400, "invalid", "category",
                             "\"%s\" is not a category here; GET "
                             "problems/categories lists them.",
                             category);
      return PB_ANSWERED;
    }
  }
  return 0;
}

static int create(nb_req_t *req, void *ud) {
  (void)ud;
  pb_viewer_t v;
  int64_t firm = 0, id = 0;
  json_t *row = NULL, *data = NULL;
  if (pb_host->req_check(req, create_schema))
    return 0;
  const json_t *body = pb_host->req_json(req);
  int rc = pb_viewer_init(&v, req);
  if (!rc)
    rc = check_fields(req, &v, body, 1);
  if (!rc)
    rc = pb_acting_firm(req, &v, json_object_get(body, "firm_id"), &firm);
  if (rc)
    goto out;
  const char *urgency = pb_str(body, "urgency");
  json_t *title = pb_trimmed(pb_str(body, "title"));
  const char *desc = pb_str(body, "description");
  const json_t *hours = json_object_get(body, "hours_per_week");
  json_t *p = json_pack(
      "{s:I, s:I, s:I, s:O, s:s, s:s, s:i, s:O, s:s}", "hood",
      (json_int_t)v.who.hood_id, "firm", (json_int_t)firm, "author",
      (json_int_t)v.who.person_id, "title", title, "description",
      desc ? desc : "", "category", pb_str(body, "category"), "urgency",
      urgency ? pb_urgency_value(urgency) : 2, "hours",
      hours ? hours : json_null(), "visibility", pb_str(body, "visibility"));
  if ((rc = pb_host->db_begin(pb_self))) {
    json_decref(p);
    json_decref(title);
    goto out;
  }
  rc = pb_exec_new("INSERT INTO problems(hood_id, firm_id, author_id, title, "
                   "description, category, urgency, hours_per_week, "
                   "visibility) VALUES (:hood, :firm, :author, :title, "
                   ":description, :category, :urgency, :hours, :visibility)",
                   p, NULL, &id);
  if (!rc)
    rc = pb_fts_put(id, json_string_value(title), desc ? desc : "");
  json_decref(title);
  if (!rc && !(row = pb_problem_row(v.who.hood_id, id)))
    rc = NB_EDB;
  if (!rc) {
    data = json_pack("{s:o}", "problem", pb_problem_json(row, NULL));
    rc = data ? pb_publish(row, v.who.person_id, "problem.created", data)
              : NB_ENOMEM;
  }
  if ((rc = pb_tx_end(rc)))
    goto out;
  char loc[160];
  snprintf(loc, sizeof(loc), "/api/v1/n/%s/problems/%lld", v.who.hood,
           (long long)id);
  pb_host->respond_header(req, "Location", loc);
  rc = pb_answer_problem(req, &v, id, 201);
out:
  json_decref(row);
  json_decref(data);
  pb_viewer_close(&v);
  return PB_DONE(rc);
}

/* ---- one problem ---- */

static int get_one(nb_req_t *req, void *ud) {
  (void)ud;
  pb_viewer_t v;
  int64_t id;
  json_t *row = NULL;
  int rc = pb_open_problem(req, &v, PB_FIND_READ, "", &id, &row);
  if (rc)
    goto out;
  json_t *body = pb_problem_detail(row, &v);
  rc = body ? pb_host->respond_json_new(req, 200, body) : NB_ENOMEM;
out:
  json_decref(row);
  pb_viewer_close(&v);
  return PB_DONE(rc);
}

/* ---- edit ---- */

static const nb_param_t patch_schema[] = {
    {"title", NB_T_STRING, 0, 1, PB_TITLE_MAX},
    {"description", NB_T_STRING, 0, 0, PB_DESCRIPTION_MAX},
    {"category", NB_T_STRING, 0, 1, PB_KEY_MAX},
    {"urgency", NB_T_STRING, 0, 1, 16},
    {"hours_per_week", NB_T_NUMBER, 0, 0, PB_HOURS_MAX},
    {"visibility", NB_T_STRING, 0, 1, 16},
    {"status", NB_T_STRING, 0, 1, 16},
    {"status_reason", NB_T_STRING, 0, 0, PB_REASON_MAX},
    {"workshop_ref", NB_T_STRING, 0, 0, PB_REF_MAX},
    {NULL, 0, 0, 0, 0},
};

/* Who may send which field: the firm's people everything but the
 * moderation fields; coaches the content and the moderation fields but
 * not the visibility (the firm's choice). */
static int check_rights(nb_req_t *req, const pb_viewer_t *v, int own,
                        const json_t *body) {
  static const char *const content[] = {"title", "description", "category",
                                        "urgency"};
  static const char *const moderation[] = {"status", "status_reason",
                                           "workshop_ref"};
  for (size_t i = 0; i < 3; i++)
    if (json_object_get(body, moderation[i]) && !v->coach) {
      pb_host->respond_error(req, 403, "forbidden", moderation[i],
                             "Only a coach can change the status or the "
                             "workshop of a problem.");
      return PB_ANSWERED;
    }
  if (json_object_get(body, "visibility") && !own) {
    pb_host->respond_error(req, 403, "forbidden", "visibility",
                           "Only the firm that recorded a problem chooses "
                           "who may see it.");
    return PB_ANSWERED;
  }
  if (json_object_get(body, "hours_per_week") && !own) {
    pb_host->respond_error(req, 403, "forbidden", "hours_per_week",
                           "Only the firm that recorded a problem "
                           "estimates its hours.");
    return PB_ANSWERED;
  }
  for (size_t i = 0; i < 4; i++)
    if (json_object_get(body, content[i]) && !own && !v->coach) {
      pb_host->respond_error(req, 403, "forbidden", content[i],
                             "Only the firm that recorded a problem, or a "
                             "coach, can edit it.");
      return PB_ANSWERED;
    }
  return 0;
}

static const char update_sql[] =
    "UPDATE problems SET "
    "title = CASE WHEN :set_title THEN :title ELSE title END, "
    "description = CASE WHEN :set_desc THEN :description ELSE description END, "
    "category = coalesce(:category, category), "
    "urgency = coalesce(:urgency, urgency), "
    "hours_per_week = CASE WHEN :set_hours THEN :hours ELSE hours_per_week "
    "END, "
    "visibility = coalesce(:visibility, visibility), "
    "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') "
    "WHERE id = :id AND hood_id = :hood";

/* The content part of an edit, inside the transaction; `changed` gets the
 * names of the fields sent. */
static int apply_content(const pb_viewer_t *v, const json_t *row,
                         const json_t *body, json_t *changed) {
  static const char *const fields[] = {"title",          "description",
                                       "category",       "urgency",
                                       "hours_per_week", "visibility"};
  for (size_t i = 0; i < sizeof(fields) / sizeof(*fields); i++)
    if (json_object_get(body, fields[i]))
      json_array_append_new(changed, json_string(fields[i]));
  if (json_array_size(changed) == 0)
    return 0;
  int64_t id = pb_int(row, "id");
  const char *title = pb_str(body, "title"),
             *desc = pb_str(body, "description");
  const char *urgency = pb_str(body, "urgency");
  const json_t *hours = json_object_get(body, "hours_per_week");
  json_t *p = json_pack(
      "{s:I, s:I, s:b, s:o, s:b, s:s, s:s?, s:o, s:b, s:O, s:s?}", "id",
      (json_int_t)id, "hood", (json_int_t)v->who.hood_id, "set_title",
      title != NULL, "title", title ? pb_trimmed(title) : json_null(),
      "set_desc", json_object_get(body, "description") != NULL, "description",
      desc ? desc : "", "category", pb_str(body, "category"), "urgency",
      urgency ? json_integer(pb_urgency_value(urgency)) : json_null(),
      "set_hours", hours != NULL, "hours", hours ? hours : json_null(),
      "visibility", pb_str(body, "visibility"));
  int rc = pb_exec_new(update_sql, p, NULL, NULL);
  if (rc == 0 && (title || json_object_get(body, "description"))) {
    json_t *now = pb_problem_row(v->who.hood_id, id);
    rc = now ? pb_fts_put(id, pb_str(now, "title"), pb_str(now, "description"))
             : NB_EDB;
    json_decref(now);
  }
  return rc;
}

/* problem.updated for an edit: a problem that became private is announced
 * to the neighbourhood only by id, so views drop it. */
static int publish_update(const json_t *before, int64_t actor,
                          const json_t *changed) {
  json_t *after =
      pb_problem_row(pb_int(before, "hood_id"), pb_int(before, "id"));
  if (!after)
    return NB_EDB;
  int went_private = strcmp(pb_str(before, "visibility"), "private") != 0 &&
                     strcmp(pb_str(after, "visibility"), "private") == 0;
  json_t *data;
  int rc;
  if (went_private) {
    data = json_pack("{s:{s:I, s:s}, s:O}", "problem", "id",
                     (json_int_t)pb_int(after, "id"), "visibility", "private",
                     "changed", changed);
    rc = data ? pb_publish_to(pb_int(after, "hood_id"), actor,
                              "problem.updated", data, NB_VIS_HOOD, 0)
              : NB_ENOMEM;
  } else {
    data = json_pack("{s:o, s:O}", "problem", pb_problem_json(after, NULL),
                     "changed", changed);
    rc = data ? pb_publish(after, actor, "problem.updated", data) : NB_ENOMEM;
  }
  json_decref(data);
  json_decref(after);
  return rc;
}

static int patch(nb_req_t *req, void *ud) {
  (void)ud;
  pb_viewer_t v;
  int64_t id;
  json_t *row = NULL, *changed = json_array();
  if (pb_host->req_check(req, patch_schema)) {
    json_decref(changed);
    return 0;
  }
  const json_t *body = pb_host->req_json(req);
  int rc = pb_path_id(req, "id", &id);
  if (!rc)
    rc = pb_viewer_init(&v, req);
  else
    memset(&v, 0, sizeof(v));
  if (!rc)
    rc = pb_problem_find(req, &v, id, PB_FIND_WRITE, NULL, &row);
  if (rc)
    goto out;
  if (!body || json_object_size(body) == 0) {
    rc = pb_host->respond_error(req, 400, "invalid", NULL,
                                "Send at least one field to change.");
    goto out;
  }
  int own = pb_viewer_in_firm(&v, pb_int(row, "firm_id"));
  if ((rc = check_rights(req, &v, own, body)))
    goto out;
  if ((rc = check_fields(req, &v, body, 0)))
    goto out;
  const char *status = pb_str(body, "status");
  const json_t *ref = json_object_get(body, "workshop_ref");
  if (json_is_null(json_object_get(body, "status"))) {
    rc = pb_host->respond_error(req, 400, "invalid", "status",
                                "status cannot be removed; send a value.");
    goto out;
  }
  if (status || ref || json_object_get(body, "status_reason")) {
    rc = pb_status_check(req, row, status, "status_reason",
                         pb_str(body, "status_reason"), ref != NULL, ref);
    if (rc)
      goto out;
  }
  if ((rc = pb_host->db_begin(pb_self)))
    goto out;
  rc = apply_content(&v, row, body, changed);
  if (!rc && json_array_size(changed))
    rc = publish_update(row, v.who.person_id, changed);
  if (!rc && (status || ref))
    rc = pb_status_apply(req, &v, row, status, pb_str(body, "status_reason"),
                         ref != NULL, ref);
  if ((rc = pb_tx_end(rc)))
    goto out;
  rc = pb_answer_problem(req, &v, id, 200);
out:
  json_decref(row);
  json_decref(changed);
  pb_viewer_close(&v);
  return PB_DONE(rc);
}

int pb_routes_problems(void) {
  int rc = pb_host->route_add(pb_self, "GET", BASE, NB_PERM_MEMBER, list, NULL);
  if (!rc)
    rc =
        pb_host->route_add(pb_self, "POST", BASE, NB_PERM_MEMBER, create, NULL);
  if (!rc)
    rc = pb_host->route_add(pb_self, "GET", BASE "/:id", NB_PERM_MEMBER,
                            get_one, NULL);
  if (!rc)
    rc = pb_host->route_add(pb_self, "PATCH", BASE "/:id", NB_PERM_MEMBER,
                            patch, NULL);
  return rc;
}
