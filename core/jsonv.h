/*
 * JSON validation: parse request bodies within limits, and check objects
 * against a parameter schema (nb_param_t). Pure functions, no I/O.
 */
#ifndef NB_CORE_JSONV_H
#define NB_CORE_JSONV_H

#include <stddef.h>
#include <jansson.h>
#include "nachbar/plugin.h"

typedef struct nb_json_limits {
  long max_depth;   /* nesting of arrays/objects; the top level is depth 1 */
  long max_string;  /* bytes of one string value or key */
  long max_keys;    /* members of one object, elements of one array */
} nb_json_limits_t;

typedef struct nb_json_error {
  const char *code;    /* "bad_json", "too_deep", "string_too_long", ... */
  char field[128];     /* JSON path of the offending member ("" if none) */
  char message[256];   /* for the person: what is wrong, what to do */
} nb_json_error_t;

/* Parse buf[0..len) (not NUL-terminated) with duplicate keys rejected, then
 * enforce the limits. Returns 0 and a new reference in *out, or NB_EINVAL
 * with *err filled. */
int nb__json_parse(const char *buf, size_t len, const nb_json_limits_t *lim,
                   json_t **out, nb_json_error_t *err);

/* Check that `obj` is an object matching `schema` (see nb_param_t): known
 * keys only, required present, types and bounds right (strings must be
 * valid UTF-8, counted in bytes). Returns 0 or NB_EINVAL with *err filled
 * (code "invalid", field = the key). */
int nb__json_check(const json_t *obj, const nb_param_t *schema,
                   const nb_json_limits_t *lim, nb_json_error_t *err);

#endif
