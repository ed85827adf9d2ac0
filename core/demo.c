/*
 * The demo neighbourhood (--demo): "Gewerbegebiet Peiner Straße", a dozen
 * firms of different trades and sizes, a coordinator, a coach and staff.
 * Seeded once, in one transaction; later starts only print the logins.
 * Every demo account shares the password NACHBAR_DEMO_PASSWORD (default
 * below), hashed once.
 */
#include "demo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "password.h"
#include "plugins.h"

#define DEMO_HOOD "peiner-strasse"
#define DEMO_PASSWORD_DEFAULT "nachbar-demo"

typedef struct demo_firm {
  const char *key, *name, *sector, *size, *address, *profile, *offers, *tags;
  const char *admin, *member; /* display names; e-mail from first name */
} demo_firm_t;

static const demo_firm_t firms[] = {
    {"glaserei-hoffmann", "Glaserei Hoffmann", "Glaserei", "10-49",
     "Peiner Straße 4", "Fenster, Ganzglasanlagen und Reparaturverglasung seit 1978.",
     "Zuschnitt von Glas und Spiegeln für Nachbarn", "[\"glas\",\"montage\"]",
     "Thomas Hoffmann", "Jana Roth"},
    {"druck-brandes", "Druck & Etikett Brandes", "Druckerei", "10-49",
     "Peiner Straße 7", "Digitaldruck, Etiketten und Verpackungen in Kleinauflagen.",
     "Gemeinsame Druckaufträge, Etiketten für Nachbarn",
     "[\"druck\",\"etiketten\",\"e-rechnung\"]", "Claudia Brandes", "Mehmet Aydin"},
    {"nordmann-rohrbau", "Rohrleitungsbau Nordmann GmbH", "Rohrleitungsbau",
     "50-249", "Peiner Straße 12",
     "Rohrleitungs- und Tiefbau für Versorger in der Region.",
     "Baustellenlogistik, Schweißkurse", "[\"tiefbau\",\"schweißen\"]",
     "Frank Nordmann", "Lea Schubert"},
    {"metallbau-krueger", "Metallbau Krüger", "Metallbau", "10-49",
     "Peiner Straße 15", "Treppen, Geländer und Stahlbau nach Maß.",
     "Laserschneiden, CNC-Biegen", "[\"metall\",\"cnc\"]", "Sven Krüger",
     "Aylin Demir"},
    {"weber-partner", "Steuerberatung Weber & Partner", "Steuerberatung", "1-9",
     "Peiner Straße 18", "Steuerberatung für Handwerk und Mittelstand.",
     "Sprechstunde E-Rechnung und GoBD für Nachbarn",
     "[\"e-rechnung\",\"buchhaltung\",\"datev\"]", "Dr. Karin Weber",
     "Paul Neumann"},
    {"elektro-schulz", "Elektro Schulz", "Elektroinstallation", "10-49",
     "Peiner Straße 21", "Elektroinstallation, Netzwerke und Photovoltaik.",
     "Netzwerkverkabelung, WLAN-Ausleuchtung", "[\"netzwerk\",\"wlan\"]",
     "Andreas Schulz", "Nina Vogel"},
    {"tischlerei-lange", "Tischlerei Lange", "Tischlerei", "1-9",
     "Peiner Straße 23", "Möbel- und Innenausbau aus Meisterhand.",
     "", "[\"holz\"]", "Martin Lange", "Sophie Lange"},
    {"autohaus-peine-sued", "Autohaus Peine-Süd", "Kfz-Handel und Werkstatt",
     "10-49", "Peiner Straße 30", "Neu- und Gebrauchtwagen, Werkstatt für alle Marken.",
     "Fuhrpark-Service für Nachbarn", "[\"kfz\",\"fuhrpark\"]", "Heike Brandt",
     "Luca Romano"},
    {"baeckerei-meyer", "Bäckerei Meyer", "Bäckerei", "10-49",
     "Peiner Straße 33", "Handwerksbäckerei mit sechs Filialen.",
     "Catering für Workshops", "[\"catering\"]", "Bernd Meyer", "Eva Kaiser"},
    {"maler-oezdemir", "Malerbetrieb Özdemir", "Malerbetrieb", "10-49",
     "Peiner Straße 36", "Maler- und Lackierarbeiten, Fassaden, Bodenbeläge.",
     "", "[\"farbe\"]", "Kemal Özdemir", "Julia Hahn"},
    {"spedition-fischer", "Spedition Fischer", "Spedition", "10-49",
     "Peiner Straße 40", "Regionale Transporte und Lagerlogistik.",
     "Lagerfläche, Sammeltransporte", "[\"logistik\",\"lager\"]",
     "Stefan Fischer", "Marie Wolf"},
    {"it-becker", "IT-Service Becker", "IT-Dienstleistung", "1-9",
     "Peiner Straße 44", "IT-Betreuung für kleine Betriebe, Backups, Sicherheit.",
     "IT-Sprechstunde, gemeinsamer Datenschutzbeauftragter",
     "[\"it-sicherheit\",\"datenschutz\",\"backup\"]", "Tobias Becker",
     "Lena Krause"},
};

static const char *demo_password(void) {
  const char *p = getenv("NACHBAR_DEMO_PASSWORD");
  return p && *p ? p : DEMO_PASSWORD_DEFAULT;
}

/* "Thomas Hoffmann" + "glaserei-hoffmann" -> "thomas@glaserei-hoffmann.demo.example" */
static void demo_email(char *out, size_t len, const char *name,
                       const char *key) {
  const char *first = strncmp(name, "Dr. ", 4) == 0 ? name + 4 : name;
  size_t n = strcspn(first, " ");
  char lower[32];
  size_t j = 0;
  for (size_t i = 0; i < n && j + 1 < sizeof(lower); i++) {
    unsigned char c = (unsigned char)first[i];
    lower[j++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
  }
  lower[j] = '\0';
  snprintf(out, len, "%s@%s.demo.example", lower, key);
}

static int add_person(nb_db_t *db, const char *email, const char *name,
                      const char *hash, int64_t *id) {
  json_t *p = json_pack("[s, s, s]", email, name, hash);
  int rc = nb__db_exec(db,
                       "INSERT INTO nb_people(email, display_name, locale, "
                       "password_hash) VALUES (?1, ?2, 'de', ?3)",
                       p, NULL, id);
  json_decref(p);
  return rc;
}

static int seed(nb_db_t *db, const char *hash, json_t *info) {
  int64_t hood = 0, pid = 0, fid = 0;
  int rc = nb__db_exec(db,
                       "INSERT INTO nb_hoods(slug, name, region, description) "
                       "VALUES ('" DEMO_HOOD "', 'Gewerbegebiet Peiner Straße', "
                       "'Region Braunschweig', 'Zwölf Betriebe, ein Ziel: "
                       "gemeinsam digital werden.')",
                       NULL, NULL, &hood);
  if (rc)
    return rc;
  json_object_set_new(info, "hood_id", json_integer(hood));
  json_object_set_new(info, "hood", json_string(DEMO_HOOD));
  json_t *jfirms = json_array(), *jpeople = json_array();
  json_object_set_new(info, "firms", jfirms);
  json_object_set_new(info, "people", jpeople);
  static const struct {
    const char *email, *name, *role;
  } staff[] = {
      {"coordinator@demo.example", "Sabine Wolters", "coordinator"},
      {"coach@demo.example", "Jonas Reinhardt", "coach"},
  };
  for (size_t i = 0; i < 2; i++) {
    if ((rc = add_person(db, staff[i].email, staff[i].name, hash, &pid)))
      return rc;
    json_array_append_new(jpeople, json_pack("{s:I, s:s, s:s, s:n}", "id",
                                             (json_int_t)pid, "email",
                                             staff[i].email, "role",
                                             staff[i].role, "firm_id"));
    json_t *p = json_pack("[I, I, s]", (json_int_t)pid, (json_int_t)hood,
                          staff[i].role);
    rc = nb__db_exec(db,
                     "INSERT INTO nb_hood_roles(person_id, hood_id, role) "
                     "VALUES (?1, ?2, ?3)",
                     p, NULL, NULL);
    json_decref(p);
    if (rc)
      return rc;
  }
  for (size_t i = 0; i < sizeof(firms) / sizeof(*firms); i++) {
    const demo_firm_t *f = &firms[i];
    json_t *p = json_pack("[I, s, s, s, s, s, s, s]", (json_int_t)hood,
                          f->name, f->sector, f->size, f->address, f->profile,
                          f->offers, f->tags);
    rc = nb__db_exec(db,
                     "INSERT INTO nb_firms(hood_id, name, sector, size, address, "
                     "profile, offers, tags) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
                     p, NULL, &fid);
    json_decref(p);
    if (rc)
      return rc;
    json_array_append_new(jfirms, json_pack("{s:I, s:s, s:s}", "id",
                                            (json_int_t)fid, "name", f->name,
                                            "key", f->key));
    const char *names[2] = {f->admin, f->member};
    for (int k = 0; k < 2; k++) {
      char email[128];
      demo_email(email, sizeof(email), names[k], f->key);
      if ((rc = add_person(db, email, names[k], hash, &pid)))
        return rc;
      json_array_append_new(jpeople,
                            json_pack("{s:I, s:s, s:s, s:I}", "id",
                                      (json_int_t)pid, "email", email, "role",
                                      k == 0 ? "admin" : "member", "firm_id",
                                      (json_int_t)fid));
      p = json_pack("[I, I, s]", (json_int_t)pid, (json_int_t)fid,
                    k == 0 ? "admin" : "member");
      rc = nb__db_exec(db,
                       "INSERT INTO nb_memberships(person_id, firm_id, role) "
                       "VALUES (?1, ?2, ?3)",
                       p, NULL, NULL);
      json_decref(p);
      if (rc)
        return rc;
      if (k == 0) {
        p = json_pack("[I, I]", (json_int_t)pid, (json_int_t)fid);
        rc = nb__db_exec(db,
                         "UPDATE nb_firms SET contact_person_id = ?1 "
                         "WHERE id = ?2",
                         p, NULL, NULL);
        json_decref(p);
        if (rc)
          return rc;
      }
    }
  }
  return 0;
}

int nb__demo_seed(nb_app_t *app) {
  json_t *rows = NULL;
  int rc = nb__db_query(app->db,
                        "SELECT id FROM nb_hoods WHERE slug = '" DEMO_HOOD "'",
                        NULL, &rows);
  int exists = rc == 0 && json_array_size(rows) > 0;
  json_decref(rows);
  if (rc)
    return rc;
  if (!exists) {
    char hash[NB_PW_HASH_MAX];
    if (nb__pw_hash_now(demo_password(), hash))
      return NB_ENOMEM;
    if ((rc = nb__db_begin(app->db)))
      return rc;
    json_t *info = json_object();
    rc = info ? seed(app->db, hash, info) : NB_ENOMEM;
    /* Then each plugin's demo content, in the same transaction. */
    for (nb_plugin_t *p = app->plugins ? app->plugins->head : NULL; !rc && p;
         p = p->next)
      if (p->state == NB_PLUGIN_ACTIVE && p->demo_fn &&
          (rc = p->demo_fn(p, info)))
        nb__log(NB_LOG_ERROR, "demo_failed", "plugin=%s rc=%d", p->name, rc);
    json_decref(info);
    if (rc) {
      nb__log(NB_LOG_ERROR, "demo_failed", "error=\"%s\"",
              nb__db_errmsg(app->db));
      nb__db_rollback(app->db);
      return rc;
    }
    if ((rc = nb__db_commit(app->db)))
      return rc;
    nb__log(NB_LOG_INFO, "demo_created", "hood=%s firms=%zu", DEMO_HOOD,
            sizeof(firms) / sizeof(*firms));
  }
  char first[128];
  demo_email(first, sizeof(first), firms[0].admin, firms[0].key);
  const char *pw = getenv("NACHBAR_DEMO_PASSWORD");
  nb__log(NB_LOG_INFO, "demo_logins",
          "hood=%s coordinator=coordinator@demo.example "
          "coach=coach@demo.example firm_admin=%s password=%s "
          "hint=\"every demo account uses this password; GET "
          "/api/v1/n/%s/people lists all\"",
          DEMO_HOOD, first, pw && *pw ? "(NACHBAR_DEMO_PASSWORD)" : DEMO_PASSWORD_DEFAULT,
          DEMO_HOOD);
  return 0;
}
