/*
 * JSON validation unit tests: parsing within limits, and schema checks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "jsonv.h"

static const nb_json_limits_t lim = {
    .max_depth = 4, .max_string = 16, .max_keys = 5};

/* Parse a C string; returns rc, fills err, frees the value. */
static int parse(const char *s, nb_json_error_t *err) {
  json_t *v = NULL;
  int rc = nb__json_parse(s, strlen(s), &lim, &v, err);
  if (rc == 0)
    assert_non_null(v);
  else
    assert_null(v);
  json_decref(v);
  return rc;
}

static void test_valid(void **state) {
  (void)state;
  json_t *v = NULL;
  nb_json_error_t err;
  const char *s =
      " {\"title\": \"Streetlight\", \"n\": [1, 2.5, true, null]}\n";
  assert_int_equal(nb__json_parse(s, strlen(s), &lim, &v, &err), 0);
  assert_true(json_is_object(v));
  assert_string_equal(json_string_value(json_object_get(v, "title")),
                      "Streetlight");
  json_decref(v);
  /* Any top-level value; callers decide. */
  assert_int_equal(parse("42", &err), 0);
  assert_int_equal(parse("\"x\"", &err), 0);
  assert_int_equal(parse("[]", &err), 0);
  /* Not NUL-terminated: only len bytes count. */
  const char buf[] = "{\"a\":1}GARBAGE";
  assert_int_equal(nb__json_parse(buf, 7, &lim, &v, &err), 0);
  json_decref(v);
}

static void test_bad_json(void **state) {
  (void)state;
  nb_json_error_t err;
  assert_int_equal(parse("{\"a\": }", &err), NB_EINVAL);
  assert_string_equal(err.code, "bad_json");
  assert_string_equal(err.field, "");
  assert_non_null(strstr(err.message, "line 1"));
  assert_non_null(strstr(err.message, "column"));

  assert_int_equal(parse("{\n\"a\": 1,\n}", &err), NB_EINVAL);
  assert_string_equal(err.code, "bad_json");
  assert_non_null(strstr(err.message, "line 3"));

  json_t *v = (json_t *)1;
  assert_int_equal(nb__json_parse("", 0, &lim, &v, &err), NB_EINVAL);
  assert_null(v);
  assert_string_equal(err.code, "bad_json");
  assert_int_equal(parse("   ", &err), NB_EINVAL);
  assert_string_equal(err.code, "bad_json");
  assert_int_equal(parse("{\"a\":\"\\u0000\"}", &err), NB_EINVAL);
  assert_string_equal(err.code, "bad_json");
  /* Raw bytes jansson quotes in its error never make the message invalid
   * UTF-8: it must still fit into a JSON answer. */
  const char *raw[] = {"\xff", "[\"\xc3\"]", "{\"\xe2\x82\":1}", "\xc3\xa4x",
                       "[\xf0\x9f\x98]"};
  for (size_t i = 0; i < sizeof(raw) / sizeof(*raw); i++) {
    assert_int_equal(parse(raw[i], &err), NB_EINVAL);
    assert_string_equal(err.code, "bad_json");
    json_t *m = json_string(err.message);
    if (!m)
      fail_msg("message is not UTF-8: %s", err.message);
    json_decref(m);
  }
}

static void test_trailing(void **state) {
  (void)state;
  nb_json_error_t err;
  assert_int_equal(parse("{\"a\":1} \r\n\t ", &err), 0);
  assert_int_equal(parse("{\"a\":1} x", &err), NB_EINVAL);
  assert_string_equal(err.code, "bad_json");
  assert_int_equal(parse("{\"a\":1}{\"b\":2}", &err), NB_EINVAL);
  assert_int_equal(parse("[1] [2]", &err), NB_EINVAL);
  /* An embedded NUL byte is garbage too. */
  json_t *v = NULL;
  assert_int_equal(nb__json_parse("[1]\0", 4, &lim, &v, &err), NB_EINVAL);
  assert_null(v);
}

static void test_duplicate_keys(void **state) {
  (void)state;
  nb_json_error_t err;
  assert_int_equal(parse("{\"a\":1,\"a\":2}", &err), NB_EINVAL);
  assert_string_equal(err.code, "bad_json");
  assert_non_null(strstr(err.message, "duplicate"));
  assert_int_equal(parse("{\"o\":{\"b\":1,\"b\":1}}", &err), NB_EINVAL);
}

static void test_depth(void **state) {
  (void)state;
  nb_json_error_t err;
  /* max_depth 4: the top level is depth 1. */
  assert_int_equal(parse("[[[[]]]]", &err), 0);
  assert_int_equal(parse("{\"a\":[{\"b\":[1]}]}", &err), 0);
  assert_int_equal(parse("[[[[[]]]]]", &err), NB_EINVAL);
  assert_string_equal(err.code, "too_deep");
  assert_int_equal(parse("{\"a\":[{\"b\":[{}]}]}", &err), NB_EINVAL);
  assert_string_equal(err.code, "too_deep");
  /* Brackets inside strings (with escaped quotes) do not count. */
  assert_int_equal(parse("[\"[[[[[\\\"[[[[{{{{\", [[[\"]]]]]\"]]]]", &err), 0);
  /* Siblings do not add up. */
  assert_int_equal(parse("[[[[]]],[[[]]],[[[]]]]", &err), 0);
}

static void test_very_deep(void **state) {
  (void)state;
  size_t n = 100000;
  char *buf = malloc(n);
  assert_non_null(buf);
  memset(buf, '[', n);
  nb_json_limits_t big = {
      .max_depth = 400, .max_string = 1000, .max_keys = 1000};
  nb_json_error_t err;
  json_t *v = NULL;
  clock_t t0 = clock();
  assert_int_equal(nb__json_parse(buf, n, &big, &v, &err), NB_EINVAL);
  assert_string_equal(err.code, "too_deep");
  assert_null(v);
  /* Also when the brackets follow a long harmless prefix of objects. */
  for (size_t i = 0; i + 1 < n; i += 2)
    memcpy(buf + i, "{\"", 2);
  assert_int_equal(nb__json_parse(buf, n, &big, &v, &err), NB_EINVAL);
  assert_string_equal(err.code, "too_deep");
  assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 1.0);
  free(buf);
}

static void test_string_limit(void **state) {
  (void)state;
  nb_json_error_t err;
  assert_int_equal(parse("{\"a\":\"0123456789abcdef\"}", &err), 0); /* 16 */
  assert_int_equal(parse("{\"items\":[{\"name\":\"ok\"},{},{},{\"name\":"
                         "\"0123456789abcdefg\"}]}",
                         &err),
                   NB_EINVAL);
  assert_string_equal(err.code, "string_too_long");
  assert_string_equal(err.field, "items[3].name");
  assert_non_null(strstr(err.message, "16"));
  /* Bytes, not characters: 8 x "ü" is 16 bytes, 9 is too many. */
  assert_int_equal(parse("[\"\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc"
                         "\xc3\xbc\xc3\xbc\"]",
                         &err),
                   0);
  assert_int_equal(parse("[\"\\u00fc\\u00fc\\u00fc\\u00fc\\u00fc\\u00fc\\u00fc"
                         "\\u00fc\\u00fc\"]",
                         &err),
                   NB_EINVAL);
  assert_string_equal(err.field, "[0]");
  /* Keys count too. */
  assert_int_equal(parse("{\"o\":{\"0123456789abcdefg\":1}}", &err), NB_EINVAL);
  assert_string_equal(err.code, "string_too_long");
  assert_string_equal(err.field, "o.0123456789abcdefg");
  /* A top-level string has an empty path. */
  assert_int_equal(parse("\"0123456789abcdefg\"", &err), NB_EINVAL);
  assert_string_equal(err.field, "");
}

static void test_long_path_truncated(void **state) {
  (void)state;
  /* A path longer than err.field is cut on a UTF-8 boundary. */
  nb_json_limits_t l = {.max_depth = 10, .max_string = 100, .max_keys = 10};
  char key[101];
  for (int i = 0; i < 50; i++)
    memcpy(key + 2 * i, "\xc3\xa4", 2); /* "ä" x 50 = 100 bytes */
  key[100] = '\0';
  char body[1024];
  snprintf(body, sizeof(body), "{\"a\":{\"%s\":{\"%s\":\"%s\"}}}", key, key,
           "this string is longer than one hundred bytes for certain, "
           "it keeps going and going and going on and on and on and on");
  json_t *v = NULL;
  nb_json_error_t err;
  assert_int_equal(nb__json_parse(body, strlen(body), &l, &v, &err), NB_EINVAL);
  assert_string_equal(err.code, "string_too_long");
  size_t n = strlen(err.field);
  assert_true(n > 100 && n < sizeof(err.field));
  assert_memory_equal(err.field, "a.\xc3\xa4", 4);
  /* The cut leaves valid UTF-8: jansson accepts it as a string. */
  json_t *s = json_string(err.field);
  assert_non_null(s);
  json_decref(s);
}

static void test_key_count(void **state) {
  (void)state;
  nb_json_error_t err;
  assert_int_equal(parse("{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5}", &err), 0);
  assert_int_equal(
      parse("{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6}", &err),
      NB_EINVAL);
  assert_string_equal(err.code, "too_many_members");
  assert_string_equal(err.field, "");
  assert_int_equal(parse("{\"list\":[1,2,3,4,5,6]}", &err), NB_EINVAL);
  assert_string_equal(err.code, "too_many_members");
  assert_string_equal(err.field, "list");
  assert_int_equal(parse("[[1,2,3,4,5],[1,2,3,4,5,6]]", &err), NB_EINVAL);
  assert_string_equal(err.field, "[1]");
}

/* ---- schema checks ---- */

static const nb_param_t schema[] = {
    {"title", NB_T_STRING, 1, 1, 200}, {"note", NB_T_STRING, 0, 0, 0},
    {"count", NB_T_INT, 0, 1, 10},     {"any_int", NB_T_INT, 0, 0, 0},
    {"ratio", NB_T_NUMBER, 0, -1, 1},  {"done", NB_T_BOOL, 0, 0, 0},
    {"meta", NB_T_OBJECT, 0, 0, 0},    {"tags", NB_T_ARRAY, 0, 0, 3},
    {"more", NB_T_ARRAY, 0, 1, 0},     {NULL, 0, 0, 0, 0},
};

static int check(const char *s, nb_json_error_t *err) {
  json_error_t jerr;
  json_t *v = json_loads(s, JSON_DECODE_ANY, &jerr);
  if (!v)
    fail_msg("test JSON does not parse: %s: %s", s, jerr.text);
  int rc = nb__json_check(v, schema, &lim, err);
  json_decref(v);
  return rc;
}

static void expect(const char *s, const char *code, const char *field,
                   const char *msg_part) {
  nb_json_error_t err;
  if (check(s, &err) != NB_EINVAL)
    fail_msg("accepted: %s", s);
  assert_string_equal(err.code, code);
  assert_string_equal(err.field, field);
  if (msg_part && !strstr(err.message, msg_part))
    fail_msg("message \"%s\" lacks \"%s\"", err.message, msg_part);
}

static void test_check_ok(void **state) {
  (void)state;
  nb_json_error_t err;
  assert_int_equal(check("{\"title\":\"x\"}", &err), 0);
  assert_int_equal(
      check("{\"title\":\"x\",\"note\":\"0123456789abcdef\",\"count\":10,"
            "\"any_int\":-99999999999,\"ratio\":0.5,\"done\":false,"
            "\"meta\":{\"k\":[]},\"tags\":[1,2,3],\"more\":[1,2,3,4,5]}",
            &err),
      0);
  /* Optional keys may be null. */
  assert_int_equal(check("{\"title\":\"x\",\"note\":null,\"count\":null,"
                         "\"done\":null,\"tags\":null}",
                         &err),
                   0);
  /* NUMBER accepts integers. */
  assert_int_equal(check("{\"title\":\"x\",\"ratio\":-1}", &err), 0);
}

static void test_check_errors(void **state) {
  (void)state;
  expect("[]", "invalid", "", "object");
  expect("\"s\"", "invalid", "", "object");
  expect("{\"title\":\"x\",\"bogus\":1}", "unknown_field", "bogus", "bogus");
  expect("{}", "required", "title", "title is required");
  expect("{\"title\":null}", "required", "title", NULL);
  expect("{\"title\":\"\"}", "invalid", "title",
         "title must be 1 to 200 characters");
  expect("{\"title\":5}", "invalid", "title", "must be a string");
  expect("{\"title\":\"x\",\"note\":\"0123456789abcdefg\"}", "invalid", "note",
         "at most 16");
  expect("{\"title\":\"x\",\"count\":\"3\"}", "invalid", "count",
         "whole number");
  expect("{\"title\":\"x\",\"count\":1.5}", "invalid", "count", "whole number");
  expect("{\"title\":\"x\",\"count\":0}", "invalid", "count", "1 to 10");
  expect("{\"title\":\"x\",\"count\":11}", "invalid", "count", "1 to 10");
  expect("{\"title\":\"x\",\"ratio\":1.01}", "invalid", "ratio", "-1 to 1");
  expect("{\"title\":\"x\",\"ratio\":true}", "invalid", "ratio", "a number");
  expect("{\"title\":\"x\",\"done\":0}", "invalid", "done", "true or false");
  expect("{\"title\":\"x\",\"meta\":[]}", "invalid", "meta", "an object");
  expect("{\"title\":\"x\",\"tags\":{}}", "invalid", "tags", "a list");
  expect("{\"title\":\"x\",\"tags\":[1,2,3,4]}", "invalid", "tags",
         "at most 3 entries");
  expect("{\"title\":\"x\",\"more\":[]}", "invalid", "more", "1 to 5 entries");
  expect("{\"title\":\"x\",\"more\":[1,2,3,4,5,6]}", "invalid", "more",
         "1 to 5");

  nb_json_error_t err;
  assert_int_equal(nb__json_check(NULL, schema, &lim, &err), NB_EINVAL);
  assert_string_equal(err.code, "invalid");
  /* A string that bypassed jansson's UTF-8 check is still refused. */
  json_t *o = json_object();
  json_object_set_new(o, "title", json_stringn_nocheck("\xff\xfe", 2));
  assert_int_equal(nb__json_check(o, schema, &lim, &err), NB_EINVAL);
  assert_string_equal(err.field, "title");
  assert_non_null(strstr(err.message, "UTF-8"));
  json_decref(o);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_valid),
      cmocka_unit_test(test_bad_json),
      cmocka_unit_test(test_trailing),
      cmocka_unit_test(test_duplicate_keys),
      cmocka_unit_test(test_depth),
      cmocka_unit_test(test_very_deep),
      cmocka_unit_test(test_string_limit),
      cmocka_unit_test(test_long_path_truncated),
      cmocka_unit_test(test_key_count),
      cmocka_unit_test(test_check_ok),
      cmocka_unit_test(test_check_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
