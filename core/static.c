/*
 * Static file answers. Files are read whole (the web shell's files are
 * small; larger than 16 MiB is refused) and sent through the same answer
 * path as the API, so they carry the same security headers.
 *
 * Invariant: a file is served only when its realpath lies inside the
 * realpath of its root, so neither "..", encoded or not, nor a symlink can
 * leave the web root. Dot-files are never served.
 */
#include "static.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "http.h"
#include "paths.h"
#include "plugins.h"

#define MAX_STATIC (16L * 1024 * 1024)

static const struct {
  const char *ext, *mime;
} mimes[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".webmanifest", "application/manifest+json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".gif", "image/gif"},
    {".webp", "image/webp"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".woff", "font/woff"},
    {".ttf", "font/ttf"},
    {".otf", "font/otf"},
    {".txt", "text/plain; charset=utf-8"},
    {".map", "application/json"},
};

const char *nb__static_mime(const char *name) {
  const char *dot = strrchr(name, '.');
  const char *slash = strrchr(name, '/');
  if (dot && (!slash || dot > slash))
    for (size_t i = 0; i < sizeof(mimes) / sizeof(*mimes); i++)
      if (strcasecmp(dot, mimes[i].ext) == 0)
        return mimes[i].mime;
  return "application/octet-stream";
}

/* 1 when some segment of `path` starts with '.' (covers "." and ".."). */
static int has_dot_segment(const char *path) {
  for (const char *p = path; (p = strchr(p, '/')); p++)
    if (p[1] == '.' || p[1] == '/')
      return 1;
  return strchr(path, '\\') != NULL;
}

/* Long-lived caching only for third-party files that change with a
 * version bump; everything else is revalidated (ETag) on each load. */
static const char *cache_policy(const char *rel) {
  if (strncmp(rel, "vendor/", 7) == 0 || strstr(rel, "/vendor/") ||
      strncmp(rel, "fonts/", 6) == 0)
    return "public, max-age=86400";
  return "no-cache";
}

int nb__static_serve(nb_req_t *req) {
  nb_app_t *app = req->app;
  const char *path = req->path;
  char root[PATH_MAX], rroot[PATH_MAX], file[PATH_MAX], rfile[PATH_MAX];
  const char *rel;

  if (path[0] != '/' || has_dot_segment(path))
    return NB_ENOENT;
  if (strncmp(path, "/plugins/", 9) == 0) {
    char name[64];
    const char *p = path + 9, *slash = strchr(p, '/');
    if (!slash || (size_t)(slash - p) >= sizeof(name) || slash == p)
      return NB_ENOENT;
    memcpy(name, p, (size_t)(slash - p));
    name[slash - p] = '\0';
    if (nb__plugins_asset_dir(app, name, root, sizeof(root)) != 0)
      return NB_ENOENT;
    rel = slash + 1;
  } else {
    snprintf(root, sizeof(root), "%s", app->cfg.web_root);
    rel = strcmp(path, "/") == 0 ? "index.html" : path + 1;
  }
  if (!*rel || !realpath(root, rroot) ||
      nb__path_join(file, sizeof(file), rroot, rel) != 0 ||
      !realpath(file, rfile) || !nb__path_within(rroot, rfile))
    return NB_ENOENT;

  struct stat st;
  if (stat(rfile, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_STATIC)
    return NB_ENOENT;

  char etag[64], inm[128];
  snprintf(etag, sizeof(etag), "\"%llx-%llx\"", (unsigned long long)st.st_size,
           (unsigned long long)st.st_mtim.tv_sec * 1000000000ull +
               (unsigned long long)st.st_mtim.tv_nsec);
  nb__req_header(req, "ETag", etag);
  nb__req_header(req, "Cache-Control", cache_policy(rel));
  if (nb__req_token(req, WSI_TOKEN_HTTP_IF_NONE_MATCH, inm, sizeof(inm)) > 0 &&
      strstr(inm, etag))
    return nb__req_respond(req, 304, NULL, NULL, 0);

  FILE *f = fopen(rfile, "rb");
  if (!f)
    return NB_ENOENT;
  size_t len = (size_t)st.st_size;
  char *body = malloc(len ? len : 1);
  size_t got = body ? fread(body, 1, len, f) : 0;
  fclose(f);
  if (!body || got != len) {
    free(body);
    return nb__req_error(req, 500, "internal", NULL,
                         "The file could not be read. Please retry.");
  }
  return nb__req_respond(req, 200, nb__static_mime(rfile), body, len);
}
