/* params: IMS request parameters - decoding query strings and form bodies, RFC 3986 ENC/DEC. */
#ifndef REELCUT_API_PARAMS_H
#define REELCUT_API_PARAMS_H

#include <stddef.h>

#include "util/buf.h"
#include "util/rc.h"

/* One decoded parameter. name and value are NUL-terminated copies; api_params_parse refuses NUL
 * bytes (%00), but api_params_add copies whatever bytes it is given, so the lengths are
 * authoritative. */
typedef struct api_param {
    char *name;
    size_t name_len;
    char *value;
    size_t value_len;
} api_param;

/* An ordered list of parameters with unique names (order = order of arrival). Caller-allocated;
 * api_params_init() before use, api_params_free() after. */
typedef struct api_params {
    api_param *items;
    size_t count;
    size_t cap;
    size_t *slots;     /* private: open-addressing index over items (0 = empty, else i + 1) */
    size_t slot_count; /* private */
} api_params;

/* The most parameters one request may carry (query and body together). Every IMS action takes
 * fewer than 40; the cap bounds the work an anonymous request can cause before its signature is
 * checked. */
#define API_PARAMS_MAX 256

void api_params_init(api_params *p);
/* Frees every name/value and the list; p is empty and reusable afterwards. */
void api_params_free(api_params *p);

/* Decodes raw (len bytes of a query string without '?', or an x-www-form-urlencoded body) and
 * appends its parameters to into, after any already there: split on '&' (empty items skipped),
 * split each item at the first '=' (none = empty value), DEC name and value. Because into may
 * already hold the query, parsing the body into the same list detects names repeated across query
 * and body. Returns 0; RC_EINVAL with err = InvalidParameter for a malformed % escape
 * (`Parameter "<raw name>" contains a malformed percent escape`) or a name occurring twice
 * (`Parameter "<name>" is specified more than once`), a name or value that decodes to a NUL byte
 * (`Parameter "<name>" contains a NUL byte (%00)`), or more than API_PARAMS_MAX parameters in into
 * (`The request has more than 256 parameters`); RC_ENOMEM. On failure into keeps the
 * parameters appended before the failing one; free it as usual. */
int api_params_parse(const char *raw, size_t len, api_params *into, rc_error *err);

/* Appends a copy of one parameter (no decoding). Returns 0, RC_EEXIST when the name is already
 * present (into unchanged), RC_ENOMEM. */
int api_params_add(api_params *into, const char *name, size_t name_len, const char *value,
                   size_t value_len);

/* Returns the parameter named name (exact, case-sensitive), or NULL. Includes empty values. */
const api_param *api_params_find(const api_params *p, const char *name);

/* Returns the value of name, or NULL when absent or empty (§1.3: an empty value counts as absent).
 * The pointer is owned by p. */
const char *api_params_get(const api_params *p, const char *name);

/* Appends ENC(name)=ENC(value) pairs joined by '&' to out, in list order (a wire query or form
 * body). Returns 0, RC_ETOOBIG (out's cap), RC_ENOMEM. */
int api_params_encode(const api_params *p, buf *out);

/* ENC of §2.1: appends the RFC 3986 encoding of len bytes to out - A-Z a-z 0-9 - _ . ~ kept, every
 * other byte as %XY with upper-case hex. Returns 0, RC_ETOOBIG, RC_ENOMEM. */
int api_enc(const char *in, size_t len, buf *out);

/* DEC of §2.1: appends the decoding of len bytes to out - '+' becomes a space, %XY (either hex
 * case) the byte XY. Returns 0, RC_EINVAL for '%' not followed by two hex digits (out then holds a
 * partial result), RC_ETOOBIG, RC_ENOMEM. */
int api_dec(const char *in, size_t len, buf *out);

#endif
