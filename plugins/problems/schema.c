/*
 * problems: the plugin's tables (migrations). Never change a step that has
 * shipped; add the next one.
 *
 * problems_categories   the taxonomy per neighbourhood (hood_id 0 holds the
 *                       defaults each hood copies on first use)
 * problems              one row per problem; merged_into points at the
 *                       problem it was merged into (then it only redirects)
 * problems_supporters   "we have this too": one row per (problem, firm);
 *                       hidden = the firm is named to nobody but itself and
 *                       the coaches
 * problems_comments     anon = the author's firm is hidden likewise;
 *                       only_firm = visible to that firm and the coaches
 *                       only (comments moved from a private problem)
 * problems_links        related links (a workshop, an article, a vendor)
 * problems_history      status changes, workshop links and merges
 * problems_fts          full-text index: title, description, and both in
 *                       a spelling without umlauts (ae, oe, ue, ss)
 *
 * Urgency is stored as 1..4 (low, medium, high, critical) so rankings can
 * compare it; the API speaks the names.
 */
#include "problems.h"

#define NOW "(strftime('%Y-%m-%dT%H:%M:%fZ','now'))"

const nb_migration_t pb_migrations[] = {
    {1,
     "CREATE TABLE problems_categories ("
     "  id INTEGER PRIMARY KEY,"
     "  hood_id INTEGER NOT NULL,"
     "  key TEXT NOT NULL,"
     "  label_de TEXT NOT NULL,"
     "  label_en TEXT NOT NULL,"
     "  position INTEGER NOT NULL DEFAULT 0,"
     "  archived INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),"
     "  UNIQUE (hood_id, key)"
     ") STRICT;"
     "CREATE TABLE problems_seeded ("
     "  hood_id INTEGER PRIMARY KEY"
     ") STRICT;"
     "INSERT INTO problems_categories(hood_id, key, label_de, label_en, "
     "  position) VALUES"
     "  (0, 'communication', 'Kommunikation und E-Mail', "
     "   'Communication and e-mail', 10),"
     "  (0, 'bookkeeping', 'Buchhaltung und E-Rechnung', "
     "   'Bookkeeping and e-invoicing', 20),"
     "  (0, 'data-protection', 'Datenschutz', 'Data protection', 30),"
     "  (0, 'it-security', 'IT-Sicherheit', 'IT security', 40),"
     "  (0, 'industry-software', 'Branchensoftware', 'Industry software', 50),"
     "  (0, 'website', 'Website und Online-Auftritt', "
     "   'Website and online presence', 60),"
     "  (0, 'staff-skills', 'Personal und Kompetenzen', 'Staff and skills', "
     "70),"
     "  (0, 'hardware-network', 'Hardware und Netzwerk', "
     "   'Hardware and network', 80);"
     "CREATE TABLE problems ("
     "  id INTEGER PRIMARY KEY,"
     "  hood_id INTEGER NOT NULL,"
     "  firm_id INTEGER NOT NULL,"
     "  author_id INTEGER,"
     "  title TEXT NOT NULL,"
     "  description TEXT NOT NULL DEFAULT '',"
     "  category TEXT NOT NULL,"
     "  urgency INTEGER NOT NULL CHECK (urgency BETWEEN 1 AND 4),"
     "  hours_per_week REAL CHECK (hours_per_week IS NULL OR "
     "    (hours_per_week >= 0 AND hours_per_week <= 168)),"
     "  visibility TEXT NOT NULL "
     "    CHECK (visibility IN ('private', 'anonymous', 'open')),"
     "  status TEXT NOT NULL DEFAULT 'new' CHECK (status IN "
     "    ('new', 'triaged', 'planned', 'solved', 'declined')),"
     "  workshop_ref TEXT,"
     "  merged_into INTEGER REFERENCES problems(id),"
     "  created_at TEXT NOT NULL DEFAULT " NOW ","
     "  updated_at TEXT NOT NULL DEFAULT " NOW ") STRICT;"
     "CREATE INDEX problems_hood ON problems(hood_id, id);"
     "CREATE INDEX problems_firm ON problems(firm_id);"
     "CREATE INDEX problems_merged ON problems(merged_into);"
     "CREATE TABLE problems_supporters ("
     "  id INTEGER PRIMARY KEY,"
     "  problem_id INTEGER NOT NULL REFERENCES problems(id),"
     "  firm_id INTEGER NOT NULL,"
     "  person_id INTEGER,"
     "  note TEXT,"
     "  hours_per_week REAL CHECK (hours_per_week IS NULL OR "
     "    (hours_per_week >= 0 AND hours_per_week <= 168)),"
     "  urgency INTEGER CHECK (urgency IS NULL OR urgency BETWEEN 1 AND 4),"
     "  hidden INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),"
     "  created_at TEXT NOT NULL DEFAULT " NOW ","
     "  UNIQUE (problem_id, firm_id)"
     ") STRICT;"
     "CREATE INDEX problems_supporters_firm ON problems_supporters(firm_id);"
     "CREATE TABLE problems_comments ("
     "  id INTEGER PRIMARY KEY,"
     "  problem_id INTEGER NOT NULL REFERENCES problems(id),"
     "  author_id INTEGER,"
     "  firm_id INTEGER,"
     "  body TEXT NOT NULL,"
     "  anon INTEGER NOT NULL DEFAULT 0 CHECK (anon IN (0, 1)),"
     "  only_firm INTEGER,"
     "  hidden_at TEXT,"
     "  hidden_by INTEGER,"
     "  hidden_reason TEXT,"
     "  created_at TEXT NOT NULL DEFAULT " NOW ") STRICT;"
     "CREATE INDEX problems_comments_problem ON problems_comments(problem_id, "
     "id);"
     "CREATE TABLE problems_links ("
     "  id INTEGER PRIMARY KEY,"
     "  problem_id INTEGER NOT NULL REFERENCES problems(id),"
     "  author_id INTEGER,"
     "  url TEXT NOT NULL,"
     "  title TEXT NOT NULL DEFAULT '',"
     "  only_firm INTEGER,"
     "  created_at TEXT NOT NULL DEFAULT " NOW ") STRICT;"
     "CREATE INDEX problems_links_problem ON problems_links(problem_id);"
     "CREATE TABLE problems_history ("
     "  id INTEGER PRIMARY KEY,"
     "  problem_id INTEGER NOT NULL REFERENCES problems(id),"
     "  actor_id INTEGER,"
     "  kind TEXT NOT NULL CHECK (kind IN "
     "    ('status', 'workshop', 'merged_into', 'merged_from')),"
     "  from_status TEXT,"
     "  to_status TEXT,"
     "  reason TEXT,"
     "  workshop_ref TEXT,"
     "  other_id INTEGER,"
     "  created_at TEXT NOT NULL DEFAULT " NOW ") STRICT;"
     "CREATE INDEX problems_history_problem ON problems_history(problem_id, "
     "id);"
     "CREATE VIRTUAL TABLE problems_fts USING fts5("
     "  title, description, folded,"
     "  tokenize = 'unicode61 remove_diacritics 2',"
     "  prefix = '2 3 4'"
     ");"},
    {0, NULL},
};
