/*
 * Memo unit tests: a value comes back only at the version it was stored
 * at and before its deadline; a new value in the same slot replaces the
 * old; keys are compared whole.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "memo.h"
#include "nachbar/plugin.h"

static void version_and_deadline(void **state) {
  (void)state;
  nb_memo_t *m = nb__memo_create(16);
  assert_non_null(m);
  size_t len = 0;
  assert_null(nb__memo_get(m, "a", 1, 0, &len));
  assert_int_equal(nb__memo_put(m, "a", 7, 100, "hello", 5), 0);
  const char *v = nb__memo_get(m, "a", 7, 99, &len);
  assert_non_null(v);
  assert_int_equal(len, 5);
  assert_memory_equal(v, "hello", 5);
  assert_null(nb__memo_get(m, "a", 8, 99, &len));   /* database changed */
  assert_null(nb__memo_get(m, "a", 7, 100, &len));  /* deadline reached */
  assert_null(nb__memo_get(m, "b", 7, 0, &len));    /* another key */
  assert_int_equal(nb__memo_hits(m), 1);
  assert_int_equal(nb__memo_misses(m), 4);
  /* The copy is the memo's own. */
  char buf[4] = "xyz";
  assert_int_equal(nb__memo_put(m, "c", 1, 10, buf, 4), 0);
  buf[0] = 'q';
  assert_string_equal(nb__memo_get(m, "c", 1, 0, NULL), "xyz");
  nb__memo_destroy(m);
  nb__memo_destroy(NULL);
}

static void one_slot_replaces(void **state) {
  (void)state;
  nb_memo_t *m = nb__memo_create(1);
  assert_int_equal(nb__memo_put(m, "first", 1, 10, "1", 2), 0);
  assert_int_equal(nb__memo_put(m, "second", 1, 10, "2", 2), 0);
  assert_null(nb__memo_get(m, "first", 1, 0, NULL));
  assert_string_equal(nb__memo_get(m, "second", 1, 0, NULL), "2");
  /* A key is compared whole, not by its hash or prefix. */
  assert_null(nb__memo_get(m, "secon", 1, 0, NULL));
  /* Zero-length values and the key length limit. */
  assert_int_equal(nb__memo_put(m, "empty", 1, 10, "", 0), 0);
  size_t len = 9;
  assert_non_null(nb__memo_get(m, "empty", 1, 0, &len));
  assert_int_equal(len, 0);
  char key[200];
  memset(key, 'k', sizeof(key) - 1);
  key[sizeof(key) - 1] = '\0';
  assert_int_equal(nb__memo_put(m, key, 1, 10, "x", 1), NB_EINVAL);
  nb__memo_destroy(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(version_and_deadline),
      cmocka_unit_test(one_slot_replaces),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
