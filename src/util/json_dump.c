/* json_dump: compact JSON text of a jansson value, byte-identical to json_dumps(v, JSON_COMPACT),
 * for the API's responses. jansson's dumper decodes every string as UTF-8 character by character
 * and goes through a callback per piece; on a GetSmartHandleJob that was ~6 % of the server's CPU.
 * Here strings are copied in runs between the bytes that need escaping (the value's UTF-8 was
 * validated when jansson made it, and the default output keeps non-ASCII as is). */
#include <stdlib.h>
#include <string.h>

#include "util/json.h"

#define DUMP_MAX_DEPTH 2048 /* jansson's own limit for dumping (JSON_PARSER_MAX_DEPTH) */

static int put_string(buf *b, const char *s, size_t n) {
    static const char hex[] = "0123456789ABCDEF";
    int rc = buf_append(b, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        rc = buf_append(b, s + run, i - run);
        run = i + 1;
        char esc[6] = {'\\', 0};
        size_t len = 2;
        switch (c) {
        case '"':
            esc[1] = '"';
            break;
        case '\\':
            esc[1] = '\\';
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default: /* \u00XX, upper-case like jansson */
            memcpy(esc, "\\u00", 4);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            len = 6;
        }
        if (rc == 0)
            rc = buf_append(b, esc, len);
    }
    if (rc == 0)
        rc = buf_append(b, s + run, n - run);
    return rc ? rc : buf_append(b, "\"", 1);
}

static int put_integer(buf *b, json_int_t v) {
    char tmp[24], *p = tmp + sizeof(tmp);
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do
        *--p = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0)
        *--p = '-';
    return buf_append(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

static int put_value(buf *b, const json_t *v, int depth) {
    if (depth > DUMP_MAX_DEPTH)
        return RC_EINVAL;
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        int rc = buf_append(b, "{", 1), first = 1;
        const char *key;
        json_t *item;
        json_object_foreach((json_t *)v, key, item) {
            if (rc == 0 && !first)
                rc = buf_append(b, ",", 1);
            first = 0;
            if (rc == 0)
                rc = put_string(b, key, strlen(key));
            if (rc == 0)
                rc = buf_append(b, ":", 1);
            if (rc == 0)
                rc = put_value(b, item, depth + 1);
        }
        return rc ? rc : buf_append(b, "}", 1);
    }
    case JSON_ARRAY: {
        int rc = buf_append(b, "[", 1);
        for (size_t i = 0; rc == 0 && i < json_array_size(v); i++) {
            if (i)
                rc = buf_append(b, ",", 1);
            if (rc == 0)
                rc = put_value(b, json_array_get(v, i), depth + 1);
        }
        return rc ? rc : buf_append(b, "]", 1);
    }
    case JSON_STRING:
        return put_string(b, json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        return put_integer(b, json_integer_value(v));
    case JSON_TRUE:
        return buf_puts(b, "true");
    case JSON_FALSE:
        return buf_puts(b, "false");
    case JSON_NULL:
        return buf_puts(b, "null");
    case JSON_REAL: { /* rare in responses: jansson's own formatting, to stay identical */
        char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        int rc = text ? buf_puts(b, text) : RC_ENOMEM;
        free(text);
        return rc;
    }
    }
    return RC_EINVAL;
}

int jsonx_dump_value(const json_t *v, buf *out) {
    return v ? put_value(out, v, 0) : RC_EINVAL;
}

int jsonx_dump_string(const char *s, size_t n, buf *out) {
    return put_string(out, s, n);
}
