/*
 * key=value logging to stderr (see log.h). Each line is built in a stack
 * buffer and written with one write(2), so lines from the loop and from
 * worker threads never interleave mid-line.
 */
#include "log.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_BYTES 4096

static int threshold = NB_LOG_INFO;
static const char *const names[] = {"error", "warn", "info", "debug"};

void nb__log_set_level(int level) {
  if (level >= NB_LOG_ERROR && level <= NB_LOG_DEBUG)
    threshold = level;
}

int nb__log_get_level(void) { return threshold; }

int nb__log_level_parse(const char *s) {
  for (int i = 0; s && i <= NB_LOG_DEBUG; i++)
    if (strcasecmp(s, names[i]) == 0)
      return i;
  return NB_EINVAL;
}

const char *nb__log_level_name(int level) {
  return level >= NB_LOG_ERROR && level <= NB_LOG_DEBUG ? names[level] : "?";
}

static int needs_quotes(const char *v) {
  if (!*v)
    return 1;
  for (const unsigned char *p = (const unsigned char *)v; *p; p++)
    if (*p <= ' ' || *p == '"' || *p == '=' || *p == '\\' || *p == 0x7f)
      return 1;
  return 0;
}

size_t nb__log_kv(char *buf, size_t len, const char *key, const char *value) {
  if (!buf || len == 0)
    return 0;
  size_t n = strnlen(buf, len - 1);
  buf[n] = '\0';
  if (!value)
    value = "";
#define PUT(c)                                                               \
  do {                                                                       \
    if (n + 1 >= len)                                                        \
      goto full;                                                             \
    buf[n++] = (c);                                                          \
  } while (0)
  PUT(' ');
  for (const char *k = key; k && *k; k++)
    PUT(*k);
  PUT('=');
  if (!needs_quotes(value)) {
    for (const char *p = value; *p; p++)
      PUT(*p);
  } else {
    PUT('"');
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
      if (*p == '"' || *p == '\\') {
        PUT('\\');
        PUT((char)*p);
      } else if (*p < ' ' || *p == 0x7f) {
        static const char hex[] = "0123456789abcdef";
        PUT('\\');
        PUT('x');
        PUT(hex[*p >> 4]);
        PUT(hex[*p & 15]);
      } else {
        PUT((char)*p);
      }
    }
    PUT('"');
  }
#undef PUT
full:
  buf[n] = '\0';
  return n;
}

void nb__logv(int level, const char *msg, const char *fmt, va_list ap) {
  if (level > threshold)
    return;
  char line[LINE_MAX_BYTES];
  struct timeval tv;
  struct tm tm;
  gettimeofday(&tv, NULL);
  gmtime_r(&tv.tv_sec, &tm);
  int n = snprintf(line, sizeof(line),
                   "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s msg=%s",
                   tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                   tm.tm_min, tm.tm_sec, (long)(tv.tv_usec / 1000),
                   nb__log_level_name(level), msg ? msg : "-");
  if (n < 0)
    return;
  size_t used = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
  if (fmt && *fmt && used + 2 < sizeof(line)) {
    line[used++] = ' ';
    int m = vsnprintf(line + used, sizeof(line) - used, fmt, ap);
    if (m > 0)
      used += (size_t)m < sizeof(line) - used ? (size_t)m
                                               : sizeof(line) - used - 1;
  }
  if (used + 1 >= sizeof(line))
    used = sizeof(line) - 2;
  line[used++] = '\n';
  ssize_t w = write(STDERR_FILENO, line, used);
  (void)w; /* Ignore errors: there is nowhere else to report them. */
}

void nb__log(int level, const char *msg, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  nb__logv(level, msg, fmt, ap);
  va_end(ap);
}
