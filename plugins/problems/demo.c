/*
 * problems: demo content for the neighbourhood "Gewerbegebiet Peiner
 * Straße" (nachbar --demo). Realistic problems of the demo firms (keys as
 * in core/demo.c), several shared by many firms, in every visibility and
 * at several steps of the workflow, with a few comments. Runs inside the
 * core's demo transaction, so it writes directly and publishes nothing.
 */
#include <stdio.h>
#include <string.h>

#include "problems.h"

#define MAX_SUPPORTERS 6

typedef struct demo_problem {
  const char *firm, *title, *description, *category;
  int urgency;
  double hours;
  const char *visibility;
  const char *path; /* statuses after "new", e.g. "triaged,planned" */
  const char *workshop_ref;
  const char *supporters[MAX_SUPPORTERS]; /* firm keys; "~key": anonymous */
} demo_problem_t;

/* clang-format off */
static const demo_problem_t problems[] = {
    {"glaserei-hoffmann", "Info-Postfach läuft über: Anfragen gehen unter",
     "Über info@ kommen täglich 80 Mails: Anfragen, Rechnungen, Newsletter, "
     "Spam. Angebote bleiben liegen, weil niemand den Überblick hat. Wir "
     "suchen eine einfache Lösung für geteilte Postfächer und Regeln.",
     "communication", 3, 6, "open", "triaged", NULL,
     {"druck-brandes", "metallbau-krueger", "autohaus-peine-sued",
      "spedition-fischer"}},
    {"tischlerei-lange",
     "E-Rechnung: Wie empfangen wir ab 2025 E-Rechnungen?",
     "Unser Buchhaltungsprogramm kann keine XRechnung lesen. Wir wissen "
     "nicht, was wir anschaffen müssen und was ab wann Pflicht ist. Auch "
     "das Versenden ab 2027 macht uns Sorgen.",
     "bookkeeping", 4, 3, "anonymous", "triaged,planned", "e-rechnung-2025",
     {"baeckerei-meyer", "maler-oezdemir", "metallbau-krueger",
      "glaserei-hoffmann", "elektro-schulz"}},
    {"nordmann-rohrbau", "Rechnungsprüfung kostet jede Woche einen halben Tag",
     "Eingangsrechnungen kommen per Post und als PDF. Prüfen, freigeben, an "
     "die Steuerberatung weitergeben: alles von Hand, mit Ausdrucken und "
     "Stempel. Freigaben gehen verloren.",
     "bookkeeping", 3, 5, "open", NULL, NULL,
     {"spedition-fischer", "~autohaus-peine-sued"}},
    {"baeckerei-meyer",
     "Datenschutz: Brauchen wir einen Datenschutzbeauftragten?",
     "Wir haben sechs Filialen und eine Kundenkartei für Tortenbestellungen. "
     "Niemand weiß, ob wir einen Datenschutzbeauftragten brauchen und was "
     "ins Verzeichnis der Verarbeitungstätigkeiten gehört.",
     "data-protection", 2, 1, "anonymous", "triaged", NULL,
     {"maler-oezdemir", "elektro-schulz", "tischlerei-lange"}},
    {"autohaus-peine-sued", "Phishing-Mails: Mitarbeitende klicken auf alles",
     "Letzten Monat hat jemand die Zugangsdaten fürs Herstellerportal auf "
     "einer gefälschten Seite eingegeben. Wir brauchen eine Schulung, die "
     "auch in der Werkstatt ankommt.",
     "it-security", 3, 2, "anonymous", NULL, NULL,
     {"glaserei-hoffmann", "spedition-fischer", "druck-brandes"}},
    {"maler-oezdemir", "Datensicherung nur auf einer USB-Festplatte im Büro",
     "Die Sicherung der Auftragsdaten liegt auf einer Festplatte neben dem "
     "Server. Bei Einbruch oder Brand wäre alles weg.",
     "it-security", 4, 1, "private", NULL, NULL, {NULL}},
    {"metallbau-krueger", "Kalkulationssoftware veraltet, Hersteller gibt auf",
     "Unsere Branchensoftware für Kalkulation und Arbeitsvorbereitung bekommt "
     "keine Updates mehr und läuft nur noch auf einem alten Windows-Rechner.",
     "industry-software", 3, 4, "open", NULL, NULL, {NULL}},
    {"tischlerei-lange", "Website seit Jahren nicht aktualisiert",
     "Die Seite hat ein Bekannter 2015 gebaut, wir kommen nicht mehr hinein. "
     "Kundinnen finden uns online kaum, Bilder aktueller Projekte fehlen.",
     "website", 2, 1, "open", NULL, NULL, {"maler-oezdemir"}},
    {"baeckerei-meyer", "Azubis finden: Wie erreichen wir junge Leute online?",
     "Stellenanzeigen in der Zeitung bringen nichts mehr. Wir wissen nicht, "
     "wie wir Instagram oder TikTok neben dem Tagesgeschäft bespielen sollen.",
     "staff-skills", 2, 2, "open", NULL, NULL,
     {"elektro-schulz", "spedition-fischer", "glaserei-hoffmann"}},
    {"spedition-fischer", "WLAN in der Lagerhalle bricht ständig ab",
     "Die Handscanner verlieren in der hinteren Halle die Verbindung, "
     "Buchungen gehen verloren und werden im Büro nachgetragen.",
     "hardware-network", 2, 3, "open", NULL, NULL, {"metallbau-krueger"}},
    {"elektro-schulz", "Zeiterfassung der Monteure noch auf Papier",
     "Stundenzettel kommen freitags zerknittert zurück, das Abtippen dauert "
     "Stunden. Eine App wäre gut, aber welche passt zu unserer "
     "Lohnabrechnung?",
     "industry-software", 2, 3, "open", "triaged", NULL,
     {"nordmann-rohrbau", "maler-oezdemir"}},
    {"druck-brandes", "Druckdaten kommen als riesige Mail-Anhänge",
     "Dateien mit 200 MB scheitern am Postfach. Wir brauchen einen sicheren "
     "Upload für Kundinnen und Kunden, der datenschutzkonform ist.",
     "communication", 1, 2, "open", "triaged,solved", NULL, {NULL}},
    {"weber-partner", "Belege kommen noch im Schuhkarton",
     "Viele Betriebe hier bringen Belege auf Papier. Digitale "
     "Belegübermittlung spart beiden Seiten Zeit, aber die Einrichtung "
     "scheitert oft an Kleinigkeiten.",
     "bookkeeping", 2, 4, "open", NULL, NULL, {NULL}},
};
typedef struct demo_comment {
  int problem;      /* index into problems[] */
  const char *firm; /* the author's firm key; NULL: the coach */
  const char *body;
} demo_comment_t;

static const demo_comment_t comments[] = {
    {0, NULL, "Danke! Ich plane dazu einen Praxisabend zu geteilten "
              "Postfächern und Filterregeln."},
    {0, "druck-brandes", "Wir testen gerade ein gemeinsames Postfach – "
                         "erzählen gern beim nächsten Treffen davon."},
    {1, NULL, "Der Workshop E-Rechnung ist geplant; Weber & Partner bringt "
              "die steuerliche Sicht ein."},
    {1, "glaserei-hoffmann", "Gilt das auch für Kleinbetragsrechnungen?"},
    {4, "spedition-fischer", "Hatten wir auch. Eine kurze Schulung mit "
                             "Beispielmails hat sehr geholfen."},
};
/* clang-format on */

/* The id of the demo firm `key`, and of its admin (the firm's first
 * person), from the core's demo description. */
static int64_t firm_id(const json_t *demo, const char *key) {
  size_t i;
  json_t *f;
  json_array_foreach(json_object_get(demo, "firms"), i, f) {
    const char *k = pb_str(f, "key");
    if (k && strcmp(k, key) == 0)
      return pb_int(f, "id");
  }
  return 0;
}

static int64_t person_of(const json_t *demo, int64_t firm, const char *role) {
  size_t i;
  json_t *p;
  json_array_foreach(json_object_get(demo, "people"), i, p) {
    const char *r = pb_str(p, "role");
    if (r && strcmp(r, role) == 0 && (!firm || pb_int(p, "firm_id") == firm))
      return pb_int(p, "id");
  }
  return 0;
}

static int add_problem(const json_t *demo, const demo_problem_t *d,
                       int64_t coach, int64_t *out) {
  int64_t hood = pb_int(demo, "hood_id"), firm = firm_id(demo, d->firm), id;
  if (!firm)
    return NB_EINVAL;
  int rc = pb_exec_new(
      "INSERT INTO problems(hood_id, firm_id, author_id, title, description, "
      "category, urgency, hours_per_week, visibility) VALUES "
      "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
      json_pack("[I, I, I, s, s, s, i, f, s]", (json_int_t)hood,
                (json_int_t)firm, (json_int_t)person_of(demo, firm, "admin"),
                d->title, d->description, d->category, d->urgency, d->hours,
                d->visibility),
      NULL, &id);
  if (!rc)
    rc = pb_fts_put(id, d->title, d->description);
  for (size_t i = 0; !rc && i < MAX_SUPPORTERS && d->supporters[i]; i++) {
    const char *key = d->supporters[i];
    int hidden = key[0] == '~' || strcmp(d->visibility, "anonymous") == 0;
    int64_t sf = firm_id(demo, key[0] == '~' ? key + 1 : key);
    rc = pb_exec_new(
        "INSERT INTO problems_supporters(problem_id, firm_id, "
        "person_id, hours_per_week, urgency, hidden) VALUES "
        "(?1, ?2, ?3, ?4, ?5, ?6)",
        json_pack("[I, I, I, f, i, i]", (json_int_t)id, (json_int_t)sf,
                  (json_int_t)person_of(demo, sf, "member"),
                  d->hours > 2 ? d->hours - 1 : d->hours,
                  d->urgency > 1 ? d->urgency - (int)(i % 2) : 1, hidden),
        NULL, NULL);
  }
  /* The coach walked it through the workflow. */
  const char *from = "new";
  char path[64];
  snprintf(path, sizeof(path), "%s", d->path ? d->path : "");
  for (char *save = NULL, *to = strtok_r(path, ",", &save); !rc && to;
       to = strtok_r(NULL, ",", &save)) {
    int planned = strcmp(to, "planned") == 0;
    rc = pb_exec_new("INSERT INTO problems_history(problem_id, actor_id, "
                     "kind, from_status, to_status, workshop_ref) VALUES "
                     "(?1, ?2, 'status', ?3, ?4, ?5)",
                     json_pack("[I, I, s, s, s?]", (json_int_t)id,
                               (json_int_t)coach, from, to,
                               planned ? d->workshop_ref : NULL),
                     NULL, NULL);
    if (!rc)
      rc = pb_exec_new("UPDATE problems SET status = ?2, workshop_ref = "
                       "coalesce(?3, workshop_ref) WHERE id = ?1",
                       json_pack("[I, s, s?]", (json_int_t)id, to,
                                 planned ? d->workshop_ref : NULL),
                       NULL, NULL);
    from = strcmp(to, "triaged") == 0   ? "triaged"
           : strcmp(to, "planned") == 0 ? "planned"
           : strcmp(to, "solved") == 0  ? "solved"
                                        : "declined";
  }
  *out = id;
  return rc;
}

int pb_demo(nb_plugin_t *self, const json_t *demo) {
  (void)self;
  int64_t ids[sizeof(problems) / sizeof(*problems)];
  int64_t coach = person_of(demo, 0, "coach");
  int rc = pb_categories_ensure(pb_int(demo, "hood_id"));
  for (size_t i = 0; !rc && i < sizeof(problems) / sizeof(*problems); i++)
    rc = add_problem(demo, &problems[i], coach, &ids[i]);
  for (size_t i = 0; !rc && i < sizeof(comments) / sizeof(*comments); i++) {
    const demo_comment_t *c = &comments[i];
    const demo_problem_t *d = &problems[c->problem];
    int64_t firm = c->firm ? firm_id(demo, c->firm) : 0;
    int64_t author = c->firm ? person_of(demo, firm, "admin") : coach;
    int anon = firm && strcmp(d->visibility, "anonymous") == 0;
    rc = pb_exec_new("INSERT INTO problems_comments(problem_id, author_id, "
                     "firm_id, body, anon) VALUES (?1, ?2, ?3, ?4, ?5)",
                     json_pack("[I, I, o, s, i]", (json_int_t)ids[c->problem],
                               (json_int_t)author,
                               firm ? json_integer(firm) : json_null(), c->body,
                               anon),
                     NULL, NULL);
  }
  if (rc)
    pb_host->log(self, NB_LOG_ERROR, "problems_demo_failed", "error=\"%s\"",
                 pb_host->db_errmsg(self));
  return rc;
}
