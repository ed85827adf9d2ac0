/*
 * subscriber: many WebSocket subscribers in one small epoll process, the
 * receiving side of the fan-out and replay benchmarks.
 *
 * Why C and not Node: a Node `ws` client spends ~20 µs of CPU per received
 * message on this machine, more than the server spends per delivery, so a
 * Node-only load tool mostly measures itself (PLATFORM-NOTES, "Measuring
 * fan-out"). This client does no JSON parsing: it finds the benchmark's
 * sequence number with one memmem() per frame and stores (seq, time).
 *
 * It speaks just enough RFC 6455 for a client: the upgrade request with the
 * subprotocol nachbar.v1, unfragmented text frames, masked (zero key)
 * frames out, answers pings, notes close frames.
 *
 * Usage:
 *   subscriber --port P [--host 127.0.0.1] --n N --auth FILE
 *              [--hood SLUG] [--topic T] [--since ID] [--out FILE]
 *              [--inflight K] [--poll-us U]
 * --auth FILE holds one header line per line ("Cookie: nb_session=…" or
 * "Authorization: Bearer nb_…"); connection i uses line i % lines.
 *
 * Protocol with the parent on stdin/stdout, one line each:
 *   out: "ready ok=N failed=F ms=T replayed=R connect_ms=C sub_ms=S
 *        last_id=L" once every connection got `replayed` (or `resync`) or
 *        failed; C is the median connect-to-replayed time, S the median
 *        subscribe-to-replayed time, L the last_id a `replayed` named
 *   in:  "count"  -> out: "count events=E closed=C last=MS frames=F
 *        bytes=B" (B: bytes of the E event messages)
 *   in:  "dump"   -> writes the receipts to --out, out: "dumped N"
 *   in:  "quit"   -> exits
 * A receipt is an event frame whose text holds "message":"#<seq>; the dump
 * file is: uint64 n, n doubles (CLOCK_MONOTONIC ms, when recv() returned
 * it), n uint32 seqs, n doubles (CLOCK_MONOTONIC ms, when the kernel put
 * the data into the socket: SO_TIMESTAMPNS of the read's last segment;
 * the recv() time when the kernel gave none). The second time does not
 * depend on when this process got round to reading.
 *
 * --poll-us U (default 0): instead of sleeping in epoll_wait() until data
 * wakes it, look every U microseconds (epoll_wait with timeout 0, then
 * nanosleep). A receipt is then seen at most U µs (plus timer slack)
 * later, but nobody waits on the epoll when data arrives. On loopback the
 * receiver's side of a send() runs inside the sender's send(), wake-up of
 * a sleeping reader included: a sleeping subscriber is woken by nearly
 * every one of the server's 10,000 send()s per round, at the server's
 * expense (README.md, "fanout"). Over a network the server's send() ends
 * at the network card and every phone wakes on its own CPU.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { S_CONNECTING, S_HANDSHAKE, S_SUBSCRIBING, S_LIVE, S_DEAD };

typedef struct conn {
  int fd, state;
  double t_connect, t_sub, t_replayed;
  char *buf; /* unparsed bytes carried between reads */
  size_t len, cap;
  char *out; /* unsent bytes (handshake, subscribe, pong) */
  size_t olen;
} conn_t;

static conn_t *conns;
static int nconns, ep;
static const char *host = "127.0.0.1", *hood = "peiner-strasse",
                  *topic = "hello", *out_path;
static int port, inflight_max = 200;
static long poll_us; /* 0: sleep in epoll_wait until woken */
static long long since = -1;
static char **auths;
static int nauths;

static long ok, failed, done_subscribing, closed, frames, replayed_total;
static long long event_bytes, last_id = -1;
static double last_recv;
static double *rt; /* receipt times */
static double *rarr; /* arrival times (kernel timestamps) */
static uint32_t *rseq;
static size_t nrec, caprec;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void die(const char *what) {
  perror(what);
  exit(1);
}

static void record(uint32_t seq, double t, double arrived) {
  if (nrec == caprec) {
    caprec = caprec ? caprec * 2 : 1 << 20;
    rt = realloc(rt, caprec * sizeof(*rt));
    rarr = realloc(rarr, caprec * sizeof(*rarr));
    rseq = realloc(rseq, caprec * sizeof(*rseq));
    if (!rt || !rarr || !rseq)
      die("realloc");
  }
  rt[nrec] = t;
  rarr[nrec] = arrived;
  rseq[nrec++] = seq;
}

/* Queue bytes to send; try to send at once. */
static int send_bytes(conn_t *c, const void *p, size_t n) {
  if (c->olen == 0) {
    ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno != EAGAIN)
      return -1;
    if (w < 0)
      w = 0;
    p = (const char *)p + w;
    n -= (size_t)w;
    if (n == 0)
      return 0;
  }
  c->out = realloc(c->out, c->olen + n);
  memcpy(c->out + c->olen, p, n);
  c->olen += n;
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT,
                           .data.u32 = (uint32_t)(c - conns)};
  epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
  return 0;
}

/* A client frame: FIN, opcode, masked with the zero key. */
static int send_frame(conn_t *c, int opcode, const char *p, size_t n) {
  unsigned char h[14];
  size_t hl = 0;
  h[hl++] = 0x80 | (unsigned char)opcode;
  if (n < 126) {
    h[hl++] = 0x80 | (unsigned char)n;
  } else {
    h[hl++] = 0x80 | 126;
    h[hl++] = (unsigned char)(n >> 8);
    h[hl++] = (unsigned char)n;
  }
  memset(h + hl, 0, 4);
  hl += 4;
  char tmp[1024];
  if (hl + n > sizeof(tmp))
    return -1;
  memcpy(tmp, h, hl);
  memcpy(tmp + hl, p, n);
  return send_bytes(c, tmp, hl + n);
}

static void finish_sub(conn_t *c, int good) {
  c->t_replayed = now_ms();
  done_subscribing++;
  if (good)
    ok++;
  else
    failed++;
}

static void kill_conn(conn_t *c) {
  if (c->state == S_DEAD)
    return;
  if (c->state != S_LIVE)
    finish_sub(c, 0);
  else
    closed++;
  c->state = S_DEAD;
  epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  free(c->buf);
  free(c->out);
  c->buf = c->out = NULL;
  c->len = c->cap = c->olen = 0;
}

/* When the bytes being parsed were read: one clock read per recv(), not
 * per message (several events arrive in one read); and when the kernel
 * queued them to the socket. */
static double recv_t, arrive_t;

static void on_text(conn_t *c, const char *p, size_t n) {
  static const char mark[] = "\"message\":\"#";
  if (c->state == S_SUBSCRIBING) {
    if (memmem(p, n, "\"op\":\"replayed\"", 15)) {
      const char *k = memmem(p, n, "\"count\":", 8);
      if (k)
        replayed_total += strtol(k + 8, NULL, 10);
      k = memmem(p, n, "\"last_id\":", 10);
      if (k)
        last_id = strtoll(k + 10, NULL, 10);
      c->state = S_LIVE;
      finish_sub(c, 1);
      return;
    }
    if (memmem(p, n, "\"op\":\"resync\"", 13) ||
        memmem(p, n, "\"op\":\"error\"", 12)) {
      fprintf(stderr, "subscriber: %.*s\n", (int)(n > 300 ? 300 : n), p);
      c->state = S_LIVE;
      finish_sub(c, 0);
      return;
    }
  }
  const char *m = memmem(p, n, mark, sizeof(mark) - 1);
  if (m) {
    double t = recv_t;
    record((uint32_t)strtoul(m + sizeof(mark) - 1, NULL, 10), t, arrive_t);
    event_bytes += (long long)n;
    last_recv = t;
  }
}

/* Parse whole frames out of c->buf. Returns -1 when the connection ends. */
static int parse_frames(conn_t *c, char *b, size_t n, size_t *used) {
  size_t off = 0;
  while (n - off >= 2) {
    unsigned char *h = (unsigned char *)b + off;
    int op = h[0] & 0x0f;
    uint64_t len = h[1] & 0x7f;
    size_t hl = 2;
    if (len == 126) {
      if (n - off < 4)
        break;
      len = ((uint64_t)h[2] << 8) | h[3];
      hl = 4;
    } else if (len == 127) {
      if (n - off < 10)
        break;
      len = 0;
      for (int i = 0; i < 8; i++)
        len = (len << 8) | h[2 + i];
      hl = 10;
    }
    if (n - off < hl + len)
      break;
    char *p = b + off + hl;
    frames++;
    if (op == 0x1 || op == 0x0)
      on_text(c, p, (size_t)len);
    else if (op == 0x9)
      send_frame(c, 0xA, p, (size_t)len);
    else if (op == 0x8) {
      int code = len >= 2 ? ((unsigned char)p[0] << 8 | (unsigned char)p[1]) : 0;
      fprintf(stderr, "subscriber: close %d %.*s\n", code,
              (int)(len > 2 ? len - 2 : 0), p + 2);
      *used = off + hl + len;
      return -1;
    }
    off += hl + (size_t)len;
  }
  *used = off;
  return 0;
}

static void start_connect(conn_t *c) {
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (c->fd < 0)
    die("socket");
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  inet_pton(AF_INET, host, &a.sin_addr);
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  setsockopt(c->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
  c->t_connect = now_ms();
  c->state = S_CONNECTING;
  if (connect(c->fd, (struct sockaddr *)&a, sizeof(a)) < 0 &&
      errno != EINPROGRESS)
    die("connect");
  struct epoll_event ev = {.events = EPOLLOUT,
                           .data.u32 = (uint32_t)(c - conns)};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev))
    die("epoll_ctl");
}

static void send_handshake(conn_t *c) {
  char req[2048];
  const char *auth = nauths ? auths[(c - conns) % nauths] : "";
  int n = snprintf(req, sizeof(req),
                   "GET /ws HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
                   "Connection: Upgrade\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                   "Sec-WebSocket-Version: 13\r\n"
                   "Sec-WebSocket-Protocol: nachbar.v1\r\n%s%s\r\n",
                   host, port, auth, *auth ? "\r\n" : "");
  c->state = S_HANDSHAKE;
  struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)(c - conns)};
  epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
  if (send_bytes(c, req, (size_t)n))
    kill_conn(c);
}

static void send_subscribe(conn_t *c) {
  char msg[512], s[32] = "null";
  if (since >= 0)
    snprintf(s, sizeof(s), "%lld", since);
  int n = snprintf(msg, sizeof(msg),
                   "{\"op\":\"subscribe\",\"hood\":\"%s\",\"topics\":[\"%s\"],"
                   "\"since\":%s,\"id\":1}",
                   hood, topic, s);
  c->state = S_SUBSCRIBING;
  c->t_sub = now_ms();
  if (send_frame(c, 0x1, msg, (size_t)n))
    kill_conn(c);
}

static void on_readable(conn_t *c) {
  static char rb[1 << 18];
  for (;;) {
    struct iovec iov = {rb, sizeof(rb)};
    union {
      char buf[CMSG_SPACE(sizeof(struct timespec))];
      struct cmsghdr align;
    } ctl;
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1,
                        .msg_control = ctl.buf,
                        .msg_controllen = sizeof(ctl.buf)};
    ssize_t r = recvmsg(c->fd, &mh, 0);
    recv_t = arrive_t = now_ms();
    for (struct cmsghdr *cm = r > 0 ? CMSG_FIRSTHDR(&mh) : NULL; cm;
         cm = CMSG_NXTHDR(&mh, cm)) {
      if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS) {
        struct timespec ts, real;
        memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
        clock_gettime(CLOCK_REALTIME, &real); /* realtime -> monotonic */
        arrive_t = recv_t - ((real.tv_sec - ts.tv_sec) * 1e3 +
                             (real.tv_nsec - ts.tv_nsec) / 1e6);
      }
    }
    if (r == 0) {
      kill_conn(c);
      return;
    }
    if (r < 0) {
      if (errno != EAGAIN)
        kill_conn(c);
      return;
    }
    char *b = rb;
    size_t n = (size_t)r;
    if (c->len) { /* leftover from the last read: append */
      if (c->len + n > c->cap) {
        c->cap = c->len + n;
        c->buf = realloc(c->buf, c->cap);
      }
      memcpy(c->buf + c->len, rb, n);
      b = c->buf;
      n = c->len + n;
    }
    size_t used = 0;
    if (c->state == S_HANDSHAKE) {
      char *end = memmem(b, n, "\r\n\r\n", 4);
      if (!end) {
        used = 0;
      } else {
        if (n < 12 || memcmp(b + 9, "101", 3) != 0) {
          fprintf(stderr, "subscriber: upgrade refused: %.*s\n",
                  (int)(n > 80 ? 80 : n), b);
          kill_conn(c);
          return;
        }
        used = (size_t)(end + 4 - b);
        send_subscribe(c);
        if (c->state == S_DEAD)
          return;
      }
    }
    if (c->state != S_HANDSHAKE) {
      size_t u2 = 0;
      if (parse_frames(c, b + used, n - used, &u2) < 0) {
        kill_conn(c);
        return;
      }
      used += u2;
    }
    size_t rest = n - used;
    if (rest) {
      if (b == rb) {
        if (rest > c->cap) {
          c->cap = rest;
          c->buf = realloc(c->buf, c->cap);
        }
        memcpy(c->buf, rb + used, rest);
      } else {
        memmove(c->buf, c->buf + used, rest);
      }
    }
    c->len = rest;
    if ((size_t)r < sizeof(rb))
      return;
  }
}

static void on_writable(conn_t *c) {
  if (c->state == S_CONNECTING) {
    int err = 0;
    socklen_t l = sizeof(err);
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
    if (err) {
      fprintf(stderr, "subscriber: connect: %s\n", strerror(err));
      kill_conn(c);
      return;
    }
    send_handshake(c);
    return;
  }
  if (c->olen) {
    ssize_t w = send(c->fd, c->out, c->olen, MSG_NOSIGNAL);
    if (w < 0 && errno != EAGAIN) {
      kill_conn(c);
      return;
    }
    if (w > 0) {
      memmove(c->out, c->out + w, c->olen - (size_t)w);
      c->olen -= (size_t)w;
    }
  }
  if (!c->olen) {
    struct epoll_event ev = {.events = EPOLLIN,
                             .data.u32 = (uint32_t)(c - conns)};
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
  }
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median_of(int which) {
  double *v = malloc(sizeof(double) * (size_t)nconns);
  int k = 0;
  for (int i = 0; i < nconns; i++)
    if (conns[i].t_replayed > 0 && conns[i].state == S_LIVE)
      v[k++] = conns[i].t_replayed -
               (which ? conns[i].t_sub : conns[i].t_connect);
  qsort(v, (size_t)k, sizeof(double), cmp_double);
  double m = k ? v[k / 2] : -1;
  free(v);
  return m;
}

static void dump(void) {
  FILE *f = fopen(out_path ? out_path : "/dev/null", "wb");
  if (!f)
    die("fopen");
  uint64_t n = nrec;
  fwrite(&n, sizeof(n), 1, f);
  fwrite(rt, sizeof(double), nrec, f);
  fwrite(rseq, sizeof(uint32_t), nrec, f);
  fwrite(rarr, sizeof(double), nrec, f);
  fclose(f);
  printf("dumped %zu\n", nrec);
  fflush(stdout);
}

static void load_auths(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f)
    die(path);
  char line[4096];
  while (fgets(line, sizeof(line), f)) {
    line[strcspn(line, "\r\n")] = '\0';
    if (!*line)
      continue;
    auths = realloc(auths, (size_t)(nauths + 1) * sizeof(*auths));
    auths[nauths++] = strdup(line);
  }
  fclose(f);
}

int main(int argc, char **argv) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const char *k = argv[i], *v = argv[i + 1];
    if (!strcmp(k, "--port"))
      port = atoi(v);
    else if (!strcmp(k, "--host"))
      host = v;
    else if (!strcmp(k, "--n"))
      nconns = atoi(v);
    else if (!strcmp(k, "--auth"))
      load_auths(v);
    else if (!strcmp(k, "--hood"))
      hood = v;
    else if (!strcmp(k, "--topic"))
      topic = v;
    else if (!strcmp(k, "--since"))
      since = atoll(v);
    else if (!strcmp(k, "--out"))
      out_path = v;
    else if (!strcmp(k, "--inflight"))
      inflight_max = atoi(v);
    else if (!strcmp(k, "--poll-us"))
      poll_us = atol(v);
    else {
      fprintf(stderr, "subscriber: unknown option %s\n", k);
      return 2;
    }
  }
  if (!port || nconns <= 0) {
    fprintf(stderr, "usage: subscriber --port P --n N --auth FILE ...\n");
    return 2;
  }
  conns = calloc((size_t)nconns, sizeof(*conns));
  ep = epoll_create1(0);
  if (!conns || ep < 0)
    die("init");
  struct epoll_event sev = {.events = EPOLLIN, .data.u32 = UINT32_MAX};
  epoll_ctl(ep, EPOLL_CTL_ADD, 0, &sev);

  double t0 = now_ms();
  int next = 0, announced = 0;
  struct epoll_event evs[512];
  char cmd[256];
  size_t cmdlen = 0;
  for (;;) {
    /* Keep at most inflight_max connections between connect and replayed,
     * so the server's listen backlog never overflows. */
    while (next < nconns && (next - done_subscribing) < inflight_max)
      start_connect(&conns[next++]);
    if (!announced && done_subscribing == nconns) {
      announced = 1;
      printf("ready ok=%ld failed=%ld ms=%.1f replayed=%ld connect_ms=%.3f "
             "sub_ms=%.3f last_id=%lld\n",
             ok, failed, now_ms() - t0, replayed_total, median_of(0),
             median_of(1), last_id);
      fflush(stdout);
    }
    int n = epoll_wait(ep, evs, 512, poll_us > 0 ? 0 : 1000);
    if (n < 0 && errno != EINTR)
      die("epoll_wait");
    if (n == 0 && poll_us > 0) {
      struct timespec ts = {poll_us / 1000000, (poll_us % 1000000) * 1000};
      nanosleep(&ts, NULL);
    }
    for (int i = 0; i < n; i++) {
      if (evs[i].data.u32 == UINT32_MAX) {
        ssize_t r = read(0, cmd + cmdlen, sizeof(cmd) - 1 - cmdlen);
        if (r <= 0)
          return 0; /* parent gone */
        cmdlen += (size_t)r;
        char *nl;
        while ((nl = memchr(cmd, '\n', cmdlen))) {
          *nl = '\0';
          if (!strcmp(cmd, "count")) {
            printf("count events=%zu closed=%ld last=%.3f frames=%ld "
                   "bytes=%lld\n",
                   nrec, closed, last_recv, frames, event_bytes);
            fflush(stdout);
          } else if (!strcmp(cmd, "dump")) {
            dump();
          } else if (!strcmp(cmd, "quit")) {
            return 0;
          }
          size_t used = (size_t)(nl + 1 - cmd);
          memmove(cmd, nl + 1, cmdlen - used);
          cmdlen -= used;
        }
        continue;
      }
      conn_t *c = &conns[evs[i].data.u32];
      if (c->state == S_DEAD)
        continue;
      if (evs[i].events & (EPOLLERR | EPOLLHUP) && c->state == S_CONNECTING) {
        fprintf(stderr, "subscriber: connect failed\n");
        kill_conn(c);
        continue;
      }
      if (evs[i].events & EPOLLOUT)
        on_writable(c);
      if (c->state != S_DEAD && evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
        on_readable(c);
    }
  }
}
