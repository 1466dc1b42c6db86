/* fuzz_location: input locations (src/jobs/spec_location.c: oss://, OSS-style and allowed http(s)
 * URLs, file:// paths) and OutputConfig.ObjectKey templates (src/jobs/objectkey.c).
 *
 * Input: byte 0 - bit 0 picks the policy (open or strict), bit 1 allow_absolute for ObjectKey,
 * bits 2-7 an {index} value; the rest is a location URL, then a NUL, then an ObjectKey template.
 * Both are parsed under their rules; what a success promises is checked: a parsed location never
 * leaves its bucket or root, and a template that validates expands, for any index, to a key that
 * validates too (same container), so no {index} can turn a safe key into an unsafe one. */
#include "fuzz_common.h"
#include "jobs/objectkey.h"
#include "jobs/spec.h"

static int bucket_exists(void *ctx, const char *bucket) {
    (void)ctx;
    return strcmp(bucket, "media-in") == 0;
}

static jobs_policy make_policy(int open) {
    jobs_policy p;
    memset(&p, 0, sizeof(p));
    p.bucket_exists = bucket_exists;
    if (!open)
        return p;
    p.allow_local_paths = 1;
    p.local_roots[p.n_local_roots++] = "/data/in";
    p.local_roots[p.n_local_roots++] = "/srv//";
    p.http_hosts[p.n_http_hosts++] = "cdn.example.com";
    p.http_hosts[p.n_http_hosts++] = ".allowed.org";
    p.http_hosts[p.n_http_hosts++] = "::1";
    return p;
}

/* 1 if path has a "." or ".." segment. */
static int has_dot_segment(const char *path) {
    for (const char *seg = path;;) {
        size_t len = strcspn(seg, "/");
        if ((len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.'))
            return 1;
        if (!seg[len])
            return 0;
        seg += len + 1;
    }
}

static int has_control(const char *s) {
    for (const unsigned char *u = (const unsigned char *)s; *u; u++)
        if (*u < 0x20 || *u == 0x7f)
            return 1;
    return 0;
}

static int under(const char *path, const char *root) {
    size_t n = strlen(root);
    return strncmp(path, root, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

static void fuzz_url(const char *url, int open) {
    jobs_policy policy = make_policy(open);
    jobs_location loc;
    rc_error err = {0};
    int rc = jobs_location_parse(url, &policy, "InputConfig.Media", &loc, &err);
    if (rc) {
        fuzz_check_failure(rc, &err);
        FUZZ_CHECK(!loc.raw && !loc.key && !loc.bucket);
        return;
    }
    fuzz_check_success(&err);
    FUZZ_CHECK(loc.raw && strcmp(loc.raw, url) == 0 && loc.key);
    switch (loc.kind) {
    case JOBS_LOC_OSS:
        FUZZ_CHECK(loc.bucket && jobs_bucket_name_valid(loc.bucket));
        FUZZ_CHECK(bucket_exists(NULL, loc.bucket));
        FUZZ_CHECK(loc.key[0] && loc.key[0] != '/' && strlen(loc.key) <= 1023);
        FUZZ_CHECK(!has_dot_segment(loc.key) && !has_control(loc.key));
        break;
    case JOBS_LOC_HTTP:
        FUZZ_CHECK(open && strcmp(loc.key, url) == 0);
        break;
    case JOBS_LOC_FILE:
        FUZZ_CHECK(open && loc.key[0] == '/' && !has_dot_segment(loc.key));
        FUZZ_CHECK(!has_control(loc.key));
        FUZZ_CHECK(under(loc.key, "/data/in") || under(loc.key, "/srv"));
        break;
    default:
        FUZZ_CHECK(!"a URL never parses to a MediaId");
    }
    rc = jobs_location_check_bucket(&loc, &policy, "InputConfig.Media", &err);
    FUZZ_CHECK(rc == 0);
    jobs_location_free(&loc);
}

static void fuzz_object_key(const char *tmpl, int allow_absolute, int index) {
    rc_error err = {0};
    int rc = objectkey_validate(tmpl, "OutputConfig.ObjectKey", allow_absolute, &err);
    if (rc) {
        fuzz_check_failure(rc, &err);
        return;
    }
    fuzz_check_success(&err);
    enum objectkey_container c, c2;
    FUZZ_CHECK(objectkey_container(tmpl, &c) == 0);
    char key[OBJECTKEY_MAX + 1];
    rc = objectkey_expand(tmpl, index, OBJECTKEY_MAX, key, sizeof(key), "OutputConfig.ObjectKey",
                          &err);
    if (rc) {
        fuzz_check_failure(rc, &err);
        FUZZ_CHECK(rc == RC_ERANGE);
        return;
    }
    fuzz_check_success(&err);
    FUZZ_CHECK(strlen(key) <= OBJECTKEY_MAX);
    rc = objectkey_validate(key, "OutputConfig.ObjectKey", allow_absolute, &err);
    if (rc)
        fprintf(stderr, "template \"%s\" index %d expanded to invalid key \"%s\": %s\n", tmpl,
                index, key, err.message);
    FUZZ_CHECK(rc == 0);
    FUZZ_CHECK(objectkey_container(key, &c2) == 0 && c2 == c);
    /* a template without {index} gets it appended to its stem: the key must differ per index */
    char other[OBJECTKEY_MAX + 1];
    if (objectkey_expand(tmpl, index + 1, OBJECTKEY_MAX, other, sizeof(other), "k", NULL) == 0)
        FUZZ_CHECK(strcmp(key, other) != 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1)
        return 0;
    fuzz_fields f;
    fuzz_fields_split(data + 1, size - 1, &f);
    fuzz_url(f.f[0], data[0] & 1);
    if (f.n > 1)
        fuzz_object_key(f.f[1], data[0] & 2, (data[0] >> 2) * 997 + 1);
    fuzz_fields_free(&f);
    return 0;
}
