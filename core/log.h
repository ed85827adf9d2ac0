/*
 * Logging: one key=value line per event on stderr.
 *
 * Line shape: ts=2026-11-23T07:00:00.123Z level=info msg=<event> k=v ...
 * Values with spaces, quotes or '=' are quoted by nb__log_kv(). Nothing
 * secret (password, token, cookie) is ever passed in here.
 */
#ifndef NB_CORE_LOG_H
#define NB_CORE_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include "nachbar/plugin.h" /* enum nb_log_level */

/* Set the threshold; lines above it are dropped. */
void nb__log_set_level(int level);
int nb__log_get_level(void);

/* Parse "error", "warn", "info", "debug" (case-insensitive). Returns the
 * level or NB_EINVAL. */
int nb__log_level_parse(const char *s);
const char *nb__log_level_name(int level);

/* Emit one line: msg is a short event name, fmt formats further key=value
 * pairs (may be NULL). The line is written with one write(2). */
void nb__log(int level, const char *msg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void nb__logv(int level, const char *msg, const char *fmt, va_list ap);

/* Append ` key=value` to buf (of size len, NUL-terminated), quoting value
 * when it holds spaces, '"', '=' or control characters (escaped as \xNN).
 * Returns the new length of buf, truncating rather than overflowing. */
size_t nb__log_kv(char *buf, size_t len, const char *key, const char *value);

#endif
