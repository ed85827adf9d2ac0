/*
 * What one small send() to each of N loopback TCP sockets costs on this
 * machine, with no server in the way: the floor under nachbar's fan-out
 * round (tests/bench/README.md, "What limits the figures").
 *
 * A child process connects N sockets and reads them in one epoll loop
 * (asleep in epoll_wait between rounds, like the subscriber); the parent
 * accepts them and, per round, writes one message of SIZE bytes to every
 * socket, with T threads each taking a share of the sockets. Prints JSON:
 * milliseconds per round (median of ROUNDS) and microseconds per send().
 *
 *   loopback-floor [N=10000] [THREADS=1] [SIZE=250] [ROUNDS=20]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int n = 10000, threads = 1, size = 250, rounds = 20;
static int *fds;
static char msg[65536];

typedef struct {
  int lo, hi;
  long failed;
} share_t;

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void die(const char *what) {
  perror(what);
  exit(1);
}

static void *send_share(void *arg) {
  share_t *s = arg;
  for (int i = s->lo; i < s->hi; i++)
    if (send(fds[i], msg, (size_t)size, MSG_NOSIGNAL | MSG_DONTWAIT) != size)
      s->failed++;
  return NULL;
}

/* The receiving side: connect n sockets, then read until killed. */
static void receiver(const struct sockaddr_in *addr) {
  int ep = epoll_create1(0);
  if (ep < 0)
    die("epoll_create1");
  for (int i = 0; i < n; i++) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (const struct sockaddr *)addr, sizeof(*addr)))
      die("connect");
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  }
  static char buf[1 << 16];
  struct epoll_event evs[512];
  for (;;) {
    int k = epoll_wait(ep, evs, 512, -1);
    for (int i = 0; i < k; i++)
      while (recv(evs[i].data.fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
        ;
  }
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  if (argc > 1) n = atoi(argv[1]);
  if (argc > 2) threads = atoi(argv[2]);
  if (argc > 3) size = atoi(argv[3]);
  if (argc > 4) rounds = atoi(argv[4]);
  if (n < 1 || threads < 1 || threads > 64 || size < 1 ||
      size > (int)sizeof(msg) || rounds < 1) {
    fprintf(stderr, "usage: loopback-floor [N] [THREADS] [SIZE] [ROUNDS]\n");
    return 2;
  }
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  memset(msg, 'x', sizeof(msg));

  int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  struct sockaddr_in addr = {.sin_family = AF_INET,
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t alen = sizeof(addr);
  setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(l, (struct sockaddr *)&addr, sizeof(addr)) || listen(l, 4096) ||
      getsockname(l, (struct sockaddr *)&addr, &alen))
    die("listen");
  pid_t child = fork();
  if (child == 0)
    receiver(&addr);
  fds = malloc((size_t)n * sizeof(*fds));
  for (int i = 0; i < n; i++)
    if ((fds[i] = accept(l, NULL, NULL)) < 0)
      die("accept");
  usleep(200 * 1000);

  double *ms = malloc((size_t)rounds * sizeof(*ms));
  share_t share[64];
  pthread_t th[64];
  long failed = 0;
  for (int r = 0; r < rounds; r++) {
    double t0 = now_ms();
    for (int k = 0; k < threads; k++) {
      share[k] = (share_t){n * k / threads, n * (k + 1) / threads, 0};
      if (k)
        pthread_create(&th[k], NULL, send_share, &share[k]);
    }
    send_share(&share[0]);
    for (int k = 1; k < threads; k++)
      pthread_join(th[k], NULL);
    ms[r] = now_ms() - t0;
    for (int k = 0; k < threads; k++)
      failed += share[k].failed;
    usleep(50 * 1000); /* let the receiver drain and fall asleep */
  }
  qsort(ms, (size_t)rounds, sizeof(*ms), cmp);
  double med = ms[rounds / 2];
  printf("{\"n\":%d,\"threads\":%d,\"size\":%d,\"rounds\":%d,"
         "\"round_ms_median\":%.2f,\"us_per_send\":%.2f,\"failed_sends\":%ld}\n",
         n, threads, size, rounds, med, med * 1000 / n, failed);
  kill(child, SIGKILL);
  waitpid(child, NULL, 0);
  return 0;
}
