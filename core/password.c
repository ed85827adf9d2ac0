/*
 * Password hashing jobs (see password.h). Jobs wait in a FIFO until one of
 * NB_PW_PARALLEL slots is free; each runs crypto_pwhash on a libuv worker.
 * Secrets are wiped (sodium_memzero) as soon as a job is done.
 */
#include "password.h"

#include <pthread.h>
#include <stdio.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nachbar/plugin.h"

typedef struct pw_job {
  uv_work_t req;
  char *password;
  char hash[NB_PW_HASH_MAX]; /* in: stored hash (verify); out: new hash */
  int verify, has_hash, ok, rehash;
  nb_pw_cb cb;
  void *ud;
  uv_loop_t *loop;
  struct pw_job *next;
} pw_job_t;

static pw_job_t *waiting, **waiting_tail = &waiting;
static int running;

/* One dummy hash, made on first need on a worker, so unknown accounts
 * cost the same as known ones. */
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy_hash[NB_PW_HASH_MAX];

static void make_dummy(void) {
  unsigned char pw[16];
  randombytes_buf(pw, sizeof(pw));
  if (crypto_pwhash_str(dummy_hash, (const char *)pw, sizeof(pw),
                        crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    dummy_hash[0] = '\0';
}

int nb__pw_hash_now(const char *password, char out[NB_PW_HASH_MAX]) {
  return crypto_pwhash_str(out, password, strlen(password),
                           crypto_pwhash_OPSLIMIT_INTERACTIVE,
                           crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0
             ? 0
             : NB_ENOMEM;
}

static void job_run(uv_work_t *w) {
  pw_job_t *j = w->data;
  size_t len = strlen(j->password);
  if (!j->verify) {
    j->ok = nb__pw_hash_now(j->password, j->hash) == 0;
    return;
  }
  if (!j->has_hash) {
    pthread_once(&dummy_once, make_dummy);
    /* Same work as a real check; the answer is "no" whatever it says. */
    int same = dummy_hash[0] &&
               crypto_pwhash_str_verify(dummy_hash, j->password, len) == 0;
    j->ok = 0 * same;
    return;
  }
  j->ok = crypto_pwhash_str_verify(j->hash, j->password, len) == 0;
  if (j->ok && crypto_pwhash_str_needs_rehash(
                   j->hash, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                   crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    j->rehash = nb__pw_hash_now(j->password, j->hash) == 0;
  }
}

static void start_next(void);

static void job_done(uv_work_t *w, int status) {
  pw_job_t *j = w->data;
  running--;
  sodium_memzero(j->password, strlen(j->password));
  free(j->password);
  if (status == UV_ECANCELED)
    j->cb(j->ud, -1, 0, NULL);
  else
    j->cb(j->ud, j->ok, j->rehash, j->ok && (!j->verify || j->rehash) ? j->hash : NULL);
  sodium_memzero(j->hash, sizeof(j->hash));
  free(j);
  start_next();
}

static void start_next(void) {
  while (running < NB_PW_PARALLEL && waiting) {
    pw_job_t *j = waiting;
    waiting = j->next;
    if (!waiting)
      waiting_tail = &waiting;
    j->req.data = j;
    if (uv_queue_work(j->loop, &j->req, job_run, job_done) != 0) {
      sodium_memzero(j->password, strlen(j->password));
      free(j->password);
      j->cb(j->ud, -1, 0, NULL);
      free(j);
      continue;
    }
    running++;
  }
}

static int enqueue(uv_loop_t *loop, int verify, const char *hash,
                   const char *password, nb_pw_cb cb, void *ud) {
  pw_job_t *j = calloc(1, sizeof(*j));
  if (!j)
    return NB_ENOMEM;
  j->password = strdup(password);
  if (!j->password) {
    free(j);
    return NB_ENOMEM;
  }
  j->loop = loop;
  j->verify = verify;
  j->cb = cb;
  j->ud = ud;
  if (hash && strlen(hash) < sizeof(j->hash)) {
    strcpy(j->hash, hash);
    j->has_hash = 1;
  }
  *waiting_tail = j;
  waiting_tail = &j->next;
  start_next();
  return 0;
}

int nb__pw_hash(uv_loop_t *loop, const char *password, nb_pw_cb cb, void *ud) {
  return enqueue(loop, 0, NULL, password, cb, ud);
}

int nb__pw_verify(uv_loop_t *loop, const char *hash, const char *password,
                  nb_pw_cb cb, void *ud) {
  return enqueue(loop, 1, hash, password, cb, ud);
}

void nb__pw_close(void) {
  while (waiting) {
    pw_job_t *j = waiting;
    waiting = j->next;
    sodium_memzero(j->password, strlen(j->password));
    free(j->password);
    j->cb(j->ud, -1, 0, NULL);
    free(j);
  }
  waiting_tail = &waiting;
}

/* The most used passwords in German and English leaks, long enough to
 * pass a length rule; shorter ones fail the length check anyway. */
static const char *const common[] = {
    "1234567890", "12345678910", "123456789a", "1q2w3e4r5t", "1qaz2wsx3edc",
    "qwertzuiop", "qwertyuiop", "asdfghjkl1", "passwort123", "password123",
    "password1234", "passwort1234", "hallo12345", "hallo123456",
    "schatz12345", "fussball123", "fußball123", "sommer2024", "sommer2025",
    "sommer2026", "winter2025", "winter2026", "frühling2026", "herbst2026",
    "willkommen1", "willkommen123", "welcome123", "iloveyou123",
    "abc1234567", "aaaaaaaaaa", "0000000000", "1111111111", "1234512345",
    "9876543210", "0987654321", "qwerty1234", "qwertz1234", "letmein123",
    "administrator", "admin12345", "changeme123", "geheim1234",
    "geheim12345", "passwort!1", "Passwort123", "Passwort1!", "Password1!",
    "nachbar123", "nachbar2026", "deutschland", "deutschland1",
    "dragon12345", "monkey12345", "football123", "baseball123",
    "sunshine123", "princess123", "superman123", "starwars123",
};

const char *nb__pw_policy(const char *password, long min_length,
                          const char *email, const char *name) {
  static char msg[128];
  size_t len = strlen(password);
  if (len < (size_t)min_length) {
    snprintf(msg, sizeof(msg), "The password must have at least %ld "
             "characters.", min_length);
    return msg;
  }
  if (len > 256)
    return "The password must have at most 256 characters.";
  for (size_t i = 0; i < sizeof(common) / sizeof(*common); i++)
    if (strcasecmp(password, common[i]) == 0)
      return "This password is one of the most used ones. Choose another.";
  int same = 1;
  for (size_t i = 1; i < len; i++)
    same &= password[i] == password[0];
  if (same)
    return "This password repeats one character. Choose another.";
  if ((email && strcasecmp(password, email) == 0) ||
      (name && strcasecmp(password, name) == 0))
    return "The password must not be your e-mail address or name.";
  return NULL;
}
