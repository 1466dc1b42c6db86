/* loadgen: closed-loop HTTP/1.1 load generator for the IMS API. Every request is freshly signed with the
 * project's own client signing code (api_sign_acs3 / api_sign_rpc) and a unique nonce; N keep-alive
 * connections on epoll, one event loop per thread; prints requests/s and p50/p99 latency.
 *
 *   loadgen --port P --key-id ID --secret S --action submit|get [--style acs3|rpc]
 *           [--connections 64] [--threads 1] [--duration 5] [--warmup 1]
 *           [--jobids-out FILE] [--jobids-in FILE] [--check-jobid 1] [--latencies-out FILE]
 *   loadgen --merge FILE...     (percentiles over several --latencies-out files)
 *
 * Output (stdout, one line): action=... requests=N errors=E seconds=T rps=R p50_ms=.. p99_ms=.. max_ms=..
 * Exit status 0 when every response was 200, 1 when any failed, 2 on usage or setup errors. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "api/params.h"
#include "api/sign.h"
#include "util/buf.h"
#include "util/ids.h"
#include "util/timeutil.h"

#define LG_IN_MAX (256 * 1024)
#define LG_MAX_CONNS 4096
#define LG_MAX_THREADS 64
#define LG_ERR_SAMPLE 400

enum lg_action { LG_SUBMIT, LG_GET };

typedef struct lg_options {
    int port;
    const char *key_id;
    const char *secret;
    enum lg_action action;
    enum api_sign_style style;
    int connections;
    int threads;
    double duration_s;
    double warmup_s;
    const char *jobids_out;
    const char *jobids_in;
    int check_jobid; /* a Get answer must contain its JobId (off for the bare server) */
    const char *latencies_out;
} lg_options;

/* The JobIds a Get run cycles through (read-only once loaded). */
typedef struct lg_jobids {
    char (*ids)[IDS_HEX_LEN + 1];
    size_t count;
} lg_jobids;

typedef struct lg_conn {
    int fd;
    buf out;
    size_t out_off;
    char *in;
    size_t in_len;
    int64_t started_us;
    int want_out;
    const char *job_id; /* of the Get in flight: its response must name it */
} lg_conn;

typedef struct lg_thread {
    const lg_options *opt;
    const lg_jobids *jobids;
    int index;
    int nconns;
    int64_t measure_from_us, end_us;
    char nonce_prefix[17];
    uint64_t nonce_counter;
    size_t next_jobid;
    /* results */
    uint32_t *lat_us;
    size_t nlat, caplat;
    uint64_t ok, errors, warm_done;
    char err_sample[LG_ERR_SAMPLE];
    buf jobids_found; /* "id\n" lines, submit runs only */
    int setup_failed;
} lg_thread;

static int64_t now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Submit payload, in the SDK's split: JobParams in the query, InputConfig in the form body. */
static const char SUBMIT_INPUT[] = "{\"Type\":\"OSS\",\"Media\":\"oss://media-in/a.mp4\"}";
static const char SUBMIT_PARAMS[] =
    "{\"Mode\":\"UserDefined\",\"Ranges\":[{\"In\":0,\"Out\":10},{\"In\":20,\"Out\":30.5}]}";

static int add_str(api_params *p, const char *name, const char *value) {
    return api_params_add(p, name, strlen(name), value, strlen(value));
}

/* Appends ENC'd "name=value" to out, with '&' first when out is not empty. */
static int append_pair(buf *out, const char *name, const char *value) {
    int rc = out->len ? buf_append(out, "&", 1) : 0;
    if (!rc)
        rc = api_enc(name, strlen(name), out);
    if (!rc)
        rc = buf_append(out, "=", 1);
    if (!rc)
        rc = api_enc(value, strlen(value), out);
    return rc;
}

static const char *action_name(enum lg_action a) {
    return a == LG_SUBMIT ? "SubmitSegmentationJob" : "GetSmartHandleJob";
}

static int build_acs3(lg_thread *t, const char *host, const char *date, const char *nonce,
                      const char *job_id, buf *out) {
    buf query, body;
    buf_init(&query, 0);
    buf_init(&body, 0);
    api_acs3_signature sig;
    memset(&sig, 0, sizeof(sig));
    rc_error err = {0};
    int rc;
    if (job_id) {
        rc = append_pair(&query, "JobId", job_id);
    } else {
        rc = append_pair(&query, "JobParams", SUBMIT_PARAMS);
        if (!rc)
            rc = append_pair(&body, "InputConfig", SUBMIT_INPUT);
    }
    char body_hash[API_SHA256_HEX_LEN + 1];
    if (!rc)
        rc = api_sha256_hex(body.data ? body.data : "", body.len, body_hash);
    if (rc)
        goto out;
    api_header headers[] = {
        {"host", host},
        {"x-acs-action", action_name(t->opt->action)},
        {"x-acs-version", API_VERSION},
        {"x-acs-date", date},
        {"x-acs-signature-nonce", nonce},
        {"x-acs-content-sha256", body_hash},
        {"content-type", "application/x-www-form-urlencoded"},
    };
    api_request_view view = {
        .method = "POST",
        .path = "/",
        .query = query.data,
        .query_len = query.len,
        .headers = headers,
        .header_count = body.len ? 7 : 6,
        .body = body.len ? body.data : NULL,
        .body_len = body.len,
    };
    rc = api_sign_acs3(&view, t->opt->key_id, t->opt->secret, &sig, &err);
    if (rc) {
        fprintf(stderr, "loadgen: api_sign_acs3: %s %s\n", err.code, err.message);
        goto out;
    }
    rc = buf_printf(out, "POST /?%s HTTP/1.1\r\n", query.data);
    for (size_t i = 0; !rc && i < view.header_count; i++)
        rc = buf_printf(out, "%s: %s\r\n", headers[i].name, headers[i].value);
    if (!rc)
        rc = buf_printf(out, "Authorization: %s\r\nContent-Length: %zu\r\n\r\n", sig.authorization,
                        body.len);
    if (!rc && body.len)
        rc = buf_append(out, body.data, body.len);
out:
    api_acs3_signature_free(&sig);
    buf_free(&query);
    buf_free(&body);
    return rc;
}

static int build_rpc(lg_thread *t, const char *host, const char *date, const char *nonce,
                     const char *job_id, buf *out) {
    api_params all;
    api_params_init(&all);
    buf query, body;
    buf_init(&query, 0);
    buf_init(&body, 0);
    const char *action = action_name(t->opt->action);
    int rc = add_str(&all, "Action", action);
    rc = rc ? rc : add_str(&all, "Format", "json");
    rc = rc ? rc : add_str(&all, "Version", API_VERSION);
    rc = rc ? rc : add_str(&all, "Timestamp", date);
    rc = rc ? rc : add_str(&all, "SignatureNonce", nonce);
    rc = rc ? rc : add_str(&all, "SignatureMethod", "HMAC-SHA1");
    rc = rc ? rc : add_str(&all, "SignatureVersion", "1.0");
    rc = rc ? rc : add_str(&all, "AccessKeyId", t->opt->key_id);
    if (job_id)
        rc = rc ? rc : add_str(&all, "JobId", job_id);
    else
        rc = rc ? rc : add_str(&all, "JobParams", SUBMIT_PARAMS);
    /* InputConfig travels in the body but is signed like every other parameter. */
    if (!job_id)
        rc = rc ? rc : add_str(&all, "InputConfig", SUBMIT_INPUT);
    char sig[API_RPC_SIGNATURE_LEN + 1];
    if (!rc)
        rc = api_sign_rpc("POST", &all, t->opt->secret, sig);
    for (size_t i = 0; !rc && i < all.count; i++)
        rc = append_pair(strcmp(all.items[i].name, "InputConfig") ? &query : &body,
                         all.items[i].name, all.items[i].value);
    if (!rc)
        rc = append_pair(&query, "Signature", sig);
    if (!rc)
        rc = buf_printf(out,
                        "POST /?%s HTTP/1.1\r\nhost: %s\r\nx-acs-action: %s\r\n"
                        "x-acs-version: %s\r\n",
                        query.data, host, action, API_VERSION);
    if (!rc && body.len)
        rc = buf_puts(out, "content-type: application/x-www-form-urlencoded\r\n");
    if (!rc)
        rc = buf_printf(out, "Content-Length: %zu\r\n\r\n", body.len);
    if (!rc && body.len)
        rc = buf_append(out, body.data, body.len);
    api_params_free(&all);
    buf_free(&query);
    buf_free(&body);
    return rc;
}

/* Builds the next freshly signed request of connection c into c->out. Returns 0 or a negative rc. */
static int build_request(lg_thread *t, lg_conn *c) {
    char host[32], date[TIME_ISO_LEN + 1], nonce[40];
    snprintf(host, sizeof(host), "127.0.0.1:%d", t->opt->port);
    time_format_iso(time(NULL), date);
    snprintf(nonce, sizeof(nonce), "%s%016llx", t->nonce_prefix,
             (unsigned long long)t->nonce_counter++);
    const char *job_id = NULL;
    if (t->opt->action == LG_GET)
        job_id = t->jobids->ids[t->next_jobid++ % t->jobids->count];
    c->job_id = job_id;
    buf_reset(&c->out);
    c->out_off = 0;
    c->in_len = 0;
    if (t->opt->style == API_STYLE_RPC)
        return build_rpc(t, host, date, nonce, job_id, &c->out);
    return build_acs3(t, host, date, nonce, job_id, &c->out);
}

static int conn_arm(int ep, lg_conn *c, int want_out) {
    if (c->want_out == want_out)
        return 0;
    struct epoll_event ev = {.events = EPOLLIN | (want_out ? EPOLLOUT : 0), .data.ptr = c};
    c->want_out = want_out;
    return epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Writes what it can of c->out; arms EPOLLOUT while something is left. Returns 0 or -1 (closed). */
static int conn_flush(int ep, lg_conn *c) {
    while (c->out_off < c->out.len) {
        ssize_t n = send(c->fd, c->out.data + c->out_off, c->out.len - c->out_off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return conn_arm(ep, c, 1);
        if (n <= 0)
            return -1;
        c->out_off += (size_t)n;
    }
    return conn_arm(ep, c, 0);
}

static int conn_start(lg_thread *t, int ep, lg_conn *c) {
    if (build_request(t, c))
        return -1;
    c->started_us = now_us();
    return conn_flush(ep, c);
}

/* Looks for a complete response in c->in. Returns 1 (complete: status and total length set), 0 (need
 * more bytes), -1 (unparsable or not Content-Length framed). */
static int parse_response(const lg_conn *c, int *status, size_t *total, size_t *body_off) {
    const char *in = c->in;
    const char *end = memmem(in, c->in_len, "\r\n\r\n", 4);
    if (!end)
        return c->in_len >= LG_IN_MAX ? -1 : 0;
    if (c->in_len < 12 || strncmp(in, "HTTP/1.1 ", 9) != 0)
        return -1;
    *status = atoi(in + 9);
    size_t hdr_len = (size_t)(end - in) + 4;
    long long cl = -1;
    for (const char *p = in; p < end;) {
        const char *eol = memmem(p, (size_t)(end - p) + 2, "\r\n", 2);
        if (!eol)
            break;
        if ((size_t)(eol - p) > 15 && strncasecmp(p, "Content-Length:", 15) == 0)
            cl = atoll(p + 15);
        p = eol + 2;
    }
    if (cl < 0 || hdr_len + (size_t)cl > LG_IN_MAX)
        return -1;
    if (c->in_len < hdr_len + (size_t)cl)
        return 0;
    *total = hdr_len + (size_t)cl;
    *body_off = hdr_len;
    return 1;
}

/* Counts one failed request; the first one is kept (label + up to 300 bytes of detail) for the report. */
static void record_error(lg_thread *t, const char *label, const char *detail, size_t len) {
    t->errors++;
    if (t->err_sample[0])
        return;
    buf b;
    buf_init(&b, 0);
    if (buf_printf(&b, "%s%.*s", label, (int)(len < 300 ? len : 300), detail ? detail : "") == 0)
        memcpy(t->err_sample, b.data, b.len < LG_ERR_SAMPLE ? b.len + 1 : LG_ERR_SAMPLE);
    t->err_sample[LG_ERR_SAMPLE - 1] = '\0';
    buf_free(&b);
}

static void record_latency(lg_thread *t, int64_t us) {
    if (t->nlat == t->caplat) {
        size_t cap = t->caplat ? t->caplat * 2 : 65536;
        uint32_t *p = realloc(t->lat_us, cap * sizeof(*p));
        if (!p)
            return;
        t->lat_us = p;
        t->caplat = cap;
    }
    t->lat_us[t->nlat++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

/* A complete response arrived on c: record it and start the next request. Returns -1 to close c. */
static int conn_done(lg_thread *t, int ep, lg_conn *c, int status, size_t total, size_t body_off) {
    int64_t now = now_us();
    const char *body = c->in + body_off;
    size_t body_len = total - body_off;
    int counted = now >= t->measure_from_us && now <= t->end_us;
    if (now < t->measure_from_us)
        t->warm_done++;
    if (status != 200) {
        char label[32];
        snprintf(label, sizeof(label), "HTTP %d: ", status);
        record_error(t, label, body, body_len);
    } else if (c->job_id && t->opt->check_jobid &&
               !memmem(body, body_len, c->job_id, IDS_HEX_LEN)) {
        record_error(t, "a Get answer without its JobId: ", body, body_len);
    } else if (counted) {
        t->ok++;
        record_latency(t, now - c->started_us);
    }
    if (status == 200 && t->opt->jobids_out) {
        const char *k = memmem(body, body_len, "\"JobId\":\"", 9);
        if (k && (size_t)(body + body_len - k) >= 9 + IDS_HEX_LEN + 1)
            buf_printf(&t->jobids_found, "%.*s\n", IDS_HEX_LEN, k + 9);
    }
    if (total != c->in_len) {
        record_error(t, "bytes after a complete response: ", c->in + total, c->in_len - total);
        return -1;
    }
    if (now >= t->end_us)
        return 1;
    return conn_start(t, ep, c);
}

static int conn_read(lg_thread *t, int ep, lg_conn *c) {
    for (;;) {
        ssize_t n = recv(c->fd, c->in + c->in_len, LG_IN_MAX - c->in_len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        if (n <= 0) {
            record_error(t, "connection closed by the server", NULL, 0);
            return -1;
        }
        c->in_len += (size_t)n;
        int status = 0;
        size_t total = 0, body_off = 0;
        int p = parse_response(c, &status, &total, &body_off);
        if (p < 0) {
            record_error(t, "unparsable response: ", c->in, c->in_len);
            return -1;
        }
        if (p == 1)
            return conn_done(t, ep, c, status, total, body_off);
    }
}

static int connect_loopback(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void *thread_main(void *arg) {
    lg_thread *t = arg;
    int ep = epoll_create1(0);
    lg_conn *conns = calloc((size_t)t->nconns, sizeof(*conns));
    int live = 0;
    if (ep < 0 || !conns)
        goto fail;
    for (int i = 0; i < t->nconns; i++) {
        lg_conn *c = &conns[i];
        buf_init(&c->out, 0);
        c->in = malloc(LG_IN_MAX);
        c->fd = connect_loopback(t->opt->port);
        if (!c->in || c->fd < 0)
            goto fail;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) != 0)
            goto fail;
        live++;
    }
    for (int i = 0; i < t->nconns; i++)
        if (conn_start(t, ep, &conns[i]))
            goto fail;
    struct epoll_event evs[256];
    while (live > 0 && now_us() < t->end_us + 2000000) {
        int n = epoll_wait(ep, evs, 256, 100);
        for (int i = 0; i < n; i++) {
            lg_conn *c = evs[i].data.ptr;
            int r = 0;
            if (c->fd < 0)
                continue;
            if (evs[i].events & EPOLLOUT)
                r = conn_flush(ep, c);
            if (r == 0 && (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
                r = conn_read(t, ep, c);
            if (r != 0) { /* -1: broken, 1: finished after the end of the run */
                epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                close(c->fd);
                c->fd = -1;
                live--;
            }
        }
    }
    if (live > 0 && now_us() >= t->end_us + 2000000)
        record_error(t, "responses still pending 2 s after the end of the run", NULL, 0);
    goto out;
fail:
    t->setup_failed = 1;
out:
    for (int i = 0; conns && i < t->nconns; i++) {
        if (conns[i].fd > 0)
            close(conns[i].fd);
        buf_free(&conns[i].out);
        free(conns[i].in);
    }
    free(conns);
    if (ep >= 0)
        close(ep);
    return NULL;
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static int load_jobids(const char *path, lg_jobids *out) {
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[128];
    size_t cap = 0;
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strlen(line) != IDS_HEX_LEN)
            continue;
        if (out->count == cap) {
            cap = cap ? cap * 2 : 1024;
            void *p = realloc(out->ids, cap * sizeof(*out->ids));
            if (!p)
                break;
            out->ids = p;
        }
        memcpy(out->ids[out->count++], line, IDS_HEX_LEN + 1);
    }
    fclose(f);
    return out->count ? 0 : -1;
}

static int parse_options(int argc, char **argv, lg_options *o) {
    *o = (lg_options){.connections = 64, .threads = 1, .duration_s = 5, .warmup_s = 1,
                      .action = LG_GET, .style = API_STYLE_ACS3, .check_jobid = 1};
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--port"))
            o->port = atoi(v);
        else if (!strcmp(k, "--key-id"))
            o->key_id = v;
        else if (!strcmp(k, "--secret"))
            o->secret = v;
        else if (!strcmp(k, "--action") && (!strcmp(v, "submit") || !strcmp(v, "get")))
            o->action = !strcmp(v, "submit") ? LG_SUBMIT : LG_GET;
        else if (!strcmp(k, "--style") && (!strcmp(v, "acs3") || !strcmp(v, "rpc")))
            o->style = !strcmp(v, "rpc") ? API_STYLE_RPC : API_STYLE_ACS3;
        else if (!strcmp(k, "--connections"))
            o->connections = atoi(v);
        else if (!strcmp(k, "--threads"))
            o->threads = atoi(v);
        else if (!strcmp(k, "--check-jobid"))
            o->check_jobid = atoi(v);
        else if (!strcmp(k, "--duration"))
            o->duration_s = atof(v);
        else if (!strcmp(k, "--warmup"))
            o->warmup_s = atof(v);
        else if (!strcmp(k, "--jobids-out"))
            o->jobids_out = v;
        else if (!strcmp(k, "--jobids-in"))
            o->jobids_in = v;
        else if (!strcmp(k, "--latencies-out"))
            o->latencies_out = v;
        else
            return -1;
    }
    if ((argc - 1) % 2 || o->port <= 0 || !o->key_id || !o->secret || o->connections < 1 ||
        o->connections > LG_MAX_CONNS || o->threads < 1 || o->threads > LG_MAX_THREADS ||
        o->threads > o->connections || o->duration_s <= 0 || o->warmup_s < 0 ||
        (o->action == LG_GET && !o->jobids_in))
        return -1;
    return 0;
}

/* `loadgen --merge FILE...`: percentiles over the raw latencies several runs wrote with
 * --latencies-out (uint32 microseconds, native order). Returns the exit status. */
static int merge_latencies(int nfiles, char **files) {
    uint32_t *all = NULL;
    size_t n = 0, cap = 0;
    for (int i = 0; i < nfiles; i++) {
        FILE *f = fopen(files[i], "rb");
        uint32_t chunk[4096];
        size_t got;
        while (f && (got = fread(chunk, sizeof(*chunk), 4096, f)) > 0) {
            if (n + got > cap) {
                cap = (n + got) * 2;
                uint32_t *p = realloc(all, cap * sizeof(*all));
                if (!p)
                    break;
                all = p;
            }
            memcpy(all + n, chunk, got * sizeof(*chunk));
            n += got;
        }
        if (!f) {
            fprintf(stderr, "loadgen: cannot read %s\n", files[i]);
            free(all);
            return 2;
        }
        fclose(f);
    }
    if (n)
        qsort(all, n, sizeof(*all), cmp_u32);
    printf("samples=%zu p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n", n, n ? all[n / 2] / 1000.0 : 0,
           n ? all[(size_t)((double)n * 0.99)] / 1000.0 : 0, n ? all[n - 1] / 1000.0 : 0);
    free(all);
    return n ? 0 : 2;
}

int main(int argc, char **argv) {
    lg_options opt;
    if (argc > 2 && strcmp(argv[1], "--merge") == 0)
        return merge_latencies(argc - 2, argv + 2);
    if (parse_options(argc, argv, &opt)) {
        fprintf(stderr, "usage: loadgen --port P --key-id ID --secret S --action submit|get "
                        "[--style acs3|rpc] [--connections 64] [--threads 1] [--duration 5] "
                        "[--warmup 1] [--jobids-out FILE] [--jobids-in FILE (get)] "
                        "[--check-jobid 1] [--latencies-out FILE]\n       loadgen --merge FILE...\n");
        return 2;
    }
    lg_jobids jobids = {0};
    if (opt.jobids_in && load_jobids(opt.jobids_in, &jobids)) {
        fprintf(stderr, "loadgen: no JobIds in %s\n", opt.jobids_in);
        return 2;
    }
    lg_thread th[LG_MAX_THREADS];
    pthread_t tids[LG_MAX_THREADS];
    memset(th, 0, sizeof(th));
    int64_t start = now_us();
    int64_t from = start + (int64_t)(opt.warmup_s * 1e6);
    int64_t end = from + (int64_t)(opt.duration_s * 1e6);
    int status = 0;
    for (int i = 0; i < opt.threads; i++) {
        lg_thread *t = &th[i];
        t->opt = &opt;
        t->jobids = &jobids;
        t->index = i;
        t->nconns = opt.connections / opt.threads + (i < opt.connections % opt.threads);
        t->measure_from_us = from;
        t->end_us = end;
        t->next_jobid = jobids.count ? (jobids.count / (size_t)opt.threads) * (size_t)i : 0;
        buf_init(&t->jobids_found, 0);
        unsigned char rnd[8];
        ids_random_bytes(rnd, sizeof(rnd));
        ids_to_hex(rnd, sizeof(rnd), t->nonce_prefix);
        pthread_create(&tids[i], NULL, thread_main, t);
    }
    uint64_t ok = 0, errors = 0, warm = 0;
    size_t nlat = 0;
    const char *sample = NULL;
    for (int i = 0; i < opt.threads; i++) {
        pthread_join(tids[i], NULL);
        ok += th[i].ok;
        errors += th[i].errors;
        warm += th[i].warm_done;
        nlat += th[i].nlat;
        if (th[i].setup_failed)
            status = 2;
        if (!sample && th[i].err_sample[0])
            sample = th[i].err_sample;
    }
    uint32_t *all = malloc((nlat ? nlat : 1) * sizeof(*all));
    size_t k = 0;
    for (int i = 0; all && i < opt.threads; i++) {
        memcpy(all + k, th[i].lat_us, th[i].nlat * sizeof(*all));
        k += th[i].nlat;
    }
    if (all && nlat)
        qsort(all, nlat, sizeof(*all), cmp_u32);
    double secs = (double)(end - from) / 1e6;
    double p50 = nlat && all ? all[nlat / 2] / 1000.0 : 0;
    double p99 = nlat && all ? all[(size_t)((double)nlat * 0.99)] / 1000.0 : 0;
    double mx = nlat && all ? all[nlat - 1] / 1000.0 : 0;
    printf("action=%s style=%s connections=%d threads=%d requests=%llu errors=%llu warmup_requests=%llu "
           "seconds=%.2f rps=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
           action_name(opt.action), opt.style == API_STYLE_RPC ? "rpc" : "acs3", opt.connections,
           opt.threads, (unsigned long long)ok, (unsigned long long)errors,
           (unsigned long long)warm, secs, (double)ok / secs, p50, p99, mx);
    if (sample)
        fprintf(stderr, "loadgen: first error: %s\n", sample);
    if (opt.latencies_out) {
        FILE *f = fopen(opt.latencies_out, "wb");
        if (!f || (all && fwrite(all, sizeof(*all), nlat, f) != nlat))
            status = 2;
        if (f && fclose(f) != 0)
            status = 2;
    }
    if (opt.jobids_out) {
        FILE *f = fopen(opt.jobids_out, "w");
        for (int i = 0; f && i < opt.threads; i++)
            if (th[i].jobids_found.len)
                fwrite(th[i].jobids_found.data, 1, th[i].jobids_found.len, f);
        if (!f || fclose(f) != 0)
            status = 2;
    }
    for (int i = 0; i < opt.threads; i++) {
        free(th[i].lat_us);
        buf_free(&th[i].jobids_found);
    }
    free(all);
    free(jobids.ids);
    if (status)
        return status;
    return errors ? 1 : 0;
}
