/* OutputConfig and UserData of API.md §4.0. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jobs/objectkey.h"
#include "jobs/spec.h"
#include "jobs/spec_util.h"
#include "util/json.h"

#define SIZE_MIN_PX 64
#define SIZE_MAX_PX 7680
#define QUEUE_PREFIX "ice-callback"

void jobs_output_spec_free(jobs_output_spec *out) {
    if (!out)
        return;
    free(out->target);
    free(out->bucket);
    free(out->object_key);
    free(out->endpoint);
    memset(out, 0, sizeof(*out));
}

void jobs_userdata_free(jobs_userdata *ud) {
    if (!ud)
        return;
    free(ud->raw);
    free(ud->notify_address);
    memset(ud, 0, sizeof(*ud));
}

/* Copies src into *dst (NULL stays NULL). Returns 0 or RC_ENOMEM with err filled. */
static int dup_into(char **dst, const char *src, rc_error *err) {
    if (!src)
        return 0;
    *dst = strdup(src);
    return *dst ? 0 : jobs_spec_oom(err);
}

/* 1 if s is exactly http(s)://host[:port] with an optional trailing "/"; sets *host and
 * *host_len. */
static int endpoint_valid(const char *s, const char **host, size_t *host_len) {
    size_t scheme;
    if (strncasecmp(s, "http://", 7) == 0)
        scheme = 7;
    else if (strncasecmp(s, "https://", 8) == 0)
        scheme = 8;
    else
        return 0;
    const char *a = s + scheme;
    size_t len = strlen(a);
    if (len > 0 && a[len - 1] == '/')
        len--;
    if (strcspn(a, "/?#") < len)
        return 0;
    int has_port;
    if (jobs_spec_split_authority(a, len, host, host_len, &has_port))
        return 0;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)a[i] <= 0x20 || (unsigned char)a[i] >= 0x7f)
            return 0;
    if (has_port) {
        const char *colon = strrchr(a, ':');
        size_t digits = len - (size_t)(colon + 1 - a);
        if (digits == 0 || digits > 5 || strspn(colon + 1, "0123456789") < digits)
            return 0;
    }
    return 1;
}

static int parse_size(const json_t *root, const char *key, int *out, rc_error *err) {
    int present = 0;
    long long v = 0;
    int rc = jsonx_get_integer(root, "OutputConfig", key, 0, SIZE_MIN_PX, SIZE_MAX_PX, &present, &v,
                               err);
    if (!rc && present)
        *out = (int)(v + (v & 1)); /* odd sizes round up to even */
    return rc;
}

/* The export fields, after NeedExport said files are written. */
static int parse_export(const json_t *root, const jobs_policy *policy, jobs_output_spec *out,
                        rc_error *err) {
    const char *target = NULL, *bucket = NULL, *key = NULL, *endpoint = NULL;
    int present = 0;
    int rc = jsonx_get_string(root, "OutputConfig", "OutputMediaTarget", 0, &target, err);
    if (rc)
        return rc;
    if (target && strcmp(target, "oss-object") != 0)
        return jobs_spec_unsupported(err, "OutputConfig.OutputMediaTarget", target,
                                     "only \"oss-object\" is supported");
    rc = dup_into(&out->target, target ? target : "oss-object", err);
    if (!rc)
        rc = jsonx_get_string(root, "OutputConfig", "Bucket", 1, &bucket, err);
    if (rc)
        return rc;
    if (!jobs_bucket_name_valid(bucket))
        return jobs_spec_unsupported(err, "OutputConfig.Bucket", bucket,
                                     "a bucket name is 3-63 of a-z 0-9 . - and starts and ends "
                                     "with a letter or digit");
    rc = dup_into(&out->bucket, bucket, err);
    if (!rc)
        rc = jsonx_get_string(root, "OutputConfig", "ObjectKey", 1, &key, err);
    if (!rc)
        rc = objectkey_validate(key, "OutputConfig.ObjectKey", 0, err);
    if (rc)
        return rc;
    char expanded[OBJECTKEY_MAX + 1];
    rc = objectkey_expand(key, 1, OBJECTKEY_MAX, expanded, sizeof(expanded),
                          "OutputConfig.ObjectKey", err);
    if (!rc)
        rc = dup_into(&out->object_key, key, err);
    if (!rc)
        rc = jsonx_get_string(root, "OutputConfig", "Endpoint", 0, &endpoint, err);
    if (rc)
        return rc;
    if (endpoint && (!policy || !policy->allow_endpoint_override))
        return jobs_spec_unsupported(err, "OutputConfig.Endpoint", endpoint,
                                     "endpoint overrides are disabled");
    const char *host;
    size_t host_len;
    if (endpoint && !endpoint_valid(endpoint, &host, &host_len))
        return jobs_spec_unsupported(err, "OutputConfig.Endpoint", endpoint,
                                     "it must be http(s)://host[:port]");
    if (endpoint && policy->n_endpoint_hosts > 0 &&
        !jobs_spec_host_allowed(host, host_len, policy->endpoint_hosts, policy->n_endpoint_hosts))
        return jobs_spec_unsupported(err, "OutputConfig.Endpoint", endpoint,
                                     "the host is not in the endpoint allow-list");
    if (endpoint)
        rc = jobs_spec_check_internal(host, host_len, policy->endpoint_hosts,
                                      policy->n_endpoint_hosts, "OutputConfig.Endpoint", endpoint,
                                      err);
    if (rc)
        return rc;
    rc = dup_into(&out->endpoint, endpoint, err);
    if (!rc)
        rc = parse_size(root, "Width", &out->width, err);
    if (!rc)
        rc = parse_size(root, "Height", &out->height, err);
    if (!rc)
        rc = jsonx_get_bool(root, "OutputConfig", "ExportAsNewMedia", 0, &present,
                            &out->export_as_new_media, err);
    return rc;
}

int jobs_output_parse(const char *output_config, int highlights, const jobs_policy *policy,
                      jobs_output_spec *out, rc_error *err) {
    memset(out, 0, sizeof(*out));
    if (!output_config || !*output_config)
        return 0;
    json_t *root = NULL;
    int rc = jsonx_parse_object(output_config, "OutputConfig", &root, err);
    if (rc)
        return rc;
    out->present = 1;
    out->need_export = 1;
    if (highlights) {
        int present = 0;
        out->need_export = 0;
        rc =
            jsonx_get_bool(root, "OutputConfig", "NeedExport", 0, &present, &out->need_export, err);
    }
    if (!rc && out->need_export)
        rc = parse_export(root, policy, out, err);
    json_decref(root);
    if (rc)
        jobs_output_spec_free(out);
    return rc;
}

int jobs_output_check_input(const jobs_output_spec *out, const jobs_location *in,
                            const char *in_path, rc_error *err) {
    char index[24];
    if (!out->need_export || !out->bucket || !out->object_key || in->kind != JOBS_LOC_OSS ||
        !in->bucket || !in->key || strcmp(in->bucket, out->bucket) != 0 ||
        !objectkey_can_produce(out->object_key, in->key, index, sizeof(index)))
        return 0;
    char echo[JSONX_ECHO_MAX + 1];
    jsonx_echo(out->object_key, echo);
    return rc_fail(
        err, RC_EINVAL, "InvalidParameter",
        "OutputConfig.ObjectKey value \"%s\" is not allowed: output %s (oss://%s/%.200s) "
        "would replace %s",
        echo, index, in->bucket, in->key, in_path);
}

/* 1 if s is a queue name: "ice-callback" then [A-Za-z0-9_-]*, at most 120 bytes. */
static int queue_name_valid(const char *s) {
    size_t len = strlen(s);
    if (len > JOBS_NOTIFY_QUEUE_MAX || strncmp(s, QUEUE_PREFIX, strlen(QUEUE_PREFIX)) != 0)
        return 0;
    for (const char *p = s + strlen(QUEUE_PREFIX); *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-'))
            return 0;
    return 1;
}

static int check_notify_url(const char *url, size_t scheme, const jobs_policy *policy,
                            rc_error *err) {
    static const char *path = "UserData.NotifyAddress";
    if (strlen(url) > JOBS_NOTIFY_URL_MAX)
        return jobs_spec_unsupported(err, path, url, "a URL must be at most 1024 bytes");
    for (const unsigned char *p = (const unsigned char *)url; *p; p++)
        if (*p <= 0x20 || *p == 0x7f)
            return jobs_spec_unsupported(err, path, url,
                                         "the URL contains spaces or control "
                                         "characters");
    const char *a = url + scheme;
    const char *host;
    size_t host_len;
    int has_port;
    if (jobs_spec_split_authority(a, strcspn(a, "/?#"), &host, &host_len, &has_port))
        return jobs_spec_unsupported(err, path, url, "the URL has no valid host");
    if (policy && policy->n_callback_hosts > 0 &&
        !jobs_spec_host_allowed(host, host_len, policy->callback_hosts, policy->n_callback_hosts))
        return jobs_spec_unsupported(err, path, url, "the host is not in the callback allow-list");
    return jobs_spec_check_internal(host, host_len, policy ? policy->callback_hosts : NULL,
                                    policy ? policy->n_callback_hosts : 0, path, url, err);
}

static int parse_notify(const json_t *root, const jobs_policy *policy, jobs_userdata *out,
                        rc_error *err) {
    json_t *v = jsonx_field(root, "NotifyAddress");
    if (!v)
        return 0;
    if (!json_is_string(v))
        return rc_fail(err, RC_EINVAL, JSONX_TYPE, "UserData.NotifyAddress must be a string");
    const char *s = json_string_value(v);
    int rc;
    if (strncasecmp(s, "http://", 7) == 0) {
        rc = check_notify_url(s, 7, policy, err);
        out->kind = JOBS_NOTIFY_URL;
    } else if (strncasecmp(s, "https://", 8) == 0) {
        rc = check_notify_url(s, 8, policy, err);
        out->kind = JOBS_NOTIFY_URL;
    } else if (queue_name_valid(s)) {
        rc = 0;
        out->kind = JOBS_NOTIFY_QUEUE;
    } else {
        rc = jobs_spec_unsupported(err, "UserData.NotifyAddress", s,
                                   "it must be an http(s) URL or a queue name "
                                   "ice-callback[A-Za-z0-9_-]*");
    }
    if (!rc)
        rc = dup_into(&out->notify_address, s, err);
    return rc;
}

int jobs_userdata_parse(const char *user_data, size_t max_bytes, int notify,
                        const jobs_policy *policy, jobs_userdata *out, rc_error *err) {
    memset(out, 0, sizeof(*out));
    if (!user_data || !*user_data)
        return 0;
    if (strlen(user_data) > max_bytes)
        return rc_fail(err, RC_ERANGE, JSONX_RANGE, "UserData must be at most %zu bytes",
                       max_bytes);
    json_t *root = NULL;
    int rc = jsonx_parse_object(user_data, "UserData", &root, err);
    if (!rc && notify)
        rc = parse_notify(root, policy, out, err);
    if (!rc)
        rc = dup_into(&out->raw, user_data, err);
    json_decref(root);
    if (rc)
        jobs_userdata_free(out);
    return rc;
}
