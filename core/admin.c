/*
 * Operator commands (see admin.h). Passwords come from NACHBAR_PASSWORD
 * when set (for scripts), else a random one is generated and printed once:
 * no mail server is assumed, the operator passes it on.
 */
#include "admin.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "password.h"
#include "server.h"

typedef struct admin_opts {
  const char *slug, *name, *region, *email, *role, *hood;
  int operator_;
} admin_opts_t;

static int parse(int argc, char **argv, admin_opts_t *o) {
  static const struct option longopts[] = {
      {"slug", required_argument, NULL, 's'},
      {"name", required_argument, NULL, 'n'},
      {"region", required_argument, NULL, 'r'},
      {"email", required_argument, NULL, 'e'},
      {"role", required_argument, NULL, 'R'},
      {"hood", required_argument, NULL, 'H'},
      {"operator", no_argument, NULL, 'O'},
      {"config", required_argument, NULL, 'c'},
      {"data", required_argument, NULL, 'd'},
      {NULL, 0, NULL, 0},
  };
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (c) {
    case 's': o->slug = optarg; break;
    case 'n': o->name = optarg; break;
    case 'r': o->region = optarg; break;
    case 'e': o->email = optarg; break;
    case 'R': o->role = optarg; break;
    case 'H': o->hood = optarg; break;
    case 'O': o->operator_ = 1; break;
    case 'c': case 'd': break; /* read by main */
    default: return 2;
    }
  }
  return optind == argc ? 0 : 2;
}

static int valid_slug(const char *s) {
  size_t n = strlen(s);
  if (n < 2 || n > 48 || s[0] == '-' || s[n - 1] == '-')
    return 0;
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
          s[i] == '-'))
      return 0;
  return 1;
}

/* The password to set: NACHBAR_PASSWORD, or a new random one (printed). */
static const char *new_password(nb_app_t *app, char *buf, size_t len,
                                int *generated) {
  const char *env = getenv("NACHBAR_PASSWORD");
  *generated = !(env && *env);
  if (!*generated) {
    const char *why = nb__pw_policy(env, app->cfg.password_min_length, NULL, NULL);
    if (why) {
      fprintf(stderr, "Error: NACHBAR_PASSWORD: %s\n", why);
      return NULL;
    }
    return env;
  }
  nb__auth_random(buf, len, 15);
  return buf;
}

static int create_hood(nb_app_t *app, const admin_opts_t *o) {
  if (!o->slug || !o->name || !valid_slug(o->slug)) {
    fprintf(stderr, "Usage: nachbar admin create-neighbourhood --slug SLUG "
            "--name NAME [--region REGION]\n(SLUG: 2-48 of a-z, 0-9, -)\n");
    return 2;
  }
  json_t *p = json_pack("[s, s, s]", o->slug, o->name, o->region ? o->region : "");
  int rc = nb__db_exec(app->db,
                       "INSERT INTO nb_hoods(slug, name, region) VALUES (?1, ?2, ?3)",
                       p, NULL, NULL);
  json_decref(p);
  if (rc == NB_ECONSTRAINT) {
    fprintf(stderr, "Error: a neighbourhood '%s' exists already\n", o->slug);
    return 1;
  }
  if (rc) {
    fprintf(stderr, "Error: %s\n", nb__db_errmsg(app->db));
    return 1;
  }
  printf("neighbourhood %s created\n", o->slug);
  return 0;
}

static int create_user(nb_app_t *app, const admin_opts_t *o) {
  if (!o->email || !o->name || !strchr(o->email, '@') ||
      (o->role && (!o->hood || (strcmp(o->role, "coordinator") &&
                                strcmp(o->role, "coach"))))) {
    fprintf(stderr, "Usage: nachbar admin create-user --email EMAIL --name NAME "
            "[--role coordinator|coach --hood SLUG] [--operator]\n");
    return 2;
  }
  char buf[64], hash[NB_PW_HASH_MAX];
  int generated, rc = 1;
  const char *pw = new_password(app, buf, sizeof(buf), &generated);
  if (!pw || nb__pw_hash_now(pw, hash))
    return 1;
  int64_t pid = 0;
  if (nb__db_begin(app->db))
    return 1;
  json_t *p = json_pack("[s, s, s, i]", o->email, o->name, hash, o->operator_);
  int e = nb__db_exec(app->db,
                      "INSERT INTO nb_people(email, display_name, password_hash, "
                      "is_operator) VALUES (?1, ?2, ?3, ?4)",
                      p, NULL, &pid);
  json_decref(p);
  if (e == NB_ECONSTRAINT) {
    fprintf(stderr, "Error: %s has an account already\n", o->email);
    goto out;
  }
  if (e)
    goto dberr;
  if (o->role) {
    int64_t changes = 0;
    p = json_pack("[I, s, s]", (json_int_t)pid, o->hood, o->role);
    e = nb__db_exec(app->db,
                    "INSERT INTO nb_hood_roles(person_id, hood_id, role) "
                    "SELECT ?1, id, ?3 FROM nb_hoods WHERE slug = ?2",
                    p, &changes, NULL);
    json_decref(p);
    if (e)
      goto dberr;
    if (!changes) {
      fprintf(stderr, "Error: no neighbourhood '%s' (create it first)\n", o->hood);
      goto out;
    }
  }
  if (nb__db_commit(app->db))
    goto dberr;
  printf("user %s created%s%s%s\n", o->email, o->role ? " as " : "",
         o->role ? o->role : "", o->role ? " of " : "");
  if (o->role)
    printf("neighbourhood %s\n", o->hood);
  if (generated)
    printf("password: %s\n(shown once; pass it on safely)\n", pw);
  return 0;
dberr:
  fprintf(stderr, "Error: %s\n", nb__db_errmsg(app->db));
out:
  if (nb__db_in_tx(app->db))
    nb__db_rollback(app->db);
  return rc;
}

static int reset_password(nb_app_t *app, const admin_opts_t *o) {
  if (!o->email) {
    fprintf(stderr, "Usage: nachbar admin reset-password --email EMAIL\n");
    return 2;
  }
  char buf[64], hash[NB_PW_HASH_MAX];
  int generated;
  const char *pw = new_password(app, buf, sizeof(buf), &generated);
  if (!pw || nb__pw_hash_now(pw, hash))
    return 1;
  int64_t changes = 0;
  json_t *p = json_pack("[s, s]", hash, o->email);
  int rc = nb__db_exec(app->db,
                       "UPDATE nb_people SET password_hash = ?1 "
                       "WHERE email = ?2 AND deleted_at IS NULL",
                       p, &changes, NULL);
  json_decref(p);
  if (rc || !changes) {
    fprintf(stderr, "Error: no account %s\n", o->email);
    return 1;
  }
  /* A new password ends every session of the account. */
  p = json_pack("[s]", o->email);
  nb__db_exec(app->db,
              "DELETE FROM nb_sessions WHERE person_id = "
              "(SELECT id FROM nb_people WHERE email = ?1)",
              p, NULL, NULL);
  json_decref(p);
  printf("password of %s reset; its sessions ended\n", o->email);
  if (generated)
    printf("password: %s\n(shown once; pass it on safely)\n", pw);
  return 0;
}

int nb__admin_main(nb_app_t *app, int argc, char **argv) {
  admin_opts_t o = {0};
  if (argc < 1 || parse(argc, argv, &o)) {
    fprintf(stderr, "Usage: nachbar admin create-neighbourhood|create-user|"
            "reset-password [OPTIONS]\n");
    return 2;
  }
  if (nb__server_open_db(app))
    return 1;
  int rc;
  if (strcmp(argv[0], "create-neighbourhood") == 0)
    rc = create_hood(app, &o);
  else if (strcmp(argv[0], "create-user") == 0)
    rc = create_user(app, &o);
  else if (strcmp(argv[0], "reset-password") == 0)
    rc = reset_password(app, &o);
  else {
    fprintf(stderr, "Error: unknown admin command '%s'\n", argv[0]);
    rc = 2;
  }
  nb__db_close(app->db);
  app->db = NULL;
  return rc;
}
