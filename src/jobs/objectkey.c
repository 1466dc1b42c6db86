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
    } table[] = {{"mp4", OBJECTKEY_MP4},
                 {"mov", OBJECTKEY_MOV},
                 {"mkv", OBJECTKEY_MKV},
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

/* The template as literal parts around its index slots: with "{index}", the text between them;
 * without, the stem plus "_" and the extension (objectkey_expand's rule). Returns the number of
 * slots (parts - 1), at most max_parts - 1. */
static size_t split_template(const char *tmpl, const char **part, size_t *len, size_t max_parts,
                             char *stem_buf, size_t stem_n) {
    static const char slot[] = "{index}";
    if (!strstr(tmpl, slot)) {
        const char *ext = extension_of(tmpl);
        size_t stem = ext ? (size_t)(ext - 1 - tmpl) : strlen(tmpl);
        snprintf(stem_buf, stem_n, "%.*s_", (int)stem, tmpl);
        part[0] = stem_buf;
        len[0] = strlen(stem_buf);
        part[1] = tmpl + stem;
        len[1] = strlen(tmpl + stem);
        return 1;
    }
    size_t slots = 0;
    const char *p = tmpl;
    for (const char *hit = strstr(p, slot); hit && slots + 1 < max_parts; hit = strstr(p, slot)) {
        part[slots] = p;
        len[slots++] = (size_t)(hit - p);
        p = hit + sizeof(slot) - 1;
    }
    part[slots] = p;
    len[slots] = strlen(p);
    return slots;
}

int objectkey_can_produce(const char *tmpl, const char *key, char *index, size_t n) {
    /* A valid template expands to at most OBJECTKEY_MAX bytes, each slot to one at least. */
    enum { MAX_PARTS = OBJECTKEY_MAX + 2 };
    const char *part[MAX_PARTS];
    size_t len[MAX_PARTS];
    char stem[OBJECTKEY_MAX + 2];
    size_t slots = split_template(tmpl, part, len, MAX_PARTS, stem, sizeof(stem));
    size_t literal = 0, key_len = strlen(key);
    for (size_t i = 0; i <= slots; i++)
        literal += len[i];
    if (slots == 0 || key_len <= literal || (key_len - literal) % slots != 0)
        return 0;
    /* Every slot holds the same number: its digits are where the first slot stands. */
    size_t digits = (key_len - literal) / slots;
    const char *number = key + len[0];
    if (number[0] < '1' || number[0] > '9')
        return 0;
    for (size_t i = 1; i < digits; i++)
        if (number[i] < '0' || number[i] > '9')
            return 0;
    size_t at = 0;
    for (size_t i = 0; i <= slots; i++) {
        if (strncmp(key + at, part[i], len[i]) != 0)
            return 0;
        at += len[i];
        if (i < slots) {
            if (strncmp(key + at, number, digits) != 0)
                return 0;
            at += digits;
        }
    }
    if (index && n)
        snprintf(index, n, "%.*s", (int)digits, number);
    return at == key_len;
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
