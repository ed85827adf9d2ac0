/*
 * idcount unit tests: counts per id survive the table growing (also when
 * most ids have dropped back to 0), never go negative, and ids that
 * collide in the table are counted apart.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "idcount.h"

static void add_get(void **state) {
  (void)state;
  nb_idcount_t *m = nb__idcount_create();
  assert_non_null(m);
  assert_int_equal(nb__idcount_get(m, 7), 0);
  assert_int_equal(nb__idcount_add(m, 7, 1), 1);
  assert_int_equal(nb__idcount_add(m, 7, 1), 2);
  assert_int_equal(nb__idcount_add(m, 8, 1), 1);
  assert_int_equal(nb__idcount_add(m, 7, -1), 1);
  assert_int_equal(nb__idcount_get(m, 7), 1);
  assert_int_equal(nb__idcount_get(m, 8), 1);
  assert_int_equal(nb__idcount_add(m, 8, -5), 0); /* never below 0 */
  assert_int_equal(nb__idcount_add(m, 9, -1), 0); /* nothing to take */
  assert_int_equal(nb__idcount_get(m, 9), 0);
  assert_int_equal(nb__idcount_add(m, 0, 1), 0); /* not an id */
  assert_int_equal(nb__idcount_get(m, 0), 0);
  nb__idcount_destroy(m);
  nb__idcount_destroy(NULL);
}

static void growth_keeps_counts(void **state) {
  (void)state;
  nb_idcount_t *m = nb__idcount_create();
  /* 5,000 people connect (id i twice when i is even); then the odd ones
   * leave, and 5,000 others come and go: the table grows several times,
   * rehashing only what is still counted. */
  for (int64_t i = 1; i <= 5000; i++)
    assert_int_equal(nb__idcount_add(m, i, i % 2 ? 1 : 2), i % 2 ? 1 : 2);
  for (int64_t i = 1; i <= 5000; i += 2)
    assert_int_equal(nb__idcount_add(m, i, -1), 0);
  for (int64_t i = 100001; i <= 105000; i++) {
    assert_int_equal(nb__idcount_add(m, i, 1), 1);
    assert_int_equal(nb__idcount_add(m, i, -1), 0);
  }
  for (int64_t i = 1; i <= 5000; i++)
    assert_int_equal(nb__idcount_get(m, i), i % 2 ? 0 : 2);
  /* Ids far apart that share their low bits. */
  for (int64_t i = 1; i <= 2000; i++)
    assert_int_equal(nb__idcount_add(m, i << 47 >> 4, 1), 1);
  for (int64_t i = 1; i <= 2000; i++)
    assert_int_equal(nb__idcount_get(m, i << 47 >> 4), 1);
  assert_int_equal(nb__idcount_add(m, (int64_t)1 << 40, 3), 3);
  assert_int_equal(nb__idcount_add(m, ((int64_t)1 << 40) + 64, 4), 4);
  assert_int_equal(nb__idcount_get(m, (int64_t)1 << 40), 3);
  assert_int_equal(nb__idcount_get(m, ((int64_t)1 << 40) + 64), 4);
  nb__idcount_destroy(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(add_get),
      cmocka_unit_test(growth_keeps_counts),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
