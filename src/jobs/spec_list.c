/* ListSmartJobs parameters and its opaque NextToken (API.md §4.4). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs/jobtype.h"
#include "jobs/spec.h"
#include "jobs/spec_util.h"
#include "util/digest.h"
#include "util/ids.h"
#include "util/json.h"

#define PAGE_SIZE_DEFAULT 10
#define PAGE_SIZE_MAX 100
#define PAGE_NO_MAX 2147483647LL
#define TOKEN_MAX 256
#define TOKEN_VERSION 1
#define FILTER_HASH_BYTES 8

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Unpadded base64url of in[0..n) into out (size cap). Returns 0 or -1 if it does not fit. */
static int b64url_encode(const unsigned char *in, size_t n, char *out, size_t cap) {
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        size_t chunk = n - i < 3 ? n - i : 3;
        if (chunk > 1)
            v |= (uint32_t)in[i + 1] << 8;
        if (chunk > 2)
            v |= in[i + 2];
        if (o + chunk + 2 > cap)
            return -1;
        for (size_t k = 0; k <= chunk; k++)
            out[o++] = b64url[(v >> (18 - 6 * k)) & 0x3f];
    }
    out[o] = '\0';
    return 0;
}

/* Decodes unpadded base64url into out (size cap); returns the length or -1. */
static long b64url_decode(const char *in, unsigned char *out, size_t cap) {
    size_t len = strlen(in), o = 0;
    if (len % 4 == 1)
        return -1;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        const char *p = strchr(b64url, in[i]);
        if (!in[i] || !p)
            return -1;
        acc = (acc << 6) | (uint32_t)(p - b64url);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= cap)
                return -1;
            out[o++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (acc != 0) /* non-canonical trailing bits */
        return -1;
    return (long)o;
}

/* Hex of the first bytes of SHA-256 over the filters and sort order the token is bound to. */
static int filter_hash(const jobs_list_params *p, char out[2 * FILTER_HASH_BYTES + 1]) {
    char text[64];
    unsigned char md[DIGEST_SHA256_LEN];
    int n = snprintf(text, sizeof(text), "reelcut-list-v%d|%d|%d|%d", TOKEN_VERSION, (int)p->state,
                     (int)p->type, p->sort_asc);
    if (digest_sha256(text, (size_t)n, md))
        return RC_EINTERNAL;
    ids_to_hex(md, FILTER_HASH_BYTES, out);
    return 0;
}

static int job_id_valid(const char *s) {
    if (!s || strlen(s) != 32)
        return 0;
    return strspn(s, "0123456789abcdef") == 32;
}

int jobs_list_token_encode(const jobs_list_params *p, int64_t cursor_time, const char *cursor_id,
                           char *out, size_t n) {
    char hash[2 * FILTER_HASH_BYTES + 1];
    char json[160];
    if (!job_id_valid(cursor_id))
        return RC_EINVAL;
    int rc = filter_hash(p, hash);
    if (rc)
        return rc;
    int len = snprintf(json, sizeof(json), "{\"v\":%d,\"t\":%lld,\"j\":\"%s\",\"h\":\"%s\"}",
                       TOKEN_VERSION, (long long)cursor_time, cursor_id, hash);
    if (len < 0 || (size_t)len >= sizeof(json))
        return RC_EINTERNAL;
    return b64url_encode((const unsigned char *)json, (size_t)len, out, n) ? RC_ETOOBIG : 0;
}

static int bad_token(rc_error *err, const char *token) {
    return jobs_spec_unsupported(err, "NextToken", token,
                                 "it is damaged or from a different query");
}

static int token_decode(const char *token, jobs_list_params *p, rc_error *err) {
    unsigned char raw[TOKEN_MAX];
    char hash[2 * FILTER_HASH_BYTES + 1];
    if (strlen(token) > TOKEN_MAX)
        return bad_token(err, token);
    long len = b64url_decode(token, raw, sizeof(raw));
    if (len <= 0)
        return bad_token(err, token);
    json_error_t jerr;
    json_t *root = json_loadb((const char *)raw, (size_t)len, JSON_REJECT_DUPLICATES, &jerr);
    json_t *v = json_object_get(root, "v"), *t = json_object_get(root, "t");
    json_t *j = json_object_get(root, "j"), *h = json_object_get(root, "h");
    int rc = filter_hash(p, hash);
    if (!rc && (!json_is_integer(v) || json_integer_value(v) != TOKEN_VERSION ||
                !json_is_integer(t) || !json_is_string(j) || !job_id_valid(json_string_value(j)) ||
                !json_is_string(h) || strcmp(json_string_value(h), hash) != 0))
        rc = bad_token(err, token);
    if (!rc) {
        p->has_cursor = 1;
        p->cursor_time = (int64_t)json_integer_value(t);
        snprintf(p->cursor_id, sizeof(p->cursor_id), "%s", json_string_value(j));
    }
    json_decref(root);
    return rc;
}

/* A decimal Integer request parameter in [min,max]. */
static int parse_int_param(const char *name, const char *s, long long min, long long max,
                           long long *out, rc_error *err) {
    const char *digits = s[0] == '-' || s[0] == '+' ? s + 1 : s;
    size_t n = strlen(digits);
    if (n == 0 || strspn(digits, "0123456789") != n)
        return rc_fail(err, RC_EINVAL, JSONX_TYPE, "%s must be a integer", name);
    long long v = 0;
    for (size_t i = 0; i < n && v <= max; i++)
        v = v * 10 + (digits[i] - '0');
    if (s[0] == '-')
        v = -v;
    if (v < min || v > max)
        return rc_fail(err, RC_ERANGE, JSONX_RANGE, "%s must be in [%lld,%lld]", name, min, max);
    *out = v;
    return 0;
}

static const char *present(const char *s) {
    return s && *s ? s : NULL;
}

static int parse_filters(const char *job_state, const char *job_type, const char *sort_by,
                         jobs_list_params *out, rc_error *err) {
    static const char *const states[] = {"Created", "Executing", "Finished", "Failed"};
    static const enum jobs_state_filter state_values[] = {JOBS_STATE_CREATED, JOBS_STATE_EXECUTING,
                                                          JOBS_STATE_FINISHED, JOBS_STATE_FAILED};
    if (job_state) {
        out->state = JOBS_STATE_ANY;
        for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
            if (strcmp(job_state, states[i]) == 0)
                out->state = state_values[i];
        if (out->state == JOBS_STATE_ANY)
            return jobs_spec_unsupported(err, "JobState", job_state,
                                         "it must be Created, Executing, Finished or Failed");
    }
    if (job_type) {
        const jobs_job_type *type = jobs_job_type_by_name(job_type);
        if (type && !type->action) /* the service's own sub-tasks are no JobType */
            type = NULL;
        out->type = type ? type->filter : JOBS_TYPE_NONE;
        out->type_name = type ? type->name : ""; /* no job has the type "" */
    }
    if (sort_by) {
        if (strcmp(sort_by, "CreationTime:Asc") == 0)
            out->sort_asc = 1;
        else if (strcmp(sort_by, "CreationTime:Desc") != 0)
            return jobs_spec_unsupported(err, "SortBy", sort_by,
                                         "it must be CreationTime:Desc or CreationTime:Asc");
    }
    return 0;
}

int jobs_list_state(enum jobs_state_filter f, enum store_job_state *out) {
    switch (f) {
    case JOBS_STATE_CREATED:
        *out = STORE_JOB_CREATED;
        return 1;
    case JOBS_STATE_EXECUTING:
        *out = STORE_JOB_EXECUTING;
        return 1;
    case JOBS_STATE_FINISHED:
        *out = STORE_JOB_FINISHED;
        return 1;
    case JOBS_STATE_FAILED:
        *out = STORE_JOB_FAILED;
        return 1;
    case JOBS_STATE_ANY:
        break;
    }
    return 0;
}

int jobs_list_params_parse(const char *job_state, const char *job_type, const char *sort_by,
                           const char *page_no, const char *page_size, const char *next_token,
                           const char *max_results, jobs_list_params *out, rc_error *err) {
    memset(out, 0, sizeof(*out));
    out->page_no = 1;
    long long size = 0, max = 0;
    next_token = present(next_token);
    int rc = parse_filters(present(job_state), present(job_type), present(sort_by), out, err);
    if (!rc && !next_token && present(page_no))
        rc = parse_int_param("PageNo", page_no, 1, PAGE_NO_MAX, &out->page_no, err);
    if (!rc && present(page_size))
        rc = parse_int_param("PageSize", page_size, 1, PAGE_SIZE_MAX, &size, err);
    if (!rc && next_token)
        rc = token_decode(next_token, out, err);
    if (!rc && present(max_results))
        rc = parse_int_param("MaxResults", max_results, 1, PAGE_SIZE_MAX, &max, err);
    if (rc)
        return rc;
    long long first = next_token ? max : size, second = next_token ? size : max;
    out->page_size = (int)(first ? first : second ? second : PAGE_SIZE_DEFAULT);
    return 0;
}
