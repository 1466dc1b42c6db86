/* Job specs of SubmitSegmentationJob (API.md §4.1) and SubmitHighlightExtractionJob (§4.2). */
#include "jobs/spec.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jobs/spec_util.h"
#include "util/json.h"

#define PATH_LEN 128
#define HL_COUNT_DEFAULT 5
#define HL_CLIP_DEFAULT 15.0
#define HL_CLIP_MIN 3.0
#define HL_CLIP_MAX 60.0
#define CUSTOM_ACTIONS_MAX 50
#define CUSTOM_ACTION_CHARS 5

const char *jobs_seg_mode_name(enum jobs_seg_mode mode) {
    return mode == JOBS_SEG_USER_DEFINED ? "UserDefined" : "BasicClipSplit";
}

/* The policy for submission-time checks: buckets are a state check, done later. */
static jobs_policy syntax_policy(const jobs_policy *policy) {
    jobs_policy p;
    if (policy)
        p = *policy;
    else
        memset(&p, 0, sizeof(p));
    p.bucket_exists = NULL;
    return p;
}

static int missing(rc_error *err, const char *name) {
    return rc_fail(err, RC_EINVAL, JSONX_MISSING, "%s is mandatory for this action.", name);
}

static int check_output_bucket(const jobs_output_spec *out, const jobs_policy *policy,
                               rc_error *err) {
    if (!out->need_export || !out->bucket)
        return 0;
    if (policy && policy->bucket_exists && policy->bucket_exists(policy->bucket_ctx, out->bucket))
        return 0;
    return jobs_spec_unsupported(err, "OutputConfig.Bucket", out->bucket,
                                 "no storage backend is configured for this bucket");
}

/* ---- segmentation ---- */

void jobs_seg_spec_free(jobs_seg_spec *spec) {
    if (!spec)
        return;
    jobs_location_free(&spec->input);
    free(spec->ranges);
    jobs_output_spec_free(&spec->output);
    jobs_userdata_free(&spec->userdata);
    memset(spec, 0, sizeof(*spec));
}

static int parse_seg_input(const char *text, const jobs_policy *policy, jobs_location *out,
                           rc_error *err) {
    if (!text || !*text)
        return missing(err, "InputConfig");
    json_t *root = NULL;
    const char *type = NULL, *media = NULL;
    int rc = jsonx_parse_object(text, "InputConfig", &root, err);
    if (!rc)
        rc = jsonx_get_string(root, "InputConfig", "Type", 1, &type, err);
    if (rc)
        goto out;
    int is_media = strcasecmp(type, "Media") == 0;
    if (!is_media && strcasecmp(type, "OSS") != 0) {
        rc = jobs_spec_unsupported(err, "InputConfig.Type", type, "it must be OSS or Media");
        goto out;
    }
    rc = jsonx_get_string(root, "InputConfig", "Media", 1, &media, err);
    if (rc)
        goto out;
    if (is_media) {
        memset(out, 0, sizeof(*out));
        out->kind = JOBS_LOC_MEDIA;
        out->raw = strdup(media);
        out->key = strdup(media);
        if (!out->raw || !out->key)
            rc = jobs_spec_oom(err);
    } else {
        rc = jobs_location_parse(media, policy, "InputConfig.Media", out, err);
    }
out:
    json_decref(root);
    return rc;
}

static int parse_range(json_t *item, const char *path, jobs_range *r, rc_error *err) {
    char sub[PATH_LEN];
    if (!json_is_object(item))
        return rc_fail(err, RC_EINVAL, JSONX_TYPE, "%s must be a object", path);
    int rc = jsonx_get_number(item, path, "In", 1, NULL, &r->in, err);
    if (rc)
        return rc;
    if (r->in < 0)
        return rc_fail(err, RC_ERANGE, JSONX_RANGE, "%s must be >= 0",
                       jsonx_path(sub, sizeof(sub), path, "In"));
    rc = jsonx_get_number(item, path, "Out", 1, NULL, &r->out, err);
    if (rc)
        return rc;
    if (!(r->out > r->in))
        return rc_fail(err, RC_ERANGE, JSONX_RANGE, "%s.Out must be greater than %s.In", path,
                       path);
    /* Times are kept to the millisecond (API.md §4.6): a range that rounds to nothing, such as
     * [5e-324, 1e-300], would pass here and fail at run time. Past JOBS_RANGE_MAX_S no input ends.
     */
    if (r->in > JOBS_RANGE_MAX_S || r->out > JOBS_RANGE_MAX_S)
        return rc_fail(err, RC_ERANGE, JSONX_RANGE, "%s must be in [0,%d]",
                       jsonx_path(sub, sizeof(sub), path, r->in > JOBS_RANGE_MAX_S ? "In" : "Out"),
                       JOBS_RANGE_MAX_S);
    if (round(r->out * 1000.0) - round(r->in * 1000.0) < 1.0)
        return rc_fail(err, RC_ERANGE, JSONX_RANGE,
                       "%s.Out must be at least 0.001 greater than %s.In (times count in ms)", path,
                       path);
    return 0;
}

static int parse_job_params(const char *text, jobs_seg_spec *spec, rc_error *err) {
    spec->mode = JOBS_SEG_BASIC_CLIP_SPLIT;
    if (!text || !*text)
        return 0;
    json_t *root = NULL, *ranges = NULL;
    const char *mode = NULL;
    int rc = jsonx_parse_object(text, "JobParams", &root, err);
    if (!rc)
        rc = jsonx_get_string(root, "JobParams", "Mode", 0, &mode, err);
    if (rc)
        goto out;
    if (mode && strcasecmp(mode, "UserDefined") == 0) {
        spec->mode = JOBS_SEG_USER_DEFINED;
    } else if (mode && strcasecmp(mode, "BasicClipSplit") != 0) {
        rc = jobs_spec_unsupported(err, "JobParams.Mode", mode,
                                   "it must be BasicClipSplit or UserDefined");
        goto out;
    }
    if (spec->mode != JOBS_SEG_USER_DEFINED)
        goto out;
    rc = jsonx_get_array(root, "JobParams", "Ranges", 1, &ranges, err);
    if (rc)
        goto out;
    size_t n = json_array_size(ranges);
    if (n > JOBS_RANGES_MAX) {
        rc = rc_fail(err, RC_ERANGE, JSONX_RANGE, "JobParams.Ranges must have at most %d items",
                     JOBS_RANGES_MAX);
        goto out;
    }
    spec->ranges = calloc(n, sizeof(*spec->ranges));
    if (!spec->ranges) {
        rc = jobs_spec_oom(err);
        goto out;
    }
    for (size_t i = 0; i < n && !rc; i++) {
        char path[PATH_LEN];
        jsonx_path_index(path, sizeof(path), "JobParams.Ranges", i);
        rc = parse_range(json_array_get(ranges, i), path, &spec->ranges[i], err);
    }
    if (!rc)
        spec->n_ranges = n;
out:
    json_decref(root);
    return rc;
}

int jobs_seg_spec_parse(const char *input_config, const char *job_params, const char *output_config,
                        const char *user_data, const jobs_policy *policy, jobs_seg_spec *out,
                        rc_error *err) {
    memset(out, 0, sizeof(*out));
    jobs_policy p = syntax_policy(policy);
    int rc = parse_seg_input(input_config, &p, &out->input, err);
    if (!rc)
        rc = parse_job_params(job_params, out, err);
    if (!rc)
        rc = jobs_output_parse(output_config, 0, &p, &out->output, err);
    if (!rc)
        rc = jobs_output_check_input(&out->output, &out->input, "InputConfig.Media", err);
    if (!rc)
        rc = jobs_userdata_parse(user_data, JOBS_USERDATA_MAX, 1, &p, &out->userdata, err);
    if (rc)
        jobs_seg_spec_free(out);
    return rc;
}

int jobs_seg_spec_check_state(const jobs_seg_spec *spec, const jobs_policy *policy, rc_error *err) {
    int rc = jobs_location_check_bucket(&spec->input, policy, "InputConfig.Media", err);
    if (!rc)
        rc = check_output_bucket(&spec->output, policy, err);
    return rc;
}

/* ---- highlights ---- */

void jobs_hl_spec_free(jobs_hl_spec *spec) {
    if (!spec)
        return;
    for (size_t i = 0; i < spec->n_media; i++) {
        free(spec->media[i].media_id);
        jobs_location_free(&spec->media[i].url);
    }
    free(spec->media);
    jobs_output_spec_free(&spec->output);
    jobs_userdata_free(&spec->userdata);
    memset(spec, 0, sizeof(*spec));
}

static int parse_hl_item(json_t *item, const char *path, const jobs_policy *policy,
                         jobs_hl_media *m, rc_error *err) {
    const char *id = NULL, *url = NULL;
    if (!json_is_object(item))
        return rc_fail(err, RC_EINVAL, JSONX_TYPE, "%s must be a object", path);
    int rc = jsonx_get_string(item, path, "MediaId", 0, &id, err);
    if (rc)
        return rc;
    if (id) {
        m->media_id = strdup(id);
        return m->media_id ? 0 : jobs_spec_oom(err);
    }
    rc = jsonx_get_string(item, path, "MediaURL", 0, &url, err);
    if (rc)
        return rc;
    char sub[PATH_LEN];
    if (!url)
        return rc_fail(err, RC_EINVAL, JSONX_EMPTY, "%s is mandatory for this action.",
                       jsonx_path(sub, sizeof(sub), path, "MediaId"));
    return jobs_location_parse(url, policy, jsonx_path(sub, sizeof(sub), path, "MediaURL"), &m->url,
                               err);
}

static int parse_custom_actions(const json_t *strategy, rc_error *err) {
    json_t *list = NULL;
    int rc = jsonx_get_array(strategy, "InputConfig.Strategy", "CustomActions", 0, &list, err);
    if (rc || !list)
        return rc;
    if (json_array_size(list) > CUSTOM_ACTIONS_MAX)
        return rc_fail(err, RC_ERANGE, JSONX_RANGE,
                       "InputConfig.Strategy.CustomActions must have at most %d items",
                       CUSTOM_ACTIONS_MAX);
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) {
        char path[PATH_LEN];
        jsonx_path_index(path, sizeof(path), "InputConfig.Strategy.CustomActions", i);
        if (!json_is_string(v))
            return rc_fail(err, RC_EINVAL, JSONX_TYPE, "%s must be a string", path);
        if (jsonx_utf8_chars(json_string_value(v)) > CUSTOM_ACTION_CHARS)
            return rc_fail(err, RC_ERANGE, JSONX_RANGE, "%s must be at most %d characters", path,
                           CUSTOM_ACTION_CHARS);
    }
    return 0;
}

static int parse_strategy(const json_t *root, jobs_hl_spec *spec, rc_error *err) {
    static const char *prefix = "InputConfig.Strategy";
    json_t *strategy = NULL;
    int present = 0;
    long long count = HL_COUNT_DEFAULT;
    spec->count = HL_COUNT_DEFAULT;
    spec->clip_duration = HL_CLIP_DEFAULT;
    int rc = jsonx_get_object(root, "InputConfig", "Strategy", 0, &strategy, err);
    if (rc || !strategy)
        return rc;
    rc = jsonx_get_integer(strategy, prefix, "Count", 0, 1, 10, &present, &count, err);
    if (rc)
        return rc;
    spec->count = (int)count;
    double clip = HL_CLIP_DEFAULT;
    rc = jsonx_get_number(strategy, prefix, "ClipDuration", 0, &present, &clip, err);
    if (rc)
        return rc;
    if (clip < HL_CLIP_MIN || clip > HL_CLIP_MAX)
        return rc_fail(err, RC_ERANGE, JSONX_RANGE, "%s.ClipDuration must be in [3,60]", prefix);
    spec->clip_duration = clip;
    rc = jsonx_get_bool(strategy, prefix, "EnableActionRecog", 0, &present,
                        &spec->enable_action_recog, err);
    if (!rc)
        rc = parse_custom_actions(strategy, err);
    return rc;
}

static int parse_hl_input(const char *text, const jobs_policy *policy, jobs_hl_spec *spec,
                          rc_error *err) {
    if (!text || !*text)
        return missing(err, "InputConfig");
    json_t *root = NULL, *array = NULL;
    int rc = jsonx_parse_object(text, "InputConfig", &root, err);
    if (!rc)
        rc = jsonx_get_array(root, "InputConfig", "MediaArray", 1, &array, err);
    if (rc)
        goto out;
    size_t n = json_array_size(array);
    if (n > JOBS_HL_MEDIA_MAX) {
        rc = rc_fail(err, RC_ERANGE, JSONX_RANGE,
                     "InputConfig.MediaArray must have at most %d items", JOBS_HL_MEDIA_MAX);
        goto out;
    }
    spec->media = calloc(n, sizeof(*spec->media));
    if (!spec->media) {
        rc = jobs_spec_oom(err);
        goto out;
    }
    spec->n_media = n; /* items are zeroed, so freeing a partly parsed array is safe */
    for (size_t i = 0; i < n && !rc; i++) {
        char path[PATH_LEN];
        jsonx_path_index(path, sizeof(path), "InputConfig.MediaArray", i);
        rc = parse_hl_item(json_array_get(array, i), path, policy, &spec->media[i], err);
    }
    if (!rc)
        rc = parse_strategy(root, spec, err);
out:
    json_decref(root);
    return rc;
}

int jobs_hl_spec_parse(const char *input_config, const char *output_config, const char *user_data,
                       const jobs_policy *policy, jobs_hl_spec *out, rc_error *err) {
    memset(out, 0, sizeof(*out));
    jobs_policy p = syntax_policy(policy);
    int rc = parse_hl_input(input_config, &p, out, err);
    if (!rc)
        rc = jobs_output_parse(output_config, 1, &p, &out->output, err);
    for (size_t i = 0; !rc && i < out->n_media; i++) {
        char path[PATH_LEN];
        snprintf(path, sizeof(path), "InputConfig.MediaArray[%zu].MediaURL", i);
        if (!out->media[i].media_id)
            rc = jobs_output_check_input(&out->output, &out->media[i].url, path, err);
    }
    if (!rc)
        rc = jobs_userdata_parse(user_data, JOBS_USERDATA_MAX, 1, &p, &out->userdata, err);
    if (rc)
        jobs_hl_spec_free(out);
    return rc;
}

int jobs_hl_spec_check_state(const jobs_hl_spec *spec, const jobs_policy *policy, rc_error *err) {
    for (size_t i = 0; i < spec->n_media; i++) {
        if (spec->media[i].media_id)
            continue;
        char path[PATH_LEN];
        snprintf(path, sizeof(path), "InputConfig.MediaArray[%zu].MediaURL", i);
        int rc = jobs_location_check_bucket(&spec->media[i].url, policy, path, err);
        if (rc)
            return rc;
    }
    return check_output_bucket(&spec->output, policy, err);
}
