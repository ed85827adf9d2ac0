/*
 * problems: what the plugin's files share. Only <nachbar/plugin.h>,
 * jansson and libc are used anywhere in this plugin.
 *
 * Invariants:
 *  - Every row this plugin stores carries the hood it belongs to (directly
 *    or through its problem), and every query is scoped by the hood the
 *    router resolved (who.hood_id), never by an id from the client alone.
 *  - Visibility is decided in one place per kind of thing (pb_problem_json,
 *    pb_supporter_json, pb_comment_json and the PB_VISIBLE SQL clause): an
 *    anonymous problem's firm, and the firm of an anonymous supporter or
 *    comment author, is never put into an answer, event or export for
 *    anyone but that firm and the coaches.
 *  - Every change runs in one transaction together with its events.
 */
#ifndef PROBLEMS_H
#define PROBLEMS_H

#include <stddef.h>
#include <stdint.h>

#include <nachbar/plugin.h>

extern const nb_host_t *pb_host;
extern nb_plugin_t *pb_self;
extern const nb_migration_t pb_migrations[];

/* Limits of the fields (UTF-8 bytes; hours per week). */
#define PB_TITLE_MAX 200
#define PB_DESCRIPTION_MAX 10000
#define PB_NOTE_MAX 1000
#define PB_COMMENT_MAX 5000
#define PB_REASON_MAX 1000
#define PB_REF_MAX 500
#define PB_URL_MAX 2000
#define PB_LINK_TITLE_MAX 200
#define PB_LABEL_MAX 80
#define PB_KEY_MAX 40
#define PB_HOURS_MAX 168
#define PB_Q_MAX 200
#define PB_PAGE_DEFAULT 50
#define PB_PAGE_MAX 200

/* The person asking, in the route's neighbourhood. */
typedef struct pb_viewer {
  nb_who_t who;
  int coach;     /* coach or coordinator here */
  json_t *firms; /* the person's firm ids here, a JSON array (owned) */
} pb_viewer_t;

/* How pb_problem_find treats a problem merged into another one. */
enum pb_find_mode {
  PB_FIND_READ,  /* answer 308 to the kept problem (GET) */
  PB_FIND_WRITE, /* answer 409 merged */
  PB_FIND_ANY    /* return it as it is */
};

/* ---- util.c: requests, text checks, small JSON and database helpers ---- */

/* Returned by helpers that have answered the request already (a 4xx);
 * the handler then returns 0. Negative codes are not answered yet. */
#define PB_ANSWERED 1
/* What a handler returns for a helper's result. */
#define PB_DONE(rc) ((rc) == PB_ANSWERED ? 0 : (rc))

int pb_viewer_init(pb_viewer_t *v, nb_req_t *req);
void pb_viewer_close(pb_viewer_t *v);
int pb_viewer_in_firm(const pb_viewer_t *v, int64_t firm);
/* {"hood","coach","firms"} for the PB_VISIBLE clause; new reference. */
json_t *pb_viewer_params(const pb_viewer_t *v);

const char *pb_str(const json_t *row, const char *key);
int64_t pb_int(const json_t *row, const char *key);
/* A JSON number or null copied from row[key]; new reference. */
json_t *pb_num_or_null(const json_t *row, const char *key);

/* Database calls that steal `params` (NULL params = out of memory). */
int pb_query_new(const char *sql, json_t *params, json_t **rows);
int pb_exec_new(const char *sql, json_t *params, int64_t *changes,
                int64_t *last_id);
/* Commit when rc is 0, else roll back; returns the final code. */
int pb_tx_end(int rc);

/* Parse path parameter `name` as a positive id; answers 400 and returns
 * PB_ANSWERED otherwise. */
int pb_path_id(nb_req_t *req, const char *name, int64_t *out);
/* limit/cursor query arguments; answers 400 on bad values. */
int pb_page(nb_req_t *req, long *limit, int64_t *cursor);
/* Query argument `name` into buf ("" when absent; *present says which).
 * A value too long for buf answers 400. */
int pb_query_arg(nb_req_t *req, const char *name, char *buf, size_t len,
                 int *present);
/* A boolean query argument (1/0/true/false) into *out (0 when absent). */
int pb_query_flag(nb_req_t *req, const char *name, int *out);

/* Text checks. `multiline` allows \n, \r and \t. Return 1 when fine. */
int pb_text_ok(const char *s, int multiline);
/* Check body[field] (a string the schema let through): when present it
 * must be free of control characters and, with `nonblank`, hold more than
 * spaces. Answers 400 and returns PB_ANSWERED otherwise. */
int pb_check_text(nb_req_t *req, const json_t *body, const char *field,
                  int multiline, int nonblank);
/* A copy of s without leading and trailing white space; new reference. */
json_t *pb_trimmed(const char *s);

/* Urgency: "low" 1, "medium" 2, "high" 3, "critical" 4. */
int pb_urgency_value(const char *name);
const char *pb_urgency_name(int64_t value);
int pb_status_valid(const char *s);
int pb_visibility_valid(const char *s);
/* A workshop reference: an id or slug, a path on this server, or an
 * http(s) URL. */
int pb_ref_ok(const char *s);
int pb_url_ok(const char *s);
int pb_key_ok(const char *s);

/* The firm a person acts for: body's firm_id if given (their own, or any
 * firm of the hood for a coach), else their only firm. Answers 400/403 and
 * returns PB_ANSWERED when there is none or it is not theirs. */
int pb_acting_firm(nb_req_t *req, const pb_viewer_t *v, const json_t *given,
                   int64_t *firm);

/* ---- store.c: loading and rendering, where visibility is decided ---- */

/* Problem `id` of the viewer's hood as a raw row (new reference), if the
 * viewer may see it. Answers 404 (also for problems the viewer may not
 * see), and for merged problems 308 or 409 by `mode`; then returns
 * PB_ANSWERED. `suffix` ("" or "/comments") completes the redirect. */
int pb_problem_find(nb_req_t *req, const pb_viewer_t *v, int64_t id, int mode,
                    const char *suffix, json_t **row);
/* The common start of a handler on /problems/:id: the :id, the viewer
 * and pb_problem_find by `mode`. On failure `v` may still be closed and
 * *row is NULL; returns 0, PB_ANSWERED or a negative code. (util.c) */
int pb_open_problem(nb_req_t *req, pb_viewer_t *v, int mode,
                    const char *suffix, int64_t *id, json_t **row);
/* The raw row of problem `id` as an outsider of every firm sees it (for
 * events), or NULL. */
json_t *pb_problem_row(int64_t hood_id, int64_t id);

/* A problem as `v` may see it; v NULL: as the audience of its events (a
 * private problem's firm and the coaches; for the others, any member). */
json_t *pb_problem_json(const json_t *row, const pb_viewer_t *v);
/* The same plus supporters, links and status history. */
json_t *pb_problem_detail(const json_t *row, const pb_viewer_t *v);
json_t *pb_supporter_json(const json_t *problem, const json_t *s,
                          const pb_viewer_t *v);
json_t *pb_comment_json(const json_t *problem, const json_t *c,
                        const pb_viewer_t *v);
/* Answer 200 with the detail of problem `id` as `v` sees it now. */
int pb_answer_problem(nb_req_t *req, const pb_viewer_t *v, int64_t id,
                      int status);

/* SQL pieces for problem rows; parameters :hood, :coach, :firms. */
#define PB_PROBLEM_COLUMNS                                                     \
  "p.id, p.hood_id, p.firm_id, p.author_id, p.title, p.description, "          \
  "p.category, p.urgency, p.hours_per_week, p.visibility, p.status, "          \
  "p.workshop_ref, p.merged_into, p.created_at, p.updated_at, "                \
  "f.name AS firm_name, a.display_name AS author_name, "                       \
  "c.label_de AS category_de, c.label_en AS category_en, "                     \
  "(SELECT count(*) FROM problems_supporters s WHERE s.problem_id = p.id) "    \
  "  AS supporters, "                                                          \
  "coalesce(p.hours_per_week, 0) + (SELECT coalesce(sum(s.hours_per_week), "   \
  "  0) FROM problems_supporters s WHERE s.problem_id = p.id) AS "             \
  "hours_total, "                                                              \
  "max(p.urgency, (SELECT coalesce(max(s.urgency), 0) FROM "                   \
  "  problems_supporters s WHERE s.problem_id = p.id)) AS urgency_max, "       \
  "(SELECT count(*) FROM problems_comments m WHERE m.problem_id = p.id AND "   \
  "  m.hidden_at IS NULL AND (:coach OR m.only_firm IS NULL OR m.only_firm "   \
  "  IN (SELECT value FROM json_each(:firms)))) AS comments, "                 \
  "EXISTS (SELECT 1 FROM problems_supporters s WHERE s.problem_id = p.id "     \
  "  AND s.firm_id IN (SELECT value FROM json_each(:firms))) AS joined "
#define PB_PROBLEM_FROM                                                        \
  "FROM problems p LEFT JOIN nb_firms f ON f.id = p.firm_id "                  \
  "LEFT JOIN nb_people a ON a.id = p.author_id "                               \
  "LEFT JOIN problems_categories c ON c.hood_id = p.hood_id "                  \
  "  AND c.key = p.category "
/* Who may see a problem at all: coaches, its firm, and for anonymous and
 * open problems every member. */
#define PB_VISIBLE                                                             \
  "(:coach OR p.visibility <> 'private' OR p.firm_id IN "                      \
  "  (SELECT value FROM json_each(:firms)))"

/* Filters shared by the list, the ranking and the CSV export (in
 * routes_problems.c): ?category= and ?status= (a comma list) as :category
 * and :statuses in `p`. Answers 400 for bad values. */
int pb_filters(nb_req_t *req, json_t *p);

/* ---- search.c: full-text index (FTS5) ---- */

/* Index (or re-index) problem `id`. */
int pb_fts_put(int64_t id, const char *title, const char *description);
int pb_fts_del(int64_t id);
/* Build an FTS5 MATCH expression from free text. Returns the number of
 * words (0: none), or NB_ELIMIT when `out` is too small. */
int pb_fts_match(const char *q, char *out, size_t len);
/* German spelling without umlauts: ä -> ae, ö -> oe, ü -> ue, ß -> ss.
 * Returns a new malloc'd string, or NULL. */
char *pb_translit(const char *s);

/* ---- events.c ---- */

/* Publish `type` about problem `row` (raw row) with `data` (borrowed):
 * to the problem's firm and the coaches when it is private, else to the
 * neighbourhood. Call inside the change's transaction. */
int pb_publish(const json_t *row, int64_t actor, const char *type,
               const json_t *data);
/* The same with an explicit audience. */
int pb_publish_to(int64_t hood_id, int64_t actor, const char *type,
                  const json_t *data, int vis, int64_t firm);
int pb_events_register(void);

/* ---- categories (routes_categories.c) ---- */

/* Give the hood its own copy of the default taxonomy on first use. */
int pb_categories_ensure(int64_t hood_id);
/* 1 when `key` is a category of the hood that is not archived, 0 if not,
 * or a negative code. */
int pb_category_usable(int64_t hood_id, const char *key);

/* ---- moderation (routes_moderation.c) ---- */

/* Change the status of problem `row` inside the caller's transaction:
 * writes history and publishes problem.status (pb_status_check has
 * passed). `ref_given` says whether
 * `ref` (may be JSON null) was sent. */
int pb_status_apply(nb_req_t *req, const pb_viewer_t *v, const json_t *row,
                    const char *status, const char *reason, int ref_given,
                    const json_t *ref);
/* Check a status change before any transaction: answers 400/409. */
int pb_status_check(nb_req_t *req, const json_t *row, const char *status,
                    const char *reason_field, const char *reason, int ref_given,
                    const json_t *ref);

/* ---- route registration, one per file ---- */

int pb_routes_problems(void);
int pb_routes_share(void);
int pb_routes_moderation(void);
int pb_routes_report(void);
int pb_routes_categories(void);

/* ---- privacy.c, demo.c ---- */

json_t *pb_privacy_export(nb_plugin_t *self, int64_t person_id);
int pb_privacy_erase(nb_plugin_t *self, int64_t person_id, int delete_content);
int pb_demo(nb_plugin_t *self, const json_t *demo);

#endif /* PROBLEMS_H */
