/* Plain request parameters: ClientToken and fingerprints (API.md §4.0), RegisterMediaInfo (§4.5),
 * GetMediaInfo (§4.6). ListSmartJobs is in spec_list.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jobs/jobtype.h"
#include "jobs/spec.h"
#include "jobs/spec_util.h"
#include "util/buf.h"
#include "util/digest.h"
#include "util/ids.h"
#include "util/json.h"

#define REFERENCE_ID_MIN 6
#define REFERENCE_ID_MAX 64

int jobs_client_token_check(const char *token, rc_error *err) {
    if (!token || !*token)
        return 0;
    if (strlen(token) > JOBS_CLIENT_TOKEN_MAX)
        return rc_fail(err, RC_ERANGE, JSONX_RANGE, "ClientToken must be at most %d bytes",
                       JOBS_CLIENT_TOKEN_MAX);
    for (const unsigned char *p = (const unsigned char *)token; *p; p++)
        if (*p < 0x20 || *p > 0x7e)
            return jobs_spec_unsupported(err, "ClientToken", token, "it must be printable ASCII");
    return 0;
}

const char *const *jobs_business_params(const char *action) {
    /* The accepted-and-ignored RegisterMediaInfo parameters count too: the rule is
     * "byte-identical business parameters". */
    static const char *const reg[] = {
        "InputURL",  "Title",          "Description",        "MediaTags",    "ReferenceId",
        "Overwrite", "UserData",       "MediaType",          "BusinessType", "CoverURL",
        "CateId",    "RegisterConfig", "SmartTagTemplateId", "WorkflowId",   NULL};
    const jobs_job_type *type = jobs_job_type_by_action(action);
    if (type)
        return type->params;
    if (action && strcmp(action, "RegisterMediaInfo") == 0)
        return reg;
    return NULL;
}

/* Feeds an 8-byte big-endian length, then the bytes. */
static void digest_field(digest_sha256_ctx *c, const char *s) {
    uint64_t len = s ? strlen(s) : 0;
    unsigned char prefix[8];
    for (int i = 0; i < 8; i++)
        prefix[i] = (unsigned char)(len >> (56 - 8 * i));
    digest_sha256_update(c, prefix, sizeof(prefix));
    digest_sha256_update(c, s, (size_t)len);
}

int jobs_fingerprint(const char *action, const char *const *values, size_t n,
                     char out[JOBS_FINGERPRINT_LEN + 1]) {
    unsigned char md[DIGEST_SHA256_LEN];
    char count[24];
    snprintf(count, sizeof(count), "%zu", n);
    digest_sha256_ctx c;
    digest_sha256_init(&c);
    digest_field(&c, action);
    digest_field(&c, count);
    for (size_t i = 0; i < n; i++)
        digest_field(&c, values ? values[i] : NULL);
    if (digest_sha256_final(&c, md))
        return RC_EINTERNAL;
    ids_to_hex(md, sizeof(md), out);
    return 0;
}

/* ---- RegisterMediaInfo ---- */

void jobs_media_register_free(jobs_media_register *m) {
    if (!m)
        return;
    jobs_location_free(&m->input);
    free(m->media_tags);
    memset(m, 0, sizeof(*m));
}

static const char *present(const char *s) {
    return s && *s ? s : NULL;
}

/* Text parameters: at most max bytes of valid UTF-8. */
static int check_text(const char *name, const char *v, size_t max, rc_error *err) {
    if (!v)
        return 0;
    size_t len = strlen(v);
    if (len > max)
        return rc_fail(err, RC_ERANGE, JSONX_RANGE, "%s must be at most %zu bytes", name, max);
    if (!jsonx_utf8_valid(v, len))
        return jobs_spec_unsupported(err, name, v, "it is not valid UTF-8");
    return 0;
}

/* Splits comma-separated tags, trims spaces, drops empty ones and joins them again. */
static int parse_tags(const char *tags, jobs_media_register *m, rc_error *err) {
    buf b;
    int rc = 0;
    buf_init(&b, JOBS_TAGS_MAX * (JOBS_TAG_MAX + 1) + 1);
    for (const char *p = tags; *p && !rc;) {
        size_t len = strcspn(p, ",");
        const char *next = p[len] ? p + len + 1 : p + len;
        while (len > 0 && (*p == ' ' || *p == '\t')) {
            p++;
            len--;
        }
        while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if (len > 0) {
            if (m->n_tags == JOBS_TAGS_MAX) {
                rc = rc_fail(err, RC_ERANGE, JSONX_RANGE, "MediaTags must have at most %d items",
                             JOBS_TAGS_MAX);
                break;
            }
            if (len > JOBS_TAG_MAX) {
                rc = rc_fail(err, RC_ERANGE, JSONX_RANGE, "MediaTags[%zu] must be at most %d bytes",
                             m->n_tags, JOBS_TAG_MAX);
                break;
            }
            if (m->n_tags > 0)
                rc = buf_puts(&b, ",");
            if (!rc)
                rc = buf_append(&b, p, len);
            if (rc)
                rc = jobs_spec_oom(err);
            m->n_tags++;
        }
        p = next;
    }
    if (!rc && m->n_tags > 0) {
        m->media_tags = buf_detach(&b);
        if (!m->media_tags)
            rc = jobs_spec_oom(err);
    }
    buf_free(&b);
    return rc;
}

static int check_reference_id(const char *v, rc_error *err) {
    if (!v)
        return 0;
    size_t len = strlen(v);
    int ok = len >= REFERENCE_ID_MIN && len <= REFERENCE_ID_MAX;
    for (const char *p = v; *p && ok; p++)
        ok = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
             *p == '_' || *p == '-';
    return ok ? 0
              : jobs_spec_unsupported(err, "ReferenceId", v,
                                      "it must be 6-64 characters of A-Z a-z 0-9 _ -");
}

int jobs_media_register_parse(const char *input_url, const char *title, const char *description,
                              const char *media_tags, const char *reference_id,
                              const char *overwrite, const char *client_token,
                              const char *user_data, const jobs_policy *policy,
                              jobs_media_register *out, rc_error *err) {
    memset(out, 0, sizeof(*out));
    jobs_policy p;
    if (policy)
        p = *policy;
    else
        memset(&p, 0, sizeof(p));
    p.bucket_exists = NULL; /* a state check, after the ClientToken lookup */
    int rc;
    if (!present(input_url))
        rc = rc_fail(err, RC_EINVAL, JSONX_MISSING, "InputURL is mandatory for this action.");
    else
        rc = jobs_location_parse(input_url, &p, "InputURL", &out->input, err);
    if (!rc)
        rc = check_text("Title", present(title), JOBS_TITLE_MAX, err);
    if (!rc)
        rc = check_text("Description", present(description), JOBS_DESCRIPTION_MAX, err);
    if (!rc && present(media_tags))
        rc = parse_tags(media_tags, out, err);
    if (!rc)
        rc = check_reference_id(present(reference_id), err);
    if (!rc && present(overwrite)) {
        if (strcasecmp(overwrite, "true") == 0)
            out->overwrite = 1;
        else if (strcasecmp(overwrite, "false") != 0)
            rc = rc_fail(err, RC_EINVAL, JSONX_TYPE, "Overwrite must be a boolean");
    }
    if (!rc)
        rc = jobs_client_token_check(client_token, err);
    if (!rc) {
        jobs_userdata ud;
        rc = jobs_userdata_parse(present(user_data), JOBS_MEDIA_USERDATA_MAX, 0, &p, &ud, err);
        jobs_userdata_free(&ud);
    }
    if (rc) {
        jobs_media_register_free(out);
        return rc;
    }
    out->title = present(title);
    out->description = present(description);
    out->reference_id = present(reference_id);
    out->user_data = present(user_data);
    return 0;
}

int jobs_media_get_parse(const char *media_id, const char *input_url, const char **out_media_id,
                         const char **out_input_url, rc_error *err) {
    *out_media_id = NULL;
    *out_input_url = NULL;
    if (present(media_id))
        *out_media_id = media_id;
    else if (present(input_url))
        *out_input_url = input_url;
    else
        return rc_fail(err, RC_EINVAL, JSONX_MISSING, "MediaId is mandatory for this action.");
    return 0;
}
