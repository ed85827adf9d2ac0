/*
 * JSON validation: parse bodies and WebSocket messages within limits, and
 * check objects against a parameter schema (nb_param_t). Pure functions.
 *
 * Invariants:
 *  - jansson never sees input nested deeper than the depth limit: a cheap
 *    byte scan refuses it first, so jansson's recursive parser cannot be
 *    driven into deep recursion by a client.
 *  - err->field and err->message are always NUL-terminated valid UTF-8
 *    (cut on a character boundary), so callers can put them into JSON.
 *  - A limit <= 0 (or lim == NULL) means the built-in default below.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "jsonv.h"

#define DEFAULT_DEPTH 32
#define DEFAULT_STRING 65536
#define DEFAULT_KEYS 1000

/* Room for a JSON path while walking; err->field gets a cut-down copy. */
#define PATH_MAX_LEN 512

typedef struct limits {
  long depth, string, keys;
} limits_t;

static limits_t limits_of(const nb_json_limits_t *lim) {
  limits_t l = {DEFAULT_DEPTH, DEFAULT_STRING, DEFAULT_KEYS};
  if (lim && lim->max_depth > 0)
    l.depth = lim->max_depth;
  if (lim && lim->max_string > 0)
    l.string = lim->max_string;
  if (lim && lim->max_keys > 0)
    l.keys = lim->max_keys;
  return l;
}

/* Length of the valid UTF-8 sequence at s[0..n), or 0 when it is not one
 * (overlong, surrogate, beyond U+10FFFF, cut short). */
static size_t utf8_seq(const unsigned char *s, size_t n) {
  unsigned char c = s[0];
  size_t k;
  uint32_t cp;
  if (c < 0x80)
    return 1;
  if (c >= 0xC2 && c <= 0xDF) {
    k = 1;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    k = 2;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    k = 3;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (n <= k)
    return 0;
  for (size_t j = 1; j <= k; j++) {
    if ((s[j] & 0xC0) != 0x80)
      return 0;
    cp = cp << 6 | (s[j] & 0x3F);
  }
  if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
      (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
    return 0;
  return k + 1;
}

static int utf8_valid(const unsigned char *s, size_t n) {
  for (size_t i = 0, k; i < n; i += k)
    if (!(k = utf8_seq(s + i, n - i)))
      return 0;
  return 1;
}

/* Make s valid UTF-8 in place, for text that goes into JSON answers: a
 * sequence cut at the end (by truncation) is dropped, any other invalid
 * byte (jansson quotes raw input in its errors) becomes '?'. */
static void utf8_fix(char *s) {
  unsigned char *u = (unsigned char *)s;
  size_t n = strlen(s);
  for (size_t i = 0; i < n;) {
    size_t k = utf8_seq(u + i, n - i);
    if (k) {
      i += k;
      continue;
    }
    /* A lead byte whose continuation bytes all run to the end: cut. */
    size_t j = i + 1;
    while (j < n && (u[j] & 0xC0) == 0x80)
      j++;
    if (u[i] >= 0xC2 && u[i] <= 0xF4 && j == n && n - i < 4) {
      s[i] = '\0';
      return;
    }
    u[i++] = '?';
  }
}

static void set_field(nb_json_error_t *err, const char *field) {
  snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
  utf8_fix(err->field);
}

/* Fill *err; always returns NB_EINVAL so callers can `return fail(...)`. */
static int fail(nb_json_error_t *err, const char *code, const char *field,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(nb_json_error_t *err, const char *code, const char *field,
                const char *fmt, ...) {
  if (!err)
    return NB_EINVAL;
  err->code = code;
  set_field(err, field);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->message, sizeof(err->message), fmt, ap);
  va_end(ap);
  utf8_fix(err->message);
  return NB_EINVAL;
}

/*
 * Deepest nesting of [ and { in buf, counting only brackets outside
 * strings. Stops early (returning max + 1) once max is exceeded. For valid
 * JSON this is the exact depth; for invalid JSON it bounds the depth
 * jansson reaches before it reports its own error.
 */
static long scan_depth(const char *buf, size_t len, long max) {
  long depth = 0, deepest = 0;
  int in_str = 0;
  for (size_t i = 0; i < len; i++) {
    char c = buf[i];
    if (in_str) {
      if (c == '\\')
        i++; /* skip the escaped byte, whatever it is */
      else if (c == '"')
        in_str = 0;
    } else if (c == '"') {
      in_str = 1;
    } else if (c == '[' || c == '{') {
      if (++depth > deepest)
        deepest = depth;
      if (deepest > max)
        return deepest;
    } else if ((c == ']' || c == '}') && depth > 0) {
      depth--;
    }
  }
  return deepest;
}

/* Append to the path buffer at `at`; returns the new length (clamped). */
static size_t path_add(char *path, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static size_t path_add(char *path, size_t at, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(path + at, PATH_MAX_LEN - at, fmt, ap);
  va_end(ap);
  if (n < 0)
    return at;
  return at + (size_t)n >= PATH_MAX_LEN ? PATH_MAX_LEN - 1 : at + (size_t)n;
}

/*
 * Enforce string and member limits under v. `path` holds v's JSON path in
 * path[0..at). Recursion depth is bounded by the depth scan. Returns 0 or
 * NB_EINVAL with *err filled.
 */
static int walk(const json_t *v, const limits_t *l, char *path, size_t at,
                nb_json_error_t *err) {
  if (json_is_string(v)) {
    if ((long)json_string_length(v) > l->string)
      return fail(err, "string_too_long", path,
                  "A text is too long: at most %ld bytes are allowed. "
                  "Shorten it.",
                  l->string);
    return 0;
  }
  if (json_is_array(v)) {
    if ((long)json_array_size(v) > l->keys)
      return fail(err, "too_many_members", path,
                  "A list has too many entries: at most %ld are allowed. "
                  "Send fewer.",
                  l->keys);
    for (size_t i = 0; i < json_array_size(v); i++) {
      size_t n = path_add(path, at, "[%zu]", i);
      int rc = walk(json_array_get(v, i), l, path, n, err);
      if (rc)
        return rc;
    }
    return 0;
  }
  if (json_is_object(v)) {
    if ((long)json_object_size(v) > l->keys)
      return fail(err, "too_many_members", path,
                  "An object has too many members: at most %ld are allowed. "
                  "Send fewer.",
                  l->keys);
    const char *key;
    json_t *member;
    json_object_foreach((json_t *)v, key, member) {
      size_t n = path_add(path, at, "%s%s", at ? "." : "", key);
      if ((long)strlen(key) > l->string)
        return fail(err, "string_too_long", path,
                    "A member name is too long: at most %ld bytes are "
                    "allowed. Shorten it.",
                    l->string);
      int rc = walk(member, l, path, n, err);
      if (rc)
        return rc;
    }
  }
  return 0;
}

/*
 * Parse buf[0..len) as exactly one JSON value (any type; trailing
 * whitespace allowed), duplicate keys refused, then enforce the limits.
 * Returns 0 with a new reference in *out, or NB_EINVAL with *err filled and
 * *out NULL. Codes: bad_json, too_deep, string_too_long, too_many_members.
 */
int nb__json_parse(const char *buf, size_t len, const nb_json_limits_t *lim,
                   json_t **out, nb_json_error_t *err) {
  int rc = NB_EINVAL;
  json_t *v = NULL;
  limits_t l = limits_of(lim);
  char path[PATH_MAX_LEN] = "";
  if (out)
    *out = NULL;
  if (err) {
    err->code = NULL;
    err->field[0] = err->message[0] = '\0';
  }
  if (!out) {
    rc = fail(err, "bad_json", NULL, "Internal error: no place for JSON.");
    goto cleanup;
  }
  if (len == 0 || !buf) {
    rc = fail(err, "bad_json", NULL, "The JSON is empty. Send a JSON value.");
    goto cleanup;
  }
  if (scan_depth(buf, len, l.depth) > l.depth) {
    rc = fail(err, "too_deep", NULL,
              "The JSON is nested too deeply: at most %ld levels are "
              "allowed. Flatten it.",
              l.depth);
    goto cleanup;
  }
  json_error_t jerr;
  v = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
  if (!v) {
    rc = fail(err, "bad_json", NULL,
              "The JSON is malformed: %s (line %d, column %d). Fix the "
              "syntax.",
              jerr.text, jerr.line, jerr.column);
    goto cleanup;
  }
  rc = walk(v, &l, path, 0, err);
  if (rc)
    goto cleanup;
  *out = v;
  v = NULL;
cleanup:
  json_decref(v);
  return rc;
}

static const nb_param_t *schema_find(const nb_param_t *schema,
                                     const char *key) {
  for (const nb_param_t *p = schema; p && p->name; p++)
    if (strcmp(p->name, key) == 0)
      return p;
  return NULL;
}

/* Check a size (string bytes, array entries) against [min, max]; `verb`
 * completes "<name> must ..." ("be ... characters", "have ... entries"). */
static int check_count(const nb_param_t *p, long long n, long long max,
                       const char *verb, const char *unit,
                       nb_json_error_t *err) {
  long long min = p->min > 0 ? p->min : 0;
  if (n >= min && n <= max)
    return 0;
  if (min == 0)
    return fail(err, "invalid", p->name, "%s must %s at most %lld %s.", p->name,
                verb, max, unit);
  if (min == max)
    return fail(err, "invalid", p->name, "%s must %s exactly %lld %s.", p->name,
                verb, min, unit);
  return fail(err, "invalid", p->name, "%s must %s %lld to %lld %s.", p->name,
              verb, min, max, unit);
}

/* Check one present, non-null value against its schema entry. */
static int check_value(const json_t *v, const nb_param_t *p, const limits_t *l,
                       nb_json_error_t *err) {
  int bounded = p->min != 0 || p->max != 0;
  switch (p->type) {
  case NB_T_STRING: {
    if (!json_is_string(v))
      return fail(err, "invalid", p->name, "%s must be a string.", p->name);
    size_t n = json_string_length(v);
    if (!utf8_valid((const unsigned char *)json_string_value(v), n))
      return fail(err, "invalid", p->name, "%s must be valid UTF-8 text.",
                  p->name);
    return check_count(p, (long long)n, p->max > 0 ? p->max : l->string, "be",
                       "characters", err);
  }
  case NB_T_INT:
    if (!json_is_integer(v))
      return fail(err, "invalid", p->name, "%s must be a whole number.",
                  p->name);
    if (bounded &&
        (json_integer_value(v) < p->min || json_integer_value(v) > p->max))
      return fail(err, "invalid", p->name,
                  "%s must be a whole number from %lld to %lld.", p->name,
                  (long long)p->min, (long long)p->max);
    return 0;
  case NB_T_NUMBER:
    if (!json_is_number(v))
      return fail(err, "invalid", p->name, "%s must be a number.", p->name);
    if (bounded && (json_number_value(v) < (double)p->min ||
                    json_number_value(v) > (double)p->max))
      return fail(err, "invalid", p->name,
                  "%s must be a number from %lld to %lld.", p->name,
                  (long long)p->min, (long long)p->max);
    return 0;
  case NB_T_BOOL:
    if (!json_is_boolean(v))
      return fail(err, "invalid", p->name, "%s must be true or false.",
                  p->name);
    return 0;
  case NB_T_OBJECT:
    if (!json_is_object(v))
      return fail(err, "invalid", p->name, "%s must be an object.", p->name);
    return 0;
  case NB_T_ARRAY:
    if (!json_is_array(v))
      return fail(err, "invalid", p->name, "%s must be a list.", p->name);
    return check_count(p, (long long)json_array_size(v),
                       p->max > 0 ? p->max : l->keys, "have", "entries", err);
  default:
    return fail(err, "invalid", p->name,
                "%s has an unknown type in the server's schema; report "
                "this to the operator.",
                p->name);
  }
}

/*
 * Check `obj` against `schema` (see jsonv.h and nb_param_t). Unknown keys
 * are checked first, then the schema entries in order; the first problem is
 * reported. Codes: invalid, unknown_field, required.
 */
int nb__json_check(const json_t *obj, const nb_param_t *schema,
                   const nb_json_limits_t *lim, nb_json_error_t *err) {
  limits_t l = limits_of(lim);
  if (err) {
    err->code = NULL;
    err->field[0] = err->message[0] = '\0';
  }
  if (!json_is_object(obj))
    return fail(err, "invalid", NULL, "Expected a JSON object. Send one.");
  const char *key;
  json_t *v;
  json_object_foreach((json_t *)obj, key, v) {
    if (!schema_find(schema, key))
      return fail(err, "unknown_field", key,
                  "%s is not a known field. Remove it.", key);
  }
  for (const nb_param_t *p = schema; p && p->name; p++) {
    v = json_object_get(obj, p->name);
    if (!v || json_is_null(v)) {
      if (p->required)
        return fail(err, "required", p->name, "%s is required. Fill it in.",
                    p->name);
      continue;
    }
    int rc = check_value(v, p, &l, err);
    if (rc)
      return rc;
  }
  return 0;
}
