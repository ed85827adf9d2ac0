/*
 * Send pool: writes prepared byte vectors to many sockets at once, split
 * over the loop thread and a few helper threads. For the WebSocket
 * fan-out, where one round is a small send() to each of thousands of
 * sockets and the kernel's work per send() (the loopback or NIC path,
 * waking the reader) is most of the time: two threads do a round of
 * 10,000 sends in about 70 % of the time one needs
 * (tests/bench/bench.sh floor).
 *
 * Invariants: nb__sendpool_run returns only when every job is done, so
 * the caller's buffers and sockets are touched by helpers only inside
 * that call; helpers call nothing but sendmsg() (no lws, no libuv, no
 * allocation); a pool with 0 helpers sends on the calling thread.
 */
#ifndef NB_CORE_SENDPOOL_H
#define NB_CORE_SENDPOOL_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

typedef struct nb_send_job {
  int fd;
  struct iovec *iov;
  int iovcnt;
  ssize_t sent;  /* out: bytes written (0 when the socket took nothing) */
  int err;       /* out: errno of a failed sendmsg (not EAGAIN), else 0 */
} nb_send_job_t;

typedef struct nb_sendpool nb_sendpool_t;

/* A pool with `helpers` threads (0 to 16). NULL when threads or memory
 * are not to be had. */
nb_sendpool_t *nb__sendpool_create(int helpers);

/* Stop and join the helpers, free the pool. NULL is a no-op. */
void nb__sendpool_destroy(nb_sendpool_t *p);

/* Write each job once, non-blocking; helpers join in when there are at
 * least `min_parallel` jobs. Returns when all are done. */
void nb__sendpool_run(nb_sendpool_t *p, nb_send_job_t *jobs, size_t n,
                      size_t min_parallel);

/* How far job `j` got: the number of vectors written whole, and the bytes
 * written of the next one (0 when none; the rest of that vector must be
 * written before anything else on the socket). */
void nb__send_progress(const nb_send_job_t *j, int *whole, size_t *part);

/* Helper threads the pool has, and the runs they joined so far. */
int nb__sendpool_helpers(const nb_sendpool_t *p);
unsigned long nb__sendpool_parallel_runs(const nb_sendpool_t *p);

/* Jobs written by the helpers (not the calling thread) so far. */
unsigned long nb__sendpool_helper_jobs(nb_sendpool_t *p);

#endif
