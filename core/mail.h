/*
 * Outgoing mail through the SMTP relay of [mail] smtp_url (off when empty).
 */
#ifndef NB_CORE_MAIL_H
#define NB_CORE_MAIL_H

#include "app.h"

/* Set up libcurl when a relay is configured (once, before any thread). */
int nb__mail_init(nb_app_t *app);
void nb__mail_close(void);

/* Queue one plain-text UTF-8 mail (LF line ends are fine). Returns 1 when
 * queued, 0 when no relay is configured, NB_EINVAL for a header with CR/LF
 * or NB_ENOMEM. The send happens off the loop; its outcome is logged
 * (mail_sent / mail_failed) and counted in /metrics. */
int nb__mail_send(nb_app_t *app, const char *to, const char *subject,
                  const char *text);

#endif
