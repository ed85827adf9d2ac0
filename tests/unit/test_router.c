/*
 * Router unit tests: matching, specificity, 404/405, decoding, validation,
 * removal by owner.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "router.h"

static int h1(nb_req_t *req, void *ud) {
  (void)req;
  (void)ud;
  return 0;
}

static int h2(nb_req_t *req, void *ud) {
  (void)req;
  (void)ud;
  return 1;
}

static int setup(void **state) {
  nb_router_t *r = NULL;
  if (nb__router_create(&r))
    return -1;
  *state = r;
  return 0;
}

static int teardown(void **state) {
  nb__router_destroy(*state);
  return 0;
}

static int add(nb_router_t *r, const char *method, const char *pattern) {
  return nb__router_add(r, method, pattern, NB_PERM_PUBLIC, h1, NULL, NULL);
}

/* Match and return the matched pattern, or NULL (rc in *rc). */
static const char *match(nb_router_t *r, const char *method, const char *path,
                         nb_match_t *m, int *rc) {
  char allow[96];
  *rc = nb__router_match(r, method, path, m, allow, sizeof(allow));
  return *rc == 0 ? m->route->pattern : NULL;
}

static void test_literal_and_params(void **state) {
  nb_router_t *r = *state;
  nb_match_t m;
  int rc;
  assert_int_equal(add(r, "GET", "/"), 0);
  assert_int_equal(add(r, "GET", "/healthz"), 0);
  assert_int_equal(add(r, "GET", "/api/v1/n/:hood/problems/:id"), 0);

  assert_string_equal(match(r, "GET", "/", &m, &rc), "/");
  assert_int_equal(m.nparams, 0);
  nb__match_close(&m);

  assert_string_equal(match(r, "GET", "/healthz", &m, &rc), "/healthz");
  nb__match_close(&m);

  assert_string_equal(
      match(r, "GET", "/api/v1/n/lindenhof/problems/42", &m, &rc),
      "/api/v1/n/:hood/problems/:id");
  assert_int_equal(m.nparams, 2);
  assert_string_equal(nb__match_param(&m, "hood"), "lindenhof");
  assert_string_equal(nb__match_param(&m, "id"), "42");
  assert_null(nb__match_param(&m, "nope"));
  assert_ptr_equal(m.route->fn, h1);
  nb__match_close(&m);
  assert_int_equal(m.nparams, 0);
  nb__match_close(&m); /* twice is harmless */
}

static void test_literal_beats_param(void **state) {
  nb_router_t *r = *state;
  nb_match_t m;
  int rc;
  /* Registered in the "wrong" order on purpose. */
  assert_int_equal(add(r, "GET", "/x/:id"), 0);
  assert_int_equal(add(r, "GET", "/x/new"), 0);
  assert_int_equal(add(r, "GET", "/:a/:b/c"), 0);
  assert_int_equal(add(r, "GET", "/:a/b/:c"), 0);
  assert_int_equal(add(r, "GET", "/a/:b/:c"), 0);

  assert_string_equal(match(r, "GET", "/x/new", &m, &rc), "/x/new");
  nb__match_close(&m);
  assert_string_equal(match(r, "GET", "/x/7", &m, &rc), "/x/:id");
  assert_string_equal(nb__match_param(&m, "id"), "7");
  nb__match_close(&m);
  /* The first differing segment decides. */
  assert_string_equal(match(r, "GET", "/a/b/c", &m, &rc), "/a/:b/:c");
  nb__match_close(&m);
  assert_string_equal(match(r, "GET", "/z/b/c", &m, &rc), "/:a/b/:c");
  nb__match_close(&m);
  assert_string_equal(match(r, "GET", "/z/y/c", &m, &rc), "/:a/:b/c");
  nb__match_close(&m);
}

static void test_not_found(void **state) {
  nb_router_t *r = *state;
  nb_match_t m;
  int rc;
  assert_int_equal(add(r, "GET", "/a/:id"), 0);
  assert_null(match(r, "GET", "/b/1", &m, &rc));
  assert_int_equal(rc, NB_ENOENT);
  assert_null(match(r, "GET", "/a", &m, &rc));
  assert_int_equal(rc, NB_ENOENT);
  assert_null(match(r, "GET", "/a/1/2", &m, &rc));
  assert_int_equal(rc, NB_ENOENT);
  assert_null(match(r, "GET", "/a//", &m, &rc));
  assert_int_equal(rc, NB_ENOENT);
  assert_null(match(r, "GET", "/", &m, &rc));
  assert_int_equal(rc, NB_ENOENT);
  assert_null(m.route);
  nb__match_close(&m);
  /* Far more segments than any route may have. */
  assert_null(
      match(r, "GET", "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t", &m, &rc));
  assert_int_equal(rc, NB_ENOENT);
  assert_null(match(r, "GET", "relative", &m, &rc));
  assert_int_equal(rc, NB_EINVAL);
}

static void test_method_not_allowed(void **state) {
  nb_router_t *r = *state;
  nb_match_t m;
  char allow[96];
  assert_int_equal(add(r, "DELETE", "/p/:id"), 0);
  assert_int_equal(add(r, "POST", "/p/:id"), 0);
  assert_int_equal(add(r, "GET", "/p/:id"), 0);
  assert_int_equal(add(r, "PUT", "/p/special"), 0);

  assert_int_equal(
      nb__router_match(r, "PATCH", "/p/1", &m, allow, sizeof(allow)),
      NB__EMETHOD);
  assert_string_equal(allow, "GET, HEAD, POST, DELETE");
  assert_null(m.route);
  nb__match_close(&m);

  /* Literal /p/special exists for PUT, but GET still reaches /p/:id. */
  assert_int_equal(
      nb__router_match(r, "GET", "/p/special", &m, allow, sizeof(allow)), 0);
  assert_string_equal(m.route->pattern, "/p/:id");
  nb__match_close(&m);
  assert_int_equal(
      nb__router_match(r, "OPTIONS", "/p/special", &m, allow, sizeof(allow)),
      NB__EMETHOD);
  assert_string_equal(allow, "GET, HEAD, POST, PUT, DELETE");

  /* A small buffer keeps whole names only. */
  char tiny[12];
  assert_int_equal(nb__router_match(r, "PATCH", "/p/1", &m, tiny, sizeof(tiny)),
                   NB__EMETHOD);
  assert_string_equal(tiny, "GET, HEAD");
  /* Unknown methods are told what exists too. */
  assert_int_equal(
      nb__router_match(r, "BREW", "/p/1", &m, allow, sizeof(allow)),
      NB__EMETHOD);
}

static void test_head_matches_get(void **state) {
  nb_router_t *r = *state;
  nb_match_t m;
  int rc;
  assert_int_equal(add(r, "GET", "/g/:id"), 0);
  assert_string_equal(match(r, "HEAD", "/g/5", &m, &rc), "/g/:id");
  assert_string_equal(m.route->method, "GET");
  nb__match_close(&m);
  /* An explicit HEAD route wins over GET at equal specificity. */
  assert_int_equal(
      nb__router_add(r, "HEAD", "/g/:x", NB_PERM_PUBLIC, h2, NULL, NULL), 0);
  assert_string_equal(match(r, "HEAD", "/g/5", &m, &rc), "/g/:x");
  assert_string_equal(m.route->method, "HEAD");
  nb__match_close(&m);
  assert_string_equal(match(r, "GET", "/g/5", &m, &rc), "/g/:id");
  nb__match_close(&m);
  /* POST is not matched by HEAD or GET routes. */
  assert_null(match(r, "POST", "/g/5", &m, &rc));
  assert_int_equal(rc, NB__EMETHOD);
}

static void test_percent_decoding(void **state) {
  nb_router_t *r = *state;
  nb_match_t m;
  int rc;
  assert_int_equal(add(r, "GET", "/f/:name"), 0);
  assert_int_equal(add(r, "GET", "/caf\xc3\xa9"), 0);

  assert_non_null(match(r, "GET", "/f/hello%20world", &m, &rc));
  assert_string_equal(nb__match_param(&m, "name"), "hello world");
  nb__match_close(&m);
  /* An encoded slash is a value, not a separator. */
  assert_non_null(match(r, "GET", "/f/a%2Fb", &m, &rc));
  assert_string_equal(nb__match_param(&m, "name"), "a/b");
  nb__match_close(&m);
  assert_non_null(match(r, "GET", "/f/%c3%bc+x", &m, &rc));
  assert_string_equal(nb__match_param(&m, "name"), "\xc3\xbc+x");
  nb__match_close(&m);
  /* Literals compare to the decoded segment. */
  assert_string_equal(match(r, "GET", "/caf%C3%A9", &m, &rc), "/caf\xc3\xa9");
  nb__match_close(&m);

  const char *bad[] = {"/f/%",   "/f/%2",  "/f/%zz", "/f/%00",
                       "/f/a%0", "/x%4/f", "/%G0"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
    assert_null(match(r, "GET", bad[i], &m, &rc));
    assert_int_equal(rc, NB_EINVAL);
    assert_null(m.route);
  }
}

static void test_trailing_slash(void **state) {
  nb_router_t *r = *state;
  nb_match_t m;
  int rc;
  assert_int_equal(add(r, "GET", "/a"), 0);
  assert_int_equal(add(r, "GET", "/b/:id"), 0);
  assert_non_null(match(r, "GET", "/a", &m, &rc));
  nb__match_close(&m);
  assert_null(match(r, "GET", "/a/", &m, &rc));
  assert_int_equal(rc, NB_ENOENT);
  assert_null(match(r, "GET", "/b/1/", &m, &rc));
  assert_int_equal(rc, NB_ENOENT);
  assert_null(match(r, "GET", "/b/", &m, &rc));
  assert_int_equal(rc, NB_ENOENT);
  assert_int_equal(add(r, "GET", "/a/"), NB_EINVAL);
}

static void test_duplicates(void **state) {
  nb_router_t *r = *state;
  assert_int_equal(add(r, "GET", "/d/:id"), 0);
  assert_int_equal(add(r, "GET", "/d/:id"), NB_EEXIST);
  assert_int_equal(add(r, "GET", "/d/:other"), NB_EEXIST);
  assert_int_equal(
      nb__router_add(r, "GET", "/d/:x", NB_PERM_PUBLIC, h2, NULL, (void *)1),
      NB_EEXIST);
  assert_int_equal(add(r, "POST", "/d/:id"), 0);
  assert_int_equal(add(r, "GET", "/d/new"), 0);
  assert_int_equal(add(r, "GET", "/d/:id/x"), 0);
  assert_int_equal(add(r, "GET", "/"), 0);
  assert_int_equal(add(r, "GET", "/"), NB_EEXIST);
}

static void test_malformed_patterns(void **state) {
  nb_router_t *r = *state;
  const char *bad[] = {"",
                       "a",
                       "a/b",
                       "//",
                       "/a//b",
                       "/a/",
                       "/:",
                       "/:Id",
                       "/:1x",
                       "/:a-b",
                       "/:a/:a",
                       "/a b",
                       "/a%20b",
                       "/a?b",
                       "/a#b",
                       "/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17",
                       "/:a/:b/:c/:d/:e/:f/:g/:h/:i"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
    if (add(r, "GET", bad[i]) != NB_EINVAL)
      fail_msg("pattern \"%s\" was accepted", bad[i]);
  }
  assert_int_equal(add(r, "get", "/ok"), NB_EINVAL);
  assert_int_equal(add(r, "BREW", "/ok"), NB_EINVAL);
  assert_int_equal(add(r, NULL, "/ok"), NB_EINVAL);
  assert_int_equal(add(r, "GET", NULL), NB_EINVAL);
  assert_int_equal(nb__router_add(r, "GET", "/ok", 0, NULL, NULL, NULL),
                   NB_EINVAL);
  /* The limits themselves are fine. */
  assert_int_equal(add(r, "GET", "/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16"), 0);
  assert_int_equal(add(r, "GET", "/:a/:b/:c/:d/:e/:f/:g/:h"), 0);
  assert_int_equal(add(r, "GET", "/:_x9/v1.0/~me"), 0);
  int n = 0;
  nb_match_t m;
  int rc;
  assert_non_null(
      match(r, "GET", "/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16", &m, &rc));
  nb__match_close(&m);
  assert_non_null(match(r, "GET", "/1/2/3/4/5/6/7/8", &m, &rc));
  n = m.nparams;
  assert_string_equal(nb__match_param(&m, "h"), "8");
  nb__match_close(&m);
  assert_int_equal(n, 8);
}

static void count_cb(const nb_route_t *route, void *ud) {
  (void)route;
  (*(int *)ud)++;
}

static void test_remove_owner(void **state) {
  nb_router_t *r = *state;
  int plugin_a, plugin_b;
  nb_match_t m;
  int rc;
  assert_int_equal(add(r, "GET", "/core"), 0);
  assert_int_equal(nb__router_add(r, "GET", "/a/1", 0, h1, NULL, &plugin_a), 0);
  assert_int_equal(nb__router_add(r, "POST", "/a/1", 0, h1, NULL, &plugin_a),
                   0);
  assert_int_equal(nb__router_add(r, "GET", "/b/1", 0, h1, NULL, &plugin_b), 0);
  int count = 0;
  nb__router_each(r, count_cb, &count);
  assert_int_equal(count, 4);

  assert_int_equal(nb__router_remove_owner(r, &plugin_a), 2);
  assert_int_equal(nb__router_remove_owner(r, &plugin_a), 0);
  assert_null(match(r, "GET", "/a/1", &m, &rc));
  assert_int_equal(rc, NB_ENOENT);
  assert_non_null(match(r, "GET", "/b/1", &m, &rc));
  assert_ptr_equal(m.route->owner, &plugin_b);
  nb__match_close(&m);
  assert_non_null(match(r, "GET", "/core", &m, &rc));
  nb__match_close(&m);
  /* The pattern is free again. */
  assert_int_equal(nb__router_add(r, "GET", "/a/1", 0, h1, NULL, &plugin_b), 0);
  count = 0;
  nb__router_each(r, count_cb, &count);
  assert_int_equal(count, 3);
}

static void test_many_routes(void **state) {
  nb_router_t *r = *state;
  char pat[64], path[64];
  for (int i = 0; i < 500; i++) {
    snprintf(pat, sizeof(pat), "/r%d/:id", i);
    assert_int_equal(add(r, i % 2 ? "POST" : "GET", pat), 0);
    snprintf(pat, sizeof(pat), "/r%d/list", i);
    assert_int_equal(add(r, "GET", pat), 0);
  }
  for (int i = 0; i < 500; i++) {
    nb_match_t m;
    int rc;
    snprintf(path, sizeof(path), "/r%d/x%d", i, i);
    snprintf(pat, sizeof(pat), "/r%d/:id", i);
    assert_string_equal(match(r, i % 2 ? "POST" : "GET", path, &m, &rc), pat);
    snprintf(pat, sizeof(pat), "x%d", i);
    assert_string_equal(nb__match_param(&m, "id"), pat);
    nb__match_close(&m);
    snprintf(path, sizeof(path), "/r%d/list", i);
    snprintf(pat, sizeof(pat), "/r%d/list", i);
    assert_string_equal(match(r, "GET", path, &m, &rc), pat);
    nb__match_close(&m);
  }
  int count = 0;
  nb__router_each(r, count_cb, &count);
  assert_int_equal(count, 1000);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_literal_and_params, setup, teardown),
      cmocka_unit_test_setup_teardown(test_literal_beats_param, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_not_found, setup, teardown),
      cmocka_unit_test_setup_teardown(test_method_not_allowed, setup, teardown),
      cmocka_unit_test_setup_teardown(test_head_matches_get, setup, teardown),
      cmocka_unit_test_setup_teardown(test_percent_decoding, setup, teardown),
      cmocka_unit_test_setup_teardown(test_trailing_slash, setup, teardown),
      cmocka_unit_test_setup_teardown(test_duplicates, setup, teardown),
      cmocka_unit_test_setup_teardown(test_malformed_patterns, setup, teardown),
      cmocka_unit_test_setup_teardown(test_remove_owner, setup, teardown),
      cmocka_unit_test_setup_teardown(test_many_routes, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
