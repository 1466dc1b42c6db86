#include "api/errors.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "util/buf.h"

static const api_error_info ERROR_TABLE[API_ERR_COUNT] = {
#define API_ERR_ROW(id, code, status, rc, msg) {id, code, status, rc, msg},
    API_ERROR_TABLE(API_ERR_ROW)
#undef API_ERR_ROW
};

const api_error_info *api_error_by_id(enum api_error_id id) {
    if ((int)id < 0 || id >= API_ERR_COUNT)
        return &ERROR_TABLE[API_ERR_INTERNAL];
    return &ERROR_TABLE[id];
}

const api_error_info *api_error_lookup(const char *code) {
    if (!code)
        return NULL;
    for (size_t i = 0; i < API_ERR_COUNT; i++)
        if (strcmp(ERROR_TABLE[i].code, code) == 0)
            return &ERROR_TABLE[i];
    return NULL;
}

int api_error_http_status(const char *code) {
    const api_error_info *info = api_error_lookup(code);
    return info ? info->http_status : 500;
}

bool api_error_is_throttling(const char *code) {
    return code && strstr(code, "Throttling") != NULL;
}

int api_fail(rc_error *err, enum api_error_id id, const char *fmt, ...) {
    const api_error_info *info = api_error_by_id(id);
    if (!err || err->rc != 0)
        return info->rc;
    if (!fmt)
        return rc_fail(err, info->rc, info->code, "%s", info->message);
    char msg[sizeof(err->message)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return rc_fail(err, info->rc, info->code, "%s", msg);
}

/* Length of the valid UTF-8 sequence starting at s (at most n bytes available), or 0 if invalid. */
static size_t utf8_seq_len(const unsigned char *s, size_t n) {
    unsigned char c = s[0];
    size_t len;
    unsigned min;
    unsigned cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2, min = 0x80, cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3, min = 0x800, cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4, min = 0x10000, cp = c & 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

/* Returns a JSON string of s with invalid UTF-8 bytes replaced by '?', or NULL when out of memory.
 */
static json_t *safe_string(const char *s) {
    if (!s)
        s = "";
    size_t n = strlen(s);
    char *copy = malloc(n + 1);
    if (!copy)
        return NULL;
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        size_t len = utf8_seq_len(u + i, n - i);
        if (!len) {
            copy[i++] = '?';
            continue;
        }
        memcpy(copy + i, s + i, len);
        i += len;
    }
    copy[n] = '\0';
    json_t *j = json_string(copy);
    free(copy);
    return j;
}

static int set_string(json_t *obj, const char *key, const char *value) {
    json_t *j = safe_string(value);
    return j ? json_object_set_new(obj, key, j) : -1;
}

char *api_error_body(const char *code, const char *message, const char *request_id,
                     const char *host_id, const char *recommend_base) {
    const api_error_info *info = api_error_lookup(code);
    char *out = NULL;
    buf recommend;
    buf_init(&recommend, 0);
    json_t *obj = json_object();
    if (!obj)
        goto out;
    if (!code || !*code)
        code = ERROR_TABLE[API_ERR_INTERNAL].code;
    if (!message || !*message)
        message = info ? info->message : ERROR_TABLE[API_ERR_INTERNAL].message;
    if (recommend_base && *recommend_base &&
        buf_printf(&recommend, "%s?q=%s&requestId=%s", recommend_base, code,
                   request_id ? request_id : ""))
        goto out;
    if (set_string(obj, "RequestId", request_id) || set_string(obj, "HostId", host_id) ||
        set_string(obj, "Code", code) || set_string(obj, "Message", message) ||
        set_string(obj, "Recommend", recommend.data ? recommend.data : ""))
        goto out;
    out = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
out:
    json_decref(obj);
    buf_free(&recommend);
    return out;
}
