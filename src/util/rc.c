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
