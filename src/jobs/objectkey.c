#include "jobs/objectkey.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"

/* The extension of the last path segment, without the dot, or NULL. */
static const char *extension_of(const char *key) {
    const char *slash = strrchr(key, '/');
    const char *base = slash ? slash + 1 : key;
    const char *dot = strrchr(base, '.');
    return dot && dot != base ? dot + 1 : NULL;
}

int objectkey_container(const char *key, enum objectkey_container *out) {
    static const struct {
        const char *ext;
        enum objectkey_container c;
    } table[] = {{"mp4", OBJECTKEY_MP4}, {"mov", OBJECTKEY_MOV}, {"mkv", OBJECTKEY_MKV},
                 {"webm", OBJECTKEY_WEBM}};
    const char *ext = extension_of(key);
    if (!ext) {
        *out = OBJECTKEY_MP4;
        return 0;
    }
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        if (strcasecmp(ext, table[i].ext) == 0) {
            *out = table[i].c;
            return 0;
        }
    }
    return RC_ENOTSUP;
}

int objectkey_validate(const char *tmpl, const char *path, int allow_absolute, rc_error *err) {
    const char *unsupported = "InvalidParameter.UnsupportedValue";
    if (!tmpl || !*tmpl)
        return rc_fail(err, RC_EINVAL, "InvalidParameter.EmptyValue",
                       "%s is mandatory for this action.", path);
    if (!allow_absolute && tmpl[0] == '/')
        return rc_fail(err, RC_EINVAL, unsupported,
                       "%s value \"%.64s\" is not supported: it must be relative to the bucket",
                       path, tmpl);
    for (const char *seg = tmpl; *seg;) {
        const char *end = strchr(seg, '/');
        size_t len = end ? (size_t)(end - seg) : strlen(seg);
        if ((len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.'))
            return rc_fail(err, RC_EINVAL, unsupported,
                           "%s value \"%.64s\" is not supported: it may not contain \".\" or "
                           "\"..\" segments",
                           path, tmpl);
        if (!end)
            break;
        seg = end + 1;
    }
    for (const unsigned char *p = (const unsigned char *)tmpl; *p; p++)
        if (*p < 0x20 || *p == 0x7f || *p == '\\')
            return rc_fail(err, RC_EINVAL, unsupported,
                           "%s value \"%.64s\" is not supported: control characters and "
                           "backslashes are not allowed",
                           path, tmpl);
    enum objectkey_container c;
    if (objectkey_container(tmpl, &c))
        return rc_fail(err, RC_ENOTSUP, unsupported,
                       "%s value \"%.64s\" is not supported: the extension must be .mp4, .mov, "
                       ".mkv or .webm",
                       path, tmpl);
    return 0;
}

int objectkey_expand(const char *tmpl, int index, size_t max_len, char *out, size_t n,
                     const char *path, rc_error *err) {
    char num[16];
    snprintf(num, sizeof(num), "%d", index);
    buf b;
    buf_init(&b, max_len + 64);
    int rc = 0;
    if (strstr(tmpl, "{index}")) {
        for (const char *p = tmpl; *p && !rc;) {
            if (strncmp(p, "{index}", 7) == 0) {
                rc = buf_puts(&b, num);
                p += 7;
            } else {
                rc = buf_append(&b, p, 1);
                p++;
            }
        }
    } else {
        const char *ext = extension_of(tmpl);
        size_t stem = ext ? (size_t)(ext - 1 - tmpl) : strlen(tmpl);
        rc = buf_append(&b, tmpl, stem);
        if (!rc)
            rc = buf_printf(&b, "_%s%s", num, tmpl + stem);
    }
    if (rc || b.len > max_len || b.len + 1 > n) {
        buf_free(&b);
        return rc_fail(err, RC_ERANGE, "InvalidParameter.OutOfRange",
                       "%s must be at most %zu bytes", path, max_len);
    }
    memcpy(out, b.data, b.len + 1);
    buf_free(&b);
    return 0;
}
