#include "blob/blob_http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blob/blob_net.h"
#include "util/log.h"

typedef struct sink {
    FILE *f;
    int64_t written;
    int64_t max;
    int too_big;
} sink;

static size_t on_data(char *ptr, size_t size, size_t n, void *user) {
    sink *s = user;
    size_t len = size * n;
    if (s->written + (int64_t)len > s->max) {
        s->too_big = 1;
        return 0;
    }
    if (fwrite(ptr, 1, len, s->f) != len)
        return 0;
    s->written += (int64_t)len;
    return len;
}

/* The URL without query or fragment, for messages. */
static void url_for_message(const char *url, char *out, size_t n) {
    snprintf(out, n, "%s", url);
    out[strcspn(out, "?#")] = '\0';
}

int blob_http_download(const char *url, const char *tmp_dir, const blob_http_limits *limits,
                       char **local_path, rc_error *err) {
    char shown[512];
    url_for_message(url, shown, sizeof(shown));
    size_t plen = strlen(tmp_dir) + 32;
    char *path = malloc(plen);
    if (!path)
        return RC_ENOMEM;
    snprintf(path, plen, "%s/download-XXXXXX", tmp_dir);
    int fd = mkstemp(path);
    if (fd < 0) {
        free(path);
        return rc_fail(err, RC_EREAD, "InputReadFailed", "%s: cannot create a temp file", shown);
    }
    sink s = {fdopen(fd, "wb"), 0,
              limits && limits->max_bytes > 0 ? limits->max_bytes : (int64_t)20 << 30, 0};
    int rc = 0;
    CURL *curl = s.f ? curl_easy_init() : NULL;
    if (!curl) {
        rc = rc_fail(err, RC_EREAD, "InputReadFailed", "%s: cannot start the download", shown);
        goto out;
    }
    curl_easy_setopt(curl, CURLOPT_URL, url);
    blob_net_restrict(curl, blob_net_reach_of(url, limits ? limits->named_hosts : NULL,
                                              limits ? limits->n_named_hosts : 0));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 15L);
    curl_easy_setopt(
        curl, CURLOPT_TIMEOUT,
        (long)(limits && limits->timeout_seconds > 0 ? limits->timeout_seconds : 3600));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    CURLcode cc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(curl);
    if (cc != CURLE_OK && !s.too_big) /* only the operator sees curl's own words */
        log_debug("download of %s failed: %s", shown, curl_easy_strerror(cc));
    if (s.too_big)
        rc = rc_fail(err, RC_ETOOBIG, "InputReadFailed", "%s is larger than %lld bytes", shown,
                     (long long)s.max);
    else if (cc != CURLE_OK) /* curl's words would tell a closed port from an open one */
        rc = rc_fail(err, RC_EREAD, "InputReadFailed",
                     "%s could not be fetched: the server could not be reached or the transfer "
                     "failed",
                     shown);
    else if (status == 404 || status == 410)
        rc = rc_fail(err, RC_ENOENT, "InvalidParameter.ResourceNotFound", "%s: HTTP status %ld",
                     shown, status);
    else if (status != 200)
        rc = rc_fail(err, RC_EREAD, "InputReadFailed", "%s: HTTP status %ld", shown, status);
out:
    if (s.f && fclose(s.f) != 0 && !rc)
        rc = rc_fail(err, RC_EREAD, "InputReadFailed", "%s: cannot write the temp file", shown);
    if (!s.f)
        close(fd);
    if (rc) {
        unlink(path);
        free(path);
        return rc;
    }
    *local_path = path;
    return 0;
}
