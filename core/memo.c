/*
 * Versioned memo (see memo.h): a direct-mapped table of slots; a slot
 * holds its key, version, deadline and a malloc'd copy of the value.
 */
#include "memo.h"

#include <stdlib.h>
#include <string.h>

#include "nachbar/plugin.h"

#define KEY_MAX 160

typedef struct slot {
  char key[KEY_MAX];
  uint64_t version;
  int64_t until;
  void *val;
  size_t len;
} slot_t;

struct nb_memo {
  size_t n;
  uint64_t hits, misses;
  slot_t slots[];
};

nb_memo_t *nb__memo_create(size_t slots) {
  if (slots == 0)
    slots = 1;
  nb_memo_t *m = calloc(1, sizeof(*m) + slots * sizeof(slot_t));
  if (m)
    m->n = slots;
  return m;
}

void nb__memo_destroy(nb_memo_t *m) {
  if (!m)
    return;
  for (size_t i = 0; i < m->n; i++)
    free(m->slots[i].val);
  free(m);
}

static slot_t *slot_of(nb_memo_t *m, const char *key) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (const char *p = key; *p; p++)
    h = (h ^ (unsigned char)*p) * 1099511628211ull;
  return &m->slots[h % m->n];
}

const void *nb__memo_get(nb_memo_t *m, const char *key, uint64_t version,
                         int64_t now, size_t *len) {
  slot_t *s = slot_of(m, key);
  if (!s->val || s->version != version || now >= s->until ||
      strcmp(s->key, key) != 0) {
    m->misses++;
    return NULL;
  }
  m->hits++;
  if (len)
    *len = s->len;
  return s->val;
}

int nb__memo_put(nb_memo_t *m, const char *key, uint64_t version,
                 int64_t until, const void *val, size_t len) {
  size_t kl = strlen(key);
  if (kl >= KEY_MAX)
    return NB_EINVAL;
  slot_t *s = slot_of(m, key);
  free(s->val);
  s->val = malloc(len ? len : 1);
  if (!s->val)
    return NB_ENOMEM;
  memcpy(s->val, val, len);
  memcpy(s->key, key, kl + 1);
  s->len = len;
  s->version = version;
  s->until = until;
  return 0;
}

uint64_t nb__memo_hits(const nb_memo_t *m) { return m ? m->hits : 0; }
uint64_t nb__memo_misses(const nb_memo_t *m) { return m ? m->misses : 0; }
