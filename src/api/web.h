/* web: what reelcut serves to browsers besides the IMS API - the dashboard at /ui/ (static files
 * compiled into the binary, docs/ui.md) and the signed media URLs of local buckets at /media/
 * (media_url.h). Neither needs an API signature: the dashboard is public files that sign their own
 * API calls, a media URL carries its own signature. */
#ifndef REELCUT_WEB_H
#define REELCUT_WEB_H

#include <jansson.h>

#include "api/http.h"
#include "api/service.h"

/* One file of ui/, embedded by the build (CMake writes the table, cmake/embed_ui.cmake). */
typedef struct api_web_asset {
    const char *name;         /* file name under ui/, e.g. "app.js" */
    const char *content_type; /* e.g. "text/javascript; charset=utf-8" */
    const unsigned char *data;
    size_t len;
    const char *etag; /* quoted, from the file's SHA-256 */
} api_web_asset;

extern const api_web_asset api_web_assets[];
extern const size_t api_web_assets_count;

/* Answers req when it is for /ui or /media (returns 1 with res filled), else returns 0 and leaves
 * res alone. res->request_id must be set already (error bodies carry it). */
int api_web_handle(api_service *svc, const http_request *req, http_response *res);

/* The dashboard part of api_web_handle: GET/HEAD /ui and /ui/<file>. */
void api_web_ui(api_service *svc, const http_request *req, http_response *res);

/* The media part: GET/HEAD /media/<bucket>/<key>?Expires&AccessKeyId&Signature. */
void api_web_media(api_service *svc, const http_request *req, http_response *res);

/* One "bytes=" range of a Range header (h may be NULL) against an object of size bytes: 1 with
 * [*first, *last] set, 0 when the header is ignored (absent, another unit, several ranges,
 * malformed: the whole object is sent), -1 when it cannot be satisfied (416). */
int api_web_media_range(const char *h, uint64_t size, uint64_t *first, uint64_t *last);

/* Fills res with the IMS error body (code, message, status). */
void api_web_error(api_service *svc, const http_request *req, http_response *res, int status,
                   const char *code, const char *message);

/* The signed media URL of oss://bucket/key under the service's public URL (server.public_url),
 * valid for ttl seconds, for the caller's key: malloc'd in *out. Returns 0, RC_ENOENT when there
 * is none to give (no public URL configured, a bucket that is not local, a key the scheme cannot
 * serve, an unknown key id), RC_ENOMEM. */
int api_web_media_url_for(api_service *svc, const char *access_key_id, const char *bucket,
                          const char *key, int64_t ttl, char **out);

/* GetMediaInfo's [ext]: with server.public_url set and an InputURL in a local bucket, replaces
 * FileBasicInfo.FileUrl of the FileInfoList element `file` by the signed media URL for the
 * caller's key, valid AuthTimeout seconds (the call's parameter; default 3600, at most 7 days).
 * Leaves file alone otherwise. */
struct api_call;
void api_web_play_file_url(struct api_call *call, const char *input_url, json_t *file);

#endif
