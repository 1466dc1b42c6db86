/* blob_http: read-only download of an allowed http(s) URL into a temp file, with size and time
 * limits (the configuration decides which hosts are allowed; see jobs_location_parse) and the
 * address rule of blob_net.h. */
#ifndef REELCUT_BLOB_HTTP_H
#define REELCUT_BLOB_HTTP_H

#include <stdint.h>

#include "util/rc.h"

typedef struct blob_http_limits {
    int64_t max_bytes;   /* larger downloads fail with RC_ETOOBIG; 0 = 20 GiB */
    int timeout_seconds; /* whole transfer; 0 = 3600 */
    /* Hosts the operator named (inputs.allowed_hosts): these may be at internal addresses; any
     * other host must connect to a public address (BLOB_NET_PUBLIC). */
    const char *const *named_hosts;
    int n_named_hosts;
} blob_http_limits;

/* GETs url into a new temp file in tmp_dir; *local_path (malloc'd) is the caller's to remove and
 * free. Redirects are not followed; TLS is verified; limits may be NULL (defaults, no named
 * hosts). 404/410 -> RC_ENOENT, other failures -> RC_EREAD, with err naming the URL (without its
 * query, which may carry credentials). Every failure to get an HTTP answer - refused by the
 * address rule, connection refused, reset, timeout, TLS - has the same message, so errors do not
 * tell an open port from a closed one. */
int blob_http_download(const char *url, const char *tmp_dir, const blob_http_limits *limits,
                       char **local_path, rc_error *err);

#endif
