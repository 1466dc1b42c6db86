/* fuzz_spec: every JSON/text parameter parser of src/jobs/spec*.c - SubmitSegmentationJob and
 * SubmitHighlightExtractionJob (InputConfig, JobParams with its Ranges, OutputConfig, UserData),
 * the OutputConfig and UserData parsers alone, ListSmartJobs (with the NextToken round trip),
 * RegisterMediaInfo, GetMediaInfo, ClientToken and the request fingerprint.
 *
 * Input: byte 0 picks the parser (low 3 bits) and the policy (bit 3: open or strict) and the
 * variants (bits 4-7); the rest is the parser's arguments, separated by NUL bytes, in the order of
 * the parser's signature. Beyond "no crash, no leak, no undefined behaviour", it checks what a
 * successful parse promises (ranges in bounds, counts in range, buckets and keys valid) and that a
 * failure carries an IMS code and message. */
#include <math.h>

#include "fuzz_common.h"
#include "jobs/objectkey.h"
#include "jobs/spec.h"

static int bucket_exists(void *ctx, const char *bucket) {
    (void)ctx;
    return strcmp(bucket, "media-in") == 0 || strcmp(bucket, "media-out") == 0;
}

/* Open: what a generous configuration allows (as in tests/unit/jobs/spec_fixture.h). Strict: the
 * defaults - OSS buckets only. */
static jobs_policy make_policy(int open) {
    jobs_policy p;
    memset(&p, 0, sizeof(p));
    p.bucket_exists = bucket_exists;
    if (!open)
        return p;
    p.allow_local_paths = 1;
    p.local_roots[p.n_local_roots++] = "/data/";
    p.local_roots[p.n_local_roots++] = "/";
    p.http_hosts[p.n_http_hosts++] = "cdn.example.com";
    p.http_hosts[p.n_http_hosts++] = ".allowed.org";
    p.http_hosts[p.n_http_hosts++] = "::1";
    p.allow_endpoint_override = 1;
    p.callback_hosts[p.n_callback_hosts++] = "hooks.example.com";
    p.callback_hosts[p.n_callback_hosts++] = ".example.org";
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

static void check_location(const jobs_location *loc) {
    FUZZ_CHECK(loc->raw && loc->key);
    FUZZ_CHECK(strlen(loc->raw) <= JOBS_URL_MAX);
    if (loc->kind == JOBS_LOC_OSS) {
        FUZZ_CHECK(loc->bucket && jobs_bucket_name_valid(loc->bucket));
        FUZZ_CHECK(loc->key[0] != '\0' && loc->key[0] != '/' && !has_dot_segment(loc->key));
    } else if (loc->kind == JOBS_LOC_FILE) {
        FUZZ_CHECK(loc->key[0] == '/' && !has_dot_segment(loc->key));
    }
}

static void check_output(const jobs_output_spec *o) {
    if (o->need_export) {
        FUZZ_CHECK(o->bucket && jobs_bucket_name_valid(o->bucket));
        FUZZ_CHECK(o->object_key && objectkey_validate(o->object_key, "k", 0, NULL) == 0);
    }
    FUZZ_CHECK(o->width == 0 || (o->width >= 64 && o->width <= 7680 && o->width % 2 == 0));
    FUZZ_CHECK(o->height == 0 || (o->height >= 64 && o->height <= 7680 && o->height % 2 == 0));
}

static void check_userdata(const jobs_userdata *u, size_t max) {
    FUZZ_CHECK(!u->raw || strlen(u->raw) <= max);
    FUZZ_CHECK((u->kind == JOBS_NOTIFY_NONE) == (u->notify_address == NULL));
}

static void fuzz_segmentation(const fuzz_fields *f, const jobs_policy *policy) {
    jobs_seg_spec spec;
    rc_error err = {0};
    int rc = jobs_seg_spec_parse(f->f[1], f->f[2], f->f[3], f->f[4], policy, &spec, &err);
    if (rc) {
        fuzz_check_failure(rc, &err);
        return;
    }
    fuzz_check_success(&err);
    check_location(&spec.input);
    FUZZ_CHECK(spec.n_ranges <= JOBS_RANGES_MAX);
    FUZZ_CHECK((spec.mode == JOBS_SEG_USER_DEFINED) == (spec.n_ranges > 0));
    for (size_t i = 0; i < spec.n_ranges; i++)
        FUZZ_CHECK(spec.ranges[i].in >= 0 && spec.ranges[i].out > spec.ranges[i].in &&
                   isfinite(spec.ranges[i].out));
    check_output(&spec.output);
    check_userdata(&spec.userdata, JOBS_USERDATA_MAX);
    rc_error_clear(&err);
    rc = jobs_seg_spec_check_state(&spec, policy, &err);
    if (rc)
        fuzz_check_failure(rc, &err);
    jobs_seg_spec_free(&spec);
}

static void fuzz_highlights(const fuzz_fields *f, const jobs_policy *policy) {
    jobs_hl_spec spec;
    rc_error err = {0};
    int rc = jobs_hl_spec_parse(f->f[1], f->f[2], f->f[3], policy, &spec, &err);
    if (rc) {
        fuzz_check_failure(rc, &err);
        return;
    }
    fuzz_check_success(&err);
    FUZZ_CHECK(spec.n_media >= 1 && spec.n_media <= JOBS_HL_MEDIA_MAX);
    for (size_t i = 0; i < spec.n_media; i++)
        if (!spec.media[i].media_id)
            check_location(&spec.media[i].url);
    FUZZ_CHECK(spec.count >= 1 && spec.count <= 10);
    FUZZ_CHECK(spec.clip_duration >= 3 && spec.clip_duration <= 60);
    check_output(&spec.output);
    check_userdata(&spec.userdata, JOBS_USERDATA_MAX);
    rc_error_clear(&err);
    rc = jobs_hl_spec_check_state(&spec, policy, &err);
    if (rc)
        fuzz_check_failure(rc, &err);
    jobs_hl_spec_free(&spec);
}

static void fuzz_output_userdata(const fuzz_fields *f, const jobs_policy *policy, int variant) {
    rc_error err = {0};
    jobs_output_spec out;
    int rc = jobs_output_parse(f->f[1], variant & 1, policy, &out, &err);
    if (rc) {
        fuzz_check_failure(rc, &err);
    } else {
        fuzz_check_success(&err);
        check_output(&out);
        jobs_output_spec_free(&out);
    }
    size_t max = variant & 2 ? JOBS_MEDIA_USERDATA_MAX : JOBS_USERDATA_MAX;
    jobs_userdata ud;
    rc_error_clear(&err);
    rc = jobs_userdata_parse(f->f[2], max, !(variant & 4), policy, &ud, &err);
    if (rc) {
        fuzz_check_failure(rc, &err);
        return;
    }
    fuzz_check_success(&err);
    check_userdata(&ud, max);
    jobs_userdata_free(&ud);
}

/* ListSmartJobs; when the parse succeeds, a NextToken made for its filters must decode to the same
 * cursor. */
static void fuzz_list(const fuzz_fields *f) {
    jobs_list_params p;
    rc_error err = {0};
    int rc = jobs_list_params_parse(f->f[1], f->f[2], f->f[3], f->f[4], f->f[5], f->f[6], f->f[7],
                                    &p, &err);
    if (rc) {
        fuzz_check_failure(rc, &err);
        return;
    }
    fuzz_check_success(&err);
    FUZZ_CHECK(p.page_size >= 1 && p.page_size <= 100);
    FUZZ_CHECK(p.page_no >= 1);
    int64_t cursor_time = p.has_cursor ? p.cursor_time : (int64_t)p.page_no * 1000003;
    const char *cursor_id = "0123456789abcdef0123456789abcdef";
    char token[128];
    rc = jobs_list_token_encode(&p, cursor_time, cursor_id, token, sizeof(token));
    FUZZ_CHECK(rc == 0);
    jobs_list_params again;
    rc = jobs_list_params_parse(f->f[1], f->f[2], f->f[3], NULL, NULL, token, NULL, &again, &err);
    FUZZ_CHECK(rc == 0);
    FUZZ_CHECK(again.has_cursor && again.cursor_time == cursor_time);
    FUZZ_CHECK(strcmp(again.cursor_id, cursor_id) == 0);
}

static void fuzz_media_params(const fuzz_fields *f, const jobs_policy *policy) {
    jobs_media_register m;
    rc_error err = {0};
    int rc = jobs_media_register_parse(f->f[1], f->f[2], f->f[3], f->f[4], f->f[5], f->f[6],
                                       f->f[7], f->f[8], policy, &m, &err);
    if (rc) {
        fuzz_check_failure(rc, &err);
    } else {
        fuzz_check_success(&err);
        check_location(&m.input);
        FUZZ_CHECK(m.n_tags <= JOBS_TAGS_MAX);
        FUZZ_CHECK((m.n_tags == 0) == (m.media_tags == NULL));
        jobs_media_register_free(&m);
    }
    const char *id = NULL, *url = NULL;
    rc_error_clear(&err);
    rc = jobs_media_get_parse(f->f[9], f->f[10], &id, &url, &err);
    if (rc) {
        fuzz_check_failure(rc, &err);
    } else {
        fuzz_check_success(&err);
        FUZZ_CHECK((id == NULL) != (url == NULL));
    }
}

/* ClientToken and the fingerprint over the remaining fields, for every action's parameter list. */
static void fuzz_token(const fuzz_fields *f) {
    rc_error err = {0};
    int rc = jobs_client_token_check(f->f[1], &err);
    if (rc)
        fuzz_check_failure(rc, &err);
    static const char *const actions[] = {"SubmitSegmentationJob", "SubmitHighlightExtractionJob",
                                          "RegisterMediaInfo", "NoSuchAction"};
    for (size_t a = 0; a < sizeof(actions) / sizeof(actions[0]); a++) {
        const char *const *names = jobs_business_params(actions[a]);
        size_t n = 0;
        while (names && names[n])
            n++;
        FUZZ_CHECK(n <= FUZZ_FIELDS_MAX - 2);
        char fp[JOBS_FINGERPRINT_LEN + 1], fp2[JOBS_FINGERPRINT_LEN + 1];
        FUZZ_CHECK(jobs_fingerprint(actions[a], f->f + 2, n, fp) == 0);
        FUZZ_CHECK(strlen(fp) == JOBS_FINGERPRINT_LEN);
        FUZZ_CHECK(jobs_fingerprint(actions[a], f->f + 2, n, fp2) == 0 && strcmp(fp, fp2) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1)
        return 0;
    fuzz_fields f;
    fuzz_fields_split(data + 1, size - 1, &f);
    /* (field 0 is unused so that field numbers match the parser's argument numbers) */
    memmove(f.f + 1, f.f, sizeof(f.f) - sizeof(f.f[0]));
    f.f[0] = NULL;
    jobs_policy policy = make_policy(data[0] & 8);
    int variant = data[0] >> 4;
    switch (data[0] & 7) {
    case 0:
        fuzz_segmentation(&f, &policy);
        break;
    case 1:
        fuzz_highlights(&f, &policy);
        break;
    case 2:
        fuzz_output_userdata(&f, &policy, variant);
        break;
    case 3:
        fuzz_list(&f);
        break;
    case 4:
        fuzz_media_params(&f, &policy);
        break;
    default:
        fuzz_token(&f);
        break;
    }
    fuzz_fields_free(&f);
    return 0;
}
