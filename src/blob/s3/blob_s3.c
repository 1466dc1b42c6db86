/* blob_s3: the blob.h operations on an S3-compatible server - downloads to temp files, streaming
 * uploads (multipart past a threshold, aborted on failure), errors naming oss://bucket/key. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blob/s3/blob_s3_int.h"

#define S3_MIN_PART ((size_t)5 << 20)

static int s3_bucket_exists(blob_backend *be, const char *bucket, rc_error *err) {
    s3_backend *s3 = (s3_backend *)be;
    if (!blob_bucket_name_valid(bucket))
        return rc_fail(err, RC_ENOENT, NULL, "bucket \"%s\" does not exist", bucket);
    CURL *h = curl_easy_init();
    if (!h)
        return RC_ENOMEM;
    s3_req r;
    s3_req_init(&r, "HEAD", bucket, NULL, NULL);
    s3_perform(s3, h, &r);
    int rc = s3_result(&r, RC_EREAD, "check", bucket, NULL, err);
    s3_req_free(&r);
    curl_easy_cleanup(h);
    return rc;
}

static int s3_get_local(blob_backend *be, const char *bucket, const char *key, const char *tmp_dir,
                        char **local_path, int *is_temp, rc_error *err) {
    s3_backend *s3 = (s3_backend *)be;
    char *path = NULL;
    int rc, fd = -1;
    s3_req r;
    s3_req_init(&r, "GET", bucket, key, NULL);
    CURL *h = NULL;
    if (!blob_bucket_name_valid(bucket)) {
        rc = rc_fail(err, RC_ENOENT, NULL, "bucket \"%s\" does not exist (oss://%s/%s)", bucket,
                     bucket, key);
        goto out;
    }
    fd = blob_make_temp(tmp_dir ? tmp_dir : "/tmp", "s3", key, &path);
    if (fd < 0) {
        rc = rc_fail(err, RC_EREAD, NULL, "cannot read oss://%s/%s: temp file: %s", bucket, key,
                     strerror(errno));
        goto out;
    }
    h = curl_easy_init();
    if (!h) {
        rc = RC_ENOMEM;
        goto out;
    }
    r.out_fd = fd;
    rc = s3_perform(s3, h, &r);
    if (r.out_failed) /* the local disk, not the server (CURLE_WRITE_ERROR is not retried) */
        rc = rc_fail(err, RC_EREAD, NULL, "cannot read oss://%s/%s: writing a temp file: %s",
                     bucket, key, strerror(r.out_errno));
    else if (rc == RC_ENOMEM || rc == RC_ETOOBIG)
        rc = rc_fail(err, RC_EREAD, NULL, "cannot read oss://%s/%s: key too long", bucket, key);
    else
        rc = s3_result(&r, RC_EREAD, "read", bucket, key, err);
    if (rc == 0 && close(fd) != 0)
        rc = rc_fail(err, RC_EREAD, NULL, "cannot read oss://%s/%s: writing a temp file: %s",
                     bucket, key, strerror(errno));
    fd = -1;
out:
    if (fd >= 0)
        close(fd);
    if (rc && path)
        unlink(path);
    if (rc)
        free(path);
    else {
        *local_path = path;
        *is_temp = 1;
    }
    s3_req_free(&r);
    curl_easy_cleanup(h);
    return rc;
}

static int put_single(s3_backend *s3, CURL *h, const char *bucket, const char *key, int fd,
                      size_t size, const char *extra_header, rc_error *err) {
    s3_req r;
    s3_req_init(&r, "PUT", bucket, key, NULL);
    r.extra_header = extra_header;
    r.in_fd = fd;
    r.in_len = size;
    int rc = s3_perform(s3, h, &r);
    if (rc == RC_ENOMEM || rc == RC_ETOOBIG)
        rc = rc_fail(err, RC_EWRITE, NULL, "cannot write oss://%s/%s: key too long", bucket, key);
    else
        rc = s3_result(&r, RC_EWRITE, "write", bucket, key, err);
    s3_req_free(&r);
    return rc;
}

static int put_file(blob_backend *be, const char *bucket, const char *key, const char *local_path,
                    const char *extra_header, rc_error *err) {
    s3_backend *s3 = (s3_backend *)be;
    CURL *h = NULL;
    int rc, fd = open(local_path, O_RDONLY);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0) {
        rc = rc_fail(err, RC_EWRITE, NULL, "cannot write oss://%s/%s: the finished file: %s",
                     bucket, key, strerror(errno));
        goto out;
    }
    if (!blob_bucket_name_valid(bucket)) {
        rc = rc_fail(err, RC_ENOENT, NULL, "bucket \"%s\" does not exist (oss://%s/%s)", bucket,
                     bucket, key);
        goto out;
    }
    h = curl_easy_init();
    if (!h) {
        rc = RC_ENOMEM;
        goto out;
    }
    if ((size_t)sb.st_size > s3->multipart_threshold)
        rc = s3_put_multipart(s3, bucket, key, fd, (size_t)sb.st_size, extra_header, err);
    else
        rc = put_single(s3, h, bucket, key, fd, (size_t)sb.st_size, extra_header, err);
out:
    if (fd >= 0)
        close(fd);
    unlink(local_path);
    curl_easy_cleanup(h);
    return rc;
}

static int s3_put_file(blob_backend *be, const char *bucket, const char *key,
                       const char *local_path, rc_error *err) {
    return put_file(be, bucket, key, local_path, NULL, err);
}

static int s3_put_file_tagged(blob_backend *be, const char *bucket, const char *key,
                              const char *local_path, const char *tag, rc_error *err) {
    char header[128];
    size_t n = strlen(tag);
    if (n < 1 || n > BLOB_TAG_MAX ||
        strspn(tag, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                    "0123456789._:-") != n) {
        unlink(local_path);
        return rc_fail(err, RC_EINVAL, NULL, "cannot write oss://%s/%s: invalid tag", bucket, key);
    }
    snprintf(header, sizeof(header), "x-amz-meta-reelcut-tag: %s", tag);
    return put_file(be, bucket, key, local_path, header, err);
}

/* HEAD: the object's size and reelcut tag. */
static int s3_stat_tag(blob_backend *be, const char *bucket, const char *key, int64_t *size,
                       char *tag, size_t tag_size, rc_error *err) {
    s3_backend *s3 = (s3_backend *)be;
    if (!blob_bucket_name_valid(bucket))
        return rc_fail(err, RC_ENOENT, NULL, "bucket \"%s\" does not exist", bucket);
    CURL *h = curl_easy_init();
    if (!h)
        return RC_ENOMEM;
    s3_req r;
    s3_req_init(&r, "HEAD", bucket, key, NULL);
    int rc = s3_perform(s3, h, &r);
    rc = rc ? rc_fail(err, RC_EREAD, NULL, "cannot check oss://%s/%s: %s", bucket, key,
                      rc_strerror(rc))
            : s3_result(&r, RC_EREAD, "check", bucket, key, err);
    if (rc == 0) {
        *size = r.content_length;
        snprintf(tag, tag_size, "%s", r.tag);
    }
    s3_req_free(&r);
    curl_easy_cleanup(h);
    return rc;
}

static int s3_delete_object(blob_backend *be, const char *bucket, const char *key, rc_error *err) {
    s3_backend *s3 = (s3_backend *)be;
    if (!blob_bucket_name_valid(bucket))
        return rc_fail(err, RC_EINVAL, NULL, "invalid object oss://%s/%s", bucket, key);
    CURL *h = curl_easy_init();
    if (!h)
        return RC_ENOMEM;
    s3_req r;
    s3_req_init(&r, "DELETE", bucket, key, NULL);
    s3_perform(s3, h, &r);
    char code[64];
    s3_error_code(&r, code, sizeof(code));
    int rc = 0;
    if (!(r.cc == CURLE_OK && r.status == 404 && strcmp(code, "NoSuchBucket") != 0))
        rc = s3_result(&r, RC_EWRITE, "delete", bucket, key, err);
    s3_req_free(&r);
    curl_easy_cleanup(h);
    return rc;
}

int blob_s3_create_bucket(blob_backend *be, const char *bucket, rc_error *err) {
    s3_backend *s3 = (s3_backend *)be;
    CURL *h = curl_easy_init();
    if (!h)
        return RC_ENOMEM;
    s3_req r;
    s3_req_init(&r, "PUT", bucket, NULL, NULL);
    s3_perform(s3, h, &r);
    char code[64];
    s3_error_code(&r, code, sizeof(code));
    int rc = 0;
    if (!(r.cc == CURLE_OK && r.status == 409 && !strcmp(code, "BucketAlreadyOwnedByYou")))
        rc = s3_result(&r, RC_EWRITE, "create", bucket, NULL, err);
    s3_req_free(&r);
    curl_easy_cleanup(h);
    return rc;
}

static void s3_destroy(blob_backend *be) {
    s3_backend *s3 = (s3_backend *)be;
    free(s3->scheme);
    free(s3->host);
    free(s3->prefix);
    free(s3->region);
    free(s3->access_key_id);
    if (s3->secret) {
        memset(s3->secret, 0, strlen(s3->secret));
        free(s3->secret);
    }
    free(s3->ca_file);
    free(s3);
    curl_global_cleanup();
}

static const blob_ops s3_ops = {
    "s3",       s3_get_local,   s3_put_file,        s3_delete_object, s3_bucket_exists,
    s3_destroy, s3_open_reader, s3_put_file_tagged, s3_stat_tag,      s3_abort_uploads};

static char *dup_n(const char *s, size_t n) {
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* http(s)://host[:port][/prefix] into scheme, host and prefix (no trailing '/'). */
static int parse_endpoint(s3_backend *s3, const char *ep) {
    const char *sep = strstr(ep, "://");
    if (!sep || (strncmp(ep, "http://", 7) != 0 && strncmp(ep, "https://", 8) != 0))
        return -1;
    const char *host = sep + 3;
    size_t host_len = strcspn(host, "/?#");
    if (host_len == 0 || memchr(host, '@', host_len) || host[host_len] == '?' ||
        host[host_len] == '#')
        return -1;
    const char *prefix = host + host_len;
    size_t prefix_len = strlen(prefix);
    while (prefix_len && prefix[prefix_len - 1] == '/')
        prefix_len--;
    s3->scheme = dup_n(ep, (size_t)(sep - ep));
    s3->host = dup_n(host, host_len);
    s3->prefix = dup_n(prefix, prefix_len);
    return s3->scheme && s3->host && s3->prefix ? 0 : -1;
}

int blob_s3_create(const blob_s3_options *opt, blob_backend **out, rc_error *err) {
    if (!opt->endpoint || !*opt->endpoint)
        return rc_fail(err, RC_EINVAL, "InvalidParameter", "s3.endpoint is not set");
    if (!opt->access_key_id || !*opt->access_key_id)
        return rc_fail(err, RC_EINVAL, "InvalidParameter", "s3.access_key_id is not set");
    if (!opt->secret_access_key || !*opt->secret_access_key)
        return rc_fail(err, RC_EINVAL, "InvalidParameter", "s3.secret_access_key is not set");
    if (opt->part_size && opt->part_size < S3_MIN_PART)
        return rc_fail(err, RC_EINVAL, "InvalidParameter", "s3.part_size_mb must be at least 5");
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return rc_fail(err, RC_EINTERNAL, NULL, "libcurl initialisation failed");
    s3_backend *s3 = calloc(1, sizeof(*s3));
    if (!s3) {
        curl_global_cleanup();
        return RC_ENOMEM;
    }
    s3->base.ops = &s3_ops;
    int rc = 0;
    if (parse_endpoint(s3, opt->endpoint) != 0) {
        rc = rc_fail(err, RC_EINVAL, "InvalidParameter",
                     "s3.endpoint must be http(s)://host[:port][/path], not \"%.200s\"",
                     opt->endpoint);
        goto out;
    }
    const char *region = opt->region && *opt->region ? opt->region : "us-east-1";
    if (strchr(region, ':') || strlen(region) > 64) {
        rc =
            rc_fail(err, RC_EINVAL, "InvalidParameter", "s3.region \"%.64s\" is not valid", region);
        goto out;
    }
    snprintf(s3->sigv4, sizeof(s3->sigv4), "aws:amz:%s:s3", region);
    s3->region = strdup(region);
    s3->access_key_id = strdup(opt->access_key_id);
    s3->secret = strdup(opt->secret_access_key);
    s3->ca_file = opt->ca_file && *opt->ca_file ? strdup(opt->ca_file) : NULL;
    if (!s3->region || !s3->access_key_id || !s3->secret ||
        (opt->ca_file && *opt->ca_file && !s3->ca_file)) {
        rc = RC_ENOMEM;
        goto out;
    }
    s3->virtual_hosted = opt->virtual_hosted;
    s3->insecure_tls = opt->insecure_tls;
    s3->reach = opt->reach;
    s3->part_size = opt->part_size ? opt->part_size : BLOB_S3_DEFAULT_PART_SIZE;
    s3->multipart_threshold =
        opt->multipart_threshold ? opt->multipart_threshold : BLOB_S3_DEFAULT_MULTIPART_THRESHOLD;
    s3->max_attempts = opt->max_attempts > 0 ? opt->max_attempts : 4;
    s3->retry_base_ms = opt->retry_base_ms > 0 ? opt->retry_base_ms : 200;
    s3->connect_timeout_s = opt->connect_timeout_s > 0 ? opt->connect_timeout_s : 10;
    s3->stall_timeout_s = opt->stall_timeout_s > 0 ? opt->stall_timeout_s : 30;
    s3->upload_threads = opt->upload_threads > 0 ? opt->upload_threads : 4;
out:
    if (rc) {
        s3_destroy(&s3->base);
        return rc;
    }
    *out = &s3->base;
    return 0;
}
