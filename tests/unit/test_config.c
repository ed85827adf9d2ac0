/*
 * Unit tests for core/config.c: defaults, the shipped conf/nachbar.conf,
 * and that every mistake a person can make in the file or on the command
 * line is refused with a message naming file, line and key.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "nachbar/plugin.h"
#include "nb_build_config.h"

/* A temporary config file holding `text`; removed by drop(). */
static char tmp_path[64];

static const char *write_conf(const char *text) {
  snprintf(tmp_path, sizeof(tmp_path), "/tmp/nb-test-config-XXXXXX");
  int fd = mkstemp(tmp_path);
  assert_true(fd >= 0);
  size_t len = strlen(text);
  assert_int_equal(write(fd, text, len), (ssize_t)len);
  close(fd);
  return tmp_path;
}

static void drop(void) {
  unlink(tmp_path);
}

/* Load `text` over defaults; returns the code, message in err. */
static int load_text(nb_config_t *c, const char *text, char *err, size_t len) {
  assert_int_equal(nb__config_init(c, 0), 0);
  int rc = nb__config_load(c, write_conf(text), err, len);
  drop();
  return rc;
}

/* err must hold "FILE:LINE:" for the temp file and each of the words. */
static void assert_err(const char *err, int line, const char *word1,
                       const char *word2) {
  char where[96];
  snprintf(where, sizeof(where), "%s:%d: ", tmp_path, line);
  if (strncmp(err, where, strlen(where)) != 0)
    fail_msg("'%s' does not start with '%s'", err, where);
  if (word1 && !strstr(err, word1))
    fail_msg("'%s' does not name '%s'", err, word1);
  if (word2 && !strstr(err, word2))
    fail_msg("'%s' does not name '%s'", err, word2);
}

static void assert_json(const json_t *j, const char *expect) {
  char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
  assert_non_null(s);
  assert_string_equal(s, expect);
  free(s);
}

static void defaults(void **state) {
  (void)state;
  nb_config_t c;
  assert_int_equal(nb__config_init(&c, 0), 0);
  assert_string_equal(c.listen_addr, "127.0.0.1");
  assert_int_equal(c.port, 8080);
  assert_string_equal(c.data_dir, NB_INSTALL_DATA);
  assert_string_equal(c.web_root, NB_INSTALL_WEB);
  assert_string_equal(c.plugin_dir, NB_INSTALL_PLUGINS);
  assert_string_equal(c.plugin_assets, NB_INSTALL_PLUGIN_ASSETS);
  assert_string_equal(c.public_origin, "");
  assert_int_equal(c.log_level, NB_LOG_INFO);
  assert_string_equal(c.synchronous, "NORMAL");
  assert_int_equal(c.ws_ping_seconds, 30);
  assert_int_equal(c.ws_drop_seconds, 70);
  assert_int_equal(c.busy_timeout_ms, 5000);
  assert_json(c.plugins, "[\"problems\"]");
  assert_json(c.plugin_sections, "{}");
  assert_int_equal(c.limits.max_body, 1048576);
  assert_int_equal(c.limits.max_json_depth, 32);
  assert_int_equal(c.limits.max_string, 65536);
  assert_int_equal(c.limits.max_keys, 1000);
  assert_int_equal(c.limits.page_size, 50);
  assert_int_equal(c.limits.max_page_size, 200);
  assert_int_equal(c.limits.ws_max_message, 65536);
  assert_int_equal(c.limits.max_connections, 10000);
  assert_int_equal(c.limits.request_timeout, 30);
  nb__config_close(&c);
  nb__config_close(&c); /* twice is harmless */
}

static void defaults_dev(void **state) {
  (void)state;
  nb_config_t c;
  assert_int_equal(nb__config_init(&c, 1), 0);
  assert_string_equal(c.data_dir, NB_BUILD_DIR "/data");
  assert_string_equal(c.web_root, NB_SOURCE_DIR "/web");
  assert_string_equal(c.plugin_dir, NB_BUILD_DIR "/plugins");
  assert_string_equal(c.plugin_assets, NB_SOURCE_DIR "/plugins");
  assert_int_equal(c.port, 8080);
  /* the demo from the build tree shows the example plugin too */
  assert_json(c.plugins, "[\"problems\",\"hello\"]");
  nb__config_close(&c);
}

/* The shipped file loads and says what the defaults say, with the Debian
 * paths. */
static void shipped_conf(void **state) {
  (void)state;
  nb_config_t c, d;
  char err[512];
  assert_int_equal(nb__config_init(&c, 1), 0);
  assert_int_equal(nb__config_init(&d, 0), 0);
  int rc =
      nb__config_load(&c, NB_SOURCE_DIR "/conf/nachbar.conf", err, sizeof(err));
  if (rc)
    fail_msg("%s", err);
  assert_string_equal(c.data_dir, "/var/lib/nachbar");
  assert_string_equal(c.web_root, "/usr/share/nachbar/web");
  assert_string_equal(c.plugin_dir,
                      "/usr/lib/x86_64-linux-gnu/nachbar/plugins");
  assert_string_equal(c.plugin_assets, "/usr/share/nachbar/plugins");
  assert_string_equal(c.listen_addr, d.listen_addr);
  assert_int_equal(c.port, d.port);
  assert_string_equal(c.public_origin, d.public_origin);
  assert_int_equal(c.log_level, d.log_level);
  assert_string_equal(c.synchronous, d.synchronous);
  assert_int_equal(c.busy_timeout_ms, d.busy_timeout_ms);
  assert_memory_equal(&c.limits, &d.limits, sizeof(c.limits));
  assert_true(json_equal(c.plugins, d.plugins));
  assert_json(c.plugin_sections, "{}");
  nb__config_close(&c);
  nb__config_close(&d);
}

static void unknown_key(void **state) {
  (void)state;
  nb_config_t c;
  char err[512];
  assert_int_equal(
      load_text(&c, "[server]\nport = 9000\nprot = 1\n", err, sizeof(err)),
      NB_EINVAL);
  assert_err(err, 3, "[server] prot", "unknown key");
  assert_non_null(strstr(err, "port")); /* lists what exists */
  assert_int_equal(c.port, 8080);       /* nothing applied */
  nb__config_close(&c);
}

static void unknown_section(void **state) {
  (void)state;
  nb_config_t c;
  char err[512];
  /* Refused even without keys, at the header's line. */
  assert_int_equal(
      load_text(&c, "# hi\n\n[sever]\n[server]\nport = 1\n", err, sizeof(err)),
      NB_EINVAL);
  assert_err(err, 3, "[sever]", "unknown section");
  assert_non_null(strstr(err, "[server], [database],")); /* what exists */
  assert_non_null(strstr(err, "[plugin.NAME]"));
  nb__config_close(&c);

  assert_int_equal(load_text(&c, "port = 1\n", err, sizeof(err)), NB_EINVAL);
  assert_err(err, 1, "port", "outside");
  nb__config_close(&c);
}

static void out_of_range(void **state) {
  (void)state;
  nb_config_t c;
  char err[512];
  assert_int_equal(load_text(&c, "[server]\nport = 70000\n", err, sizeof(err)),
                   NB_EINVAL);
  assert_err(err, 2, "[server] port", "1 to 65535");
  nb__config_close(&c);

  assert_int_equal(
      load_text(&c, "[limits]\n\n\nmax_body = 1023\n", err, sizeof(err)),
      NB_EINVAL);
  assert_err(err, 4, "[limits] max_body", "out of range");
  nb__config_close(&c);

  /* Both ends of a range are allowed. */
  assert_int_equal(load_text(&c,
                             "[limits]\nmax_body = 1024\nmax_keys = 100000\n"
                             "[database]\nbusy_timeout_ms = 0\n",
                             err, sizeof(err)),
                   0);
  assert_int_equal(c.limits.max_body, 1024);
  assert_int_equal(c.limits.max_keys, 100000);
  assert_int_equal(c.busy_timeout_ms, 0);
  nb__config_close(&c);
}

static void not_a_number(void **state) {
  (void)state;
  static const char *const bad[] = {
      "12abc", "abc", "", "1.5", "+5", "0x10", "99999999999999999999",
      "-",     "1 2"};
  nb_config_t c;
  char err[512], text[128];
  for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
    snprintf(text, sizeof(text), "[limits]\npage_size = %s\n", bad[i]);
    assert_int_equal(load_text(&c, text, err, sizeof(err)), NB_EINVAL);
    assert_err(err, 2, "[limits] page_size", "whole number");
    assert_int_equal(c.limits.page_size, 50);
    nb__config_close(&c);
  }
}

static void bad_enum(void **state) {
  (void)state;
  nb_config_t c;
  char err[512];
  assert_int_equal(
      load_text(&c, "[database]\nsynchronous = sometimes\n", err, sizeof(err)),
      NB_EINVAL);
  assert_err(err, 2, "[database] synchronous", "FULL");
  assert_string_equal(c.synchronous, "NORMAL");
  nb__config_close(&c);

  assert_int_equal(
      load_text(&c, "[server]\nlog_level = loud\n", err, sizeof(err)),
      NB_EINVAL);
  assert_err(err, 2, "[server] log_level", "debug");
  nb__config_close(&c);

  /* Enum values are case-insensitive and stored as spelled in the docs. */
  assert_int_equal(load_text(&c,
                             "[database]\nsynchronous = full\n"
                             "[server]\nlog_level = DEBUG\n",
                             err, sizeof(err)),
                   0);
  assert_string_equal(c.synchronous, "FULL");
  assert_int_equal(c.log_level, NB_LOG_DEBUG);
  nb__config_close(&c);
}

static void listen_forms(void **state) {
  (void)state;
  nb_config_t c;
  char err[512];
  assert_int_equal(
      load_text(&c, "[server]\nlisten = 0.0.0.0:9000\n", err, sizeof(err)), 0);
  assert_string_equal(c.listen_addr, "0.0.0.0");
  assert_int_equal(c.port, 9000);
  nb__config_close(&c);

  /* A later port line wins over the port in listen, and vice versa. */
  assert_int_equal(load_text(&c,
                             "[server]\nlisten = 10.0.0.1:9000\nport = 9100\n",
                             err, sizeof(err)),
                   0);
  assert_string_equal(c.listen_addr, "10.0.0.1");
  assert_int_equal(c.port, 9100);
  nb__config_close(&c);

  assert_int_equal(nb__config_init(&c, 0), 0);
  assert_int_equal(nb__config_set(&c, "server", "listen", "[::1]:8443",
                                  "--listen", err, sizeof(err)),
                   0);
  assert_string_equal(c.listen_addr, "::1");
  assert_int_equal(c.port, 8443);
  assert_int_equal(nb__config_set(&c, "server", "listen", "::", "--listen", err,
                                  sizeof(err)),
                   0);
  assert_string_equal(c.listen_addr, "::");
  assert_int_equal(c.port, 8443);
  assert_int_equal(nb__config_set(&c, "server", "listen", "localhost",
                                  "--listen", err, sizeof(err)),
                   0);
  assert_string_equal(c.listen_addr, "localhost");

  static const char *const bad[] = {"",      "host:", "host:0", "host:65536",
                                    ":8080", "a b",   "[::1",   "[::1]x",
                                    "[]:80", "h:8x"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
    assert_int_equal(nb__config_set(&c, "server", "listen", bad[i], "--listen",
                                    err, sizeof(err)),
                     NB_EINVAL);
    assert_non_null(strstr(err, "--listen: [server] listen: "));
    assert_string_equal(c.listen_addr, "localhost"); /* unchanged */
    assert_int_equal(c.port, 8443);
  }
  nb__config_close(&c);
}

static void plugin_sections(void **state) {
  (void)state;
  nb_config_t c;
  char err[512];
  assert_int_equal(load_text(&c,
                             "[plugin.hello]\n"
                             "greeting = Moin, neighbours!\n"
                             "greeting = Moin\n" /* last wins */
                             "[plugin.problems_2]\n"
                             "colour = blue\n"
                             "empty =\n",
                             err, sizeof(err)),
                   0);
  assert_json(c.plugin_sections,
              "{\"hello\":{\"greeting\":\"Moin\"},"
              "\"problems_2\":{\"colour\":\"blue\",\"empty\":\"\"}}");
  nb__config_close(&c);
}

static void bad_plugin_section(void **state) {
  (void)state;
  static const char *const bad[] = {
      "[plugin.Hello]", "[plugin.]", "[plugin.1st]", "[plugin.a-b]",
      "[plugin.abcdefghijklmnopqrstuvwxyz0123456]"};
  nb_config_t c;
  char err[512], text[128];
  for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
    snprintf(text, sizeof(text), "[server]\n%s\nk = v\n", bad[i]);
    assert_int_equal(load_text(&c, text, err, sizeof(err)), NB_EINVAL);
    assert_err(err, 2, "plugin name", NULL);
    nb__config_close(&c);
  }
}

static void load_list(void **state) {
  (void)state;
  nb_config_t c;
  char err[512];
  assert_int_equal(load_text(&c, "[plugins]\nload = hello, problems ,x_1,\n",
                             err, sizeof(err)),
                   0);
  assert_json(c.plugins, "[\"hello\",\"problems\",\"x_1\"]");
  nb__config_close(&c);

  assert_int_equal(load_text(&c, "[plugins]\nload =\n", err, sizeof(err)), 0);
  assert_json(c.plugins, "[]");
  nb__config_close(&c);

  static const char *const bad[] = {
      "Hello", "hello problems", "9lives",
      "a-b",   "hello, hello",   "abcdefghijklmnopqrstuvwxyz0123456"};
  char text[128];
  for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
    snprintf(text, sizeof(text), "[plugins]\nload = %s\n", bad[i]);
    assert_int_equal(load_text(&c, text, err, sizeof(err)), NB_EINVAL);
    assert_err(err, 2, "[plugins] load", NULL);
    assert_json(c.plugins, "[\"problems\"]");
    nb__config_close(&c);
  }
}

static void set_from_flag(void **state) {
  (void)state;
  nb_config_t c;
  char err[512];
  assert_int_equal(nb__config_init(&c, 0), 0);
  assert_int_equal(nb__config_set(&c, "server", "data_dir", "/srv/nb", "--data",
                                  err, sizeof(err)),
                   0);
  assert_string_equal(c.data_dir, "/srv/nb");
  assert_int_equal(nb__config_set(&c, "server", "log_level", "verbose",
                                  "--log-level", err, sizeof(err)),
                   NB_EINVAL);
  assert_non_null(strstr(err, "--log-level: [server] log_level: "));
  assert_non_null(strstr(err, "verbose"));
  assert_int_equal(
      nb__config_set(&c, "server", "data_dir", "", "--data", err, sizeof(err)),
      NB_EINVAL);
  assert_non_null(strstr(err, "--data: "));
  assert_int_equal(
      nb__config_set(&c, "server", "nope", "1", "--nope", err, sizeof(err)),
      NB_EINVAL);
  assert_non_null(strstr(err, "unknown key"));
  assert_int_equal(nb__config_set(&c, "plugin.hello", "greeting", "Hi", "--set",
                                  err, sizeof(err)),
                   0);
  assert_json(c.plugin_sections, "{\"hello\":{\"greeting\":\"Hi\"}}");

  /* A path that does not fit is an error, never cut short. */
  char *long_path = malloc(PATH_MAX + 10);
  assert_non_null(long_path);
  memset(long_path, 'a', PATH_MAX + 9);
  long_path[0] = '/';
  long_path[PATH_MAX] = '\0'; /* PATH_MAX bytes: one too many */
  assert_int_equal(nb__config_set(&c, "server", "data_dir", long_path, "--data",
                                  err, sizeof(err)),
                   NB_EINVAL);
  assert_non_null(strstr(err, "too long"));
  assert_string_equal(c.data_dir, "/srv/nb");
  long_path[PATH_MAX - 1] = '\0'; /* PATH_MAX - 1 bytes: fits */
  assert_int_equal(nb__config_set(&c, "server", "data_dir", long_path, "--data",
                                  err, sizeof(err)),
                   0);
  assert_int_equal(strlen(c.data_dir), PATH_MAX - 1);
  free(long_path);
  nb__config_close(&c);
}

static void comments_and_layout(void **state) {
  (void)state;
  nb_config_t c;
  char err[512];
  assert_int_equal(load_text(&c,
                             "\xEF\xBB\xBF# hash comment\r\n"
                             "; semicolon comment\r\n"
                             "[server]\r\n"
                             "  port = 9001 ; trailing comment\r\n"
                             "\tlisten=127.0.0.2\r\n"
                             "  # indented comment\n"
                             "public_origin = https://nb.example:8443\n",
                             err, sizeof(err)),
                   0);
  assert_int_equal(c.port, 9001);
  assert_string_equal(c.listen_addr, "127.0.0.2");
  assert_string_equal(c.public_origin, "https://nb.example:8443");
  nb__config_close(&c);
}

static void heartbeat_order(void **state) {
  (void)state;
  nb_config_t c;
  char err[512];
  assert_int_equal(load_text(&c, "[events]\nping_seconds = 5\ndrop_seconds = 6\n",
                             err, sizeof(err)),
                   0);
  assert_int_equal(c.ws_ping_seconds, 5);
  assert_int_equal(c.ws_drop_seconds, 6);
  nb__config_close(&c);
  /* Dropping before (or when) pinging leaves no time to answer. */
  assert_int_equal(load_text(&c, "[events]\nping_seconds = 80\n", err,
                             sizeof(err)),
                   NB_EINVAL);
  assert_non_null(strstr(err, "drop_seconds (70) must be more than "
                              "ping_seconds (80)"));
  nb__config_close(&c);
  assert_int_equal(load_text(&c, "[events]\nping_seconds = 9\ndrop_seconds = 9\n",
                             err, sizeof(err)),
                   NB_EINVAL);
  nb__config_close(&c);
}

static void syntax_errors(void **state) {
  (void)state;
  nb_config_t c;
  char err[512];
  assert_int_equal(load_text(&c, "[server]\nport 9000\n", err, sizeof(err)),
                   NB_EINVAL);
  assert_err(err, 2, "key = value", NULL);
  nb__config_close(&c);

  assert_int_equal(load_text(&c, "[server\nport = 9000\n", err, sizeof(err)),
                   NB_EINVAL);
  assert_err(err, 1, NULL, NULL);
  nb__config_close(&c);

  /* inih would split a long line in two; we refuse it instead. */
  char text[600];
  snprintf(text, sizeof(text), "[server]\n\ndata_dir = /%0300d\n", 0);
  assert_int_equal(load_text(&c, text, err, sizeof(err)), NB_EINVAL);
  assert_err(err, 3, "longer than", NULL);
  nb__config_close(&c);

  /* A key inih would cut short is refused too. */
  snprintf(text, sizeof(text), "[plugin.x]\n%060d = 1\n", 0);
  assert_int_equal(load_text(&c, text, err, sizeof(err)), NB_EINVAL);
  assert_err(err, 2, "longer than", NULL);
  nb__config_close(&c);
}

static void origin_values(void **state) {
  (void)state;
  static const char *const bad[] = {
      "nachbar.example",         "https://",
      "https://nb.example/",     "ftp://nb.example",
      "https://nb.example/path", "https://a b"};
  nb_config_t c;
  char err[512];
  assert_int_equal(nb__config_init(&c, 0), 0);
  for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
    assert_int_equal(nb__config_set(&c, "server", "public_origin", bad[i],
                                    "--origin", err, sizeof(err)),
                     NB_EINVAL);
    assert_non_null(strstr(err, "[server] public_origin"));
  }
  assert_int_equal(nb__config_set(&c, "server", "public_origin",
                                  "http://[::1]:8080", "--origin", err,
                                  sizeof(err)),
                   0);
  assert_int_equal(nb__config_set(&c, "server", "public_origin", "", "--origin",
                                  err, sizeof(err)),
                   0);
  assert_string_equal(c.public_origin, "");
  nb__config_close(&c);
}

/* A bad file leaves the configuration exactly as it was. */
static void failed_load_changes_nothing(void **state) {
  (void)state;
  nb_config_t c;
  char err[512];
  assert_int_equal(load_text(&c,
                             "[server]\nport = 9000\n[plugins]\nload = a, b\n"
                             "[plugin.a]\nk = v\n[limits]\npage_size = 0\n",
                             err, sizeof(err)),
                   NB_EINVAL);
  assert_err(err, 8, "[limits] page_size", NULL);
  assert_int_equal(c.port, 8080);
  assert_json(c.plugins, "[\"problems\"]");
  assert_json(c.plugin_sections, "{}");
  nb__config_close(&c);
}

static void missing_file(void **state) {
  (void)state;
  nb_config_t c;
  char err[512];
  assert_int_equal(nb__config_init(&c, 0), 0);
  assert_int_equal(
      nb__config_load(&c, "/nonexistent/nachbar.conf", err, sizeof(err)),
      NB_ENOENT);
  assert_non_null(strstr(err, "/nonexistent/nachbar.conf"));
  /* A folder opens but cannot be read. */
  assert_int_equal(nb__config_load(&c, "/tmp", err, sizeof(err)), NB_ENOENT);
  assert_non_null(strstr(err, "/tmp"));
  nb__config_close(&c);
}

/* A message longer than the caller's buffer is cut, not overflowed. */
static void small_err_buffer(void **state) {
  (void)state;
  nb_config_t c;
  char err[16];
  memset(err, 'x', sizeof(err));
  assert_int_equal(load_text(&c, "[nope]\n", err, 8), NB_EINVAL);
  assert_int_equal(strlen(err), 7);
  assert_int_equal(err[8], 'x');
  nb__config_close(&c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(defaults),
      cmocka_unit_test(defaults_dev),
      cmocka_unit_test(shipped_conf),
      cmocka_unit_test(unknown_key),
      cmocka_unit_test(unknown_section),
      cmocka_unit_test(out_of_range),
      cmocka_unit_test(not_a_number),
      cmocka_unit_test(bad_enum),
      cmocka_unit_test(listen_forms),
      cmocka_unit_test(plugin_sections),
      cmocka_unit_test(bad_plugin_section),
      cmocka_unit_test(load_list),
      cmocka_unit_test(set_from_flag),
      cmocka_unit_test(comments_and_layout),
      cmocka_unit_test(syntax_errors),
      cmocka_unit_test(heartbeat_order),
      cmocka_unit_test(origin_values),
      cmocka_unit_test(failed_load_changes_nothing),
      cmocka_unit_test(missing_file),
      cmocka_unit_test(small_err_buffer),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
