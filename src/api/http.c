#include "api/http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/log.h"

#define HTTP_MAX_HEADERS 256

/* libmicrohttpd's per-connection memory: its read buffer starts at half of it and the header list
 * lives in the rest. Heads up to 4 x HTTP_MAX_HEADER_BYTES reach our handler, which answers 413 in
 * the IMS JSON shape; only a head past what the pool holds is answered by libmicrohttpd itself
 * (431/414 with its own short HTML body: 0.9.75 has no hook to change it). Pages are touched only
 * as bytes arrive, so an idle connection costs little of it. */
#define HTTP_CONNECTION_POOL_BYTES (512 * 1024)

struct http_server {
    struct MHD_Daemon *daemon;
    http_handler_fn handler;
    void *user;
    int port;
    atomic_int deferred; /* deferred requests not done yet */
    atomic_int stopping; /* http_server_stop began: no more suspending */
};

struct http_deferred {
    http_server *srv;
    struct MHD_Connection *con;
    int blocking; /* the pool thread waits on cv instead of suspending the connection */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    atomic_int done; /* http_deferred_done ran: res is the response */
    http_response res;
};

/* Per-request state, created by the URI callback before anything else is known. */
typedef struct request_state {
    char *raw_uri;
    buf body;
    int body_too_large;
    int started; /* the first access call (headers only) has been seen */
    http_deferred *deferred;
} request_state;

typedef struct header_collect {
    http_header items[HTTP_MAX_HEADERS];
    size_t n;
    size_t bytes;
} header_collect;

const char *http_header_get(const http_request *req, const char *name) {
    for (size_t i = 0; i < req->n_headers; i++)
        if (strcasecmp(req->headers[i].name, name) == 0)
            return req->headers[i].value;
    return NULL;
}

/* Called by libmicrohttpd with the raw request target, before it splits off and decodes the query.
 *
 * We keep our own copy of the raw target (signatures are computed over the undecoded query) and
 * never use libmicrohttpd's decoded GET arguments. So the query is cut off in libmicrohttpd's own
 * line buffer (the '?' stays, the first byte after it becomes NUL): libmicrohttpd 0.9.75 then
 * parses no arguments. That is more than a saving: it stores each argument in the connection's
 * memory pool, and when thousands of them (a 31 KB query of short items) exhaust the pool it queues
 * a 431 but then overwrites the connection's state, so the request is never answered, its
 * connection hangs until the idle timeout, and the state allocated here is only freed then. The
 * target is a char array of the connection's read buffer (not a const object), so writing to it is
 * defined; a later libmicrohttpd that passed a copy would only lose the saving. api_params_parse
 * bounds the number of parameters instead (API_PARAMS_MAX). */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *con) {
    (void)cls, (void)con;
    request_state *st = calloc(1, sizeof(*st));
    if (!st)
        return NULL;
    st->raw_uri = strdup(uri ? uri : "/");
    if (!st->raw_uri) {
        free(st);
        return NULL;
    }
    char *query = uri ? strchr(uri, '?') : NULL;
    if (query && query[1])
        query[1] = '\0';
    buf_init(&st->body, HTTP_MAX_BODY_BYTES);
    return st;
}

static void on_completed(void *cls, struct MHD_Connection *con, void **req_cls,
                         enum MHD_RequestTerminationCode toe) {
    (void)cls, (void)con, (void)toe;
    request_state *st = *req_cls;
    if (!st)
        return;
    if (st->deferred) { /* done (a connection is only completed once resumed) */
        free(st->deferred->res.body);
        pthread_mutex_destroy(&st->deferred->mu);
        pthread_cond_destroy(&st->deferred->cv);
        free(st->deferred);
    }
    free(st->raw_uri);
    buf_free(&st->body);
    free(st);
    *req_cls = NULL;
}

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value) {
    (void)kind;
    header_collect *hc = cls;
    hc->bytes += strlen(key) + (value ? strlen(value) : 0) + 4;
    if (hc->n < HTTP_MAX_HEADERS) {
        hc->items[hc->n].name = key;
        hc->items[hc->n].value = value ? value : "";
        hc->n++;
    }
    return MHD_YES;
}

int http_response_add_header(http_response *res, const char *name, const char *value) {
    if (res->n_more >= HTTP_MORE_HEADERS || strlen(name) >= sizeof(res->more[0].name) ||
        strlen(value) >= sizeof(res->more[0].value))
        return RC_ETOOBIG;
    http_more_header *h = &res->more[res->n_more++];
    memcpy(h->name, name, strlen(name) + 1);
    memcpy(h->value, value, strlen(value) + 1);
    return 0;
}

/* The MHD response of res: its file, its static body or its malloc'd body (taken over). */
static struct MHD_Response *make_response(http_response *res) {
    if (res->has_file) {
        struct MHD_Response *r =
            MHD_create_response_from_fd_at_offset64(res->file_len, res->file_fd, res->file_offset);
        if (!r)
            close(res->file_fd);
        res->has_file = 0;
        return r;
    }
    if (res->static_body)
        return MHD_create_response_from_buffer(res->body_len, (void *)res->static_body,
                                               MHD_RESPMEM_PERSISTENT);
    if (!res->body) {
        res->body = strdup("{}");
        res->body_len = 2;
    }
    struct MHD_Response *r =
        MHD_create_response_from_buffer(res->body_len, res->body, MHD_RESPMEM_MUST_FREE);
    if (!r)
        free(res->body);
    res->body = NULL;
    return r;
}

static enum MHD_Result send_response(struct MHD_Connection *con, http_response *res) {
    struct MHD_Response *r = make_response(res);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                            res->content_type ? res->content_type
                                              : "application/json;charset=utf-8");
    if (res->request_id[0])
        MHD_add_response_header(r, "x-acs-request-id", res->request_id);
    if (res->extra_name[0])
        MHD_add_response_header(r, res->extra_name, res->extra_value);
    for (size_t i = 0; i < res->n_more; i++)
        MHD_add_response_header(r, res->more[i].name, res->more[i].value);
    enum MHD_Result ret = MHD_queue_response(con, (unsigned)res->status, r);
    MHD_destroy_response(r);
    return ret;
}

void http_deferred_done(http_deferred *d, http_response *res) {
    if (!d) { /* the request could not be held (out of memory): its connection is gone */
        free(res->body);
        res->body = NULL;
        return;
    }
    http_server *srv = d->srv;
    d->res = *res;
    res->body = NULL;
    if (d->blocking) {
        pthread_mutex_lock(&d->mu);
        atomic_store(&d->done, 1);
        pthread_cond_signal(&d->cv);
        pthread_mutex_unlock(&d->mu);
        return;
    }
    atomic_store(&d->done, 1);
    MHD_resume_connection(d->con); /* from here on d may be freed by the pool thread */
    atomic_fetch_sub(&srv->deferred, 1);
}

/* Holds the connection and starts the handler's deferred work. */
static enum MHD_Result defer(http_server *srv, struct MHD_Connection *con, request_state *st,
                             http_response *res) {
    http_deferred *d = calloc(1, sizeof(*d));
    if (!d) { /* the work still runs (and frees what it owns); its answer has nowhere to go */
        free(res->body);
        res->defer_start(res->defer_ctx, NULL);
        return MHD_NO;
    }
    d->srv = srv;
    d->con = con;
    pthread_mutex_init(&d->mu, NULL);
    pthread_cond_init(&d->cv, NULL);
    atomic_init(&d->done, 0);
    st->deferred = d;
    /* (seq_cst: either http_server_stop sees this count, or we see its flag and wait here) */
    atomic_fetch_add(&srv->deferred, 1);
    if (atomic_load(&srv->stopping)) {
        atomic_fetch_sub(&srv->deferred, 1);
        d->blocking = 1;
        res->defer_start(res->defer_ctx, d);
        pthread_mutex_lock(&d->mu);
        while (!atomic_load(&d->done))
            pthread_cond_wait(&d->cv, &d->mu);
        pthread_mutex_unlock(&d->mu);
        return MHD_YES; /* (on_access sends it now) */
    }
    MHD_suspend_connection(con);
    res->defer_start(res->defer_ctx, d);
    return MHD_YES;
}

/* Sends d's response once http_deferred_done has run (until then there is nothing to do). */
static enum MHD_Result send_deferred(struct MHD_Connection *con, http_deferred *d) {
    if (!atomic_load(&d->done))
        return MHD_YES;
    http_response res = d->res;
    d->res.body = NULL; /* (sent and freed by send_response) */
    return send_response(con, &res);
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *con, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **req_cls) {
    (void)url, (void)version;
    http_server *srv = cls;
    request_state *st = *req_cls;
    if (!st)
        return MHD_NO;
    if (st->deferred) /* resumed: the deferred response is ready */
        return send_deferred(con, st->deferred);
    if (!st->started) {
        /* The first call carries headers only; the body (if any) follows in later calls. */
        st->started = 1;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!st->body_too_large && buf_append(&st->body, upload_data, *upload_data_size))
            st->body_too_large = 1;
        *upload_data_size = 0;
        return MHD_YES;
    }

    header_collect hc;
    hc.n = 0;
    hc.bytes = 0;
    MHD_get_connection_values(con, MHD_HEADER_KIND, collect_header, &hc);

    char *query = strchr(st->raw_uri, '?');
    if (query)
        *query++ = '\0';
    char peer[INET6_ADDRSTRLEN] = "-";
    const union MHD_ConnectionInfo *ci = NULL;
    if (log_get_level() <= LOG_DEBUG) /* (only the debug log line shows it) */
        ci = MHD_get_connection_info(con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, peer, sizeof(peer));
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, peer, sizeof(peer));
    }
    http_request req = {
        .method = method,
        .path = st->raw_uri,
        .raw_query = query ? query : "",
        .headers = hc.items,
        .n_headers = hc.n,
        .body = (const unsigned char *)(st->body.data ? st->body.data : ""),
        .body_len = st->body.len,
        .header_bytes =
            strlen(method) + strlen(st->raw_uri) + (query ? strlen(query) + 1 : 0) + 12 + hc.bytes,
        .body_too_large = st->body_too_large || hc.n >= HTTP_MAX_HEADERS,
        .peer = peer,
    };
    http_response res;
    memset(&res, 0, sizeof(res));
    res.status = 500;
    srv->handler(srv->user, &req, &res);
    if (res.defer_start) {
        enum MHD_Result r = defer(srv, con, st, &res);
        /* (suspended, the connection is answered when resumed; waited for, it is answered now) */
        return r == MHD_YES && st->deferred->blocking ? send_deferred(con, st->deferred) : r;
    }
    return send_response(con, &res);
}

static int parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *len) {
    char host[128];
    const char *colon = strrchr(listen, ':');
    if (!colon || colon == listen)
        return RC_EINVAL;
    size_t hl = (size_t)(colon - listen);
    if (hl >= sizeof(host))
        return RC_EINVAL;
    memcpy(host, listen, hl);
    host[hl] = '\0';
    char *end = NULL;
    long port = strtol(colon + 1, &end, 10);
    if (!*(colon + 1) || *end || port < 0 || port > 65535)
        return RC_EINVAL;
    memset(ss, 0, sizeof(*ss));
    if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
        host[hl - 1] = '\0';
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) != 1)
            return RC_EINVAL;
        *len = sizeof(*a6);
        return 0;
    }
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t)port);
    if (strcmp(host, "localhost") == 0)
        snprintf(host, sizeof(host), "127.0.0.1");
    if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
        return RC_EINVAL;
    *len = sizeof(*a4);
    return 0;
}

int http_server_start(const char *listen, int threads, http_handler_fn handler, void *user,
                      http_server **out, rc_error *err) {
    struct sockaddr_storage ss;
    socklen_t sslen = 0;
    if (parse_listen(listen, &ss, &sslen))
        return rc_fail(err, RC_EINVAL, "InvalidParameter", "--listen value \"%s\" is not HOST:PORT",
                       listen);
    if (threads <= 0)
        threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (threads <= 0)
        threads = 2;
    http_server *srv = calloc(1, sizeof(*srv));
    if (!srv)
        return RC_ENOMEM;
    srv->handler = handler;
    srv->user = user;
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO | MHD_ALLOW_SUSPEND_RESUME;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    srv->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_access, srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads, MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)HTTP_CONNECTION_POOL_BYTES, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024, MHD_OPTION_END);
    if (!srv->daemon) {
        free(srv);
        return rc_fail(err, RC_EINTERNAL, "InternalError", "cannot listen on %s", listen);
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info ? info->port : 0;
    *out = srv;
    return 0;
}

int http_server_port(const http_server *srv) {
    return srv->port;
}

void http_server_stop(http_server *srv) {
    if (!srv)
        return;
    /* MHD must not stop with a connection suspended: let the deferred requests finish (their work
     * is a store commit, milliseconds), and make requests from now on wait in their thread. */
    atomic_store(&srv->stopping, 1);
    for (int i = 0; atomic_load(&srv->deferred) > 0; i++) {
        if (i == 30000)
            log_warn("http: still waiting for %d deferred requests", atomic_load(&srv->deferred));
        struct timespec ts = {0, 1000000L};
        nanosleep(&ts, NULL);
    }
    MHD_stop_daemon(srv->daemon);
    free(srv);
}
