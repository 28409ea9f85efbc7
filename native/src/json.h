/* A minimal JSON reader for emulator model descriptions (no external dependencies). */
#ifndef HB_EMU_JSON_H
#define HB_EMU_JSON_H

#include <stddef.h>

typedef enum { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } json_kind;

typedef struct json_value {
  json_kind kind;
  double number;         /* JSON_NUMBER, JSON_BOOL (0/1) */
  char *string;          /* JSON_STRING */
  size_t count;          /* JSON_ARRAY, JSON_OBJECT: number of items */
  char **keys;           /* JSON_OBJECT */
  struct json_value **items;
} json_value;

/* Parses `len` bytes; returns NULL and writes a message into err (size errlen) on failure. */
json_value *json_parse(const char *text, size_t len, char *err, size_t errlen);
void json_free(json_value *v);
/* Member of an object, or NULL when absent or when `obj` is not an object. */
const json_value *json_get(const json_value *obj, const char *key);

#endif
