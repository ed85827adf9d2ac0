/*
 * problems: small helpers every route uses — who is asking, query
 * arguments and path ids, text checks, and database calls that take their
 * parameters over. Nothing here answers a request except to refuse bad
 * input (400/403) with the field named.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "problems.h"

int pb_viewer_init(pb_viewer_t *v, nb_req_t *req) {
  memset(v, 0, sizeof(*v));
  pb_host->req_who(req, &v->who);
  v->coach = pb_host->req_may(req, NB_PERM_COACH);
  v->firms = json_array();
  if (!v->firms)
    return NB_ENOMEM;
  for (int i = 0; i < v->who.nfirms; i++)
    json_array_append_new(v->firms, json_integer(v->who.firms[i]));
  return 0;
}

void pb_viewer_close(pb_viewer_t *v) {
  json_decref(v->firms);
  v->firms = NULL;
}

int pb_viewer_in_firm(const pb_viewer_t *v, int64_t firm) {
  if (!v || firm <= 0)
    return 0;
  for (int i = 0; i < v->who.nfirms; i++)
    if (v->who.firms[i] == firm)
      return 1;
  return 0;
}

json_t *pb_viewer_params(const pb_viewer_t *v) {
  return json_pack("{s:I, s:i, s:O}", "hood", (json_int_t)v->who.hood_id,
                   "coach", v->coach, "firms", v->firms);
}

const char *pb_str(const json_t *row, const char *key) {
  return json_string_value(json_object_get(row, key));
}

int64_t pb_int(const json_t *row, const char *key) {
  const json_t *x = json_object_get(row, key);
  return json_is_integer(x) ? (int64_t)json_integer_value(x)
                            : (int64_t)json_number_value(x);
}

json_t *pb_num_or_null(const json_t *row, const char *key) {
  const json_t *x = json_object_get(row, key);
  if (!json_is_number(x))
    return json_null();
  return json_real(json_number_value(x));
}

int pb_query_new(const char *sql, json_t *params, json_t **rows) {
  if (rows)
    *rows = NULL;
  if (!params)
    return NB_ENOMEM;
  int rc = pb_host->db_query(pb_self, sql, params, rows);
  json_decref(params);
  return rc;
}

int pb_exec_new(const char *sql, json_t *params, int64_t *changes,
                int64_t *last_id) {
  if (!params)
    return NB_ENOMEM;
  int rc = pb_host->db_exec(pb_self, sql, params, changes, last_id);
  json_decref(params);
  return rc;
}

int pb_tx_end(int rc) {
  if (rc == 0)
    return pb_host->db_commit(pb_self);
  pb_host->db_rollback(pb_self);
  return rc;
}

/* Parse a decimal id: positive, at most 18 digits, nothing else. */
static int parse_id(const char *s, int64_t *out) {
  if (!s || !*s || strlen(s) > 18)
    return NB_EINVAL;
  int64_t n = 0;
  for (const char *p = s; *p; p++) {
    if (*p < '0' || *p > '9')
      return NB_EINVAL;
    n = n * 10 + (*p - '0');
  }
  if (n <= 0)
    return NB_EINVAL;
  *out = n;
  return 0;
}

int pb_path_id(nb_req_t *req, const char *name, int64_t *out) {
  if (parse_id(pb_host->req_param(req, name), out) == 0)
    return 0;
  pb_host->respond_error(req, 400, "invalid", name,
                         "%s must be a positive whole number.", name);
  return PB_ANSWERED;
}

/* Query arguments are looked up in a buffer far larger than any value we
 * accept: the host walks the arguments in order and stops at the first
 * one that does not fit the buffer, so a small buffer would make a long
 * earlier argument (?q=...) hide every later one. */
#define QUERY_BUF 8192

int pb_query_arg(nb_req_t *req, const char *name, char *buf, size_t len,
                 int *present) {
  static char big[QUERY_BUF]; /* loop thread only */
  *present = 0;
  buf[0] = '\0';
  int n = pb_host->req_query(req, name, big, sizeof(big));
  if (n == NB_ENOENT)
    return 0;
  if (n < 0 || (size_t)n + 1 > len) {
    pb_host->respond_error(req, 400, "invalid", name,
                           "%s is too long: at most %zu characters.", name,
                           len - 1);
    return PB_ANSWERED;
  }
  memcpy(buf, big, (size_t)n + 1);
  *present = 1;
  return 0;
}

int pb_query_flag(nb_req_t *req, const char *name, int *out) {
  char buf[16];
  int present;
  *out = 0;
  int rc = pb_query_arg(req, name, buf, sizeof(buf), &present);
  if (rc || !present)
    return rc;
  if (strcmp(buf, "1") == 0 || strcmp(buf, "true") == 0) {
    *out = 1;
    return 0;
  }
  if (strcmp(buf, "0") == 0 || strcmp(buf, "false") == 0 || !*buf)
    return 0;
  pb_host->respond_error(req, 400, "invalid", name,
                         "%s must be 1 or 0 (true or false).", name);
  return PB_ANSWERED;
}

int pb_page(nb_req_t *req, long *limit, int64_t *cursor) {
  char buf[32];
  int present;
  *limit = PB_PAGE_DEFAULT;
  *cursor = 0;
  int rc = pb_query_arg(req, "limit", buf, sizeof(buf), &present);
  if (rc)
    return rc;
  if (present) {
    int64_t n = 0;
    if (parse_id(buf, &n) || n > PB_PAGE_MAX) {
      pb_host->respond_error(req, 400, "invalid", "limit",
                             "limit must be a number from 1 to %d.",
                             PB_PAGE_MAX);
      return PB_ANSWERED;
    }
    *limit = (long)n;
  }
  rc = pb_query_arg(req, "cursor", buf, sizeof(buf), &present);
  if (rc)
    return rc;
  if (present && parse_id(buf, cursor)) {
    pb_host->respond_error(req, 400, "invalid", "cursor",
                           "cursor must be the next_cursor of the previous "
                           "page.");
    return PB_ANSWERED;
  }
  return 0;
}

int pb_text_ok(const char *s, int multiline) {
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == 0x7f)
      return 0;
    if (*p < 0x20 && !(multiline && (*p == '\n' || *p == '\r' || *p == '\t')))
      return 0;
    /* U+2028/2029 and the bidi overrides U+202A..U+202E, U+2066..U+2069
     * turn text around or break lines where a reader does not expect it. */
    if (p[0] == 0xE2 && p[1] == 0x80 && p[2] >= 0xA8 && p[2] <= 0xAE)
      return 0;
    if (p[0] == 0xE2 && p[1] == 0x81 && p[2] >= 0xA6 && p[2] <= 0xA9)
      return 0;
  }
  return 1;
}

static int blank(const char *s) {
  for (; *s; s++)
    if (!strchr(" \t\r\n", *s))
      return 0;
  return 1;
}

int pb_check_text(nb_req_t *req, const json_t *body, const char *field,
                  int multiline, int nonblank) {
  const char *s = json_string_value(json_object_get(body, field));
  if (!s)
    return 0;
  if (!pb_text_ok(s, multiline)) {
    pb_host->respond_error(req, 400, "invalid", field,
                           multiline ? "%s must not contain control "
                                       "characters other than line breaks "
                                       "and tabs."
                                     : "%s must be one line without control "
                                       "characters.",
                           field);
    return PB_ANSWERED;
  }
  if (nonblank && blank(s)) {
    pb_host->respond_error(req, 400, "invalid", field,
                           "%s must not be empty. Fill it in.", field);
    return PB_ANSWERED;
  }
  return 0;
}

json_t *pb_trimmed(const char *s) {
  while (*s && strchr(" \t\r\n", *s))
    s++;
  size_t n = strlen(s);
  while (n && strchr(" \t\r\n", s[n - 1]))
    n--;
  return json_stringn(s, n);
}

static const char *const urgencies[] = {NULL, "low", "medium", "high",
                                        "critical"};

int pb_urgency_value(const char *name) {
  for (int i = 1; name && i <= 4; i++)
    if (strcmp(name, urgencies[i]) == 0)
      return i;
  return 0;
}

const char *pb_urgency_name(int64_t value) {
  return value >= 1 && value <= 4 ? urgencies[value] : NULL;
}

int pb_status_valid(const char *s) {
  static const char *const all[] = {"new", "triaged", "planned", "solved",
                                    "declined"};
  for (size_t i = 0; s && i < sizeof(all) / sizeof(*all); i++)
    if (strcmp(s, all[i]) == 0)
      return 1;
  return 0;
}

int pb_visibility_valid(const char *s) {
  return s && (strcmp(s, "private") == 0 || strcmp(s, "anonymous") == 0 ||
               strcmp(s, "open") == 0);
}

/* Printable ASCII without space, quotes, angle brackets, backslash or
 * backtick: safe in an href and in a CSV cell. */
static int url_chars_ok(const char *s) {
  for (const unsigned char *p = (const unsigned char *)s; *p; p++)
    if (*p <= 0x20 || *p >= 0x7f || strchr("\"'<>\\`", *p))
      return 0;
  return 1;
}

int pb_url_ok(const char *s) {
  const char *rest = NULL;
  if (strncmp(s, "https://", 8) == 0)
    rest = s + 8;
  else if (strncmp(s, "http://", 7) == 0)
    rest = s + 7;
  return rest && *rest && *rest != '/' && url_chars_ok(s);
}

int pb_ref_ok(const char *s) {
  if (!*s)
    return 0;
  if (s[0] == '/')
    return s[1] != '/' && url_chars_ok(s);
  if (strchr(s, ':'))
    return pb_url_ok(s);
  for (const char *p = s; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
          (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.'))
      return 0;
  return 1;
}

int pb_key_ok(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > PB_KEY_MAX || s[0] == '-' || s[n - 1] == '-')
    return 0;
  for (const char *p = s; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
      return 0;
  return 1;
}

int pb_acting_firm(nb_req_t *req, const pb_viewer_t *v, const json_t *given,
                   int64_t *firm) {
  *firm = 0;
  if (json_is_integer(given)) {
    int64_t f = json_integer_value(given);
    if (pb_viewer_in_firm(v, f)) {
      *firm = f;
      return 0;
    }
    if (!v->coach) {
      pb_host->respond_error(req, 403, "forbidden", "firm_id",
                             "You can act only for your own firm.");
      return PB_ANSWERED;
    }
    json_t *rows = NULL;
    int rc = pb_query_new(
        "SELECT id FROM nb_firms WHERE id = ?1 AND "
        "hood_id = ?2",
        json_pack("[I, I]", (json_int_t)f, (json_int_t)v->who.hood_id), &rows);
    int found = rc == 0 && json_array_size(rows) == 1;
    json_decref(rows);
    if (rc)
      return rc;
    if (!found) {
      pb_host->respond_error(req, 400, "invalid", "firm_id",
                             "There is no firm %lld in this neighbourhood.",
                             (long long)f);
      return PB_ANSWERED;
    }
    *firm = f;
    return 0;
  }
  if (v->who.nfirms == 1) {
    *firm = v->who.firms[0];
    return 0;
  }
  pb_host->respond_error(req, 400, "required", "firm_id",
                         v->who.nfirms == 0
                             ? "firm_id is required: say which firm this is "
                               "for."
                             : "firm_id is required: you belong to several "
                               "firms, say which one.");
  return PB_ANSWERED;
}

int pb_open_problem(nb_req_t *req, pb_viewer_t *v, int mode,
                    const char *suffix, int64_t *id, json_t **row) {
  memset(v, 0, sizeof(*v));
  *row = NULL;
  int rc = pb_path_id(req, "id", id);
  if (!rc)
    rc = pb_viewer_init(v, req);
  if (!rc)
    rc = pb_problem_find(req, v, *id, mode, suffix, row);
  return rc;
}
