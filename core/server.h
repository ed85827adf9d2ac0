/*
 * Running the server: from a loaded config to a clean stop.
 */
#ifndef NB_CORE_SERVER_H
#define NB_CORE_SERVER_H

#include "app.h"

/* Serve until SIGTERM/SIGINT. Returns the process exit code: 0 after a
 * clean stop, 1 when start-up failed (the log says why). */
int nb__server_run(nb_app_t *app);

/* Open <data_dir>/nachbar.db and apply the core migrations (also used by
 * the backup command). Returns 0 or a negative code, logged. */
int nb__server_open_db(nb_app_t *app);

#endif
