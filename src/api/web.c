/* web: routing of the browser-facing paths, and their shared error body. */
#include "api/web.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/actions.h"
#include "api/errors.h"
#include "api/media_url.h"
#include "blob/blob_router.h"
#include "util/log.h"

static int path_is(const char *path, const char *prefix) {
    size_t n = strlen(prefix);
    return strncmp(path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

int api_web_handle(api_service *svc, const http_request *req, http_response *res) {
    if (path_is(req->path, "/ui"))
        api_web_ui(svc, req, res);
    else if (path_is(req->path, "/media"))
        api_web_media(svc, req, res);
    else
        return 0;
    log_debug("%s %s %s -> %d", req->peer, req->method, req->path, res->status);
    return 1;
}

void api_web_error(api_service *svc, const http_request *req, http_response *res, int status,
                   const char *code, const char *message) {
    const config *cfg = svc->deps.cfg;
    const char *host = http_header_get(req, "host");
    res->status = status;
    res->body = api_error_body(code, message, res->request_id,
                               cfg->public_host[0] ? cfg->public_host
                               : host              ? host
                                                   : "",
                               cfg->recommend_url[0] ? cfg->recommend_url : NULL);
    res->body_len = res->body ? strlen(res->body) : 0;
    http_response_add_header(res, "X-Content-Type-Options", "nosniff");
    http_response_add_header(res, "Cache-Control", "no-store");
}

int api_web_media_url_for(api_service *svc, const char *access_key_id, const char *bucket,
                          const char *key, int64_t ttl, char **out) {
    *out = NULL;
    const config *cfg = svc->deps.cfg;
    if (!cfg->public_url[0])
        return RC_ENOENT;
    blob_backend *blob = svc->deps.blob;
    if (blob && blob_is_router(blob)) {
        const char *name = blob_router_backend_of(blob, bucket);
        if (!name || strcmp(name, "fs") != 0)
            return RC_ENOENT;
    }
    const keys_entry *k = keys_find(svc->deps.keys, access_key_id);
    if (!k)
        return RC_ENOENT;
    if (ttl <= 0 || ttl > API_MEDIA_MAX_LIFETIME)
        ttl = API_MEDIA_DEFAULT_LIFETIME;
    char base[sizeof(cfg->public_url)];
    size_t n = strlen(cfg->public_url);
    memcpy(base, cfg->public_url, n + 1);
    while (n > 0 && base[n - 1] == '/') /* (a trailing "/" would make "//media") */
        base[--n] = '\0';
    int rc =
        api_media_url(base, access_key_id, k->secret, bucket, key, (int64_t)time(NULL) + ttl, out);
    return rc == RC_EINVAL ? RC_ENOENT : rc;
}

void api_web_play_file_url(struct api_call *call, const char *input_url, json_t *file) {
    api_service *svc = call->svc;
    if (!svc->deps.cfg->public_url[0])
        return;
    jobs_location loc;
    rc_error err = {0};
    if (jobs_location_parse(input_url, &svc->policy, "InputURL", &loc, &err))
        return;
    int64_t ttl = API_MEDIA_DEFAULT_LIFETIME;
    const char *t = api_call_param(call, "AuthTimeout");
    if (t && strlen(t) < 10 && strspn(t, "0123456789") == strlen(t) && atol(t) > 0)
        ttl = atol(t) < API_MEDIA_MAX_LIFETIME ? atol(t) : API_MEDIA_MAX_LIFETIME;
    char *url = NULL;
    json_t *basic = json_object_get(file, "FileBasicInfo");
    if (loc.kind == JOBS_LOC_OSS && json_is_object(basic) &&
        api_web_media_url_for(svc, call->auth->access_key_id, loc.bucket, loc.key, ttl, &url) == 0)
        json_object_set_new(basic, "FileUrl", json_string(url));
    free(url);
    jobs_location_free(&loc);
}
