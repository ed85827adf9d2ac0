/*
 * Operator commands: nachbar admin create-neighbourhood | create-user |
 * reset-password. They open the same database the server uses (safe while
 * it runs: SQLite WAL and the busy timeout serialise writers).
 */
#ifndef NB_CORE_ADMIN_H
#define NB_CORE_ADMIN_H

#include "app.h"

/* Run `nachbar admin SUB [options]`; argv[0] is SUB. Returns the exit
 * code and prints what happened or why not. */
int nb__admin_main(nb_app_t *app, int argc, char **argv);

#endif
