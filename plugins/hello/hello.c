/*
 * hello: the example plugin. It shows every part of the plugin contract in
 * a few lines: a descriptor, a migration, routes with permissions and a
 * validated body, a transaction, an event type and topic, a WebSocket
 * operation, a UI module, a timer and work off the loop thread.
 *
 * Its greetings are small public notes ("Moin from the print shop") kept in
 * the table hello_greetings. Config section [plugin.hello]: greeting = text
 * answered by GET /api/v1/hello (default "Moin").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nachbar/plugin.h>

static const nb_host_t *host;
static nb_plugin_t *self;
static const char *greeting = "Moin";
static json_t *stats; /* counters the timer refreshes */

static const nb_migration_t migrations[] = {
    {1, "CREATE TABLE hello_greetings ("
        "  id INTEGER PRIMARY KEY,"
        "  name TEXT NOT NULL,"
        "  message TEXT NOT NULL,"
        "  created_at TEXT NOT NULL DEFAULT "
        "    (strftime('%Y-%m-%dT%H:%M:%fZ','now'))"
        ") STRICT;"},
    {2, "CREATE TABLE hello_waves ("
        "  id INTEGER PRIMARY KEY,"
        "  hood_id INTEGER NOT NULL,"
        "  person_id INTEGER,"
        "  firm_id INTEGER,"
        "  message TEXT NOT NULL,"
        "  private INTEGER NOT NULL DEFAULT 0,"
        "  created_at TEXT NOT NULL DEFAULT "
        "    (strftime('%Y-%m-%dT%H:%M:%fZ','now'))"
        ") STRICT;"
        "CREATE INDEX hello_waves_hood ON hello_waves(hood_id, id);"},
    {0, NULL},
};

static int get_hello(nb_req_t *req, void *ud) {
  (void)ud;
  return host->respond_json_new(
      req, 200, json_pack("{s:s, s:O}", "greeting", greeting, "stats", stats));
}

static int list_greetings(nb_req_t *req, void *ud) {
  (void)ud;
  json_t *rows = NULL;
  int rc = host->db_query(self,
                          "SELECT id, name, message, created_at "
                          "FROM hello_greetings ORDER BY id DESC LIMIT 50",
                          NULL, &rows);
  if (rc)
    return rc;
  return host->respond_json_new(req, 200, json_pack("{s:o}", "items", rows));
}

static const nb_param_t greeting_schema[] = {
    {"name", NB_T_STRING, 1, 1, 80},
    {"message", NB_T_STRING, 1, 1, 500},
    {NULL, 0, 0, 0, 0},
};

/* Insert and read back in one transaction, answer 201 with the row. */
static int create_greeting(nb_req_t *req, void *ud) {
  (void)ud;
  if (host->req_check(req, greeting_schema))
    return 0; /* answered 400 with the field */
  const json_t *body = host->req_json(req);
  int64_t id = 0;
  json_t *rows = NULL, *params = NULL;
  int rc = host->db_begin(self);
  if (rc)
    return rc;
  rc = host->db_exec(self,
                     "INSERT INTO hello_greetings(name, message) "
                     "VALUES (:name, :message)",
                     body, NULL, &id);
  if (rc == 0) {
    params = json_pack("[I]", (json_int_t)id);
    rc = host->db_query(self,
                        "SELECT id, name, message, created_at "
                        "FROM hello_greetings WHERE id = ?1",
                        params, &rows);
  }
  json_decref(params);
  if (rc == 0)
    rc = host->db_commit(self);
  else
    host->db_rollback(self);
  if (rc) {
    json_decref(rows);
    return rc;
  }
  char location[64];
  snprintf(location, sizeof(location), "/api/v1/hello/greetings/%lld",
           (long long)id);
  host->respond_header(req, "Location", location);
  rc = host->respond_json(req, 201, json_array_get(rows, 0));
  json_decref(rows);
  return rc;
}

static int get_greeting(nb_req_t *req, void *ud) {
  (void)ud;
  const char *id = host->req_param(req, "id");
  char *end;
  long long n = strtoll(id, &end, 10);
  if (*end || n <= 0)
    return host->respond_error(req, 400, "invalid", "id",
                               "The id must be a positive number.");
  json_t *rows = NULL, *params = json_pack("[I]", (json_int_t)n);
  int rc = host->db_query(self,
                          "SELECT id, name, message, created_at "
                          "FROM hello_greetings WHERE id = ?1",
                          params, &rows);
  json_decref(params);
  if (rc)
    return rc;
  if (json_array_size(rows) == 0) {
    json_decref(rows);
    return host->respond_error(req, 404, "not_found", NULL,
                               "There is no greeting %lld.", n);
  }
  rc = host->respond_json(req, 200, json_array_get(rows, 0));
  json_decref(rows);
  return rc;
}

/* WebSocket operation "hello.echo": answers the text back. */
static const nb_param_t echo_schema[] = {
    {"text", NB_T_STRING, 1, 0, 200},
    {NULL, 0, 0, 0, 0},
};
static int ws_echo(nb_conn_t *conn, const json_t *msg, void *ud) {
  (void)ud;
  json_t *reply = json_pack("{s:s, s:O}", "op", "hello.echoed", "text",
                            json_object_get(msg, "text"));
  if (reply && json_object_get(msg, "id"))
    json_object_set(reply, "id", json_object_get(msg, "id"));
  int rc = host->ws_send(conn, reply);
  json_decref(reply);
  return rc;
}

/* Every minute count the greetings off the loop thread's hot path: the
 * count runs on the loop (database access is loop-only), the formatting
 * work shows the work queue. */
typedef struct count_job {
  long long count;
  char text[64];
} count_job_t;

static void count_work(void *ud) {
  count_job_t *job = ud;
  snprintf(job->text, sizeof(job->text), "%lld greetings", job->count);
}
static void count_done(void *ud, int status) {
  count_job_t *job = ud;
  if (status == 0 && stats)
    json_object_set_new(stats, "summary", json_string(job->text));
  free(job);
}
static void tick(void *ud) {
  (void)ud;
  json_t *rows = NULL;
  if (host->db_query(self, "SELECT count(*) AS n FROM hello_greetings", NULL,
                     &rows) != 0)
    return;
  count_job_t *job = calloc(1, sizeof(*job));
  if (job) {
    job->count = json_integer_value(
        json_object_get(json_array_get(rows, 0), "n"));
    json_object_set_new(stats, "greetings", json_integer(job->count));
    if (host->work(self, count_work, count_done, job))
      free(job);
  }
  json_decref(rows);
}

/* Waves: a member waves to the neighbourhood (or, private, to their own
 * firm and the coaches); everyone subscribed to topic "hello" there sees
 * it live. Shows event_publish inside the change's transaction. */
static const nb_param_t wave_schema[] = {
    {"message", NB_T_STRING, 1, 1, 280},
    {"private", NB_T_BOOL, 0, 0, 0},
    {NULL, 0, 0, 0, 0},
};

static int wave(nb_req_t *req, void *ud) {
  (void)ud;
  nb_who_t who;
  if (host->req_check(req, wave_schema))
    return 0;
  host->req_who(req, &who);
  const json_t *body = host->req_json(req);
  int priv = json_is_true(json_object_get(body, "private"));
  if (priv && who.nfirms == 0)
    return host->respond_error(req, 400, "invalid", "private",
                               "Only a firm's people can wave privately.");
  int64_t firm = who.nfirms ? who.firms[0] : 0, id = 0;
  json_t *p = json_pack("[I, I, o, O, i]", (json_int_t)who.hood_id,
                        (json_int_t)who.person_id,
                        firm ? json_integer(firm) : json_null(),
                        json_object_get(body, "message"), priv);
  int rc = host->db_begin(self);
  if (rc == 0)
    rc = host->db_exec(self,
                       "INSERT INTO hello_waves(hood_id, person_id, firm_id, "
                       "message, private) VALUES (?1, ?2, ?3, ?4, ?5)",
                       p, NULL, &id);
  json_decref(p);
  json_t *data = json_pack("{s:I, s:s, s:O, s:b}", "id", (json_int_t)id, "from",
                           who.display_name, "message",
                           json_object_get(body, "message"), "private", priv);
  if (rc == 0)
    rc = host->event_publish(self, who.hood_id, who.person_id, "hello",
                             "hello.waved", data,
                             priv ? NB_VIS_FIRM : NB_VIS_HOOD, firm);
  if (rc == 0)
    rc = host->db_commit(self);
  else
    host->db_rollback(self);
  if (rc) {
    json_decref(data);
    return rc;
  }
  return host->respond_json_new(req, 201, data);
}

static json_t *export_person(nb_plugin_t *plugin, int64_t person_id) {
  json_t *rows = NULL, *p = json_pack("[I]", (json_int_t)person_id);
  host->db_query(plugin,
                 "SELECT id, message, private, created_at FROM hello_waves "
                 "WHERE person_id = ?1 ORDER BY id",
                 p, &rows);
  json_decref(p);
  return json_pack("{s:o}", "waves", rows ? rows : json_array());
}

static int erase_person(nb_plugin_t *plugin, int64_t person_id,
                        int delete_content) {
  json_t *p = json_pack("[I]", (json_int_t)person_id);
  int rc = host->db_exec(plugin,
                         delete_content
                             ? "DELETE FROM hello_waves WHERE person_id = ?1"
                             : "UPDATE hello_waves SET person_id = NULL "
                               "WHERE person_id = ?1",
                         p, NULL, NULL);
  json_decref(p);
  return rc;
}

/* Demo content: one greeting from the first demo firm. */
static int demo(nb_plugin_t *plugin, const json_t *info) {
  const char *firm = json_string_value(
      json_object_get(json_array_get(json_object_get(info, "firms"), 0), "name"));
  json_t *p = json_pack("{s:s, s:s}", "name", firm ? firm : "nachbar",
                        "message", "Moin, Nachbarn!");
  int rc = host->db_exec(plugin,
                         "INSERT INTO hello_greetings(name, message) "
                         "VALUES (:name, :message)",
                         p, NULL, NULL);
  json_decref(p);
  return rc;
}

static int init(nb_plugin_t *plugin, const nb_host_t *h, const json_t *config) {
  host = h;
  self = plugin;
  const char *g = json_string_value(json_object_get(config, "greeting"));
  greeting = g && *g ? g : "Moin";
  stats = json_object();
  if (!stats)
    return NB_ENOMEM;
  int rc = 0;
  rc = rc ? rc : host->route_add(self, "GET", "/api/v1/hello", NB_PERM_PUBLIC, get_hello, NULL);
  rc = rc ? rc : host->route_add(self, "GET", "/api/v1/hello/greetings", NB_PERM_PUBLIC, list_greetings, NULL);
  rc = rc ? rc : host->route_add(self, "POST", "/api/v1/hello/greetings", NB_PERM_PUBLIC, create_greeting, NULL);
  rc = rc ? rc : host->route_add(self, "GET", "/api/v1/hello/greetings/:id", NB_PERM_PUBLIC, get_greeting, NULL);
  rc = rc ? rc : host->route_add(self, "POST", "/api/v1/n/:hood/hello/waves", NB_PERM_MEMBER, wave, NULL);
  rc = rc ? rc : host->event_type_add(self, "hello.waved");
  rc = rc ? rc : host->topic_add(self, "hello", NB_PERM_MEMBER);
  rc = rc ? rc : host->ws_op_add(self, "hello.echo", echo_schema, NB_PERM_PUBLIC, ws_echo, NULL);
  rc = rc ? rc : host->ui_add(self, "index.js");
  rc = rc ? rc : host->timer_start(self, 0, 60000, tick, NULL, NULL);
  rc = rc ? rc : host->privacy_add(self, export_person, erase_person);
  rc = rc ? rc : host->demo_add(self, demo);
  return rc;
}

static void fini(nb_plugin_t *plugin) {
  (void)plugin;
  json_decref(stats);
  stats = NULL;
}

__attribute__((visibility("default"))) const nb_plugin_desc_t nachbar_plugin = {
    NB_PLUGIN_DESC_HEAD,
    .name = "hello",
    .version = "1.0.0",
    .description = "Example plugin: public greetings between neighbours",
    .depends = NULL,
    .migrations = migrations,
    .init = init,
    .fini = fini,
};
