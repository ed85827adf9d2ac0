/*
 * Passwords: argon2id (libsodium crypto_pwhash_str) computed off the loop
 * thread with at most NB_PW_PARALLEL jobs at once, so a burst of sign-ins
 * queues instead of stalling every other request. Policy checks (length,
 * common passwords) are cheap and run on the loop.
 */
#ifndef NB_CORE_PASSWORD_H
#define NB_CORE_PASSWORD_H

#include <stddef.h>
#include <uv.h>

#define NB_PW_PARALLEL 2
#define NB_PW_HASH_MAX 128 /* crypto_pwhash_STRBYTES */

/* Called on the loop. For hash: ok 1 and `hash` set. For verify: ok 1 when
 * the password matches; `rehash` 1 when the stored hash uses older
 * parameters (store `hash`, a fresh one, then). ok -1: out of memory or
 * the server is stopping. */
typedef void (*nb_pw_cb)(void *ud, int ok, int rehash, const char *hash);

/* Hash `password` (copied). Returns 0 or NB_ENOMEM. */
int nb__pw_hash(uv_loop_t *loop, const char *password, nb_pw_cb cb, void *ud);

/* Verify `password` against `hash`. A NULL hash verifies against a dummy
 * of the same cost and never matches, so unknown accounts take as long as
 * wrong passwords. */
int nb__pw_verify(uv_loop_t *loop, const char *hash, const char *password,
                  nb_pw_cb cb, void *ud);

/* Hash synchronously (CLI and demo seeding only, never on the loop of a
 * serving process). Returns 0 or NB_ENOMEM. */
int nb__pw_hash_now(const char *password, char out[NB_PW_HASH_MAX]);

/* Policy: NULL when acceptable, else a message for the person. `email`
 * and `name` may be NULL. */
const char *nb__pw_policy(const char *password, long min_length,
                          const char *email, const char *name);

/* Free the wait queue (at exit). */
void nb__pw_close(void);

#endif
