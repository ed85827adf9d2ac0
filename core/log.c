/*
 * key=value logging to stderr (see log.h).
 *
 * Invariants: every event is exactly one line, built in a stack buffer of
 * LINE_BYTES and written with one write(2) (at most PIPE_BUF bytes, so lines
 * from the loop and from worker threads never interleave). Nothing written
 * can contain a newline or other control byte: nb__log_kv() escapes values,
 * and the caller's formatted pairs are escaped too. A line that does not fit
 * is cut at a character boundary and ends with ` truncated=1`.
 */
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define LINE_BYTES 4096
#define TRUNC_MARK " truncated=1"

/* Set once at startup before worker threads exist; only read afterwards. */
static int threshold = NB_LOG_INFO;
static const char *const names[] = {"error", "warn", "info", "debug"};
static const char hex[] = "0123456789abcdef";

void nb__log_set_level(int level) {
  if (level >= NB_LOG_ERROR && level <= NB_LOG_DEBUG)
    threshold = level;
}

int nb__log_get_level(void) {
  return threshold;
}

int nb__log_level_parse(const char *s) {
  for (int i = NB_LOG_ERROR; s && i <= NB_LOG_DEBUG; i++)
    if (strcasecmp(s, names[i]) == 0)
      return i;
  return NB_EINVAL;
}

const char *nb__log_level_name(int level) {
  return level >= NB_LOG_ERROR && level <= NB_LOG_DEBUG ? names[level] : "?";
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when p starts an
 * invalid or incomplete one (overlong forms and surrogates are invalid). */
static size_t utf8_len(const unsigned char *p) {
  unsigned char c = p[0];
  if (c < 0x80)
    return 1;
  if (c >= 0xc2 && c <= 0xdf)
    return (p[1] & 0xc0) == 0x80 ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
      return 0;
    if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0))
      return 0;
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 || (p[3] & 0xc0) != 0x80)
      return 0;
    if ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] >= 0x90))
      return 0;
    return 4;
  }
  return 0;
}

/* A byte that is escaped as \xNN wherever it appears in a line. */
static int is_ctl(unsigned char c) {
  return c < 0x20 || c == 0x7f;
}

static int needs_quotes(const unsigned char *v) {
  if (!*v)
    return 1;
  for (const unsigned char *p = v; *p;) {
    size_t n = utf8_len(p);
    if (n == 0 || *p == ' ' || *p == '"' || *p == '=' || *p == '\\' ||
        is_ctl(*p))
      return 1;
    p += n;
  }
  return 0;
}

/*
 * Append the escaped form of v (up to its NUL) to buf[*n], never writing at
 * or beyond buf[limit]. Each character or escape goes in whole or not at
 * all. `quoted` also escapes '"' and '\\'. Returns 0, or 1 when v was cut.
 */
static int put_escaped(char *buf, size_t *n, size_t limit,
                       const unsigned char *v, int quoted) {
  for (const unsigned char *p = v; *p;) {
    char tmp[4];
    size_t w, step = utf8_len(p);
    const char *src = (const char *)p;
    if (step == 0 || is_ctl(*p)) {
      tmp[0] = '\\';
      tmp[1] = 'x';
      tmp[2] = hex[*p >> 4];
      tmp[3] = hex[*p & 15];
      src = tmp;
      w = 4;
      step = 1;
    } else if (quoted && (*p == '"' || *p == '\\')) {
      tmp[0] = '\\';
      tmp[1] = (char)*p;
      src = tmp;
      w = 2;
    } else {
      w = step;
    }
    if (*n + w > limit)
      return 1;
    memcpy(buf + *n, src, w);
    *n += w;
    p += step;
  }
  return 0;
}

/*
 * Append ` key=value` to buf. The pair goes in whole, or with its value cut
 * (still closed by its quote), or - when not even ` key=""` fits - not at
 * all. buf stays NUL-terminated; returns its new length.
 */
size_t nb__log_kv(char *buf, size_t len, const char *key, const char *value) {
  if (!buf || len == 0)
    return 0;
  size_t start = strnlen(buf, len - 1), n = start;
  size_t limit = len - 1; /* last usable index + 1; keep room for the NUL */
  const unsigned char *v = (const unsigned char *)(value ? value : "");
  int quoted = needs_quotes(v);
  buf[n] = '\0';
  if (n + 1 > limit)
    goto cleanup;
  buf[n++] = ' ';
  if (put_escaped(buf, &n, limit, (const unsigned char *)(key ? key : ""), 0) ||
      n + 1 + (quoted ? 2 : 0) > limit) {
    n = start; /* no room for the key itself: leave the pair out */
    goto cleanup;
  }
  buf[n++] = '=';
  if (quoted)
    buf[n++] = '"';
  put_escaped(buf, &n, quoted ? limit - 1 : limit, v, quoted);
  if (quoted)
    buf[n++] = '"';
cleanup:
  buf[n] = '\0';
  return n;
}

/*
 * Format one line into line[LINE_BYTES] and return its length including the
 * final '\n'. Kept apart from the write so the shape can be reasoned about
 * in one place.
 */
static size_t format_line(char *line, int level, const char *msg,
                          const char *fmt, va_list ap) {
  /* Room for the marker and the newline is kept back from the start. */
  const size_t body = LINE_BYTES - sizeof(TRUNC_MARK) - 1;
  struct timespec ts;
  struct tm tm;
  size_t n;
  int cut = 0;

  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  int w = snprintf(
      line, body, "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s",
      tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
      tm.tm_sec, ts.tv_nsec / 1000000L, nb__log_level_name(level));
  n = w < 0 ? 0 : (size_t)w < body ? (size_t)w : body - 1;
  line[n] = '\0';
  n = nb__log_kv(line, body, "msg", msg && *msg ? msg : "-");
  if (fmt && *fmt) {
    char extra[LINE_BYTES];
    w = vsnprintf(extra, sizeof(extra), fmt, ap);
    const char *e = extra;
    while (w > 0 && *e == ' ') /* a leading nb__log_kv() space */
      e++;
    if (w > 0 && *e) {
      cut = (size_t)w >= sizeof(extra);
      if (n + 1 < body) {
        line[n++] = ' ';
        /* Escape only control bytes: the caller already formatted pairs. */
        cut |= put_escaped(line, &n, body - 1, (const unsigned char *)e, 0);
      } else {
        cut = 1;
      }
    }
  }
  if (cut) {
    memcpy(line + n, TRUNC_MARK, sizeof(TRUNC_MARK) - 1);
    n += sizeof(TRUNC_MARK) - 1;
  }
  line[n++] = '\n';
  return n;
}

void nb__logv(int level, const char *msg, const char *fmt, va_list ap) {
  char line[LINE_BYTES];
  if (level < NB_LOG_ERROR)
    level = NB_LOG_ERROR;
  if (level > threshold)
    return;
  size_t n = format_line(line, level, msg, fmt, ap);
  ssize_t w;
  do
    w = write(STDERR_FILENO, line, n);
  while (w < 0 && errno == EINTR);
  /* Ignore other errors: there is nowhere left to report them. */
}

void nb__log(int level, const char *msg, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  nb__logv(level, msg, fmt, ap);
  va_end(ap);
}
