/*
 * Static files: the web shell from cfg.web_root and each plugin's UI from
 * <cfg.plugin_assets>/<name>/web under /plugins/<name>/.
 */
#ifndef NB_CORE_STATIC_H
#define NB_CORE_STATIC_H

#include "nachbar/plugin.h"

/* Answer GET/HEAD `req->path` from disk. Returns 0 when answered (200 or
 * 304), NB_ENOENT when there is no such file (nothing answered). Paths with
 * dot segments, hidden files or escaping the root through links are
 * NB_ENOENT. */
int nb__static_serve(nb_req_t *req);

/* The MIME type for a file name (by extension); never NULL. */
const char *nb__static_mime(const char *name);

#endif
