#include "util/rc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define RC_CASE_MSG(name, value, msg, ims, exitc)                                                  \
    case name:                                                                                     \
        return msg;
#define RC_CASE_IMS(name, value, msg, ims, exitc)                                                  \
    case name:                                                                                     \
        return ims;
#define RC_CASE_EXIT(name, value, msg, ims, exitc)                                                 \
    case name:                                                                                     \
        return exitc;

const char *rc_strerror(int rc) {
    switch (rc) { RC_TABLE(RC_CASE_MSG) }
    return "unknown error";
}

const char *rc_ims_code(int rc) {
    switch (rc) { RC_TABLE(RC_CASE_IMS) }
    return "InternalError";
}

int rc_exit_status(int rc) {
    switch (rc) { RC_TABLE(RC_CASE_EXIT) }
    return 1;
}

void rc_error_clear(rc_error *err) {
    if (err)
        memset(err, 0, sizeof(*err));
}

int rc_error_hide_paths(rc_error *err, const char *dir, const char *shown) {
    size_t dir_len = dir ? strlen(dir) : 0;
    while (dir_len > 1 && dir[dir_len - 1] == '/')
        dir_len--;
    if (!err || dir_len == 0 || (dir_len == 1 && dir[0] == '/'))
        return 0;
    char out[sizeof(err->message)];
    size_t o = 0, shown_len = strlen(shown);
    int hidden = 0;
    const char *s = err->message;
    for (const char *p = s; *p;) {
        int word = p == s || strchr(" \t\"'(=:,", p[-1]) != NULL;
        if (word && strncmp(p, dir, dir_len) == 0 && p[dir_len] == '/') {
            p += strcspn(p, " \t\"'):,");
            size_t n = shown_len < sizeof(out) - 1 - o ? shown_len : sizeof(out) - 1 - o;
            memcpy(out + o, shown, n);
            o += n;
            hidden++;
        } else if (o + 1 < sizeof(out)) {
            out[o++] = *p++;
        } else {
            break;
        }
    }
    out[o] = '\0';
    if (hidden)
        memcpy(err->message, out, o + 1);
    return hidden;
}

int rc_fail(rc_error *err, int rc, const char *ims_code, const char *fmt, ...) {
    if (!err || err->rc != 0)
        return rc;
    err->rc = rc;
    snprintf(err->code, sizeof(err->code), "%s", ims_code ? ims_code : rc_ims_code(rc));
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return rc;
}
