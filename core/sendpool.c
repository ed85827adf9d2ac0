/*
 * Send pool (see sendpool.h). A round: the loop thread publishes the job
 * array and bumps the round number under the lock, wakes the helpers, and
 * everyone takes chunks of jobs from one atomic cursor until none are
 * left; the loop thread then waits until every helper has finished its
 * last chunk. Chunks keep the shares even when some sockets are slower.
 */
#include "sendpool.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>

#define CHUNK 64
#define MAX_HELPERS 16

struct nb_sendpool {
  pthread_mutex_t lock;
  pthread_cond_t start, done;
  unsigned long round;  /* bumped per parallel round */
  int stop;
  int busy;             /* helpers still working on this round */
  nb_send_job_t *jobs;
  size_t n;
  atomic_size_t next;   /* first job not yet taken */
  atomic_ulong helper_jobs; /* jobs the helpers wrote, for tests */
  int helpers;
  pthread_t threads[MAX_HELPERS];
};

static void send_one(nb_send_job_t *j) {
  struct msghdr m = {0};
  m.msg_iov = j->iov;
  m.msg_iovlen = (size_t)j->iovcnt;
  ssize_t n;
  do
    n = sendmsg(j->fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
  j->sent = n > 0 ? n : 0;
  j->err = n < 0 && errno != EAGAIN && errno != EWOULDBLOCK ? errno : 0;
}

static void take_chunks(nb_sendpool_t *p, int helper) {
  for (;;) {
    size_t i = atomic_fetch_add(&p->next, CHUNK);
    if (i >= p->n)
      return;
    size_t end = i + CHUNK < p->n ? i + CHUNK : p->n;
    if (helper)
      atomic_fetch_add(&p->helper_jobs, end - i);
    for (; i < end; i++)
      send_one(&p->jobs[i]);
  }
}

static void *helper(void *arg) {
  nb_sendpool_t *p = arg;
  unsigned long seen = 0;
  pthread_mutex_lock(&p->lock);
  for (;;) {
    while (!p->stop && p->round == seen)
      pthread_cond_wait(&p->start, &p->lock);
    if (p->stop)
      break;
    seen = p->round;
    pthread_mutex_unlock(&p->lock);
    take_chunks(p, 1);
    pthread_mutex_lock(&p->lock);
    if (--p->busy == 0)
      pthread_cond_signal(&p->done);
  }
  pthread_mutex_unlock(&p->lock);
  return NULL;
}

nb_sendpool_t *nb__sendpool_create(int helpers) {
  if (helpers < 0 || helpers > MAX_HELPERS)
    return NULL;
  nb_sendpool_t *p = calloc(1, sizeof(*p));
  if (!p)
    return NULL;
  pthread_mutex_init(&p->lock, NULL);
  pthread_cond_init(&p->start, NULL);
  pthread_cond_init(&p->done, NULL);
  for (; p->helpers < helpers; p->helpers++)
    if (pthread_create(&p->threads[p->helpers], NULL, helper, p) != 0) {
      nb__sendpool_destroy(p);
      return NULL;
    }
  return p;
}

void nb__sendpool_destroy(nb_sendpool_t *p) {
  if (!p)
    return;
  pthread_mutex_lock(&p->lock);
  p->stop = 1;
  pthread_cond_broadcast(&p->start);
  pthread_mutex_unlock(&p->lock);
  for (int i = 0; i < p->helpers; i++)
    pthread_join(p->threads[i], NULL);
  pthread_cond_destroy(&p->start);
  pthread_cond_destroy(&p->done);
  pthread_mutex_destroy(&p->lock);
  free(p);
}

void nb__sendpool_run(nb_sendpool_t *p, nb_send_job_t *jobs, size_t n,
                      size_t min_parallel) {
  if (!p->helpers || n < min_parallel) {
    for (size_t i = 0; i < n; i++)
      send_one(&jobs[i]);
    return;
  }
  pthread_mutex_lock(&p->lock);
  p->jobs = jobs;
  p->n = n;
  atomic_store(&p->next, 0);
  p->busy = p->helpers;
  p->round++;
  pthread_cond_broadcast(&p->start);
  pthread_mutex_unlock(&p->lock);
  take_chunks(p, 0);
  pthread_mutex_lock(&p->lock);
  while (p->busy)
    pthread_cond_wait(&p->done, &p->lock);
  p->jobs = NULL;
  pthread_mutex_unlock(&p->lock);
}

void nb__send_progress(const nb_send_job_t *j, int *whole, size_t *part) {
  size_t left = j->sent > 0 ? (size_t)j->sent : 0;
  int i = 0;
  while (i < j->iovcnt && left >= j->iov[i].iov_len) {
    left -= j->iov[i].iov_len;
    i++;
  }
  *whole = i;
  *part = i < j->iovcnt ? left : 0;
}

int nb__sendpool_helpers(const nb_sendpool_t *p) { return p ? p->helpers : 0; }

unsigned long nb__sendpool_parallel_runs(const nb_sendpool_t *p) {
  return p ? p->round : 0; /* written by the loop thread only */
}

unsigned long nb__sendpool_helper_jobs(nb_sendpool_t *p) {
  return p ? atomic_load(&p->helper_jobs) : 0;
}
