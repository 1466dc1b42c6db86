/* http: the HTTP/1.1 front end on libmicrohttpd (thread-pool mode). It collects one request -
 * method, path, the raw query, headers as received, the de-chunked body - and hands it to a
 * handler that fills a response. It knows nothing of the IMS protocol. */
#ifndef REELCUT_HTTP_H
#define REELCUT_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "util/rc.h"

#define HTTP_MAX_HEADER_BYTES (64 * 1024) /* request line + headers (API.md §1.1) */
#define HTTP_MAX_BODY_BYTES (1024 * 1024)

typedef struct http_header {
    const char *name; /* as received */
    const char *value;
} http_header;

typedef struct http_request {
    const char *method;
    const char *path;      /* without the query */
    const char *raw_query; /* bytes after '?', exactly as received; "" when there is none */
    const http_header *headers;
    size_t n_headers;
    const unsigned char *body; /* de-chunked; NUL-terminated for convenience */
    size_t body_len;
    size_t header_bytes; /* size of request line + headers */
    int body_too_large;  /* the body exceeded HTTP_MAX_BODY_BYTES (the rest was discarded) */
    const char *peer;    /* client address for logs; "-" unless the log level is debug */
} http_request;

/* A request whose response comes later, from any thread (see http_response.defer_start). */
typedef struct http_deferred http_deferred;
typedef struct http_response http_response;
#define HTTP_MORE_HEADERS 8
typedef struct http_more_header {
    char name[48];
    char value[256];
} http_more_header;
/* Starts the work of a deferred request: runs on the pool thread once the connection is held. */
typedef void (*http_start_fn)(void *ctx, http_deferred *d);

struct http_response {
    int status;
    char *body; /* malloc'd; the server frees it */
    size_t body_len;
    const char *content_type; /* default application/json;charset=utf-8 */
    char request_id[40];      /* sent as x-acs-request-id when set */
    char extra_name[64];      /* one more header (e.g. x-acs-retry-after), when set */
    char extra_value[128];
    http_more_header more[HTTP_MORE_HEADERS]; /* further headers: http_response_add_header */
    size_t n_more;
    /* Bodies that are not a malloc'd buffer (body stays NULL): static_body (body_len bytes that
     * outlive the server, never freed: compiled-in assets), or an open file: has_file set, the
     * server sends file_len bytes from file_offset of file_fd (sendfile where it can) and closes
     * file_fd whatever happens. */
    const void *static_body;
    int has_file;
    int file_fd;
    uint64_t file_offset, file_len;
    /* Instead of a response now: the handler sets defer_start (status and body unused), the
     * server holds the connection (suspended: its thread goes on with other connections) and
     * calls defer_start(defer_ctx, d); whoever finishes the work calls http_deferred_done(d) once,
     * from any thread. While the server stops, the pool thread waits for it instead. d is NULL
     * when the request cannot be held (out of memory): the work runs all the same, and
     * http_deferred_done(NULL) only frees the response. */
    http_start_fn defer_start;
    void *defer_ctx;
};

/* Sends res (filled as a handler would; its body is taken over) as the response of d and releases
 * d. Call exactly once per deferred request, from any thread. */
void http_deferred_done(http_deferred *d, http_response *res);

/* Adds one response header (name and value are copied). Returns 0, or RC_ETOOBIG when the value
 * does not fit or HTTP_MORE_HEADERS are set already. */
int http_response_add_header(http_response *res, const char *name, const char *value);

/* Finds a header by name, case-insensitively; NULL if absent. */
const char *http_header_get(const http_request *req, const char *name);

/* Called on a pool thread for each complete request; must fill res->status and res->body. */
typedef void (*http_handler_fn)(void *user, const http_request *req, http_response *res);

typedef struct http_server http_server;

/* Starts listening on listen ("HOST:PORT", "[V6]:PORT"; port 0 picks a free one) with a pool of
 * `threads` threads (0 = CPU count). Returns 0 and the server in *out, or RC_EINVAL (bad address)
 * / RC_EINTERNAL (cannot bind) with err naming the address. */
int http_server_start(const char *listen, int threads, http_handler_fn handler, void *user,
                      http_server **out, rc_error *err);

/* The port actually bound (useful with port 0). */
int http_server_port(const http_server *srv);

/* Stops accepting, waits for requests in flight (deferred ones too) and frees the server.
 * NULL-safe. */
void http_server_stop(http_server *srv);

#endif
