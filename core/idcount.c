/*
 * Counts per id (see idcount.h): open addressing with linear probing over
 * a power-of-two table, at most half full. Nothing is ever deleted in
 * place (no tombstones to manage): an id whose count is 0 keeps its slot
 * until the next growth rehashes only the ids still counted.
 */
#include "idcount.h"

#include <stdlib.h>

typedef struct slot {
  int64_t id; /* 0: empty */
  long n;
} slot_t;

struct nb_idcount {
  slot_t *s;
  size_t cap, used; /* used: slots with an id, counted or not */
  int bits;         /* cap == 1 << bits */
};

nb_idcount_t *nb__idcount_create(void) {
  nb_idcount_t *m = calloc(1, sizeof(*m));
  if (!m)
    return NULL;
  m->cap = 64;
  m->bits = 6;
  m->s = calloc(m->cap, sizeof(*m->s));
  if (!m->s) {
    free(m);
    return NULL;
  }
  return m;
}

void nb__idcount_destroy(nb_idcount_t *m) {
  if (!m)
    return;
  free(m->s);
  free(m);
}

/* Fibonacci hashing: the top bits of id * 2^64/phi. */
static size_t home(int64_t id, int bits) {
  return (size_t)(((uint64_t)id * 0x9E3779B97F4A7C15ull) >> (64 - bits));
}

static slot_t *find(const nb_idcount_t *m, int64_t id) {
  for (size_t i = home(id, m->bits);; i = (i + 1) & (m->cap - 1))
    if (m->s[i].id == id || m->s[i].id == 0)
      return &m->s[i];
}

/* Rehash into a table big enough for the ids still counted plus one. */
static int grow(nb_idcount_t *m) {
  size_t live = 0;
  for (size_t i = 0; i < m->cap; i++)
    live += m->s[i].n > 0;
  size_t cap = 64;
  int bits = 6;
  while (cap < (live + 1) * 4) {
    cap *= 2;
    bits++;
  }
  slot_t *s = calloc(cap, sizeof(*s));
  if (!s)
    return -1;
  nb_idcount_t t = {s, cap, 0, bits};
  for (size_t i = 0; i < m->cap; i++)
    if (m->s[i].n > 0) {
      *find(&t, m->s[i].id) = m->s[i];
      t.used++;
    }
  free(m->s);
  *m = t;
  return 0;
}

long nb__idcount_add(nb_idcount_t *m, int64_t id, long delta) {
  if (id <= 0) /* 0 marks an empty slot; ids are positive */
    return 0;
  slot_t *e = find(m, id);
  if (e->id == 0) {
    if (delta <= 0)
      return 0;
    if ((m->used + 1) * 2 > m->cap) {
      if (grow(m))
        return -1;
      e = find(m, id);
    }
    e->id = id;
    m->used++;
  }
  e->n += delta;
  if (e->n < 0)
    e->n = 0;
  return e->n;
}

long nb__idcount_get(const nb_idcount_t *m, int64_t id) {
  return id > 0 ? find(m, id)->n : 0;
}
