/*
 * problems: the ranking of shared problems and its CSV export.
 *
 *   GET /api/v1/n/:hood/problems/ranking      member (what they may see)
 *   GET /api/v1/n/:hood/problems/export.csv   coordinator
 *
 * Rank order: affected firms (the problem's firm plus every firm that
 * joined), then the highest urgency any of them gave, then the hours per
 * week they lose together, then the older problem first. The cursor of
 * the ranking is a position, not an id (ranks move as firms join).
 *
 * The CSV is meant to leave the platform (reports to the chamber or a
 * funder), so it holds only what every member of the neighbourhood may
 * see: private problems are left out, and only firms that chose to be
 * named (owners of open problems, supporters who did not ask to stay
 * anonymous) are named; the others are counted. Cells are quoted, and
 * text that a spreadsheet would run as a formula (= + - @ tab CR) gets a
 * leading apostrophe.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "problems.h"

#define BASE "/api/v1/n/:hood/problems"

#define RANK_WHERE                                                             \
  "WHERE p.hood_id = :hood AND p.merged_into IS NULL AND " PB_VISIBLE          \
  " AND (:category IS NULL OR p.category = :category) "                        \
  "AND (:statuses IS NULL OR p.status IN "                                     \
  "  (SELECT value FROM json_each(:statuses))) "                               \
  "AND (:shared = 0 OR supporters > 0) AND (:public = 0 OR "                   \
  "  p.visibility <> 'private') "
#define RANK_ORDER                                                             \
  "ORDER BY supporters DESC, urgency_max DESC, hours_total DESC, p.id ASC "

static const char rank_sql[] =
    "SELECT " PB_PROBLEM_COLUMNS PB_PROBLEM_FROM RANK_WHERE RANK_ORDER
    "LIMIT :limit OFFSET :offset";

/* Firms that chose to be named: the owner of an open problem and the
 * supporters of an open problem who did not ask to stay anonymous. */
static const char csv_sql[] =
    "SELECT " PB_PROBLEM_COLUMNS ", "
    "CASE WHEN p.visibility = 'open' THEN f.name END AS named_owner, "
    "(SELECT group_concat(name, '; ') FROM (SELECT f2.name FROM "
    "  problems_supporters s2 JOIN nb_firms f2 ON f2.id = s2.firm_id WHERE "
    "  s2.problem_id = p.id AND s2.hidden = 0 AND p.visibility = 'open' "
    "  ORDER BY s2.id)) AS named_supporters, "
    "(SELECT count(*) FROM problems_supporters s3 WHERE s3.problem_id = p.id "
    "  AND s3.hidden = 0 AND p.visibility = 'open') AS "
    "named_count " PB_PROBLEM_FROM RANK_WHERE RANK_ORDER "LIMIT 100000";

/* The query parameters shared by ranking and export. */
static int rank_params(nb_req_t *req, const pb_viewer_t *v, json_t **out) {
  int shared = 0;
  json_t *p = pb_viewer_params(v);
  *out = NULL;
  if (!p)
    return NB_ENOMEM;
  int rc = pb_filters(req, p);
  if (!rc)
    rc = pb_query_flag(req, "shared", &shared);
  if (rc) {
    json_decref(p);
    return rc;
  }
  json_object_set_new(p, "shared", json_integer(shared));
  json_object_set_new(p, "public", json_integer(0));
  *out = p;
  return 0;
}

static int ranking(nb_req_t *req, void *ud) {
  (void)ud;
  pb_viewer_t v;
  long limit;
  int64_t offset;
  json_t *p = NULL, *rows = NULL;
  int rc = pb_viewer_init(&v, req);
  if (!rc)
    rc = pb_page(req, &limit, &offset);
  if (!rc)
    rc = rank_params(req, &v, &p);
  if (!rc)
    rc = pb_categories_ensure(v.who.hood_id);
  if (rc)
    goto out;
  json_object_set_new(p, "limit", json_integer(limit + 1));
  json_object_set_new(p, "offset", json_integer(offset));
  if ((rc = pb_host->db_query(pb_self, rank_sql, p, &rows)))
    goto out;
  json_t *items = json_array(), *next = json_null(), *r;
  size_t i;
  json_array_foreach(rows, i, r) {
    if (i == (size_t)limit) {
      next = json_integer(offset + limit);
      break;
    }
    json_t *o = pb_problem_json(r, &v);
    json_object_set_new(o, "rank", json_integer(offset + (int64_t)i + 1));
    json_array_append_new(items, o);
  }
  rc = pb_host->respond_json_new(
      req, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor", next));
out:
  json_decref(rows);
  json_decref(p);
  pb_viewer_close(&v);
  return PB_DONE(rc);
}

/* ---- CSV ---- */

typedef struct buf {
  char *s;
  size_t len, cap;
  int failed;
} buf_t;

static void add(buf_t *b, const char *s, size_t n) {
  if (b->failed)
    return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (b->len + n + 1 > cap)
      cap *= 2;
    char *p = realloc(b->s, cap);
    if (!p) {
      b->failed = 1;
      return;
    }
    b->s = p;
    b->cap = cap;
  }
  memcpy(b->s + b->len, s, n);
  b->len += n;
  b->s[b->len] = '\0';
}

/* One quoted cell; `text` cells are defused against formula injection. */
static void cell(buf_t *b, const char *s, int text, char sep, int first) {
  if (!first)
    add(b, &sep, 1);
  add(b, "\"", 1);
  if (s && text && *s && strchr("=+-@\t\r", *s))
    add(b, "'", 1);
  for (const char *p = s ? s : ""; *p; p++) {
    add(b, p, 1);
    if (*p == '"')
      add(b, "\"", 1); /* a quote inside a cell is doubled */
  }
  add(b, "\"", 1);
}

static void cell_num(buf_t *b, double x, char sep) {
  char tmp[32];
  snprintf(tmp, sizeof(tmp), "%g", x);
  cell(b, tmp, 0, sep, 0);
}

static const char *const header_de[] = {"Rang",
                                        "Nr.",
                                        "Titel",
                                        "Beschreibung",
                                        "Kategorie",
                                        "Status",
                                        "Dringlichkeit",
                                        "Betroffene Betriebe",
                                        "Stunden pro Woche gesamt",
                                        "Sichtbarkeit",
                                        "Genannte Betriebe",
                                        "Nicht genannte Betriebe",
                                        "Workshop",
                                        "Erfasst am",
                                        NULL};
static const char *const header_en[] = {"rank",
                                        "id",
                                        "title",
                                        "description",
                                        "category",
                                        "status",
                                        "urgency",
                                        "affected_firms",
                                        "hours_per_week_total",
                                        "visibility",
                                        "named_firms",
                                        "unnamed_firms",
                                        "workshop",
                                        "created_at",
                                        NULL};

static void csv_row(buf_t *b, const json_t *r, int64_t rank, int en, char sep) {
  char num[32];
  snprintf(num, sizeof(num), "%lld", (long long)rank);
  cell(b, num, 0, sep, 1);
  snprintf(num, sizeof(num), "%lld", (long long)pb_int(r, "id"));
  cell(b, num, 0, sep, 0);
  cell(b, pb_str(r, "title"), 1, sep, 0);
  cell(b, pb_str(r, "description"), 1, sep, 0);
  const char *label = pb_str(r, en ? "category_en" : "category_de");
  cell(b, label ? label : pb_str(r, "category"), 1, sep, 0);
  cell(b, pb_str(r, "status"), 1, sep, 0);
  cell(b, pb_urgency_name(pb_int(r, "urgency_max")), 1, sep, 0);
  int64_t affected = 1 + pb_int(r, "supporters");
  snprintf(num, sizeof(num), "%lld", (long long)affected);
  cell(b, num, 0, sep, 0);
  cell_num(b, json_number_value(json_object_get(r, "hours_total")), sep);
  cell(b, pb_str(r, "visibility"), 1, sep, 0);
  /* Named firms: the open problem's own firm, then named supporters. */
  const char *owner = pb_str(r, "named_owner"),
             *sup = pb_str(r, "named_supporters");
  int64_t named = (owner ? 1 : 0) + pb_int(r, "named_count");
  size_t n = (owner ? strlen(owner) : 0) + (sup ? strlen(sup) : 0) + 3;
  char *names = malloc(n);
  if (names) {
    snprintf(names, n, "%s%s%s", owner ? owner : "", owner && sup ? "; " : "",
             sup ? sup : "");
    cell(b, names, 1, sep, 0);
    free(names);
  } else {
    b->failed = 1;
  }
  snprintf(num, sizeof(num), "%lld", (long long)(affected - named));
  cell(b, num, 0, sep, 0);
  cell(b, pb_str(r, "workshop_ref"), 1, sep, 0);
  cell(b, pb_str(r, "created_at"), 1, sep, 0);
  add(b, "\r\n", 2);
}

static int export_csv(nb_req_t *req, void *ud) {
  (void)ud;
  pb_viewer_t v;
  json_t *p = NULL, *rows = NULL;
  buf_t b = {0};
  char delim[16];
  int present;
  int rc = pb_viewer_init(&v, req);
  if (!rc)
    rc = rank_params(req, &v, &p);
  if (!rc)
    rc = pb_query_arg(req, "delimiter", delim, sizeof(delim), &present);
  if (rc)
    goto out;
  char sep = ',';
  if (present && strcmp(delim, "semicolon") == 0)
    sep = ';';
  else if (present && *delim && strcmp(delim, "comma") != 0) {
    rc = pb_host->respond_error(req, 400, "invalid", "delimiter",
                                "delimiter must be comma or semicolon.");
    goto out;
  }
  if ((rc = pb_categories_ensure(v.who.hood_id)))
    goto out;
  json_object_set_new(p, "public", json_integer(1));
  if ((rc = pb_host->db_query(pb_self, csv_sql, p, &rows)))
    goto out;
  int en = v.who.locale && strcmp(v.who.locale, "en") == 0;
  const char *const *header = en ? header_en : header_de;
  add(&b, "\xEF\xBB\xBF", 3); /* BOM: spreadsheets then read UTF-8 */
  for (size_t i = 0; header[i]; i++)
    cell(&b, header[i], 0, sep, i == 0);
  add(&b, "\r\n", 2);
  size_t i;
  json_t *r;
  json_array_foreach(rows, i, r) csv_row(&b, r, (int64_t)i + 1, en, sep);
  if (b.failed) {
    rc = NB_ENOMEM;
    goto out;
  }
  char disp[160];
  snprintf(disp, sizeof(disp), "attachment; filename=\"problems-%s.csv\"",
           v.who.hood ? v.who.hood : "export");
  pb_host->respond_header(req, "Content-Disposition", disp);
  rc = pb_host->respond_raw(req, 200, "text/csv; charset=utf-8", b.s, b.len);
out:
  free(b.s);
  json_decref(rows);
  json_decref(p);
  pb_viewer_close(&v);
  return PB_DONE(rc);
}

int pb_routes_report(void) {
  int rc = pb_host->route_add(pb_self, "GET", BASE "/ranking", NB_PERM_MEMBER,
                              ranking, NULL);
  if (!rc)
    rc = pb_host->route_add(pb_self, "GET", BASE "/export.csv",
                            NB_PERM_COORDINATOR, export_csv, NULL);
  return rc;
}
