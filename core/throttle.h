/*
 * Sign-in throttling: failed attempts counted per key (an account's e-mail
 * or a client address) in a fixed window. In memory: a restart forgets,
 * which an attacker cannot trigger from outside.
 */
#ifndef NB_CORE_THROTTLE_H
#define NB_CORE_THROTTLE_H

#include <stdint.h>

/* Seconds until `key` may try again (0: allowed now). */
long nb__throttle_wait(const char *key, long max_failures, long window_s,
                       int64_t now);

/* Count one failure for `key`. */
void nb__throttle_fail(const char *key, long window_s, int64_t now);

/* Forget `key` (after a success). */
void nb__throttle_reset(const char *key);

#endif
