/*
 * Throttle table: open addressing over a fixed number of slots. When all
 * probes are taken, the slot whose window started first is reused: under a
 * flood of distinct keys old entries go first, never the memory bound.
 */
#include "throttle.h"

#include <string.h>

#define SLOTS 8192
#define PROBES 16
#define KEY_MAX 128

typedef struct slot {
  char key[KEY_MAX];
  int64_t window_start;
  long failures;
} slot_t;

static slot_t table[SLOTS];

static uint64_t hash(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

static slot_t *find(const char *key, int create) {
  char k[KEY_MAX];
  strncpy(k, key, KEY_MAX - 1);
  k[KEY_MAX - 1] = '\0';
  uint64_t h = hash(k);
  slot_t *oldest = NULL;
  for (int i = 0; i < PROBES; i++) {
    slot_t *s = &table[(h + (uint64_t)i) % SLOTS];
    if (s->key[0] && strcmp(s->key, k) == 0)
      return s;
    if (!s->key[0]) {
      if (!oldest || oldest->key[0])
        oldest = s;
    } else if (!oldest || (oldest->key[0] && s->window_start < oldest->window_start)) {
      oldest = s;
    }
  }
  if (!create)
    return NULL;
  memset(oldest, 0, sizeof(*oldest));
  strcpy(oldest->key, k);
  return oldest;
}

long nb__throttle_wait(const char *key, long max_failures, long window_s,
                       int64_t now) {
  slot_t *s = find(key, 0);
  if (!s || now >= s->window_start + window_s || s->failures < max_failures)
    return 0;
  return (long)(s->window_start + window_s - now);
}

void nb__throttle_fail(const char *key, long window_s, int64_t now) {
  slot_t *s = find(key, 1);
  if (now >= s->window_start + window_s) {
    s->window_start = now;
    s->failures = 0;
  }
  s->failures++;
}

void nb__throttle_reset(const char *key) {
  slot_t *s = find(key, 0);
  if (s)
    memset(s, 0, sizeof(*s));
}
