/* web_ui: the dashboard's files (ui/ of the source tree, compiled in) at /ui/. They are public -
 * the page signs its own API calls with the key typed into it - and carry a strict Content
 * Security Policy: scripts and styles from this origin only, no inline code, media also from
 * blob: URLs, images also from data: URLs. Cache-Control no-cache + ETag: a browser revalidates
 * each load and gets 304 while the binary is the same, the new files after an upgrade. */
#include <string.h>

#include "api/actions.h"
#include "api/web.h"

static const char CSP[] = "default-src 'self'; media-src 'self' blob:; img-src 'self' data:; "
                          "object-src 'none'; base-uri 'none'; form-action 'self'; "
                          "frame-ancestors 'none'";

static const api_web_asset *find_asset(const char *name) {
    for (size_t i = 0; i < api_web_assets_count; i++)
        if (strcmp(api_web_assets[i].name, name) == 0)
            return &api_web_assets[i];
    return NULL;
}

static void not_found(api_service *svc, const http_request *req, http_response *res) {
    api_web_error(svc, req, res, 404, "InvalidApi.NotFound",
                  "Specified api is not found, please check your url and method.");
}

void api_web_ui(api_service *svc, const http_request *req, http_response *res) {
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        not_found(svc, req, res);
        return;
    }
    if (strcmp(req->path, "/ui") == 0) { /* relative links of the page need the "/" */
        res->status = 308;
        res->static_body = "";
        res->body_len = 0;
        res->content_type = "text/plain; charset=utf-8";
        http_response_add_header(res, "Location", "/ui/");
        return;
    }
    const char *name = req->path + strlen("/ui/");
    const api_web_asset *a = find_asset(*name ? name : "index.html");
    if (!a) {
        not_found(svc, req, res);
        return;
    }
    http_response_add_header(res, "Content-Security-Policy", CSP);
    http_response_add_header(res, "X-Content-Type-Options", "nosniff");
    http_response_add_header(res, "Referrer-Policy", "no-referrer");
    http_response_add_header(res, "Cache-Control", "no-cache");
    http_response_add_header(res, "ETag", a->etag);
    res->content_type = a->content_type;
    const char *inm = http_header_get(req, "if-none-match");
    if (inm && strstr(inm, a->etag)) {
        res->status = 304;
        res->static_body = "";
        res->body_len = 0;
        return;
    }
    res->status = 200;
    res->static_body = a->data;
    res->body_len = a->len;
}
