/*
 * Unit tests for core/log.c: quoting and escaping of values, truncation
 * that never overflows and never leaves half a pair, level names, and the
 * shape of a real line written to stderr (captured through a pipe).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <regex.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* nb__log_kv into an empty buffer of `len` bytes; returns the text. */
static const char *kv(char *buf, size_t len, const char *key,
                      const char *value) {
  buf[0] = '\0';
  size_t n = nb__log_kv(buf, len, key, value);
  assert_int_equal(n, strlen(buf));
  return buf;
}

static void kv_plain_and_quoted(void **state) {
  (void)state;
  char b[256];
  assert_string_equal(kv(b, sizeof(b), "k", "v"), " k=v");
  assert_string_equal(kv(b, sizeof(b), "path", "/api/v1/x?y"),
                      " path=/api/v1/x?y");
  assert_string_equal(kv(b, sizeof(b), "k", ""), " k=\"\"");
  assert_string_equal(kv(b, sizeof(b), "k", NULL), " k=\"\"");
  assert_string_equal(kv(b, sizeof(b), "k", "a b"), " k=\"a b\"");
  assert_string_equal(kv(b, sizeof(b), "k", "a=b"), " k=\"a=b\"");
  assert_string_equal(kv(b, sizeof(b), "k", "say \"hi\""),
                      " k=\"say \\\"hi\\\"\"");
  assert_string_equal(kv(b, sizeof(b), "k", "c:\\x"), " k=\"c:\\\\x\"");
  assert_string_equal(kv(b, sizeof(b), "k", "a\nb\tc\x7f"),
                      " k=\"a\\x0ab\\x09c\\x7f\"");
  /* UTF-8 passes through; bytes that are not UTF-8 are escaped. */
  assert_string_equal(kv(b, sizeof(b), "k",
                         "Gr\xc3\xbc\xc3\x9f"
                         "e"),
                      " k=Gr\xc3\xbc\xc3\x9f"
                      "e");
  assert_string_equal(kv(b, sizeof(b), "k", "a\xff"), " k=\"a\\xff\"");
  assert_string_equal(kv(b, sizeof(b), "k", "\xc3"), " k=\"\\xc3\"");
  assert_string_equal(kv(b, sizeof(b), "k", "\xed\xa0\x80"), /* surrogate */
                      " k=\"\\xed\\xa0\\x80\"");

  /* Pairs append. */
  b[0] = '\0';
  nb__log_kv(b, sizeof(b), "a", "1");
  size_t n = nb__log_kv(b, sizeof(b), "b", "x y");
  assert_string_equal(b, " a=1 b=\"x y\"");
  assert_int_equal(n, strlen(b));
}

/* Every buffer size: never a byte past len, always terminated, and the
 * pair either absent or closed by its quote. */
static void kv_truncation(void **state) {
  (void)state;
  static const char *const values[] = {
      "plain-value-that-is-long", "with space and \"quotes\" and \\",
      "ctl\x01\x02\x03\x04",
      "\xc3\xbc\xc3\xbc\xc3\xbc\xe2\x82\xac\xf0\x9f\x98\x80", ""};
  for (size_t v = 0; v < sizeof(values) / sizeof(*values); v++) {
    char full[256];
    kv(full, sizeof(full), "key", values[v]);
    for (size_t len = 1; len <= strlen(full) + 2; len++) {
      char b[300];
      memset(b, '#', sizeof(b));
      b[0] = '\0';
      size_t n = nb__log_kv(b, len, "key", values[v]);
      assert_true(n < len);
      assert_int_equal(strlen(b), n);
      for (size_t i = len; i < sizeof(b); i++)
        assert_int_equal(b[i], '#');
      if (n == 0)
        continue; /* not even " key=" fit: left out */
      assert_memory_equal(b, " key=", 5);
      if (full[5] == '"') { /* quoted: a prefix, closed by its quote */
        assert_true(n >= 7);
        assert_memory_equal(b, full, n - 1);
        assert_int_equal(b[n - 1], '"');
      } else {
        assert_memory_equal(b, full, n);
      }
    }
  }
  /* Escapes and characters go in whole or not at all. */
  char c[32];
  assert_string_equal(kv(c, 9, "k", "a\"b"), " k=\"a\\\"\"");
  assert_string_equal(kv(c, 8, "k", "a\"b"), " k=\"a\"");
  assert_string_equal(kv(c, 9, "k", "a\x01"), " k=\"a\"");
  assert_string_equal(kv(c, 6, "k", "\xc3\xbc\xc3\xbc"), " k=\xc3\xbc");
  assert_string_equal(kv(c, 5, "k", "\xc3\xbc\xc3\xbc"), " k=");
  assert_string_equal(kv(c, 6, "k", ""), " k=\"\"");
  assert_string_equal(kv(c, 5, "k", ""), "");
  /* An unterminated buffer is handled: it is cut to len - 1. */
  char b[8];
  memset(b, 'z', sizeof(b));
  assert_int_equal(nb__log_kv(b, sizeof(b), "k", "v"), 7);
  assert_int_equal(b[7], '\0');
  assert_int_equal(nb__log_kv(NULL, 0, "k", "v"), 0);
}

/* Random bytes of any value, random buffer sizes: never past len, and
 * nothing but printable ASCII or valid UTF-8 comes out. */
static void kv_any_bytes(void **state) {
  (void)state;
  unsigned seed = 12345;
  for (int round = 0; round < 20000; round++) {
    unsigned char value[64];
    char b[300];
    seed = seed * 1103515245u + 12345u;
    size_t vlen = (seed >> 16) % sizeof(value);
    for (size_t i = 0; i < vlen; i++) {
      seed = seed * 1103515245u + 12345u;
      value[i] = (unsigned char)((seed >> 16) % 255 + 1);
    }
    value[vlen] = '\0';
    seed = seed * 1103515245u + 12345u;
    size_t len = 1 + (seed >> 16) % 270;
    memset(b, '#', sizeof(b));
    b[0] = '\0';
    size_t n = nb__log_kv(b, len, "k", (const char *)value);
    assert_true(n < len);
    assert_int_equal(strlen(b), n);
    for (size_t i = len; i < sizeof(b); i++)
      assert_int_equal(b[i], '#');
    for (size_t i = 0; i < n; i++)
      assert_true((unsigned char)b[i] >= 0x20 && b[i] != 0x7f);
  }
}

static void levels(void **state) {
  (void)state;
  assert_int_equal(nb__log_level_parse("error"), NB_LOG_ERROR);
  assert_int_equal(nb__log_level_parse("warn"), NB_LOG_WARN);
  assert_int_equal(nb__log_level_parse("INFO"), NB_LOG_INFO);
  assert_int_equal(nb__log_level_parse("Debug"), NB_LOG_DEBUG);
  assert_int_equal(nb__log_level_parse("warning"), NB_EINVAL);
  assert_int_equal(nb__log_level_parse(""), NB_EINVAL);
  assert_int_equal(nb__log_level_parse(NULL), NB_EINVAL);
  assert_string_equal(nb__log_level_name(NB_LOG_WARN), "warn");
  assert_string_equal(nb__log_level_name(42), "?");

  assert_int_equal(nb__log_get_level(), NB_LOG_INFO); /* the default */
  nb__log_set_level(NB_LOG_DEBUG);
  assert_int_equal(nb__log_get_level(), NB_LOG_DEBUG);
  nb__log_set_level(17); /* ignored */
  assert_int_equal(nb__log_get_level(), NB_LOG_DEBUG);
  nb__log_set_level(NB_LOG_INFO);
}

/* Run emit() with stderr on a pipe; returns what came out (NUL-ended). */
static size_t capture(void (*emit)(void), char *out, size_t len) {
  int fds[2], saved = dup(STDERR_FILENO);
  assert_true(saved >= 0);
  assert_int_equal(pipe(fds), 0);
  assert_true(dup2(fds[1], STDERR_FILENO) >= 0);
  close(fds[1]);
  emit();
  dup2(saved, STDERR_FILENO);
  close(saved);
  size_t n = 0;
  ssize_t r;
  while (n + 1 < len && (r = read(fds[0], out + n, len - 1 - n)) > 0)
    n += (size_t)r;
  close(fds[0]);
  out[n] = '\0';
  return n;
}

static void emit_info(void) {
  nb__log(NB_LOG_INFO, "http.request", "status=%d%s", 200, " path=/x");
}

static void emit_tricky(void) {
  nb__log(NB_LOG_WARN, "odd event", "note=%s", "two\nlines");
}

static void emit_filtered(void) {
  nb__log(NB_LOG_DEBUG, "hidden", NULL);
  nb__log(NB_LOG_ERROR, "shown", NULL);
}

static void emit_long(void) {
  static char big[10000];
  memset(big, 'x', sizeof(big) - 1);
  nb__log(NB_LOG_INFO, "big", "v=%s", big);
}

static void assert_matches(const char *text, const char *pattern) {
  regex_t re;
  assert_int_equal(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
  int rc = regexec(&re, text, 0, NULL, 0);
  regfree(&re);
  if (rc != 0)
    fail_msg("'%s' does not match /%s/", text, pattern);
}

#define TS                                                                     \
  "ts=[0-9]{4}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]"          \
  "\\.[0-9]{3}Z"

static void line_shape(void **state) {
  (void)state;
  char out[16384];
  nb__log_set_level(NB_LOG_INFO);
  capture(emit_info, out, sizeof(out));
  assert_matches(out, "^" TS " level=info msg=http\\.request status=200 "
                      "path=/x\n$");

  /* A message with a space is quoted; a newline never splits the line. */
  capture(emit_tricky, out, sizeof(out));
  assert_matches(out, "^" TS " level=warn msg=\"odd event\" "
                      "note=two\\\\x0alines\n$");

  capture(emit_filtered, out, sizeof(out));
  assert_matches(out, "^" TS " level=error msg=shown\n$");
  nb__log_set_level(NB_LOG_DEBUG);
  capture(emit_filtered, out, sizeof(out));
  assert_matches(out, "^" TS " level=debug msg=hidden\n" TS
                      " level=error msg=shown\n$");
  nb__log_set_level(NB_LOG_INFO);

  /* One line of at most 4 KiB, marked as cut. */
  size_t n = capture(emit_long, out, sizeof(out));
  assert_true(n <= 4096);
  assert_true(n > 4000);
  assert_non_null(strstr(out, " v=xxx"));
  assert_matches(out, "^" TS " level=info msg=big v=x+ truncated=1\n$");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(kv_plain_and_quoted), cmocka_unit_test(kv_truncation),
      cmocka_unit_test(kv_any_bytes),        cmocka_unit_test(levels),
      cmocka_unit_test(line_shape),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
