/* http_wire: a small test-only parser of raw HTTP/1.1 request bytes into an api_request_view. */
#ifndef REELCUT_TEST_API_HTTP_WIRE_H
#define REELCUT_TEST_API_HTTP_WIRE_H

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/sign.h"

#define WIRE_MAX_HEADERS 64

/* Owns copies of every piece of one request; view points into them. */
typedef struct wire_request {
    char *method;
    char *path;
    char *query;
    char *names[WIRE_MAX_HEADERS];
    char *values[WIRE_MAX_HEADERS];
    api_header headers[WIRE_MAX_HEADERS];
    char *body;
    api_request_view view;
} wire_request;

static char *wire_dup(const char *s, size_t n) {
    char *d = malloc(n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static void wire_free(wire_request *w) {
    free(w->method);
    free(w->path);
    free(w->query);
    for (size_t i = 0; i < w->view.header_count; i++) {
        free(w->names[i]);
        free(w->values[i]);
    }
    free(w->body);
    memset(w, 0, sizeof(*w));
}

/* Parses request line, headers (value = bytes after ": ", kept as sent) and a Content-Length or
 * chunked body (de-chunked). Returns 0, or -1 when the bytes are not a complete request. */
static int wire_parse(const char *raw, size_t len, wire_request *w) {
    memset(w, 0, sizeof(*w));
    const char *end = raw + len;
    const char *eol = strstr(raw, "\r\n");
    const char *sp1 = memchr(raw, ' ', (size_t)(end - raw));
    if (!eol || !sp1 || sp1 > eol)
        return -1;
    const char *sp2 = memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1));
    if (!sp2)
        return -1;
    w->method = wire_dup(raw, (size_t)(sp1 - raw));
    const char *target = sp1 + 1;
    const char *q = memchr(target, '?', (size_t)(sp2 - target));
    w->path = wire_dup(target, (size_t)((q ? q : sp2) - target));
    w->query = q ? wire_dup(q + 1, (size_t)(sp2 - q - 1)) : wire_dup("", 0);
    const char *p = eol + 2;
    size_t n = 0, content_length = 0;
    int chunked = 0;
    while (p < end && strncmp(p, "\r\n", 2) != 0) {
        const char *le = strstr(p, "\r\n");
        const char *colon = memchr(p, ':', (size_t)(le - p));
        if (!le || !colon || n == WIRE_MAX_HEADERS)
            return -1;
        const char *v = colon + 1;
        while (*v == ' ')
            v++;
        w->names[n] = wire_dup(p, (size_t)(colon - p));
        w->values[n] = wire_dup(v, (size_t)(le - v));
        w->headers[n] = (api_header){w->names[n], w->values[n]};
        if (strcasecmp(w->names[n], "content-length") == 0)
            content_length = strtoul(w->values[n], NULL, 10);
        if (strcasecmp(w->names[n], "transfer-encoding") == 0 &&
            strcasecmp(w->values[n], "chunked") == 0)
            chunked = 1;
        n++;
        w->view.header_count = n;
        p = le + 2;
    }
    if (p >= end)
        return -1;
    p += 2;
    size_t body_len = 0;
    w->body = malloc((size_t)(end - p) + 1);
    if (chunked) {
        for (;;) {
            char *after;
            size_t size = strtoul(p, &after, 16);
            if (after == p || strncmp(after, "\r\n", 2) != 0)
                return -1;
            p = after + 2;
            if (size == 0)
                break;
            if ((size_t)(end - p) < size + 2)
                return -1;
            memcpy(w->body + body_len, p, size);
            body_len += size;
            p += size + 2;
        }
    } else {
        if ((size_t)(end - p) < content_length)
            return -1;
        memcpy(w->body, p, content_length);
        body_len = content_length;
    }
    w->body[body_len] = '\0';
    w->view.method = w->method;
    w->view.path = w->path;
    w->view.query = w->query;
    w->view.query_len = strlen(w->query);
    w->view.headers = w->headers;
    w->view.body = w->body;
    w->view.body_len = body_len;
    return 0;
}

#endif
