/*
 * Send pool unit tests over real sockets (AF_UNIX stream pairs, whose
 * small buffers make a write take only part of what it is given): every
 * job written once with and without helper threads, partial writes and a
 * full socket reported as such, a closed peer as an error; the progress
 * of a job split into whole vectors and the part of the next.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sendpool.h"

#define PAIRS 300

static int pairs[PAIRS][2];

static void open_pairs(int n) {
  for (int i = 0; i < n; i++) {
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, pairs[i]), 0);
    fcntl(pairs[i][0], F_SETFL, O_NONBLOCK);
  }
}

static void close_pairs(int n) {
  for (int i = 0; i < n; i++) {
    close(pairs[i][0]);
    close(pairs[i][1]);
  }
}

/* Every job written whole, each socket getting exactly its own bytes:
 * helpers join at 300 jobs, not at 10. */
static void each_job_once(int helpers) {
  nb_sendpool_t *p = nb__sendpool_create(helpers);
  assert_non_null(p);
  assert_int_equal(nb__sendpool_helpers(p), helpers);
  open_pairs(PAIRS);
  static char text[PAIRS][2][32];
  static struct iovec iov[PAIRS][2];
  static nb_send_job_t jobs[PAIRS];
  for (int round = 0; round < 3; round++) {
    size_t n = round == 1 ? 10 : PAIRS;
    for (size_t i = 0; i < n; i++) {
      snprintf(text[i][0], 32, "[%zu-%d:", i, round);
      snprintf(text[i][1], 32, "payload]");
      iov[i][0] = (struct iovec){text[i][0], strlen(text[i][0])};
      iov[i][1] = (struct iovec){text[i][1], strlen(text[i][1])};
      jobs[i] = (nb_send_job_t){.fd = pairs[i][0], .iov = iov[i], .iovcnt = 2};
    }
    nb__sendpool_run(p, jobs, n, 128);
    /* helpers joined the two runs of 300 jobs, not the one of 10 */
    static const unsigned long joined[] = {1, 1, 2};
    assert_int_equal(nb__sendpool_parallel_runs(p), helpers ? joined[round] : 0);
    for (size_t i = 0; i < n; i++) {
      char got[72] = "", want[72] = "";
      strcat(strcat(want, text[i][0]), text[i][1]);
      assert_int_equal(jobs[i].err, 0);
      assert_int_equal(jobs[i].sent, (ssize_t)strlen(want));
      assert_int_equal(read(pairs[i][1], got, sizeof(got) - 1), (ssize_t)strlen(want));
      assert_string_equal(got, want);
    }
  }
  /* The helpers did write: over a few more runs they take some chunks
   * (the loop thread alone would take them all only if no helper ever
   * woke up within a run of 300 sends). */
  for (int round = 0; round < 200 && helpers && !nb__sendpool_helper_jobs(p);
       round++) {
    nb__sendpool_run(p, jobs, PAIRS, 128);
    for (size_t i = 0; i < PAIRS; i++) {
      char got[72];
      assert_true(read(pairs[i][1], got, sizeof(got)) > 0);
    }
  }
  assert_int_equal(nb__sendpool_helper_jobs(p) > 0, helpers > 0);
  close_pairs(PAIRS);
  nb__sendpool_destroy(p);
}

static void jobs_loop_thread_only(void **state) {
  (void)state;
  each_job_once(0);
}

static void jobs_with_helpers(void **state) {
  (void)state;
  each_job_once(3);
}

/* A socket that cannot take everything: a part, then nothing (not an
 * error); a closed peer: an error. */
static void partial_full_and_closed(void **state) {
  (void)state;
  nb_sendpool_t *p = nb__sendpool_create(1);
  open_pairs(2);
  int small = 4096;
  setsockopt(pairs[0][0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
  static char big[1 << 20];
  memset(big, 'x', sizeof(big));
  struct iovec iov[2] = {{big, 100}, {big, sizeof(big) - 100}};
  nb_send_job_t j = {.fd = pairs[0][0], .iov = iov, .iovcnt = 2};
  nb__sendpool_run(p, &j, 1, 1);
  assert_int_equal(j.err, 0);
  assert_true(j.sent > 100 && j.sent < (ssize_t)sizeof(big));
  int whole;
  size_t part;
  nb__send_progress(&j, &whole, &part);
  assert_int_equal(whole, 1);
  assert_int_equal(part, (size_t)j.sent - 100);

  nb__sendpool_run(p, &j, 1, 1); /* the socket is full now */
  assert_int_equal(j.err, 0);
  assert_int_equal(j.sent, 0);
  nb__send_progress(&j, &whole, &part);
  assert_int_equal(whole, 0);
  assert_int_equal(part, 0);

  close(pairs[1][1]);
  pairs[1][1] = -1;
  nb_send_job_t gone = {.fd = pairs[1][0], .iov = iov, .iovcnt = 1};
  nb__sendpool_run(p, &gone, 1, 1);
  assert_int_equal(gone.err, EPIPE);
  assert_int_equal(gone.sent, 0);
  close(pairs[0][0]);
  close(pairs[0][1]);
  close(pairs[1][0]);
  nb__sendpool_destroy(p);
}

static void progress_of_whole_vectors(void **state) {
  (void)state;
  char b[10];
  struct iovec iov[3] = {{b, 4}, {b, 3}, {b, 5}};
  nb_send_job_t j = {.iov = iov, .iovcnt = 3};
  int whole;
  size_t part;
  ssize_t sent[] = {0, 2, 4, 7, 8, 12};
  int want_whole[] = {0, 0, 1, 2, 2, 3};
  size_t want_part[] = {0, 2, 0, 0, 1, 0};
  for (size_t i = 0; i < sizeof(sent) / sizeof(*sent); i++) {
    j.sent = sent[i];
    nb__send_progress(&j, &whole, &part);
    assert_int_equal(whole, want_whole[i]);
    assert_int_equal(part, want_part[i]);
  }
  assert_null(nb__sendpool_create(-1));
  assert_null(nb__sendpool_create(17));
  nb__sendpool_destroy(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(jobs_loop_thread_only),
      cmocka_unit_test(jobs_with_helpers),
      cmocka_unit_test(partial_full_and_closed),
      cmocka_unit_test(progress_of_whole_vectors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
