/*
 * problems: the coach's moderation — the status workflow and merging
 * duplicates.
 *
 *   POST /api/v1/n/:hood/problems/:id/status   coach {status, reason?,
 * workshop_ref?} POST /api/v1/n/:hood/problems/:id/merge    coach {into,
 * reason?}
 *
 * Workflow: new -> triaged -> planned (with a workshop reference) ->
 * solved, and declined from any open state; solved and declined problems
 * can be reopened (-> triaged), a planned one sent back to triage.
 * Declining needs a reason. Each change is a history row: who, when,
 * from, to, why.
 *
 * Merging moves the supporters, comments and links of a duplicate to the
 * problem that is kept; the duplicate's own firm becomes a supporter. The
 * duplicate then only redirects (GET answers 308 to the kept one). What
 * was protected stays protected: supporters and comment authors of a
 * private or anonymous duplicate stay unnamed, and comments and links of a
 * private duplicate stay visible to its firm and the coaches only. A
 * problem can only be merged into a private one of the same firm.
 */
#include <stdio.h>
#include <string.h>

#include "problems.h"

#define BASE "/api/v1/n/:hood/problems/:id"

static const struct {
  const char *from, *to;
} transitions[] = {
    {"new", "triaged"},      {"new", "declined"},     {"triaged", "planned"},
    {"triaged", "solved"},   {"triaged", "declined"}, {"planned", "solved"},
    {"planned", "declined"}, {"planned", "triaged"},  {"solved", "triaged"},
    {"declined", "triaged"},
};

static int allowed(const char *from, const char *to) {
  for (size_t i = 0; i < sizeof(transitions) / sizeof(*transitions); i++)
    if (strcmp(transitions[i].from, from) == 0 &&
        strcmp(transitions[i].to, to) == 0)
      return 1;
  return 0;
}

/* "triaged or declined": the states `from` may go to. */
static void next_states(const char *from, char *out, size_t len) {
  out[0] = '\0';
  for (size_t i = 0; i < sizeof(transitions) / sizeof(*transitions); i++)
    if (strcmp(transitions[i].from, from) == 0) {
      size_t at = strlen(out);
      snprintf(out + at, len - at, "%s%s", at ? " or " : "", transitions[i].to);
    }
}

static int blank(const char *s) {
  for (; s && *s; s++)
    if (!strchr(" \t\r\n", *s))
      return 0;
  return 1;
}

int pb_status_check(nb_req_t *req, const json_t *row, const char *status,
                    const char *reason_field, const char *reason, int ref_given,
                    const json_t *ref) {
  const char *current = pb_str(row, "status");
  if (reason && !pb_text_ok(reason, 1))
    return pb_host->respond_error(req, 400, "invalid", reason_field,
                                  "%s must not contain control characters.",
                                  reason_field),
           PB_ANSWERED;
  if (ref_given && !json_is_null(ref)) {
    const char *r = json_string_value(ref);
    if (!r || !pb_ref_ok(r))
      return pb_host->respond_error(
                 req, 400, "invalid", "workshop_ref",
                 "workshop_ref must be a workshop id (letters, digits, - _ .), "
                 "a path on this server or an http(s) URL."),
             PB_ANSWERED;
  }
  if (!status) {
    if (reason)
      return pb_host->respond_error(req, 400, "invalid", reason_field,
                                    "%s goes with a status change; send "
                                    "status too.",
                                    reason_field),
             PB_ANSWERED;
    if (ref_given && json_is_null(ref) && strcmp(current, "planned") == 0)
      return pb_host->respond_error(req, 409, "workshop_required",
                                    "workshop_ref",
                                    "A planned problem keeps its workshop; "
                                    "change its status first."),
             PB_ANSWERED;
    return 0;
  }
  if (!pb_status_valid(status))
    return pb_host->respond_error(req, 400, "invalid", "status",
                                  "status must be new, triaged, planned, "
                                  "solved or declined."),
           PB_ANSWERED;
  if (!allowed(current, status)) {
    char next[128];
    next_states(current, next, sizeof(next));
    return pb_host->respond_error(req, 409, "invalid_transition", "status",
                                  "A %s problem cannot become %s; it can "
                                  "become %s.",
                                  current, status, next),
           PB_ANSWERED;
  }
  int has_ref =
      ref_given ? !json_is_null(ref) : pb_str(row, "workshop_ref") != NULL;
  if (strcmp(status, "planned") == 0 && !has_ref)
    return pb_host->respond_error(req, 400, "required", "workshop_ref",
                                  "A planned problem needs the workshop that "
                                  "tackles it: send workshop_ref."),
           PB_ANSWERED;
  if (strcmp(status, "declined") == 0 && blank(reason))
    return pb_host->respond_error(req, 400, "required", reason_field,
                                  "Say why the problem is declined (%s).",
                                  reason_field),
           PB_ANSWERED;
  return 0;
}

int pb_status_apply(nb_req_t *req, const pb_viewer_t *v, const json_t *row,
                    const char *status, const char *reason, int ref_given,
                    const json_t *ref) {
  (void)req;
  int64_t id = pb_int(row, "id");
  const char *from = pb_str(row, "status");
  json_t *why = reason && !blank(reason) ? pb_trimmed(reason) : json_null();
  int rc = pb_exec_new(
      "UPDATE problems SET status = coalesce(:status, status), workshop_ref "
      "= CASE WHEN :set_ref THEN :ref ELSE workshop_ref END, updated_at = "
      "strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = :id",
      json_pack("{s:s?, s:b, s:O, s:I}", "status", status, "set_ref", ref_given,
                "ref", ref_given && ref ? ref : json_null(), "id",
                (json_int_t)id),
      NULL, NULL);
  json_t *now = rc ? NULL : pb_problem_row(pb_int(row, "hood_id"), id);
  if (!rc && !now)
    rc = NB_EDB;
  if (!rc)
    rc = pb_exec_new("INSERT INTO problems_history(problem_id, actor_id, "
                     "kind, from_status, to_status, reason, workshop_ref) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                     json_pack("[I, I, s, s?, s?, O, s?]", (json_int_t)id,
                               (json_int_t)v->who.person_id,
                               status ? "status" : "workshop",
                               status ? from : NULL, status, why,
                               pb_str(now, "workshop_ref")),
                     NULL, NULL);
  if (!rc) {
    json_t *data =
        status
            ? json_pack(
                  "{s:I, s:s, s:s, s:O, s:s?, s:{s:I, s:s?}, s:o}",
                  "problem_id", (json_int_t)id, "from", from, "to", status,
                  "reason", why, "workshop_ref", pb_str(now, "workshop_ref"),
                  "by", "id", (json_int_t)v->who.person_id, "name",
                  v->who.display_name, "problem", pb_problem_json(now, NULL))
            : json_pack("{s:o, s:[s]}", "problem", pb_problem_json(now, NULL),
                        "changed", "workshop_ref");
    rc = data ? pb_publish(now, v->who.person_id,
                           status ? "problem.status" : "problem.updated", data)
              : NB_ENOMEM;
    json_decref(data);
  }
  json_decref(now);
  json_decref(why);
  return rc;
}

static const nb_param_t status_schema[] = {
    {"status", NB_T_STRING, 1, 1, 16},
    {"reason", NB_T_STRING, 0, 0, PB_REASON_MAX},
    {"workshop_ref", NB_T_STRING, 0, 0, PB_REF_MAX},
    {NULL, 0, 0, 0, 0},
};

static int set_status(nb_req_t *req, void *ud) {
  (void)ud;
  pb_viewer_t v;
  int64_t id;
  json_t *row = NULL;
  if (pb_host->req_check(req, status_schema))
    return 0;
  const json_t *body = pb_host->req_json(req);
  int rc = pb_open_problem(req, &v, PB_FIND_WRITE, NULL, &id, &row);
  if (rc)
    goto out;
  const char *status = pb_str(body, "status"), *reason = pb_str(body, "reason");
  const json_t *ref = json_object_get(body, "workshop_ref");
  if ((rc = pb_status_check(req, row, status, "reason", reason, ref != NULL,
                            ref)))
    goto out;
  if ((rc = pb_host->db_begin(pb_self)))
    goto out;
  rc = pb_tx_end(
      pb_status_apply(req, &v, row, status, reason, ref != NULL, ref));
  if (!rc)
    rc = pb_answer_problem(req, &v, id, 200);
out:
  json_decref(row);
  pb_viewer_close(&v);
  return PB_DONE(rc);
}

/* ---- merge ---- */

static const nb_param_t merge_schema[] = {
    {"into", NB_T_INT, 1, 1, INT64_MAX},
    {"reason", NB_T_STRING, 0, 0, PB_REASON_MAX},
    {NULL, 0, 0, 0, 0},
};

static const char *const merge_steps[] = {
    /* The duplicate's supporters, still unnamed if they were protected. */
    "INSERT OR IGNORE INTO problems_supporters(problem_id, firm_id, "
    "person_id, note, hours_per_week, urgency, hidden, created_at) SELECT "
    ":kept, firm_id, person_id, note, hours_per_week, urgency, CASE WHEN "
    ":src_vis = 'open' THEN hidden ELSE 1 END, created_at FROM "
    "problems_supporters WHERE problem_id = :src AND firm_id <> :kept_firm",
    /* Its own firm becomes a supporter, unnamed unless it was open. */
    "INSERT OR IGNORE INTO problems_supporters(problem_id, firm_id, "
    "person_id, hours_per_week, urgency, hidden, created_at) SELECT :kept, "
    "firm_id, author_id, hours_per_week, urgency, visibility <> 'open', "
    "created_at FROM problems WHERE id = :src AND firm_id <> :kept_firm",
    "DELETE FROM problems_supporters WHERE problem_id = :src",
    "UPDATE problems_comments SET problem_id = :kept, anon = CASE WHEN "
    ":src_vis <> 'open' AND firm_id IS NOT NULL THEN 1 ELSE anon END, "
    "only_firm = CASE WHEN :src_vis = 'private' THEN coalesce(only_firm, "
    ":src_firm) ELSE only_firm END WHERE problem_id = :src",
    "UPDATE problems_links SET problem_id = :kept, only_firm = CASE WHEN "
    ":src_vis = 'private' THEN coalesce(only_firm, :src_firm) ELSE only_firm "
    "END WHERE problem_id = :src",
    /* The duplicate and whatever was merged into it redirect to the kept. */
    "UPDATE problems SET merged_into = :kept, updated_at = "
    "strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = :src OR merged_into = "
    ":src",
    "UPDATE problems SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') "
    "WHERE id = :kept",
    "INSERT INTO problems_history(problem_id, actor_id, kind, reason, "
    "other_id) VALUES (:src, :actor, 'merged_into', :reason, :kept)",
    "INSERT INTO problems_history(problem_id, actor_id, kind, reason, "
    "other_id) VALUES (:kept, :actor, 'merged_from', :reason, :src)",
    NULL,
};

/* Events of a merge: problem.merged to the duplicate's audience; when
 * that was private, the kept problem's audience gets problem.updated. */
static int publish_merge(const pb_viewer_t *v, const json_t *src,
                         int64_t kept_id) {
  json_t *kept = pb_problem_row(v->who.hood_id, kept_id);
  if (!kept)
    return NB_EDB;
  int src_private = strcmp(pb_str(src, "visibility"), "private") == 0;
  json_t *data = json_pack(
      "{s:I, s:I, s:o}", "from", (json_int_t)pb_int(src, "id"), "into",
      (json_int_t)kept_id, "problem", pb_problem_json(kept, NULL));
  int rc = data ? pb_publish(src_private ? src : kept, v->who.person_id,
                             "problem.merged", data)
                : NB_ENOMEM;
  json_decref(data);
  if (!rc && src_private &&
      strcmp(pb_str(kept, "visibility"), "private") != 0) {
    data = json_pack("{s:o, s:[s, s]}", "problem", pb_problem_json(kept, NULL),
                     "changed", "supporters", "comments");
    rc = data ? pb_publish(kept, v->who.person_id, "problem.updated", data)
              : NB_ENOMEM;
    json_decref(data);
  }
  json_decref(kept);
  return rc;
}

static int merge(nb_req_t *req, void *ud) {
  (void)ud;
  pb_viewer_t v;
  int64_t id;
  json_t *src = NULL, *kept = NULL, *p = NULL;
  if (pb_host->req_check(req, merge_schema))
    return 0;
  const json_t *body = pb_host->req_json(req);
  int64_t into = json_integer_value(json_object_get(body, "into"));
  const char *reason = pb_str(body, "reason");
  int rc = pb_path_id(req, "id", &id);
  if (rc)
    return PB_DONE(rc);
  if ((rc = pb_viewer_init(&v, req)))
    goto out;
  if (into == id) {
    rc = pb_host->respond_error(req, 400, "invalid", "into",
                                "A problem cannot be merged into itself.");
    goto out;
  }
  if (reason && !pb_text_ok(reason, 1)) {
    rc = pb_host->respond_error(req, 400, "invalid", "reason",
                                "reason must not contain control characters.");
    goto out;
  }
  if ((rc = pb_problem_find(req, &v, id, PB_FIND_WRITE, NULL, &src)))
    goto out;
  kept = pb_problem_row(v.who.hood_id, into);
  if (!kept) {
    rc = pb_host->respond_error(req, 404, "not_found", "into",
                                "There is no problem %lld here.",
                                (long long)into);
    goto out;
  }
  if (pb_int(kept, "merged_into")) {
    rc = pb_host->respond_error(req, 409, "merged", "into",
                                "Problem %lld was itself merged into %lld; "
                                "merge into that one.",
                                (long long)into,
                                (long long)pb_int(kept, "merged_into"));
    goto out;
  }
  if (strcmp(pb_str(kept, "visibility"), "private") == 0 &&
      (strcmp(pb_str(src, "visibility"), "private") != 0 ||
       pb_int(src, "firm_id") != pb_int(kept, "firm_id"))) {
    rc = pb_host->respond_error(req, 409, "visibility_conflict", "into",
                                "Problem %lld is private to its firm; only "
                                "that firm's private problems can be merged "
                                "into it.",
                                (long long)into);
    goto out;
  }
  json_t *why = reason && !blank(reason) ? pb_trimmed(reason) : json_null();
  p = json_pack("{s:I, s:I, s:I, s:s, s:I, s:I, s:o}", "kept", (json_int_t)into,
                "src", (json_int_t)id, "kept_firm",
                (json_int_t)pb_int(kept, "firm_id"), "src_vis",
                pb_str(src, "visibility"), "src_firm",
                (json_int_t)pb_int(src, "firm_id"), "actor",
                (json_int_t)v.who.person_id, "reason", why);
  if (!p) {
    rc = NB_ENOMEM;
    goto out;
  }
  if ((rc = pb_host->db_begin(pb_self)))
    goto out;
  for (size_t i = 0; !rc && merge_steps[i]; i++)
    rc = pb_host->db_exec(pb_self, merge_steps[i], p, NULL, NULL);
  if (!rc)
    rc = pb_fts_del(id);
  if (!rc)
    rc = publish_merge(&v, src, into);
  if ((rc = pb_tx_end(rc)))
    goto out;
  rc = pb_answer_problem(req, &v, into, 200);
out:
  json_decref(p);
  json_decref(src);
  json_decref(kept);
  pb_viewer_close(&v);
  return PB_DONE(rc);
}

int pb_routes_moderation(void) {
  int rc = pb_host->route_add(pb_self, "POST", BASE "/status", NB_PERM_COACH,
                              set_status, NULL);
  if (!rc)
    rc = pb_host->route_add(pb_self, "POST", BASE "/merge", NB_PERM_COACH,
                            merge, NULL);
  return rc;
}
