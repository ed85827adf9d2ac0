/*
 * problems: a person's data for GDPR export and erase (host->privacy_add).
 *
 * Export: the problems they recorded, the firms' support they gave, their
 * comments, links and (coaches) status changes.
 *
 * Erase, keeping contributions (delete_content 0): every reference to the
 * person becomes NULL; problems, supports and comments stay for the
 * neighbourhood without an author. Erase with delete_content 1: their
 * problems go with everything attached to them (supporters, comments,
 * links, history, search index, and duplicates that were merged into
 * them), and so do their comments, links and the supports they gave
 * elsewhere. Both run inside the core's erase transaction.
 */
#include "problems.h"

static json_t *rows_of(nb_plugin_t *self, const char *sql, int64_t person) {
  json_t *rows = NULL, *p = json_pack("[I]", (json_int_t)person);
  if (!p || pb_host->db_query(self, sql, p, &rows) != 0)
    rows = NULL;
  json_decref(p);
  return rows ? rows : json_array();
}

json_t *pb_privacy_export(nb_plugin_t *self, int64_t person_id) {
  return json_pack(
      "{s:o, s:o, s:o, s:o, s:o}", "problems",
      rows_of(self,
              "SELECT id, hood_id, firm_id, title, description, category, "
              "CASE urgency WHEN 1 THEN 'low' WHEN 2 THEN 'medium' WHEN 3 "
              "THEN 'high' ELSE 'critical' END AS urgency, hours_per_week, "
              "visibility, status, merged_into, created_at, updated_at FROM "
              "problems WHERE author_id = ?1 ORDER BY id",
              person_id),
      "supports",
      rows_of(self,
              "SELECT problem_id, firm_id, note, hours_per_week, CASE urgency "
              "WHEN 1 THEN 'low' WHEN 2 THEN 'medium' WHEN 3 THEN 'high' "
              "WHEN 4 THEN 'critical' END AS urgency, hidden AS anonymous, "
              "created_at FROM problems_supporters WHERE person_id = ?1 "
              "ORDER BY id",
              person_id),
      "comments",
      rows_of(self,
              "SELECT id, problem_id, body, anon AS anonymous, hidden_at, "
              "created_at FROM problems_comments WHERE author_id = ?1 ORDER "
              "BY id",
              person_id),
      "links",
      rows_of(self,
              "SELECT id, problem_id, url, title, created_at FROM "
              "problems_links WHERE author_id = ?1 ORDER BY id",
              person_id),
      "moderation",
      rows_of(self,
              "SELECT problem_id, kind, from_status AS 'from', to_status AS "
              "'to', reason, workshop_ref, other_id, created_at FROM "
              "problems_history WHERE actor_id = ?1 ORDER BY id",
              person_id));
}

/* Problems the person recorded and the duplicates merged into them. */
#define THEIRS                                                                 \
  "(SELECT id FROM problems WHERE author_id = ?1 OR merged_into IN "           \
  "(SELECT id FROM problems WHERE author_id = ?1))"

static const char *const keep_steps[] = {
    "UPDATE problems SET author_id = NULL WHERE author_id = ?1",
    "UPDATE problems_supporters SET person_id = NULL WHERE person_id = ?1",
    "UPDATE problems_comments SET author_id = NULL WHERE author_id = ?1",
    "UPDATE problems_comments SET hidden_by = NULL WHERE hidden_by = ?1",
    "UPDATE problems_links SET author_id = NULL WHERE author_id = ?1",
    "UPDATE problems_history SET actor_id = NULL WHERE actor_id = ?1",
    NULL,
};

static const char *const delete_steps[] = {
    "DELETE FROM problems_fts WHERE rowid IN " THEIRS,
    "DELETE FROM problems_supporters WHERE problem_id IN " THEIRS,
    "DELETE FROM problems_comments WHERE problem_id IN " THEIRS,
    "DELETE FROM problems_links WHERE problem_id IN " THEIRS,
    "DELETE FROM problems_history WHERE problem_id IN " THEIRS,
    "DELETE FROM problems WHERE merged_into IN (SELECT id FROM problems "
    "WHERE author_id = ?1)",
    "DELETE FROM problems WHERE author_id = ?1",
    "DELETE FROM problems_supporters WHERE person_id = ?1",
    "DELETE FROM problems_comments WHERE author_id = ?1",
    "DELETE FROM problems_links WHERE author_id = ?1",
    "UPDATE problems_comments SET hidden_by = NULL WHERE hidden_by = ?1",
    "UPDATE problems_history SET actor_id = NULL WHERE actor_id = ?1",
    NULL,
};

int pb_privacy_erase(nb_plugin_t *self, int64_t person_id, int delete_content) {
  json_t *p = json_pack("[I]", (json_int_t)person_id);
  if (!p)
    return NB_ENOMEM;
  const char *const *steps = delete_content ? delete_steps : keep_steps;
  int rc = 0;
  for (size_t i = 0; !rc && steps[i]; i++)
    rc = pb_host->db_exec(self, steps[i], p, NULL, NULL);
  json_decref(p);
  if (rc)
    pb_host->log(self, NB_LOG_ERROR, "problems_erase_failed", "error=\"%s\"",
                 pb_host->db_errmsg(self));
  return rc;
}
