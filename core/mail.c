/*
 * Outgoing mail through an SMTP relay ([mail] smtp_url), for invitation
 * and password-reset links when no one should have to copy them by hand.
 *
 * libcurl speaks SMTP (STARTTLS when offered on smtp://, TLS from the
 * start on smtps://); each message is sent on libuv's thread pool so a
 * slow relay never holds the loop. A failed send is logged and counted,
 * never retried: the link was shown to the inviter anyway. Neither the
 * message nor the link is logged; only the recipient's domain is.
 */
#include "mail.h"

#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "metrics.h"

typedef struct mail_job {
  uv_work_t work;
  char *url, *from, *to, *user, *password;
  char *msg;
  size_t len, off;
  int ok;
  char err[CURL_ERROR_SIZE];
} mail_job_t;

static int curl_ready;

int nb__mail_init(nb_app_t *app) {
  if (!app->cfg.smtp_url[0] || curl_ready)
    return 0;
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
    return NB_ENOMEM;
  curl_ready = 1;
  return 0;
}

void nb__mail_close(void) {
  if (curl_ready)
    curl_global_cleanup();
  curl_ready = 0;
}

/* No CR or LF (header injection) and nothing empty. */
static int header_safe(const char *s) {
  return s && *s && !strpbrk(s, "\r\n");
}

static int ascii(const char *s) {
  for (; *s; s++)
    if ((unsigned char)*s >= 0x80)
      return 0;
  return 1;
}

/* Subject as an RFC 2047 encoded word when it is not plain ASCII. */
static char *encode_subject(const char *subject) {
  if (ascii(subject))
    return strdup(subject);
  size_t n = strlen(subject);
  size_t b64 = sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL);
  char *out = malloc(b64 + 16);
  if (!out)
    return NULL;
  memcpy(out, "=?UTF-8?B?", 10);
  sodium_bin2base64(out + 10, b64, (const unsigned char *)subject, n,
                    sodium_base64_VARIANT_ORIGINAL);
  strcat(out, "?=");
  return out;
}

/* Text with bare LF turned into CRLF (SMTP line ends). */
static char *crlf(const char *text) {
  size_t n = 0;
  for (const char *p = text; *p; p++)
    n += *p == '\n' ? 2 : 1;
  char *out = malloc(n + 1), *o = out;
  if (!out)
    return NULL;
  for (const char *p = text; *p; p++) {
    if (*p == '\n' && (p == text || p[-1] != '\r'))
      *o++ = '\r';
    *o++ = *p;
  }
  *o = 0;
  return out;
}

static size_t read_msg(char *buf, size_t size, size_t nmemb, void *ud) {
  mail_job_t *j = ud;
  size_t room = size * nmemb, left = j->len - j->off;
  size_t n = left < room ? left : room;
  memcpy(buf, j->msg + j->off, n);
  j->off += n;
  return n;
}

static void send_work(uv_work_t *w) {
  mail_job_t *j = w->data;
  CURL *c = curl_easy_init();
  if (!c) {
    snprintf(j->err, sizeof(j->err), "curl_easy_init failed");
    return;
  }
  char from[300], to[300];
  snprintf(from, sizeof(from), "<%s>", j->from);
  snprintf(to, sizeof(to), "<%s>", j->to);
  struct curl_slist *rcpt = curl_slist_append(NULL, to);
  curl_easy_setopt(c, CURLOPT_URL, j->url);
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, read_msg);
  curl_easy_setopt(c, CURLOPT_READDATA, j);
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, j->err);
  if (strncmp(j->url, "smtp://", 7) == 0)
    curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
  if (j->user[0]) {
    curl_easy_setopt(c, CURLOPT_USERNAME, j->user);
    curl_easy_setopt(c, CURLOPT_PASSWORD, j->password);
  }
  CURLcode rc = curl_easy_perform(c);
  j->ok = rc == CURLE_OK;
  if (!j->ok && !j->err[0])
    snprintf(j->err, sizeof(j->err), "%s", curl_easy_strerror(rc));
  curl_slist_free_all(rcpt);
  curl_easy_cleanup(c);
}

static void job_free(mail_job_t *j) {
  free(j->url);
  free(j->from);
  free(j->to);
  free(j->user);
  if (j->password) {
    sodium_memzero(j->password, strlen(j->password));
    free(j->password);
  }
  free(j->msg);
  free(j);
}

static void send_done(uv_work_t *w, int status) {
  mail_job_t *j = w->data;
  const char *domain = strchr(j->to, '@');
  if (j->ok && status == 0) {
    nb__log(NB_LOG_INFO, "mail_sent", "domain=%s", domain ? domain + 1 : "");
    nb__metrics_count("nachbar_mail_sent_total", "Mails handed to the relay",
                      1);
  } else {
    char kv[400] = "";
    nb__log_kv(kv, sizeof(kv), "error", j->err);
    nb__log(NB_LOG_WARN, "mail_failed", "domain=%s%s",
            domain ? domain + 1 : "", kv);
    nb__metrics_count("nachbar_mail_failed_total",
                      "Mails the relay did not take", 1);
  }
  job_free(j);
}

int nb__mail_send(nb_app_t *app, const char *to, const char *subject,
                  const char *text) {
  const nb_config_t *cfg = &app->cfg;
  if (!cfg->smtp_url[0] || !curl_ready)
    return 0;
  if (!header_safe(to) || !header_safe(subject) || !header_safe(cfg->mail_from))
    return NB_EINVAL;
  mail_job_t *j = calloc(1, sizeof(*j));
  char *subj = encode_subject(subject), *body = crlf(text);
  char date[64], mid[96], rnd[33];
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
  unsigned char raw[16];
  randombytes_buf(raw, sizeof(raw));
  sodium_bin2hex(rnd, sizeof(rnd), raw, sizeof(raw));
  const char *host = strchr(cfg->mail_from, '@');
  snprintf(mid, sizeof(mid), "<%s@%s>", rnd, host ? host + 1 : "nachbar");
  int rc = NB_ENOMEM;
  if (!j || !subj || !body)
    goto fail;
  size_t cap = strlen(to) + strlen(subj) + strlen(body) +
               strlen(cfg->mail_from) + 512;
  j->msg = malloc(cap);
  if (!j->msg)
    goto fail;
  j->len = (size_t)snprintf(
      j->msg, cap,
      "Date: %s\r\nFrom: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: %s\r\n"
      "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
      "Content-Transfer-Encoding: 8bit\r\nAuto-Submitted: auto-generated\r\n"
      "\r\n%s\r\n",
      date, cfg->mail_from, to, subj, mid, body);
  j->url = strdup(cfg->smtp_url);
  j->from = strdup(cfg->mail_from);
  j->to = strdup(to);
  j->user = strdup(cfg->smtp_user);
  j->password = strdup(cfg->smtp_password);
  if (!j->url || !j->from || !j->to || !j->user || !j->password)
    goto fail;
  j->work.data = j;
  if (uv_queue_work(&app->loop, &j->work, send_work, send_done))
    goto fail;
  free(subj);
  free(body);
  return 1;
fail:
  free(subj);
  free(body);
  if (j)
    job_free(j);
  return rc;
}
