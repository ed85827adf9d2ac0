/*
 * Path helpers. The dev check compares the directory of /proc/self/exe with
 * the build directory meson configured, so `./build/nachbar` finds web/ and
 * the bundled plugins without flags, and an installed binary never does.
 */
#include "paths.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nachbar/plugin.h"
#include "nb_build_config.h"

int nb__paths_is_dev(void) {
  char exe[PATH_MAX], build[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n <= 0)
    return 0;
  exe[n] = '\0';
  char *slash = strrchr(exe, '/');
  if (!slash)
    return 0;
  *slash = '\0';
  if (!realpath(NB_BUILD_DIR, build))
    return 0;
  return strcmp(exe, build) == 0;
}

int nb__path_join(char *out, size_t len, const char *a, const char *b) {
  int n = snprintf(out, len, "%s/%s", a, b);
  if (n < 0 || (size_t)n >= len)
    return NB_ELIMIT;
  return 0;
}

int nb__path_within(const char *dir, const char *path) {
  size_t n = strlen(dir);
  if (strncmp(dir, path, n) != 0)
    return 0;
  return path[n] == '\0' || path[n] == '/' || (n > 0 && dir[n - 1] == '/');
}
