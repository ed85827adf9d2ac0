/*
 * Router: method + path pattern -> handler.
 *
 * Routes live in one array in registration order; each keeps its pattern
 * split into segments (a literal, or NULL for a `:name` parameter). Matching
 * walks the whole array: with a few hundred routes that is cheaper than
 * keeping a tree consistent under plugin unloads.
 *
 * Invariants:
 *  - No two routes have the same method and shape (literals and parameter
 *    positions), so among the routes of one method that match a path at
 *    most one has the highest specificity score (see shape_score()).
 *  - Every route entry is its own allocation: nb_route_t pointers handed
 *    out in nb_match_t stay valid until that route is removed.
 *  - Paths are percent-decoded per segment after splitting on '/', so an
 *    encoded "%2F" never changes how a path is segmented.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "router.h"

/* Known methods in the order an Allow header lists them. */
static const char *const methods[] = {"GET",   "HEAD",   "POST",   "PUT",
                                      "PATCH", "DELETE", "OPTIONS"};
#define NMETHODS (sizeof(methods) / sizeof(*methods))
#define M_GET 0
#define M_HEAD 1

typedef struct entry {
  nb_route_t pub; /* what callers see */
  int method;     /* index into methods[] */
  int nsegs;      /* 0 for "/" */
  int nparams;
  char *segs[NB_ROUTE_MAX_SEGMENTS];  /* literal, or NULL: parameter */
  char *names[NB_ROUTE_MAX_SEGMENTS]; /* parameter name, or NULL */
  char *buf;                          /* backing store for segs/names */
} entry_t;

struct nb_router {
  entry_t **v;
  size_t n, cap;
};

static int method_index(const char *m) {
  if (!m)
    return -1;
  for (size_t i = 0; i < NMETHODS; i++)
    if (strcmp(methods[i], m) == 0)
      return (int)i;
  return -1;
}

static int is_param_name(const char *s) {
  if (!((*s >= 'a' && *s <= 'z') || *s == '_'))
    return 0;
  for (s++; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
      return 0;
  return 1;
}

/* Literal pattern segments hold the decoded text a path segment must equal,
 * so they cannot contain '%' (ambiguous), '?', '#', spaces or controls. */
static int is_literal(const char *s) {
  if (!*s)
    return 0;
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c <= 0x20 || c == 0x7f || c == '%' || c == '?' || c == '#')
      return 0;
  }
  return 1;
}

static void entry_free(entry_t *e) {
  if (!e)
    return;
  free(e->pub.method);
  free(e->pub.pattern);
  free(e->buf);
  free(e);
}

/*
 * Split and validate `pattern` into e->segs/e->names. Returns 0 or
 * NB_EINVAL (malformed) / NB_ENOMEM. e->buf receives the storage.
 */
static int parse_pattern(entry_t *e, const char *pattern) {
  if (pattern[0] != '/')
    return NB_EINVAL;
  if (strcmp(pattern, "/") == 0)
    return 0;
  e->buf = strdup(pattern + 1);
  if (!e->buf)
    return NB_ENOMEM;
  char *p = e->buf;
  for (;;) {
    char *slash = strchr(p, '/');
    if (slash)
      *slash = '\0';
    if (e->nsegs == NB_ROUTE_MAX_SEGMENTS)
      return NB_EINVAL;
    if (p[0] == ':') {
      if (!is_param_name(p + 1) || e->nparams == NB_ROUTE_MAX_PARAMS)
        return NB_EINVAL;
      for (int i = 0; i < e->nsegs; i++)
        if (e->names[i] && strcmp(e->names[i], p + 1) == 0)
          return NB_EINVAL;
      e->names[e->nsegs] = p + 1;
      e->nparams++;
    } else {
      if (!is_literal(p)) /* also refuses empty segments and trailing '/' */
        return NB_EINVAL;
      e->segs[e->nsegs] = p;
    }
    e->nsegs++;
    if (!slash)
      return 0;
    p = slash + 1;
  }
}

/* Same method and same shape; parameter names do not matter. */
static int same_route(const entry_t *a, const entry_t *b) {
  if (a->method != b->method || a->nsegs != b->nsegs)
    return 0;
  for (int i = 0; i < a->nsegs; i++) {
    if (!a->segs[i] != !b->segs[i])
      return 0;
    if (a->segs[i] && strcmp(a->segs[i], b->segs[i]) != 0)
      return 0;
  }
  return 1;
}

/* Specificity: one bit per segment, the first segment most significant,
 * set for a literal. Comparing scores compares routes at their first
 * differing segment, where the literal wins. */
static uint32_t shape_score(const entry_t *e) {
  uint32_t s = 0;
  for (int i = 0; i < e->nsegs; i++)
    if (e->segs[i])
      s |= 1u << (NB_ROUTE_MAX_SEGMENTS - 1 - i);
  return s;
}

int nb__router_create(nb_router_t **out) {
  if (!out)
    return NB_EINVAL;
  *out = calloc(1, sizeof(**out));
  return *out ? 0 : NB_ENOMEM;
}

void nb__router_destroy(nb_router_t *r) {
  if (!r)
    return;
  for (size_t i = 0; i < r->n; i++)
    entry_free(r->v[i]);
  free(r->v);
  free(r);
}

/*
 * Add a route (see router.h). The method must be one of GET HEAD POST PUT
 * PATCH DELETE OPTIONS, spelled in capitals. Nothing is kept on failure.
 */
int nb__router_add(nb_router_t *r, const char *method, const char *pattern,
                   int perm, nb_route_fn fn, void *ud, void *owner) {
  int rc = NB_EINVAL;
  entry_t *e = NULL;
  if (!r || !pattern || !fn)
    goto cleanup;
  int mi = method_index(method);
  if (mi < 0)
    goto cleanup;
  rc = NB_ENOMEM;
  e = calloc(1, sizeof(*e));
  if (!e)
    goto cleanup;
  e->method = mi;
  rc = parse_pattern(e, pattern);
  if (rc)
    goto cleanup;
  rc = NB_EEXIST;
  for (size_t i = 0; i < r->n; i++)
    if (same_route(r->v[i], e))
      goto cleanup;
  rc = NB_ENOMEM;
  e->pub.method = strdup(methods[mi]);
  e->pub.pattern = strdup(pattern);
  if (!e->pub.method || !e->pub.pattern)
    goto cleanup;
  e->pub.perm = perm;
  e->pub.fn = fn;
  e->pub.ud = ud;
  e->pub.owner = owner;
  if (r->n == r->cap) {
    size_t cap = r->cap ? r->cap * 2 : 16;
    entry_t **v = realloc(r->v, cap * sizeof(*v));
    if (!v)
      goto cleanup;
    r->v = v;
    r->cap = cap;
  }
  r->v[r->n++] = e;
  e = NULL;
  rc = 0;
cleanup:
  entry_free(e);
  return rc;
}

int nb__router_remove_owner(nb_router_t *r, void *owner) {
  if (!r)
    return 0;
  size_t kept = 0;
  int removed = 0;
  for (size_t i = 0; i < r->n; i++) {
    if (r->v[i]->pub.owner == owner) {
      entry_free(r->v[i]);
      removed++;
    } else {
      r->v[kept++] = r->v[i];
    }
  }
  r->n = kept;
  return removed;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Percent-decode src[0..len) into dst (room for len + 1 bytes). Returns
 * the decoded length, or -1 for a bad escape or a decoded NUL. */
static long decode_segment(const char *src, size_t len, char *dst) {
  size_t o = 0;
  for (size_t i = 0; i < len; i++) {
    if (src[i] != '%') {
      dst[o++] = src[i];
      continue;
    }
    if (len - i < 3)
      return -1;
    int hi = hexval(src[i + 1]), lo = hexval(src[i + 2]);
    if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
      return -1;
    dst[o++] = (char)(hi << 4 | lo);
    i += 2;
  }
  dst[o] = '\0';
  return (long)o;
}

/* Does route e match the decoded segments seg[0..nseg)? */
static int shape_matches(const entry_t *e, char *const *seg, int nseg) {
  if (e->nsegs != nseg)
    return 0;
  for (int i = 0; i < nseg; i++) {
    if (!seg[i][0])
      return 0; /* "//" or a trailing '/' matches nothing */
    if (e->segs[i] && strcmp(e->segs[i], seg[i]) != 0)
      return 0;
  }
  return 1;
}

/* Write "GET, HEAD, POST" for the method bits in `mask` into allow. */
static void format_allow(unsigned mask, char *allow, size_t allow_len) {
  if (!allow || !allow_len)
    return;
  size_t o = 0;
  allow[0] = '\0';
  for (size_t i = 0; i < NMETHODS; i++) {
    if (!(mask & (1u << i)))
      continue;
    size_t need = strlen(methods[i]) + (o ? 2 : 0);
    if (o + need >= allow_len)
      break; /* keep whole names only */
    if (o) {
      memcpy(allow + o, ", ", 2);
      o += 2;
    }
    memcpy(allow + o, methods[i], strlen(methods[i]));
    o += strlen(methods[i]);
    allow[o] = '\0';
  }
}

/*
 * Match `path` against the routes (see router.h). *m is reset first and
 * owns copies of the parameter values on success; on any error it is left
 * empty (nb__match_close is still safe). Among routes of the requested
 * method the most specific wins; a HEAD request also considers GET routes,
 * preferring an explicit HEAD route of equal specificity. Only when no
 * route of the method matches is the answer NB__EMETHOD with `allow`
 * listing the methods that do (HEAD added wherever GET is).
 */
int nb__router_match(const nb_router_t *r, const char *method, const char *path,
                     nb_match_t *m, char *allow, size_t allow_len) {
  int rc = NB_EINVAL;
  char *buf = NULL;
  char *seg[NB_ROUTE_MAX_SEGMENTS];
  int nseg = 0;
  if (m)
    memset(m, 0, sizeof(*m));
  if (allow && allow_len)
    allow[0] = '\0';
  if (!r || !method || !path || !m || path[0] != '/')
    goto cleanup;
  size_t plen = strlen(path);
  rc = NB_ENOMEM;
  buf = malloc(plen + 1);
  if (!buf)
    goto cleanup;
  /* Split on the raw '/' and decode each segment into buf. Every escape in
   * the path is checked even when there are too many segments to match. */
  char *o = buf;
  int too_many = 0;
  if (plen > 1) {
    const char *p = path + 1;
    for (;;) {
      const char *end = strchr(p, '/');
      size_t n = end ? (size_t)(end - p) : strlen(p);
      rc = NB_EINVAL;
      long dn = decode_segment(p, n, o);
      if (dn < 0)
        goto cleanup;
      if (nseg < NB_ROUTE_MAX_SEGMENTS)
        seg[nseg++] = o;
      else
        too_many = 1;
      o += dn + 1;
      if (!end)
        break;
      p = end + 1;
    }
  }
  rc = NB_ENOENT;
  if (too_many)
    goto cleanup;

  int want = method_index(method);
  unsigned mask = 0;
  const entry_t *best = NULL;
  uint32_t best_score = 0;
  for (size_t i = 0; i < r->n; i++) {
    const entry_t *e = r->v[i];
    if (!shape_matches(e, seg, nseg))
      continue;
    mask |= 1u << e->method;
    int exact = e->method == want;
    if (!exact && !(want == M_HEAD && e->method == M_GET))
      continue;
    uint32_t score = shape_score(e) << 1 | (uint32_t)exact;
    if (!best || score > best_score) {
      best = e;
      best_score = score;
    }
  }
  if (!best) {
    if (!mask)
      goto cleanup;
    if (mask & (1u << M_GET))
      mask |= 1u << M_HEAD;
    format_allow(mask, allow, allow_len);
    rc = NB__EMETHOD;
    goto cleanup;
  }

  rc = NB_ENOMEM;
  m->route = &best->pub;
  for (int i = 0; i < best->nsegs; i++) {
    if (!best->names[i])
      continue;
    m->names[m->nparams] = best->names[i];
    m->values[m->nparams] = strdup(seg[i]);
    if (!m->values[m->nparams++])
      goto cleanup;
  }
  rc = 0;
cleanup:
  free(buf);
  if (rc && m)
    nb__match_close(m);
  return rc;
}

void nb__match_close(nb_match_t *m) {
  if (!m)
    return;
  for (int i = 0; i < m->nparams && i < NB_ROUTE_MAX_PARAMS; i++)
    free(m->values[i]);
  memset(m, 0, sizeof(*m));
}

const char *nb__match_param(const nb_match_t *m, const char *name) {
  if (!m || !name)
    return NULL;
  for (int i = 0; i < m->nparams; i++)
    if (m->names[i] && strcmp(m->names[i], name) == 0)
      return m->values[i];
  return NULL;
}

void nb__router_each(const nb_router_t *r,
                     void (*fn)(const nb_route_t *route, void *ud), void *ud) {
  if (!r || !fn)
    return;
  for (size_t i = 0; i < r->n; i++)
    fn(&r->v[i]->pub, ud);
}

int nb__router_add_table(nb_router_t *r, const nb_route_def_t *defs, size_t n,
                         void *ud) {
  for (size_t i = 0; i < n; i++) {
    int rc = nb__router_add(r, defs[i].method, defs[i].pattern, defs[i].perm,
                            defs[i].fn, ud, NULL);
    if (rc)
      return rc;
  }
  return 0;
}
