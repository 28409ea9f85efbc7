#include "json.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  const char *p;
  const char *end;
  char *err;
  size_t errlen;
  int depth;
} parser;

static void fail(parser *ps, const char *what) {
  if (ps->err && ps->err[0] == '\0') snprintf(ps->err, ps->errlen, "%s", what);
}

static void skip_ws(parser *ps) {
  while (ps->p < ps->end && isspace((unsigned char)*ps->p)) ps->p++;
}

static json_value *new_value(json_kind kind) {
  json_value *v = calloc(1, sizeof(*v));
  if (v) v->kind = kind;
  return v;
}

static json_value *parse_value(parser *ps);

static char *parse_string_raw(parser *ps) {
  if (ps->p >= ps->end || *ps->p != '"') {
    fail(ps, "expected a string");
    return NULL;
  }
  ps->p++;
  size_t cap = 16, n = 0;
  char *out = malloc(cap);
  if (!out) return NULL;
  while (ps->p < ps->end && *ps->p != '"') {
    char c = *ps->p++;
    if (c == '\\') {
      if (ps->p >= ps->end) break;
      char e = *ps->p++;
      switch (e) {
        case 'n': c = '\n'; break;
        case 't': c = '\t'; break;
        case 'r': c = '\r'; break;
        case 'b': c = '\b'; break;
        case 'f': c = '\f'; break;
        case 'u':
          /* Descriptions are ASCII; keep the escape's low byte rather than decoding UTF-16. */
          if (ps->end - ps->p < 4) { free(out); fail(ps, "bad \\u escape"); return NULL; }
          c = (char)strtol((char[]){ps->p[2], ps->p[3], 0}, NULL, 16);
          ps->p += 4;
          break;
        default: c = e; break;
      }
    }
    if (n + 2 > cap) {
      cap *= 2;
      char *grown = realloc(out, cap);
      if (!grown) { free(out); return NULL; }
      out = grown;
    }
    out[n++] = c;
  }
  if (ps->p >= ps->end) {
    free(out);
    fail(ps, "unterminated string");
    return NULL;
  }
  ps->p++;
  out[n] = '\0';
  return out;
}

static int push_item(json_value *v, json_value *item, char *key) {
  json_value **items = realloc(v->items, (v->count + 1) * sizeof(*items));
  if (!items) return 0;
  v->items = items;
  if (v->kind == JSON_OBJECT) {
    char **keys = realloc(v->keys, (v->count + 1) * sizeof(*keys));
    if (!keys) return 0;
    v->keys = keys;
    v->keys[v->count] = key;
  }
  v->items[v->count++] = item;
  return 1;
}

static json_value *parse_container(parser *ps, json_kind kind) {
  char close = kind == JSON_ARRAY ? ']' : '}';
  json_value *v = new_value(kind);
  if (!v) return NULL;
  ps->p++;
  if (++ps->depth > 64) { fail(ps, "nesting too deep"); json_free(v); return NULL; }
  skip_ws(ps);
  if (ps->p < ps->end && *ps->p == close) {
    ps->p++;
    ps->depth--;
    return v;
  }
  for (;;) {
    char *key = NULL;
    skip_ws(ps);
    if (kind == JSON_OBJECT) {
      key = parse_string_raw(ps);
      if (!key) { json_free(v); return NULL; }
      skip_ws(ps);
      if (ps->p >= ps->end || *ps->p != ':') { free(key); fail(ps, "expected ':'"); json_free(v); return NULL; }
      ps->p++;
    }
    json_value *item = parse_value(ps);
    if (!item || !push_item(v, item, key)) { free(key); json_free(item); json_free(v); return NULL; }
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ',') { ps->p++; continue; }
    if (ps->p < ps->end && *ps->p == close) { ps->p++; break; }
    fail(ps, kind == JSON_ARRAY ? "expected ',' or ']'" : "expected ',' or '}'");
    json_free(v);
    return NULL;
  }
  ps->depth--;
  return v;
}

static int match_word(parser *ps, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, word, n) == 0) {
    ps->p += n;
    return 1;
  }
  return 0;
}

static json_value *parse_value(parser *ps) {
  skip_ws(ps);
  if (ps->p >= ps->end) { fail(ps, "unexpected end of text"); return NULL; }
  char c = *ps->p;
  if (c == '{') return parse_container(ps, JSON_OBJECT);
  if (c == '[') return parse_container(ps, JSON_ARRAY);
  if (c == '"') {
    char *s = parse_string_raw(ps);
    if (!s) return NULL;
    json_value *v = new_value(JSON_STRING);
    if (!v) { free(s); return NULL; }
    v->string = s;
    return v;
  }
  if (match_word(ps, "true")) { json_value *v = new_value(JSON_BOOL); if (v) v->number = 1; return v; }
  if (match_word(ps, "false")) return new_value(JSON_BOOL);
  if (match_word(ps, "null")) return new_value(JSON_NULL);
  if (c == '-' || isdigit((unsigned char)c)) {
    char buf[64];
    size_t n = 0;
    while (ps->p < ps->end && n < sizeof(buf) - 1 && strchr("+-0123456789.eE", *ps->p)) buf[n++] = *ps->p++;
    buf[n] = '\0';
    char *stop = NULL;
    double d = strtod(buf, &stop);
    if (stop == buf || *stop != '\0') { fail(ps, "bad number"); return NULL; }
    json_value *v = new_value(JSON_NUMBER);
    if (v) v->number = d;
    return v;
  }
  fail(ps, "unexpected character");
  return NULL;
}

json_value *json_parse(const char *text, size_t len, char *err, size_t errlen) {
  if (err && errlen) err[0] = '\0';
  parser ps = {text, text + len, err, errlen, 0};
  json_value *v = parse_value(&ps);
  if (!v) {
    if (err && err[0]) {
      char tmp[160];
      snprintf(tmp, sizeof(tmp), "%s at byte %ld", err, (long)(ps.p - text));
      snprintf(err, errlen, "%s", tmp);
    }
    return NULL;
  }
  skip_ws(&ps);
  if (ps.p != ps.end) {
    if (err) snprintf(err, errlen, "trailing characters at byte %ld", (long)(ps.p - text));
    json_free(v);
    return NULL;
  }
  return v;
}

void json_free(json_value *v) {
  if (!v) return;
  for (size_t i = 0; i < v->count; i++) {
    json_free(v->items[i]);
    if (v->keys) free(v->keys[i]);
  }
  free(v->items);
  free(v->keys);
  free(v->string);
  free(v);
}

const json_value *json_get(const json_value *obj, const char *key) {
  if (!obj || obj->kind != JSON_OBJECT) return NULL;
  for (size_t i = 0; i < obj->count; i++)
    if (strcmp(obj->keys[i], key) == 0) return obj->items[i];
  return NULL;
}
