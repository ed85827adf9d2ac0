/*
 * Counts per 64-bit id (open WebSockets per person): add, subtract and
 * read in O(1) on average, so a limit check does not walk every
 * connection. Ids are positive; entries whose count fell to 0 are dropped
 * when the table grows.
 */
#ifndef NB_CORE_IDCOUNT_H
#define NB_CORE_IDCOUNT_H

#include <stdint.h>

typedef struct nb_idcount nb_idcount_t;

nb_idcount_t *nb__idcount_create(void);
void nb__idcount_destroy(nb_idcount_t *m);

/* Add `delta` to the count of `id`; the new count, or -1 when out of
 * memory (nothing changed then). A count never goes below 0; an id <= 0
 * is never counted (0 is returned). */
long nb__idcount_add(nb_idcount_t *m, int64_t id, long delta);

/* The count of `id` (0 for an id never added). */
long nb__idcount_get(const nb_idcount_t *m, int64_t id);

#endif
