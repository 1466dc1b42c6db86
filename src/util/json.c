#include "util/json.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define PATH_MAX_LEN 256
/* Integers beyond this are not exactly representable as doubles. */
#define EXACT_INT_LIMIT 9007199254740992.0

char *jsonx_path(char *out, size_t n, const char *prefix, const char *key) {
    if (prefix && *prefix)
        snprintf(out, n, "%s.%s", prefix, key);
    else
        snprintf(out, n, "%s", key);
    return out;
}

char *jsonx_path_index(char *out, size_t n, const char *prefix, size_t index) {
    snprintf(out, n, "%s[%zu]", prefix, index);
    return out;
}

/* Length of the UTF-8 sequence starting at s (at most `left` bytes), or 0 if it is malformed. */
static size_t utf8_seq_len(const unsigned char *s, size_t left) {
    unsigned c = s[0];
    size_t n;
    unsigned cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (left < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

int jsonx_utf8_valid(const char *s, size_t len) {
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        size_t n = utf8_seq_len(p + i, len - i);
        if (n == 0)
            return 0;
        i += n;
    }
    return 1;
}

size_t jsonx_utf8_chars(const char *s) {
    size_t count = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xc0) != 0x80)
            count++;
    return count;
}

char *jsonx_echo(const char *v, char out[JSONX_ECHO_MAX + 1]) {
    const unsigned char *p = (const unsigned char *)(v ? v : "");
    size_t left = strlen((const char *)p);
    size_t o = 0;
    while (left > 0) {
        size_t n = utf8_seq_len(p, left);
        if (n == 0 || (n == 1 && (*p < 0x20 || *p == 0x7f))) {
            if (o + 1 > JSONX_ECHO_MAX)
                break;
            out[o++] = '?';
            p++;
            left--;
            continue;
        }
        if (o + n > JSONX_ECHO_MAX)
            break;
        memcpy(out + o, p, n);
        o += n;
        p += n;
        left -= n;
    }
    out[o] = '\0';
    return out;
}

/* Depth of v counting objects and arrays (a scalar is 0); stops early past limit. */
static int depth_of(json_t *v, int limit) {
    int deepest = 0;
    if (limit < 0)
        return 1;
    if (json_is_object(v)) {
        const char *key;
        json_t *child;
        json_object_foreach(v, key, child) {
            int d = depth_of(child, limit - 1);
            if (d > deepest)
                deepest = d;
            if (deepest > limit)
                break;
        }
        return deepest + 1;
    }
    if (json_is_array(v)) {
        size_t i;
        json_t *child;
        json_array_foreach(v, i, child) {
            int d = depth_of(child, limit - 1);
            if (d > deepest)
                deepest = d;
            if (deepest > limit)
                break;
        }
        return deepest + 1;
    }
    return 0;
}

int jsonx_parse_object(const char *text, const char *name, json_t **out, rc_error *err) {
    *out = NULL;
    json_error_t jerr;
    json_t *root = NULL;
    size_t len = text ? strlen(text) : 0;
    /* jansson checks UTF-8 itself; checking first keeps "valid UTF-8" independent of its version.
     */
    if (text && jsonx_utf8_valid(text, len))
        root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root || !json_is_object(root) || depth_of(root, JSONX_MAX_DEPTH) > JSONX_MAX_DEPTH) {
        json_decref(root);
        return rc_fail(err, RC_EINVAL, JSONX_JSONFORMAT, "%s is not a valid JSON object", name);
    }
    *out = root;
    return 0;
}

json_t *jsonx_field(const json_t *obj, const char *key) {
    if (!obj || !json_is_object(obj))
        return NULL;
    json_t *v = json_object_get(obj, key);
    return json_is_null(v) ? NULL : v;
}

static int fail_type(rc_error *err, const char *prefix, const char *key, const char *type) {
    char path[PATH_MAX_LEN];
    return rc_fail(err, RC_EINVAL, JSONX_TYPE, "%s must be a %s",
                   jsonx_path(path, sizeof(path), prefix, key), type);
}

static int fail_empty(rc_error *err, const char *prefix, const char *key) {
    char path[PATH_MAX_LEN];
    return rc_fail(err, RC_EINVAL, JSONX_EMPTY, "%s is mandatory for this action.",
                   jsonx_path(path, sizeof(path), prefix, key));
}

static void set_present(int *present, int value) {
    if (present)
        *present = value;
}

int jsonx_get_string(const json_t *obj, const char *prefix, const char *key, int required,
                     const char **out, rc_error *err) {
    json_t *v = jsonx_field(obj, key);
    if (v && !json_is_string(v))
        return fail_type(err, prefix, key, "string");
    if (!v || json_string_length(v) == 0) {
        if (required)
            return fail_empty(err, prefix, key);
        return 0;
    }
    *out = json_string_value(v);
    return 0;
}

int jsonx_get_number(const json_t *obj, const char *prefix, const char *key, int required,
                     int *present, double *out, rc_error *err) {
    set_present(present, 0);
    json_t *v = jsonx_field(obj, key);
    if (!v)
        return required ? fail_empty(err, prefix, key) : 0;
    if (!json_is_number(v))
        return fail_type(err, prefix, key, "number");
    *out = json_number_value(v);
    set_present(present, 1);
    return 0;
}

int jsonx_get_integer(const json_t *obj, const char *prefix, const char *key, int required,
                      long long min, long long max, int *present, long long *out, rc_error *err) {
    set_present(present, 0);
    json_t *v = jsonx_field(obj, key);
    if (!v)
        return required ? fail_empty(err, prefix, key) : 0;
    long long value = 0;
    int in_range;
    if (json_is_integer(v)) {
        value = (long long)json_integer_value(v);
        in_range = value >= min && value <= max;
    } else if (json_is_real(v)) {
        double d = json_real_value(v);
        if (d != floor(d))
            return fail_type(err, prefix, key, "integer");
        in_range =
            d >= -EXACT_INT_LIMIT && d <= EXACT_INT_LIMIT && d >= (double)min && d <= (double)max;
        if (in_range)
            value = (long long)d;
    } else {
        return fail_type(err, prefix, key, "integer");
    }
    if (!in_range) {
        char path[PATH_MAX_LEN];
        return rc_fail(err, RC_ERANGE, JSONX_RANGE, "%s must be in [%lld,%lld]",
                       jsonx_path(path, sizeof(path), prefix, key), min, max);
    }
    *out = value;
    set_present(present, 1);
    return 0;
}

int jsonx_get_bool(const json_t *obj, const char *prefix, const char *key, int required,
                   int *present, int *out, rc_error *err) {
    set_present(present, 0);
    json_t *v = jsonx_field(obj, key);
    if (!v)
        return required ? fail_empty(err, prefix, key) : 0;
    if (json_is_boolean(v)) {
        *out = json_is_true(v);
    } else if (json_is_string(v) && strcasecmp(json_string_value(v), "true") == 0) {
        *out = 1;
    } else if (json_is_string(v) && strcasecmp(json_string_value(v), "false") == 0) {
        *out = 0;
    } else {
        return fail_type(err, prefix, key, "boolean");
    }
    set_present(present, 1);
    return 0;
}

int jsonx_get_array(const json_t *obj, const char *prefix, const char *key, int required,
                    json_t **out, rc_error *err) {
    json_t *v = jsonx_field(obj, key);
    if (v && !json_is_array(v))
        return fail_type(err, prefix, key, "array");
    if (!v || json_array_size(v) == 0)
        return required ? fail_empty(err, prefix, key) : 0;
    *out = v;
    return 0;
}

int jsonx_get_object(const json_t *obj, const char *prefix, const char *key, int required,
                     json_t **out, rc_error *err) {
    json_t *v = jsonx_field(obj, key);
    if (v && !json_is_object(v))
        return fail_type(err, prefix, key, "object");
    if (!v)
        return required ? fail_empty(err, prefix, key) : 0;
    *out = v;
    return 0;
}
