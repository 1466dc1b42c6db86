/* json: strict config-parameter JSON (API.md §1.3) on jansson - parse, typed field access with IMS
 * errors. */
#ifndef REELCUT_JSON_H
#define REELCUT_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "util/buf.h"
#include "util/rc.h"

/* Deepest nesting of objects/arrays a config parameter may have (the top-level object is 1). */
#define JSONX_MAX_DEPTH 16
/* Longest value echoed in an UnsupportedValue message, in bytes (API.md §3.2). */
#define JSONX_ECHO_MAX 64

/* IMS codes used by the parameter validators. */
#define JSONX_MISSING "MissingParameter"
#define JSONX_JSONFORMAT "InvalidParameter.JsonFormat"
#define JSONX_EMPTY "InvalidParameter.EmptyValue"
#define JSONX_TYPE "InvalidParameter.TypeMismatch"
#define JSONX_RANGE "InvalidParameter.OutOfRange"
#define JSONX_UNSUPPORTED "InvalidParameter.UnsupportedValue"

/* Parses `text` as the config parameter `name` (e.g. "InputConfig"): valid UTF-8, RFC 8259, a
 * top-level object, no duplicate keys, depth <= JSONX_MAX_DEPTH. Returns 0 with *out holding a new
 * reference (json_decref() it), or RC_EINVAL with err = InvalidParameter.JsonFormat
 * "<name> is not a valid JSON object" and *out NULL. */
int jsonx_parse_object(const char *text, const char *name, json_t **out, rc_error *err);

/* The value of key in obj, or NULL when obj is NULL, the key is absent or its value is null. */
json_t *jsonx_field(const json_t *obj, const char *key);

/* Typed field readers. Each reads obj[key], names it "<prefix>.<key>" in errors (just "<key>" when
 * prefix is NULL or empty) and returns 0 or RC_EINVAL with err filled (first failure wins).
 * Absent (missing or null) leaves *out untouched and *present 0 (present may be NULL); with
 * `required` set an absent value fails with InvalidParameter.EmptyValue
 * "<path> is mandatory for this action." A value of the wrong JSON type fails with
 * InvalidParameter.TypeMismatch "<path> must be a <type>". */

/* String: "" counts as absent. *out points into obj (valid while obj lives). */
int jsonx_get_string(const json_t *obj, const char *prefix, const char *key, int required,
                     const char **out, rc_error *err);
/* Number: any JSON number (integer or real); strings are a type error. */
int jsonx_get_number(const json_t *obj, const char *prefix, const char *key, int required,
                     int *present, double *out, rc_error *err);
/* Integer: a JSON integer, or a real without fractional part (2.0, 1e3); anything else, including
 * 2.5 and "2", fails with "<path> must be a integer". Values beyond +-2^53 fail with OutOfRange
 * "<path> must be in [min,max]" using the given bounds, which are also enforced. */
int jsonx_get_integer(const json_t *obj, const char *prefix, const char *key, int required,
                      long long min, long long max, int *present, long long *out, rc_error *err);
/* Boolean: true/false, or the strings "true"/"false" in any case. */
int jsonx_get_bool(const json_t *obj, const char *prefix, const char *key, int required,
                   int *present, int *out, rc_error *err);
/* Array: [] counts as absent. *out is borrowed from obj. */
int jsonx_get_array(const json_t *obj, const char *prefix, const char *key, int required,
                    json_t **out, rc_error *err);
/* Object: {} is present. *out is borrowed from obj. */
int jsonx_get_object(const json_t *obj, const char *prefix, const char *key, int required,
                     json_t **out, rc_error *err);

/* Formats "<prefix>.<key>" (or "<key>") into out (size n); truncates safely. Returns out. */
char *jsonx_path(char *out, size_t n, const char *prefix, const char *key);
/* Formats "<prefix>[<index>]" into out (size n). Returns out. */
char *jsonx_path_index(char *out, size_t n, const char *prefix, size_t index);

/* 1 if s[0..len) is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF). */
int jsonx_utf8_valid(const char *s, size_t len);
/* Number of code points in a valid UTF-8 string. */
size_t jsonx_utf8_chars(const char *s);
/* Copies at most JSONX_ECHO_MAX bytes of v into out (size >= JSONX_ECHO_MAX + 1) for an error
 * message: cut on a character boundary, invalid bytes and control characters replaced by '?' so
 * the message stays valid, printable UTF-8. Returns out. */
char *jsonx_echo(const char *v, char out[JSONX_ECHO_MAX + 1]);

/* Appends v as compact JSON, byte-identical to json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)
 * (json_dump.c; faster). Returns 0, RC_EINVAL (NULL, or nested deeper than 2048), or buf's
 * RC_ETOOBIG / RC_ENOMEM (out then holds a partial text). */
int jsonx_dump_value(const json_t *v, buf *out);
/* Appends the n bytes of s (valid UTF-8) as a JSON string literal, escaped as jansson does. */
int jsonx_dump_string(const char *s, size_t n, buf *out);

#endif
