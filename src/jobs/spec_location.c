/* Input locations of API.md §4.0: oss://, OSS-style http(s) URLs, allowed downloads, local files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "jobs/spec.h"
#include "jobs/spec_util.h"
#include "util/ids.h"
#include "util/json.h"
#include "util/netaddr.h"

#define OSS_KEY_MAX 1023

int jobs_bucket_name_valid(const char *name) {
    size_t len = name ? strlen(name) : 0;
    if (len < 3 || len > 63)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && c != '.' && c != '-')
            return 0;
        if (!alnum && (i == 0 || i == len - 1))
            return 0;
    }
    return 1;
}

void jobs_location_free(jobs_location *loc) {
    if (!loc)
        return;
    free(loc->raw);
    free(loc->bucket);
    free(loc->key);
    memset(loc, 0, sizeof(*loc));
}

int jobs_spec_unsupported(rc_error *err, const char *path, const char *value, const char *reason) {
    char echo[JSONX_ECHO_MAX + 1];
    jsonx_echo(value, echo);
    if (!reason)
        return rc_fail(err, RC_ENOTSUP, JSONX_UNSUPPORTED, "%s value \"%s\" is not supported", path,
                       echo);
    return rc_fail(err, RC_ENOTSUP, JSONX_UNSUPPORTED, "%s value \"%s\" is not supported: %s", path,
                   echo, reason);
}

/* Percent-decodes s[0..len) into a new string; NULL (with *bad set) for a malformed escape or an
 * encoded NUL, NULL (bad unset) when out of memory. */
static char *percent_decode(const char *s, size_t len, int *bad) {
    *bad = 0;
    char *out = malloc(len + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '%') {
            out[o++] = s[i];
            continue;
        }
        int hi = i + 2 < len ? ids_hex_value((unsigned char)s[i + 1]) : -1;
        int lo = hi >= 0 ? ids_hex_value((unsigned char)s[i + 2]) : -1;
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
            free(out);
            *bad = 1;
            return NULL;
        }
        out[o++] = (char)(hi * 16 + lo);
        i += 2;
    }
    out[o] = '\0';
    return out;
}

int jobs_spec_oom(rc_error *err) {
    return rc_fail(err, RC_ENOMEM, "InternalError", "out of memory");
}

/* 1 if a key or path has a "." or ".." segment. */
static int has_dot_segment(const char *p) {
    for (const char *seg = p;;) {
        const char *end = strchr(seg, '/');
        size_t len = end ? (size_t)(end - seg) : strlen(seg);
        if ((len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.'))
            return 1;
        if (!end)
            return 0;
        seg = end + 1;
    }
}

static int has_control(const char *p) {
    for (const unsigned char *u = (const unsigned char *)p; *u; u++)
        if (*u < 0x20 || *u == 0x7f)
            return 1;
    return 0;
}

/* Checks an OSS bucket and object key and stores them into out (taking ownership of key).
 * fold_case lower-cases the bucket: it came from a host name, where case does not matter. */
static int set_oss(jobs_location *out, const char *bucket, size_t bucket_len, int fold_case,
                   char *key, const char *path, const char *url, rc_error *err) {
    char name[64];
    if (bucket_len >= sizeof(name)) {
        free(key);
        return jobs_spec_unsupported(err, path, url, "invalid bucket name");
    }
    for (size_t i = 0; i < bucket_len; i++)
        name[i] = (char)((fold_case && bucket[i] >= 'A' && bucket[i] <= 'Z') ? bucket[i] + 32
                                                                             : bucket[i]);
    name[bucket_len] = '\0';
    if (!jobs_bucket_name_valid(name)) {
        free(key);
        return jobs_spec_unsupported(err, path, url, "invalid bucket name");
    }
    if (!key[0]) {
        free(key);
        return jobs_spec_unsupported(err, path, url, "the object key is empty");
    }
    if (strlen(key) > OSS_KEY_MAX || key[0] == '/' || has_dot_segment(key) || has_control(key)) {
        free(key);
        return jobs_spec_unsupported(err, path, url, "invalid object key");
    }
    out->kind = JOBS_LOC_OSS;
    out->key = key;
    out->bucket = strdup(name);
    return out->bucket ? 0 : RC_ENOMEM;
}

/* 1 if host matches one of the policy entries (exact, or ".domain" for its subdomains). */
int jobs_spec_host_allowed(const char *host, size_t host_len, const char *const *list, int n) {
    if (netaddr_host_named(host, host_len, list, n)) /* also "[::1]" for the host ::1 */
        return 1;
    for (int i = 0; i < n; i++) {
        const char *e = list[i];
        size_t elen = e ? strlen(e) : 0;
        if (elen > 0 && e[0] == '.' && host_len > elen &&
            strncasecmp(host + host_len - elen, e, elen) == 0)
            return 1;
    }
    return 0;
}

int jobs_spec_check_internal(const char *host, size_t host_len, const char *const *list, int n,
                             const char *path, const char *url, rc_error *err) {
    if (!netaddr_host_internal(host, host_len) || netaddr_host_named(host, host_len, list, n))
        return 0;
    return jobs_spec_unsupported(err, path, url,
                                 "the host is an internal (loopback, private or reserved) address");
}

/* Host of an http(s) URL's authority [a, a+len): sets *host, *host_len and *has_port. Returns 0
 * or -1 for user info or an empty/odd host. */
int jobs_spec_split_authority(const char *a, size_t len, const char **host, size_t *host_len,
                              int *has_port) {
    if (memchr(a, '@', len))
        return -1;
    *has_port = 0;
    if (len > 0 && a[0] == '[') {
        const char *close = memchr(a, ']', len);
        if (!close)
            return -1;
        *host = a + 1;
        *host_len = (size_t)(close - a - 1);
        *has_port = (size_t)(close - a) + 1 < len;
        if (*has_port && close[1] != ':') /* "[::1]x": only a port may follow the brackets */
            return -1;
    } else {
        const char *colon = memchr(a, ':', len);
        *host = a;
        *host_len = colon ? (size_t)(colon - a) : len;
        *has_port = colon != NULL;
    }
    return *host_len ? 0 : -1;
}

/* If host is BUCKET.oss-REGION[-internal].aliyuncs.com, sets the bucket part and returns 1. */
static int oss_host(const char *host, size_t len, size_t *bucket_len) {
    static const char suffix[] = ".aliyuncs.com";
    size_t slen = sizeof(suffix) - 1;
    if (len <= slen || strncasecmp(host + len - slen, suffix, slen) != 0)
        return 0;
    size_t mid = len - slen;
    for (size_t i = mid; i-- > 0;) {
        if (i + 5 <= mid && strncasecmp(host + i, ".oss-", 5) == 0) {
            if (i + 5 == mid)
                return 0;
            for (size_t j = i + 5; j < mid; j++) {
                char c = host[j];
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-'))
                    return 0;
            }
            *bucket_len = i;
            return 1;
        }
    }
    return 0;
}

static int parse_http(const char *url, size_t scheme_len, const jobs_policy *policy,
                      const char *path, jobs_location *out, rc_error *err) {
    const char *auth = url + scheme_len;
    size_t auth_len = strcspn(auth, "/?#");
    const char *host;
    size_t host_len, bucket_len;
    int has_port;
    if (jobs_spec_split_authority(auth, auth_len, &host, &host_len, &has_port))
        return jobs_spec_unsupported(err, path, url, "the URL has no valid host");
    if (!has_port && oss_host(host, host_len, &bucket_len)) {
        const char *p = auth + auth_len;
        if (*p != '/')
            return jobs_spec_unsupported(err, path, url, "the object key is empty");
        p++;
        int bad;
        char *key = percent_decode(p, strcspn(p, "?#"), &bad);
        if (!key)
            return bad ? jobs_spec_unsupported(err, path, url, "malformed percent-encoding")
                       : RC_ENOMEM;
        return set_oss(out, host, bucket_len, 1, key, path, url, err);
    }
    if (!policy || policy->n_http_hosts <= 0)
        return jobs_spec_unsupported(err, path, url, "http(s) downloads are disabled");
    if (!jobs_spec_host_allowed(host, host_len, policy->http_hosts, policy->n_http_hosts))
        return jobs_spec_unsupported(err, path, url, "the host is not in the allowed list");
    int rc = jobs_spec_check_internal(host, host_len, policy->http_hosts, policy->n_http_hosts,
                                      path, url, err);
    if (rc)
        return rc;
    out->kind = JOBS_LOC_HTTP;
    out->key = strdup(url);
    return out->key ? 0 : RC_ENOMEM;
}

/* 1 if the absolute path p lies under root (on a segment boundary). */
static int under_root(const char *p, const char *root) {
    size_t len = strlen(root);
    while (len > 0 && root[len - 1] == '/')
        len--;
    if (len == 0)
        return root[0] == '/';
    return strncmp(p, root, len) == 0 && (p[len] == '/' || p[len] == '\0');
}

int jobs_local_file_resolve(const jobs_location *loc, const jobs_policy *policy, const char *param,
                            char **resolved, rc_error *err) {
    *resolved = NULL;
    const char *shown = loc->raw ? loc->raw : loc->key;
    char *real = realpath(loc->key, NULL);
    struct stat sb;
    if (!real || stat(real, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        free(real);
        return rc_fail(err, RC_ENOENT, "InvalidParameter.ResourceNotFound",
                       "The resource operated \"%s\" cannot be found: %.*s", param, 256, shown);
    }
    int ok = policy->n_local_roots == 0;
    for (int i = 0; i < policy->n_local_roots && !ok; i++) {
        char *root = policy->local_roots[i] ? realpath(policy->local_roots[i], NULL) : NULL;
        ok = root && under_root(real, root);
        free(root);
    }
    const char *why = ok ? NULL : "it resolves outside the allowed roots";
    if (!why && policy->deny_dir) {
        char *deny = realpath(policy->deny_dir, NULL);
        if (deny && under_root(real, deny))
            why = "it resolves into the service's data folder";
        free(deny);
    }
    if (why) {
        free(real);
        return jobs_spec_unsupported(err, param, shown, why);
    }
    *resolved = real;
    return 0;
}

static int parse_file(const char *url, const jobs_policy *policy, const char *path,
                      jobs_location *out, rc_error *err) {
    if (!policy || !policy->allow_local_paths)
        return jobs_spec_unsupported(err, path, url, "local paths are disabled");
    const char *p = url + 7;
    if (p[0] != '/')
        return jobs_spec_unsupported(err, path, url, "only file:///absolute/path is accepted");
    int bad;
    char *decoded = percent_decode(p, strcspn(p, "?#"), &bad);
    if (!decoded)
        return bad ? jobs_spec_unsupported(err, path, url, "malformed percent-encoding")
                   : RC_ENOMEM;
    int rc = 0;
    if (has_dot_segment(decoded) || has_control(decoded) || decoded[strlen(decoded) - 1] == '/') {
        rc = jobs_spec_unsupported(err, path, url, "invalid local path");
        goto out;
    }
    if (policy->n_local_roots > 0) {
        int ok = 0;
        for (int i = 0; i < policy->n_local_roots && !ok; i++)
            ok = policy->local_roots[i] && under_root(decoded, policy->local_roots[i]);
        if (!ok) {
            rc = jobs_spec_unsupported(err, path, url, "the path is outside the allowed roots");
            goto out;
        }
    }
    out->kind = JOBS_LOC_FILE;
    out->key = decoded;
    decoded = NULL;
out:
    free(decoded);
    return rc;
}

int jobs_location_parse(const char *url, const jobs_policy *policy, const char *path,
                        jobs_location *out, rc_error *err) {
    memset(out, 0, sizeof(*out));
    int rc;
    size_t len = url ? strlen(url) : 0;
    if (len == 0)
        return rc_fail(err, RC_EINVAL, JSONX_EMPTY, "%s is mandatory for this action.", path);
    if (len > JOBS_URL_MAX)
        return rc_fail(err, RC_ERANGE, JSONX_RANGE, "%s must be at most %d bytes", path,
                       JOBS_URL_MAX);
    if (!jsonx_utf8_valid(url, len) || has_control(url))
        return jobs_spec_unsupported(err, path, url,
                                     "it contains control characters or invalid UTF-8");
    if (strncasecmp(url, "oss://", 6) == 0) {
        const char *b = url + 6;
        const char *slash = strchr(b, '/');
        if (!slash)
            rc = jobs_spec_unsupported(err, path, url, "the object key is empty");
        else {
            char *key = strdup(slash + 1);
            rc = key ? set_oss(out, b, (size_t)(slash - b), 0, key, path, url, err) : RC_ENOMEM;
        }
    } else if (strncasecmp(url, "http://", 7) == 0) {
        rc = parse_http(url, 7, policy, path, out, err);
    } else if (strncasecmp(url, "https://", 8) == 0) {
        rc = parse_http(url, 8, policy, path, out, err);
    } else if (strncasecmp(url, "file://", 7) == 0) {
        rc = parse_file(url, policy, path, out, err);
    } else {
        rc = jobs_spec_unsupported(err, path, url,
                                   "only oss://, http(s):// and file:// URLs are accepted");
    }
    if (!rc) {
        out->raw = strdup(url);
        if (!out->raw)
            rc = RC_ENOMEM;
    }
    if (!rc && policy && policy->bucket_exists)
        rc = jobs_location_check_bucket(out, policy, path, err);
    if (rc == RC_ENOMEM)
        jobs_spec_oom(err);
    if (rc)
        jobs_location_free(out);
    return rc;
}

int jobs_location_check_bucket(const jobs_location *loc, const jobs_policy *policy,
                               const char *path, rc_error *err) {
    if (loc->kind != JOBS_LOC_OSS)
        return 0;
    if (policy && policy->bucket_exists && policy->bucket_exists(policy->bucket_ctx, loc->bucket))
        return 0;
    char reason[128];
    snprintf(reason, sizeof(reason), "no storage backend is configured for bucket \"%s\"",
             loc->bucket);
    return jobs_spec_unsupported(err, path, loc->raw ? loc->raw : loc->key, reason);
}
