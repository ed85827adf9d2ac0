/*
 * Memo: small in-memory copies of values read from the database, each
 * valid only at the database version it was read at (nb__db_version) and
 * until an optional deadline. Any write, by this process or another,
 * changes the version, so a memo never answers with something the
 * database no longer says; it only saves reading it again while nothing
 * is written (the firm directory and request identities are read far
 * more often than they change).
 *
 * Invariants: a fixed number of slots (direct-mapped by the key's hash; a
 * new value evicts the one in its slot), values are copied in and out,
 * loop thread only.
 */
#ifndef NB_CORE_MEMO_H
#define NB_CORE_MEMO_H

#include <stddef.h>
#include <stdint.h>

typedef struct nb_memo nb_memo_t;

/* A memo with `slots` slots, or NULL when out of memory. */
nb_memo_t *nb__memo_create(size_t slots);

/* Free it and every value. NULL is a no-op. */
void nb__memo_destroy(nb_memo_t *m);

/* The value stored under `key` at `version` whose deadline (seconds, the
 * clock the caller passes) is after `now`, or NULL. The pointer is valid
 * until the next put or free. */
const void *nb__memo_get(nb_memo_t *m, const char *key, uint64_t version,
                         int64_t now, size_t *len);

/* Store a copy of `len` bytes under `key`, read at `version`, valid
 * before `until`. 0, NB_EINVAL (key too long) or NB_ENOMEM (nothing
 * stored, the old value is gone). */
int nb__memo_put(nb_memo_t *m, const char *key, uint64_t version,
                 int64_t until, const void *val, size_t len);

/* Counters for /metrics. */
uint64_t nb__memo_hits(const nb_memo_t *m);
uint64_t nb__memo_misses(const nb_memo_t *m);

#endif
