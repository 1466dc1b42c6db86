/* rc: the one error convention of reelcut - 0 or a negative RC_E* code, plus rich errors for users.
 */
#ifndef REELCUT_RC_H
#define REELCUT_RC_H

#include <stddef.h>

/* X(name, value, message, IMS job ErrorCode, CLI exit status)
 * The IMS code is the one a job reports when it fails with this rc (API.md §4.3); the exit status
 * is what `reelcut segment|highlights|probe` exits with (docs/cli.md). */
#define RC_TABLE(X)                                                                                \
    X(RC_OK, 0, "success", "", 0)                                                                  \
    X(RC_ENOMEM, -1, "out of memory", "InternalError", 1)                                          \
    X(RC_EINVAL, -2, "invalid argument", "InvalidParameter", 2)                                    \
    X(RC_ENOENT, -3, "no such file or object", "InvalidParameter.ResourceNotFound", 3)             \
    X(RC_EMEDIA, -4, "unreadable or damaged media", "InvalidParameter.ResourceContentBad", 4)      \
    X(RC_ENOVIDEO, -5, "no video stream", "InvalidParameter.ResourceContentBad", 4)                \
    X(RC_ERANGE, -6, "value out of range", "InvalidParameter.OutOfRange", 5)                       \
    X(RC_EREAD, -7, "read failed", "InputReadFailed", 3)                                           \
    X(RC_EWRITE, -8, "write failed", "OutputWriteFailed", 6)                                       \
    X(RC_ECANCELED, -9, "cancelled", "InternalError", 1)                                           \
    X(RC_ETOOBIG, -10, "too large", "InvalidParameter", 2)                                         \
    X(RC_EEXIST, -11, "already exists", "InvalidParameter.ResourceAlreadyExists", 1)               \
    X(RC_EDB, -12, "job store error", "InternalError", 1)                                          \
    X(RC_ENOTSUP, -13, "not supported", "InvalidParameter.UnsupportedValue", 2)                    \
    X(RC_ETIMEOUT, -14, "timed out", "JobTimeout", 1)                                              \
    X(RC_EINTERNAL, -15, "internal error", "InternalError", 1)                                     \
    X(RC_EBUSY, -16, "busy", "Throttling", 1)                                                      \
    X(RC_EAGAIN, -17, "try again", "InternalError", 1)                                             \
    X(RC_ELIMIT, -18, "over a configured limit", "InvalidParameter.ResourceContentBad", 4)

enum rc_code {
#define RC_ENUM(name, value, msg, ims, exitc) name = value,
    RC_TABLE(RC_ENUM)
#undef RC_ENUM
};

/* A failure as a user sees it: the rc, the IMS Code and a one-line message that names the exact
 * parameter path or file. Caller-allocated; rc_error_clear() resets it. */
typedef struct rc_error {
    int rc;
    char code[64];
    char message[512];
} rc_error;

const char *rc_strerror(int rc);
const char *rc_ims_code(int rc);
int rc_exit_status(int rc);

void rc_error_clear(rc_error *err);

/* Fills err (if not NULL and not already set) with rc, an IMS code (NULL = the rc's default) and a
 * printf-style message; returns rc so callers can write `return rc_fail(err, RC_ENOENT, NULL,
 * ...)`. The first failure recorded wins: later calls keep the original, most specific message. */
int rc_fail(rc_error *err, int rc, const char *ims_code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Replaces in err's message every path under the folder dir - dir then "/" at the start of a word,
 * up to the next blank, quote, ")", ":" or "," - by `shown` (the message is cut where it no longer
 * fits). For messages that must not show a server's paths. Returns how many were replaced; a NULL
 * or "" dir, and "/", replace nothing. */
int rc_error_hide_paths(rc_error *err, const char *dir, const char *shown);

#endif
