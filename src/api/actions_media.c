/* The media asset operations: RegisterMediaInfo and GetMediaInfo (API.md §4.5, §4.6). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/actions.h"
#include "api/errors.h"
#include "api/web.h"
#include "store/store.h"
#include "util/timeutil.h"

int api_action_register_media(api_call *call, rc_error *err) {
    api_service *svc = call->svc;
    const char *token = api_call_param(call, "ClientToken");
    if (!api_call_param(call, "InputURL"))
        return api_fail(err, API_ERR_MISSING_PARAMETER, "InputURL is mandatory for this action.");
    jobs_media_register reg;
    int rc = jobs_media_register_parse(
        api_call_param(call, "InputURL"), api_call_param(call, "Title"),
        api_call_param(call, "Description"), api_call_param(call, "MediaTags"),
        api_call_param(call, "ReferenceId"), api_call_param(call, "Overwrite"), token,
        api_call_param(call, "UserData"), &svc->policy, &reg, err);
    if (rc)
        return rc;
    api_token t;
    char existing[STORE_ID_LEN + 1] = "";
    enum store_submit_outcome outcome = STORE_SUBMIT_CREATED;
    rc = api_token_lookup(call, "RegisterMediaInfo", &t, existing, &outcome, err);
    if (rc < 0)
        goto out;
    if (rc == 1)
        goto answer;
    rc = jobs_location_check_bucket(&reg.input, &svc->policy, "InputURL", err);
    if (rc)
        goto out;
    store_media m;
    memset(&m, 0, sizeof(m));
    ids_hex128(m.media_id);
    m.user_id = call->auth->user_id;
    m.input_url = reg.input.raw;
    char default_title[64];
    if (!reg.title) {
        char now[TIME_ISO_LEN + 1];
        time_format_iso(time(NULL), now);
        snprintf(default_title, sizeof(default_title), "default_title_%s", now);
    }
    m.title = (char *)(reg.title ? reg.title : default_title);
    m.description = (char *)reg.description;
    m.tags = reg.media_tags;
    m.reference_id = (char *)reg.reference_id;
    m.user_data = (char *)reg.user_data;
    rc = store_media_register(svc->deps.st, &m, reg.overwrite, t.token ? &t.tok : NULL, existing,
                              &outcome, NULL);
    if (rc == RC_EEXIST) {
        rc = api_fail(err, API_ERR_RESOURCE_EXISTS, NULL);
        goto out;
    }
    if (rc) {
        rc = api_fail(err, API_ERR_UNAVAILABLE, NULL);
        goto out;
    }
    if (outcome == STORE_SUBMIT_CREATED) {
        memcpy(existing, m.media_id, sizeof(existing));
        jobs_prober_wake(svc->deps.prober);
    }
answer:
    if (outcome == STORE_SUBMIT_MISMATCH) {
        rc = api_fail(err, API_ERR_IDEMPOTENT_MISMATCH, NULL);
        goto out;
    }
    api_reply_json(call, json_pack("{s:s}", "MediaId", existing));
    rc = 0;
out:
    jobs_media_register_free(&reg);
    return rc;
}

static void set_str(json_t *o, const char *key, const char *v) {
    if (v && *v)
        json_object_set_new(o, key, json_string(v));
}

static const char *source_of(const char *url) {
    if (!strncmp(url, "oss://", 6) || strstr(url, ".aliyuncs.com/"))
        return "oss";
    if (!strncmp(url, "http://", 7) || !strncmp(url, "https://", 8))
        return "http";
    return "local";
}

int api_action_get_media(api_call *call, rc_error *err) {
    const char *media_id = NULL, *input_url = NULL;
    int rc = jobs_media_get_parse(api_call_param(call, "MediaId"), api_call_param(call, "InputURL"),
                                  &media_id, &input_url, err);
    if (rc)
        return rc;
    store_media m;
    memset(&m, 0, sizeof(m));
    if (media_id)
        rc = store_media_get(call->svc->deps.st, media_id, call->auth->user_id, &m, NULL);
    else
        rc = store_media_get_by_url(call->svc->deps.st, input_url, call->auth->user_id, &m, NULL);
    if (rc == RC_ENOENT || rc == RC_EINVAL)
        return api_fail(err, API_ERR_RESOURCE_NOT_FOUND,
                        "The resource operated \"%s\" cannot be found.",
                        media_id ? "MediaId" : "InputURL");
    if (rc)
        return api_fail(err, API_ERR_UNAVAILABLE, NULL);
    char created[TIME_ISO_LEN + 1], modified[TIME_ISO_LEN + 1];
    time_format_iso((time_t)m.create_time, created);
    time_format_iso((time_t)m.modified_time, modified);
    json_t *basic = json_object();
    set_str(basic, "MediaId", m.media_id);
    set_str(basic, "InputURL", m.input_url);
    set_str(basic, "MediaType", m.media_type);
    set_str(basic, "BusinessType", "general");
    set_str(basic, "Source", source_of(m.input_url));
    set_str(basic, "Title", m.title);
    set_str(basic, "Description", m.description);
    set_str(basic, "MediaTags", m.tags);
    set_str(basic, "ReferenceId", m.reference_id);
    set_str(basic, "UserData", m.user_data);
    set_str(basic, "Status", store_media_status_name(m.status));
    set_str(basic, "CreateTime", created);
    set_str(basic, "ModifiedTime", modified);
    json_t *info = json_object();
    set_str(info, "MediaId", m.media_id);
    json_object_set_new(info, "MediaBasicInfo", basic);
    if (m.status == STORE_MEDIA_NORMAL && m.probe_json) {
        json_t *file = json_loads(m.probe_json, 0, NULL);
        if (file)
            api_web_play_file_url(call, m.input_url, file);
        if (file)
            json_object_set_new(info, "FileInfoList", json_pack("[o]", file));
    }
    store_media_free(&m);
    api_reply_json(call, json_pack("{s:o}", "MediaInfo", info));
    return 0;
}
