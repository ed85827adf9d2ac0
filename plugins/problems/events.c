/*
 * problems: live events on the topic "problems".
 *
 * The audience of an event is the audience of its problem: a private
 * problem's events go to that firm and the coaches (NB_VIS_FIRM), all
 * others to the whole neighbourhood (NB_VIS_HOOD). What goes into `data`
 * is rendered for that audience by the same functions that render HTTP
 * answers, with no viewer (store.c): an anonymous problem's events never
 * name its firm, its author, an anonymous supporter or the firm of a
 * comment's author. The actor is stored by the host for the audit and
 * never sent.
 */
#include <string.h>

#include "problems.h"

static const char *const types[] = {
    "problem.created", "problem.updated",   "problem.joined",
    "problem.left",    "problem.commented", "problem.comment_hidden",
    "problem.status",  "problem.merged",    NULL,
};

int pb_events_register(void) {
  int rc = 0;
  for (size_t i = 0; !rc && types[i]; i++)
    rc = pb_host->event_type_add(pb_self, types[i]);
  return rc ? rc : pb_host->topic_add(pb_self, "problems", NB_PERM_MEMBER);
}

int pb_publish_to(int64_t hood_id, int64_t actor, const char *type,
                  const json_t *data, int vis, int64_t firm) {
  return pb_host->event_publish(pb_self, hood_id, actor, "problems", type, data,
                                vis, vis == NB_VIS_FIRM ? firm : 0);
}

int pb_publish(const json_t *row, int64_t actor, const char *type,
               const json_t *data) {
  const char *vis = pb_str(row, "visibility");
  int priv = vis && strcmp(vis, "private") == 0;
  return pb_publish_to(pb_int(row, "hood_id"), actor, type, data,
                       priv ? NB_VIS_FIRM : NB_VIS_HOOD,
                       pb_int(row, "firm_id"));
}
