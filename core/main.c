/*
 * nachbar command line: run the server, or one of the operator commands
 * (check-config, backup). Flags override the config file, which overrides
 * the built-in defaults. Started from the build directory, the defaults
 * point into the source tree, so `./build/nachbar` runs without flags.
 */
#include <getopt.h>
#include <libwebsockets.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "admin.h"
#include "app.h"
#include "log.h"
#include "nb_build_config.h"
#include "paths.h"
#include "server.h"

static void usage(FILE *out) {
  fprintf(out,
          "Usage: nachbar [OPTIONS]                 run the server\n"
          "       nachbar check-config FILE         validate a config file\n"
          "       nachbar backup --out FILE [OPTIONS]\n"
          "                                         consistent copy of the "
          "live database\n"
          "       nachbar admin create-neighbourhood --slug SLUG --name NAME "
          "[--region R]\n"
          "       nachbar admin create-user --email E --name N [--role "
          "coordinator|coach --hood SLUG] [--operator]\n"
          "       nachbar admin reset-password --email E\n"
          "                                         (password from "
          "NACHBAR_PASSWORD, else generated and printed)\n"
          "       nachbar --version | --help\n"
          "\n"
          "Options:\n"
          "  -c, --config FILE     config file (default: %s when installed;\n"
          "                        none when run from the build directory)\n"
          "  -l, --listen ADDR:PORT  address and port to listen on\n"
          "  -d, --data DIR        data directory (holds nachbar.db)\n"
          "      --demo            create the demo neighbourhood if missing\n"
          "      --log-level L     error, warn, info or debug\n"
          "  -o, --out FILE        (backup) where to write the copy\n"
          "  -h, --help            this text\n"
          "  -V, --version         versions of nachbar and its libraries\n",
          NB_INSTALL_CONF);
}

static void version(void) {
  printf("nachbar %s\nlibwebsockets %s\nlibuv %s\nSQLite %s\njansson %s\n",
         NB_VERSION, lws_get_library_version(), uv_version_string(),
         sqlite3_libversion(), JANSSON_VERSION);
}

typedef struct opts {
  const char *config;
  const char *listen;
  const char *data;
  const char *log_level;
  const char *out;
  int demo;
} opts_t;

/* Defaults, then the config file, then flags. Returns 0 or prints why. */
static int load_config(nb_app_t *app, const opts_t *o) {
  char err[1024];
  app->dev = nb__paths_is_dev();
  if (nb__config_init(&app->cfg, app->dev)) {
    fprintf(stderr, "Error: out of memory\n");
    return 1;
  }
  const char *file = o->config;
  if (!file && !app->dev && access(NB_INSTALL_CONF, R_OK) == 0)
    file = NB_INSTALL_CONF;
  if (file && nb__config_load(&app->cfg, file, err, sizeof(err))) {
    fprintf(stderr, "Error: %s\n", err);
    return 1;
  }
  if ((o->listen && nb__config_set(&app->cfg, "server", "listen", o->listen,
                                   "--listen", err, sizeof(err))) ||
      (o->data && nb__config_set(&app->cfg, "server", "data_dir", o->data,
                                 "--data", err, sizeof(err))) ||
      (o->log_level &&
       nb__config_set(&app->cfg, "server", "log_level", o->log_level,
                      "--log-level", err, sizeof(err)))) {
    fprintf(stderr, "Error: %s\n", err);
    return 1;
  }
  nb__log_set_level(app->cfg.log_level);
  return 0;
}

static int check_config(const char *file) {
  nb_config_t cfg;
  char err[1024];
  int rc = 0;
  if (nb__config_init(&cfg, 0))
    return 1;
  if (nb__config_load(&cfg, file, err, sizeof(err))) {
    fprintf(stderr, "Error: %s\n", err);
    rc = 1;
  } else {
    printf("%s: ok\n", file);
  }
  nb__config_close(&cfg);
  return rc;
}

static int backup(nb_app_t *app, const opts_t *o) {
  if (!o->out) {
    fprintf(stderr, "Error: backup needs --out FILE\n");
    return 2;
  }
  char path[PATH_MAX];
  if (nb__path_join(path, sizeof(path), app->cfg.data_dir, "nachbar.db") ||
      access(path, R_OK) != 0) {
    fprintf(stderr, "Error: no database at %s (use --data DIR or --config)\n",
            path);
    return 1;
  }
  if (nb__server_open_db(app))
    return 1;
  int rc = nb__db_backup(app->db, o->out);
  nb__db_close(app->db);
  app->db = NULL;
  if (rc == NB_EEXIST) {
    fprintf(stderr, "Error: %s exists already; choose a new file\n", o->out);
    return 1;
  }
  if (rc) {
    fprintf(stderr, "Error: backup to %s failed; is the folder writable?\n",
            o->out);
    return 1;
  }
  printf("backup written to %s\n", o->out);
  return 0;
}

int main(int argc, char **argv) {
  static nb_app_t app;
  app.started_ns = uv_hrtime();
  json_object_seed(0);

  static const struct option longopts[] = {
      {"config", required_argument, NULL, 'c'},
      {"listen", required_argument, NULL, 'l'},
      {"data", required_argument, NULL, 'd'},
      {"demo", no_argument, NULL, 'D'},
      {"log-level", required_argument, NULL, 'L'},
      {"out", required_argument, NULL, 'o'},
      {"help", no_argument, NULL, 'h'},
      {"version", no_argument, NULL, 'V'},
      {NULL, 0, NULL, 0},
  };
  opts_t o = {0};
  int rc;
  const char *command = NULL;
  int first = 1;
  if (argc > 1 && argv[1][0] != '-') {
    command = argv[1];
    first = 2;
  }
  if (command && strcmp(command, "admin") == 0) {
    /* Options of its own; only --config and --data are ours. */
    for (int i = 2; i + 1 < argc; i++) {
      if (strcmp(argv[i], "--config") == 0)
        o.config = argv[i + 1];
      else if (strcmp(argv[i], "--data") == 0)
        o.data = argv[i + 1];
    }
    if (load_config(&app, &o)) {
      nb__config_close(&app.cfg);
      return 1;
    }
    rc = nb__admin_main(&app, argc - 2, argv + 2);
    nb__config_close(&app.cfg);
    return rc;
  }
  optind = first;
  int c;
  while ((c = getopt_long(argc, argv, "c:l:d:o:hV", longopts, NULL)) != -1) {
    switch (c) {
    case 'c': o.config = optarg; break;
    case 'l': o.listen = optarg; break;
    case 'd': o.data = optarg; break;
    case 'D': o.demo = 1; break;
    case 'L': o.log_level = optarg; break;
    case 'o': o.out = optarg; break;
    case 'h': usage(stdout); return 0;
    case 'V': version(); return 0;
    default: usage(stderr); return 2;
    }
  }

  if (command && strcmp(command, "check-config") == 0) {
    if (optind != argc - 1) {
      fprintf(stderr, "Usage: nachbar check-config FILE\n");
      return 2;
    }
    return check_config(argv[optind]);
  }
  if (optind != argc || (command && strcmp(command, "backup") != 0)) {
    fprintf(stderr, "Error: unexpected argument '%s'\n",
            command && strcmp(command, "backup") ? command : argv[optind]);
    usage(stderr);
    return 2;
  }
  if (load_config(&app, &o)) {
    nb__config_close(&app.cfg);
    return 1;
  }
  app.demo = o.demo;
  rc = command ? backup(&app, &o) : nb__server_run(&app);
  nb__config_close(&app.cfg);
  return rc;
}
