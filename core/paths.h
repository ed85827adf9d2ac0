/*
 * Where things are: is this binary running from the build directory (dev)
 * or installed; joining paths without silent truncation.
 */
#ifndef NB_CORE_PATHS_H
#define NB_CORE_PATHS_H

#include <stddef.h>

/* 1 when /proc/self/exe lives in the meson build directory, else 0. */
int nb__paths_is_dev(void);

/* out = a "/" b. Returns 0, or NB_ELIMIT when it does not fit. */
int nb__path_join(char *out, size_t len, const char *a, const char *b);

/* 1 when path is inside dir (both already resolved with realpath). */
int nb__path_within(const char *dir, const char *path);

#endif
