/*
 * problems: full-text search with SQLite FTS5.
 *
 * German-friendly in two ways:
 *  - the tokenizer is unicode61 with remove_diacritics 2, so "Büro" is
 *    indexed as "buro" and the query "buro" (or "Büro", "BÜRO") finds it;
 *  - a third column holds title and description in the spelling without
 *    umlauts (ä -> ae, ö -> oe, ü -> ue, ß -> ss), so "buero" and "strasse"
 *    find "Büro" and "Straße" too; a query word with an umlaut or ß is also
 *    searched in that spelling, so "Müller" finds "Mueller".
 *
 * Every query word is a prefix ("rechnungspr" finds "Rechnungsprüfung"),
 * all words must match, and words are quoted, so FTS5 syntax typed by a
 * person (AND, NEAR, *, quotes, column filters) is just text. Firm names
 * are deliberately not indexed: a search for a firm must not find its
 * anonymous problems.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "problems.h"

#define MAX_WORDS 8
#define MAX_WORD 64

char *pb_translit(const char *s) {
  size_t n = strlen(s);
  char *out = malloc(n * 2 + 1), *o = out;
  if (!out)
    return NULL;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    const char *rep = NULL;
    if (p[0] == 0xC3) {
      switch (p[1]) {
      case 0xA4:
        rep = "ae";
        break; /* ä */
      case 0xB6:
        rep = "oe";
        break; /* ö */
      case 0xBC:
        rep = "ue";
        break; /* ü */
      case 0x84:
        rep = "Ae";
        break; /* Ä */
      case 0x96:
        rep = "Oe";
        break; /* Ö */
      case 0x9C:
        rep = "Ue";
        break; /* Ü */
      case 0x9F:
        rep = "ss";
        break; /* ß */
      default:
        break;
      }
    } else if (p[0] == 0xE1 && p[1] == 0xBA && p[2] == 0x9E) {
      rep = "SS"; /* ẞ */
      p++;
    }
    if (rep) {
      memcpy(o, rep, 2);
      o += 2;
      p++;
    } else {
      *o++ = (char)*p;
    }
  }
  *o = '\0';
  return out;
}

int pb_fts_del(int64_t id) {
  return pb_exec_new("DELETE FROM problems_fts WHERE rowid = ?1",
                     json_pack("[I]", (json_int_t)id), NULL, NULL);
}

int pb_fts_put(int64_t id, const char *title, const char *description) {
  size_t n = strlen(title) + strlen(description) + 2;
  char *both = malloc(n);
  if (!both)
    return NB_ENOMEM;
  strcpy(both, title);
  strcat(both, " ");
  strcat(both, description);
  char *folded = pb_translit(both);
  free(both);
  if (!folded)
    return NB_ENOMEM;
  int rc = pb_fts_del(id);
  if (rc == 0)
    rc = pb_exec_new(
        "INSERT INTO problems_fts(rowid, title, description, "
        "folded) VALUES (?1, ?2, ?3, ?4)",
        json_pack("[I, s, s, s]", (json_int_t)id, title, description, folded),
        NULL, NULL);
  free(folded);
  return rc;
}

/* Length of the UTF-8 sequence at p and its code point (0 when broken;
 * the host has checked bodies, query strings may be anything). */
static size_t utf8_at(const unsigned char *p, uint32_t *cp) {
  size_t k = p[0] < 0x80    ? 0
             : p[0] >= 0xF0 ? 3
             : p[0] >= 0xE0 ? 2
             : p[0] >= 0xC0 ? 1
                            : 9;
  if (k == 9)
    return 0;
  uint32_t c = k == 0 ? p[0] : p[0] & (0x3F >> k);
  for (size_t j = 1; j <= k; j++) {
    if ((p[j] & 0xC0) != 0x80)
      return 0;
    c = c << 6 | (p[j] & 0x3F);
  }
  *cp = c;
  return k + 1;
}

/* Letters and digits make words; ASCII punctuation, Latin-1 signs,
 * general punctuation (dashes, quotes), symbols, arrows, emoji and broken
 * bytes separate them, as FTS5's unicode61 tokenizer does for these. */
static int word_char(uint32_t c) {
  if (c < 0x80)
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9');
  if (c <= 0xBF || c == 0xD7 || c == 0xF7)
    return 0;
  if ((c >= 0x2000 && c <= 0x2BFF) || (c >= 0x3000 && c <= 0x303F) ||
      (c >= 0xFE00 && c <= 0xFE0F) || (c >= 0xFFF0 && c <= 0xFFFF) ||
      c >= 0x1F000)
    return 0;
  return 1;
}

/* Append s to out[*at..len); NB_ELIMIT when it does not fit. */
static int put(char *out, size_t len, size_t *at, const char *s, size_t n) {
  if (*at + n + 1 > len)
    return NB_ELIMIT;
  memcpy(out + *at, s, n);
  *at += n;
  out[*at] = '\0';
  return 0;
}

int pb_fts_match(const char *q, char *out, size_t len) {
  size_t at = 0;
  int words = 0;
  if (len)
    out[0] = '\0';
  for (const unsigned char *p = (const unsigned char *)q; *p;) {
    uint32_t c = 0;
    size_t k = utf8_at(p, &c);
    if (!k || !word_char(c)) {
      p += k ? k : 1;
      continue;
    }
    const unsigned char *start = p;
    while (*p && (k = utf8_at(p, &c)) && word_char(c)) {
      if ((size_t)(p - start) + k > MAX_WORD)
        break;
      p += k;
    }
    size_t n = (size_t)(p - start);
    while (*p && (k = utf8_at(p, &c)) && word_char(c))
      p += k; /* the rest of an overlong word */
    if (words == MAX_WORDS)
      break;
    char word[MAX_WORD + 1];
    memcpy(word, start, n);
    word[n] = '\0';
    char *alt = pb_translit(word);
    if (!alt)
      return NB_ENOMEM;
    int has_alt = strcmp(alt, word) != 0;
    int rc = 0;
    if (words)
      rc = put(out, len, &at, " AND ", 5);
    if (!rc && has_alt)
      rc = put(out, len, &at, "(", 1);
    if (!rc)
      rc = put(out, len, &at, "\"", 1);
    if (!rc)
      rc = put(out, len, &at, word, n);
    if (!rc)
      rc = put(out, len, &at, "\"*", 2);
    if (!rc && has_alt) {
      rc = put(out, len, &at, " OR \"", 5);
      if (!rc)
        rc = put(out, len, &at, alt, strlen(alt));
      if (!rc)
        rc = put(out, len, &at, "\"*)", 3);
    }
    free(alt);
    if (rc)
      return rc;
    words++;
  }
  return words;
}
