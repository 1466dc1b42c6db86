/* spec_util: helpers shared by the spec_*.c files; not for use outside src/jobs/spec*.c. */
#ifndef REELCUT_SPEC_UTIL_H
#define REELCUT_SPEC_UTIL_H

#include <stddef.h>

#include "util/rc.h"

/* Fails with InvalidParameter.UnsupportedValue `<path> value "<value>" is not supported[: reason]`
 * (value cut to 64 bytes, made printable). Returns RC_ENOTSUP. */
int jobs_spec_unsupported(rc_error *err, const char *path, const char *value, const char *reason);

/* 1 if host[0..host_len) matches one of the n entries of list (case-insensitive; an entry
 * starting with "." matches the subdomains of that domain). */
int jobs_spec_host_allowed(const char *host, size_t host_len, const char *const *list, int n);

/* Fails with InvalidParameter.UnsupportedValue `<path> value "<url>" is not supported: the host is
 * an internal (loopback, private or reserved) address` when host[0..host_len) is an internal
 * address literal or localhost (netaddr_host_internal) that none of the n list entries names
 * exactly. Returns 0 or RC_ENOTSUP. */
int jobs_spec_check_internal(const char *host, size_t host_len, const char *const *list, int n,
                             const char *path, const char *url, rc_error *err);

/* Splits a URL authority [a, a+len) into its host (brackets of an IPv6 literal removed) and
 * whether a port follows. Returns 0, or -1 for user info ("@") or an empty host. */
int jobs_spec_split_authority(const char *a, size_t len, const char **host, size_t *host_len,
                              int *has_port);

/* Fails with RC_ENOMEM / InternalError "out of memory"; returns RC_ENOMEM. */
int jobs_spec_oom(rc_error *err);

#endif
