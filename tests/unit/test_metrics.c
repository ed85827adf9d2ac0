/*
 * Metrics unit tests: the rendered Prometheus text has the series a scrape
 * expects, cumulative buckets and escaped labels.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "metrics.h"

static int setup(void **state) {
  (void)state;
  nb__metrics_init();
  return 0;
}

static int teardown(void **state) {
  (void)state;
  nb__metrics_close();
  return 0;
}

static char *render(void) {
  size_t len = 0;
  char *s = nb__metrics_render(&len);
  assert_non_null(s);
  assert_int_equal(strlen(s), len);
  assert_true(len > 0 && s[len - 1] == '\n');
  return s;
}

/* Assert that `text` contains the whole line `line`. */
static void has_line(const char *text, const char *line) {
  size_t n = strlen(line);
  for (const char *p = text; (p = strstr(p, line)); p++)
    if ((p == text || p[-1] == '\n') && p[n] == '\n')
      return;
  fail_msg("missing line: %s\n--- in ---\n%s", line, text);
}

static void lacks(const char *text, const char *part) {
  if (strstr(text, part))
    fail_msg("unexpected: %s\n--- in ---\n%s", part, text);
}

static void test_requests_and_histogram(void **state) {
  (void)state;
  nb__metrics_request("GET", "/api/v1/n/:hood", 200, 0.0005);
  nb__metrics_request("GET", "/api/v1/n/:hood", 200, 0.003);
  nb__metrics_request("GET", "/api/v1/n/:hood", 200, 0.01); /* le is <= */
  nb__metrics_request("POST", "/api/v1/n/:hood", 201, 0.3);
  nb__metrics_request("GET", "/api/v1/n/:hood", 404, 42.0);
  nb__metrics_request("GET", "static", 200, 0.002);
  char *t = render();
  has_line(t, "# TYPE nachbar_http_requests_total counter");
  has_line(t, "nachbar_http_requests_total{method=\"GET\","
              "route=\"/api/v1/n/:hood\",status=\"200\"} 3");
  has_line(t, "nachbar_http_requests_total{method=\"POST\","
              "route=\"/api/v1/n/:hood\",status=\"201\"} 1");
  has_line(t, "nachbar_http_requests_total{method=\"GET\","
              "route=\"/api/v1/n/:hood\",status=\"404\"} 1");
  has_line(t, "nachbar_http_requests_total{method=\"GET\","
              "route=\"static\",status=\"200\"} 1");

  has_line(t, "# TYPE nachbar_http_request_duration_seconds histogram");
#define B(le, n)                                                               \
  has_line(t, "nachbar_http_request_duration_seconds_bucket{route=\""          \
              "/api/v1/n/:hood\",le=\"" le "\"} " #n)
  B("0.001", 1);
  B("0.0025", 1);
  B("0.005", 2);
  B("0.01", 3);
  B("0.025", 3);
  B("0.25", 3);
  B("0.5", 4);
  B("5", 4);
  B("10", 4);
  B("+Inf", 5);
#undef B
  has_line(t, "nachbar_http_request_duration_seconds_count{route=\""
              "/api/v1/n/:hood\"} 5");
  const char *sum = "\nnachbar_http_request_duration_seconds_sum{route=\""
                    "/api/v1/n/:hood\"} ";
  const char *p = strstr(t, sum);
  assert_non_null(p);
  double v = strtod(p + strlen(sum), NULL);
  assert_true(v > 42.3134 && v < 42.3136);
  has_line(t, "nachbar_http_request_duration_seconds_bucket{route=\"static\","
              "le=\"0.0025\"} 1");
  has_line(t, "nachbar_http_request_duration_seconds_count{route=\"static\"} "
              "1");
  /* Every family is typed exactly once. */
  p = strstr(t, "# TYPE nachbar_http_requests_total");
  assert_null(strstr(p + 1, "# TYPE nachbar_http_requests_total"));
  free(t);
}

static void test_label_escaping(void **state) {
  (void)state;
  nb__metrics_request("GE\"T", "/a\\b\nc", 500, 0.1);
  char *t = render();
  has_line(t, "nachbar_http_requests_total{method=\"GE\\\"T\","
              "route=\"/a\\\\b\\nc\",status=\"500\"} 1");
  has_line(t, "nachbar_http_request_duration_seconds_count{route="
              "\"/a\\\\b\\nc\"} 1");
  free(t);
}

static void test_connections_and_plugins(void **state) {
  (void)state;
  nb__metrics_conn("http", 1);
  nb__metrics_conn("http", 1);
  nb__metrics_conn("ws", 1);
  nb__metrics_conn("http", -1);
  nb__metrics_conn("ws", -1);
  nb__metrics_plugins(3);
  char *t = render();
  has_line(t, "# TYPE nachbar_connections gauge");
  has_line(t, "nachbar_connections{kind=\"http\"} 1");
  has_line(t, "nachbar_connections{kind=\"ws\"} 0");
  has_line(t, "# TYPE nachbar_plugins_loaded gauge");
  has_line(t, "nachbar_plugins_loaded 3");
  free(t);
}

static void test_named(void **state) {
  (void)state;
  nb__metrics_count("nachbar_ws_messages_total", "WebSocket messages", 1);
  nb__metrics_count("nachbar_ws_messages_total", "ignored later", 2);
  nb__metrics_count("nachbar_ws_messages_total", NULL, -5); /* ignored */
  nb__metrics_gauge("nachbar_http_inflight_requests", "In flight\\now\n", 7);
  nb__metrics_gauge("nachbar_http_inflight_requests", NULL, 2.5);
  nb__metrics_count("bad name", "x", 1);
  nb__metrics_count("9starts_with_digit", "x", 1);
  nb__metrics_count("", "x", 1);
  nb__metrics_count(NULL, "x", 1);
  nb__metrics_gauge("nachbar_plugins_loaded", "clash", 99);
  /* Used as a counter already: a gauge of that name is ignored. */
  nb__metrics_gauge("nachbar_ws_messages_total", "x", 100);
  nb__metrics_count("ns:sub_total", NULL, 0.25);
  char *t = render();
  has_line(t, "# HELP nachbar_ws_messages_total WebSocket messages");
  has_line(t, "# TYPE nachbar_ws_messages_total counter");
  has_line(t, "nachbar_ws_messages_total 3");
  has_line(t, "# HELP nachbar_http_inflight_requests In flight\\\\now\\n");
  has_line(t, "# TYPE nachbar_http_inflight_requests gauge");
  has_line(t, "nachbar_http_inflight_requests 2.5");
  has_line(t, "# TYPE ns:sub_total counter");
  has_line(t, "ns:sub_total 0.25");
  has_line(t, "nachbar_plugins_loaded 0");
  lacks(t, "bad name");
  lacks(t, "starts_with_digit");
  lacks(t, "clash");
  lacks(t, "ignored later");
  free(t);
}

static void test_process(void **state) {
  (void)state;
  char *t = render();
  has_line(t, "# TYPE process_start_time_seconds gauge");
  has_line(t, "# TYPE process_resident_memory_bytes gauge");
  has_line(t, "# TYPE process_cpu_seconds_total counter");
  const char *p = strstr(t, "\nprocess_resident_memory_bytes ");
  assert_non_null(p);
  assert_true(strtod(p + 31, NULL) > 0);
  p = strstr(t, "\nprocess_start_time_seconds ");
  assert_non_null(p);
  assert_true(strtod(p + 28, NULL) > 1.6e9);
  free(t);
}

static void test_reinit_clears(void **state) {
  (void)state;
  nb__metrics_request("GET", "/x", 200, 0.1);
  nb__metrics_count("nachbar_x_total", "x", 1);
  nb__metrics_close();
  nb__metrics_close(); /* twice is harmless */
  nb__metrics_init();
  char *t = render();
  lacks(t, "route=\"/x\"");
  lacks(t, "nachbar_x_total");
  /* Headers are there even without samples. */
  has_line(t, "# TYPE nachbar_http_requests_total counter");
  free(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_requests_and_histogram, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_label_escaping, setup, teardown),
      cmocka_unit_test_setup_teardown(test_connections_and_plugins, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_named, setup, teardown),
      cmocka_unit_test_setup_teardown(test_process, setup, teardown),
      cmocka_unit_test_setup_teardown(test_reinit_clears, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
