/* fuzz_request: the request path from raw HTTP request bytes to the answer - api_service_handle
 * (src/api/service.c, the handler http.c calls) with query and form decoding, both signature
 * verifiers (ACS3-HMAC-SHA256 and RPC HMAC-SHA1) and their header parsing, action dispatch and
 * every action with its parameter parsers, over a real SQLite job store in a temporary directory
 * and a local bucket folder.
 *
 * Input: byte 0 picks how the request is signed, the rest is the request as it would arrive:
 * "METHOD TARGET HTTP/1.1", header lines "Name: value", an empty line, the body (line ends "\n" or
 * "\r\n"; the body is everything after the empty line, as http.c hands it over de-chunked).
 *   byte 0 % 3 == 0  sent as is: the verifiers' parsing and every rejection path;
 *                 1  signed ACS3 by the harness with the project's own client signer
 *                    (api_sign_acs3): x-acs-date (now), x-acs-signature-nonce (fresh) and
 *                    x-acs-content-sha256 are set, Authorization added;
 *                 2  signed RPC (api_sign_rpc): AccessKeyId, SignatureMethod, SignatureVersion,
 *                    SignatureNonce, Timestamp and Signature appended to the query.
 *   byte 0 >= 0xf0 signs with a disabled key instead.
 * Signed requests get past authentication, so the actions and their parameter parsers run.
 *
 * Checks: every answer has a status and a body; the body of "/" answers is a JSON object with a
 * RequestId, and an error's has Code and Message. Submissions are deferred by the service (the
 * store's group commit): the harness stops the store's commit thread at start so they are written
 * and answered on this thread before the call returns, and sees their answer through
 * -Wl,--wrap=http_deferred_done (CMakeLists.txt).
 *
 * State: the store lives across inputs (jobs, media, client tokens, nonces accumulate, as in a
 * server), and is recreated every ENV_RUNS inputs; a few fixed jobs and a media asset with known
 * ids are there from the start, so Get* calls can find something. A crash that needs earlier
 * inputs' state may not reproduce from its input alone: rerun with the corpus then. */
#include <ftw.h>
#include <jansson.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/service.h"
#include "api/sign.h"
#include "blob/blob.h"
#include "fuzz_common.h"
#include "store/store.h"
#include "store/store_backend.h"
#include "util/buf.h"
#include "util/config.h"
#include "util/keys.h"
#include "util/timeutil.h"

#define ENV_RUNS 4096
#define MAX_HEADERS 64
#define KEY_ID "fuzzkeyid00000000001"
#define KEY_SECRET "fuzzsecret0000000000000000000001"
#define KEY_OFF_ID "fuzzkeyid0000000000off"
#define USER_ID 1000
/* Ids of the fixtures (also in the corpus and the dictionary). */
#define JOB_FINISHED "0123456789abcdef0123456789abcdef"
#define JOB_FAILED "0123456789abcdef0123456789abcde0"
#define JOB_CREATED "fedcba9876543210fedcba9876543210"
#define MEDIA_ID "3f9a1c0e5b7d4c2a8e6f0b1d3c5a7e90"
#define MEDIA_URL "oss://media-in/lectures/week1.mp4"
#define STORE_CLOCK_MS 1700000000000LL

/* Everything the service needs; global because libFuzzer calls one function per input. */
typedef struct fuzz_env {
    char dir[64];
    config cfg;
    keys_entry key_items[2];
    keys_set keys;
    store *st;
    blob_backend *blob;
    api_service *svc;
    unsigned runs; /* inputs since the store was created */
    int verbose;   /* FUZZ_VERBOSE set: print each answer (to see what an input reaches) */
    unsigned deferred_answers;
    unsigned long long nonce;
} fuzz_env;

static fuzz_env env;

static int64_t pinned_clock(void *ctx) {
    (void)ctx;
    return STORE_CLOCK_MS;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void must(int rc, const char *what) {
    if (rc) {
        fprintf(stderr, "fuzz_request: %s failed: %d\n", what, rc);
        abort();
    }
}

/* Finishes the job just submitted (the only Created one) through claim + finish. */
static void finish_job(const store_job_result *res) {
    store_job claimed;
    memset(&claimed, 0, sizeof(claimed));
    must(store_job_claim(env.st, "fuzz-worker", 60000, 3, &claimed, NULL), "claim");
    must(store_job_finish(env.st, claimed.job_id, "fuzz-worker", res, NULL), "finish");
    store_job_free(&claimed);
}

static void submit_job(const char *id, const char *type, const char *input_config,
                       const char *notify) {
    store_job job;
    memset(&job, 0, sizeof(job));
    snprintf(job.job_id, sizeof(job.job_id), "%s", id);
    job.user_id = USER_ID;
    job.type = (char *)type;
    job.input_config = (char *)input_config;
    job.input_file = (char *)MEDIA_URL;
    job.notify_address = (char *)notify;
    job.user_data = (char *)"{\"k\":\"v\"}";
    enum store_submit_outcome outcome;
    must(store_job_submit(env.st, &job, NULL, 0, NULL, &outcome, NULL), "submit");
}

static void add_fixtures(void) {
    submit_job(JOB_FINISHED, "Segmentation",
               "{\"Type\":\"OSS\",\"Media\":\"oss://media-in/lectures/week1.mp4\"}",
               "http://127.0.0.1:9/cb");
    store_job_result done = {.state = STORE_JOB_FINISHED,
                             .ai_result = "{\"Segments\":[{\"In\":0,\"Out\":10.5}]}",
                             .media_url = "oss://media-out/out_1.mp4"};
    finish_job(&done);
    submit_job(JOB_FAILED, "HighlightExtraction",
               "{\"MediaArray\":[{\"MediaURL\":\"oss://media-in/a.mp4\"}]}", NULL);
    store_job_result failed = {.state = STORE_JOB_FAILED,
                               .error_code = "InputReadFailed",
                               .error_message = "oss://media-in/a.mp4 does not exist"};
    finish_job(&failed);
    submit_job(JOB_CREATED, "HighlightExtraction",
               "{\"MediaArray\":[{\"MediaId\":\"" MEDIA_ID "\"}]}", NULL);

    store_media m;
    memset(&m, 0, sizeof(m));
    snprintf(m.media_id, sizeof(m.media_id), "%s", MEDIA_ID);
    m.user_id = USER_ID;
    m.input_url = (char *)MEDIA_URL;
    m.title = (char *)"week one";
    m.tags = (char *)"a,b";
    char existing[STORE_ID_LEN + 1];
    enum store_submit_outcome outcome;
    must(store_media_register(env.st, &m, 0, NULL, existing, &outcome, NULL), "register");
    store_media claimed;
    memset(&claimed, 0, sizeof(claimed));
    must(store_media_claim(env.st, "fuzz-prober", 60000, 3, &claimed, NULL), "media claim");
    must(store_media_set_probe(env.st, claimed.media_id, "fuzz-prober", STORE_MEDIA_NORMAL,
                               "{\"FileBasicInfo\":{\"FileName\":\"week1.mp4\",\"Duration\":"
                               "\"10.000000\"},\"VideoStreamInfoList\":[{\"Width\":\"64\"}]}",
                               "video", NULL),
         "set probe");
    store_media_free(&claimed);
}

static void env_close(void) {
    api_service_destroy(env.svc);
    blob_destroy(env.blob);
    store_close(env.st);
    env.svc = NULL;
    env.blob = NULL;
    env.st = NULL;
    if (env.dir[0])
        nftw(env.dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    env.dir[0] = '\0';
}

static void env_open(void) {
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(env.dir, sizeof(env.dir), "%s/reelcut-fuzz-XXXXXX", base);
    if (!mkdtemp(env.dir))
        must(-1, "mkdtemp");
    char path[256];
    snprintf(path, sizeof(path), "%s/buckets", env.dir);
    must(mkdir(path, 0700), "mkdir buckets");
    snprintf(path, sizeof(path), "%s/buckets/media-in", env.dir);
    must(mkdir(path, 0700), "mkdir media-in");
    snprintf(path, sizeof(path), "%s/buckets/media-out", env.dir);
    must(mkdir(path, 0700), "mkdir media-out");

    rc_error err = {0};
    snprintf(path, sizeof(path), "%s/reelcut.db", env.dir);
    store_options so = {.clock_ms = pinned_clock, .pool_size = 2, .nonce_table_mb = 1};
    must(store_open(path, &so, &env.st, &err), "store_open");
    /* No commit thread: a deferred Submit is then written and answered before the handler's
     * defer_start returns, so each input is done when the call is. */
    store_batch_stop(env.st);
    snprintf(path, sizeof(path), "%s/buckets", env.dir);
    must(blob_fs_create(path, &env.blob, &err), "blob_fs_create");
    add_fixtures();
    api_service_deps deps = {.cfg = &env.cfg, .st = env.st, .keys = &env.keys, .blob = env.blob};
    must(api_service_create(&deps, &env.svc, &err), "api_service_create");
    env.runs = 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    config_defaults(&env.cfg);
    env.cfg.allow_local_paths = 1;
    snprintf(env.cfg.allowed_roots[env.cfg.n_allowed_roots++], CONFIG_PATH_MAX, "/data");
    snprintf(env.cfg.allowed_hosts[env.cfg.n_allowed_hosts++], 256, "cdn.example.com");
    snprintf(env.cfg.recommend_url, sizeof(env.cfg.recommend_url), "https://example.com/help");
    env.cfg.max_unfinished = 2000; /* reached now and then: Throttling */
    keys_entry *on = &env.key_items[0], *off = &env.key_items[1];
    snprintf(on->access_key_id, sizeof(on->access_key_id), KEY_ID);
    snprintf(on->secret, sizeof(on->secret), KEY_SECRET);
    on->user_id = USER_ID;
    on->enabled = 1;
    snprintf(off->access_key_id, sizeof(off->access_key_id), KEY_OFF_ID);
    snprintf(off->secret, sizeof(off->secret), KEY_SECRET);
    off->user_id = USER_ID + 1;
    off->enabled = 0;
    env.keys.items = env.key_items;
    env.keys.n = 2;
    env.verbose = getenv("FUZZ_VERBOSE") != NULL;
    env_open();
    atexit(env_close);
    return 0;
}

/* One request cut out of the input; every string points into `text` (a NUL-terminated copy). */
typedef struct raw_request {
    char *text;
    const char *method, *path, *query;
    http_header headers[MAX_HEADERS + 4];
    size_t n_headers;
    const char *body;
    size_t body_len, header_bytes;
} raw_request;

/* Cuts the next line out of *p (up to "\n", without a trailing "\r"); NULL at the end. */
static char *next_line(char **p, char *end) {
    if (*p >= end)
        return NULL;
    char *line = *p;
    char *nl = memchr(line, '\n', (size_t)(end - line));
    char *stop = nl ? nl : end;
    *p = nl ? nl + 1 : end;
    if (stop > line && stop[-1] == '\r')
        stop--;
    *stop = '\0';
    return line;
}

static void parse_request(const uint8_t *data, size_t size, raw_request *r) {
    memset(r, 0, sizeof(*r));
    r->text = malloc(size + 1);
    if (!r->text)
        abort();
    memcpy(r->text, data, size);
    r->text[size] = '\0';
    char *p = r->text, *end = r->text + size;
    char *line = next_line(&p, end);
    r->method = r->path = r->query = "";
    if (line) {
        char *sp = strchr(line, ' ');
        r->method = line;
        if (sp) {
            *sp = '\0';
            char *target = sp + 1;
            char *sp2 = strchr(target, ' ');
            if (sp2)
                *sp2 = '\0';
            char *q = strchr(target, '?');
            if (q) {
                *q = '\0';
                r->query = q + 1;
            }
            r->path = target;
        }
    }
    while ((line = next_line(&p, end)) && *line) {
        char *colon = strchr(line, ':');
        if (!colon || r->n_headers == MAX_HEADERS)
            continue; /* (libmicrohttpd would refuse the request; nothing to learn there) */
        *colon = '\0';
        char *value = colon + 1;
        while (*value == ' ' || *value == '\t')
            value++;
        r->headers[r->n_headers++] = (http_header){line, value};
    }
    r->header_bytes = (size_t)(p - r->text);
    r->body = p;
    r->body_len = (size_t)(end - p);
}

/* Drops every header named name (case-insensitive). */
static void drop_header(raw_request *r, const char *name) {
    size_t o = 0;
    for (size_t i = 0; i < r->n_headers; i++)
        if (strcasecmp(r->headers[i].name, name) != 0)
            r->headers[o++] = r->headers[i];
    r->n_headers = o;
}

static void to_view(const raw_request *r, const char *query, api_header *headers,
                    api_request_view *v) {
    for (size_t i = 0; i < r->n_headers; i++)
        headers[i] = (api_header){r->headers[i].name, r->headers[i].value};
    *v = (api_request_view){.method = r->method,
                            .path = r->path,
                            .query = query,
                            .query_len = strlen(query),
                            .headers = headers,
                            .header_count = r->n_headers,
                            .body = r->body_len ? r->body : NULL,
                            .body_len = r->body_len};
}

/* ACS3: sets the date, nonce and body hash headers and adds Authorization. The strings stay alive
 * in sig and the buffers until the request is answered. */
static void sign_acs3(raw_request *r, const char *key_id, char date[TIME_ISO_LEN + 1],
                      char nonce[32], char sha[API_SHA256_HEX_LEN + 1], api_acs3_signature *sig) {
    drop_header(r, "authorization");
    drop_header(r, "x-acs-date");
    drop_header(r, "x-acs-signature-nonce");
    drop_header(r, "x-acs-content-sha256");
    time_format_iso(time(NULL), date);
    snprintf(nonce, 32, "fz%llu", ++env.nonce);
    must(api_sha256_hex(r->body, r->body_len, sha), "sha256");
    r->headers[r->n_headers++] = (http_header){"x-acs-date", date};
    r->headers[r->n_headers++] = (http_header){"x-acs-signature-nonce", nonce};
    r->headers[r->n_headers++] = (http_header){"x-acs-content-sha256", sha};
    api_header headers[MAX_HEADERS + 4];
    api_request_view view;
    to_view(r, r->query, headers, &view);
    rc_error err = {0};
    if (api_sign_acs3(&view, key_id, KEY_SECRET, sig, &err) == 0)
        r->headers[r->n_headers++] = (http_header){"Authorization", sig->authorization};
}

/* RPC: appends the signature parameters to the query (into q), signed over query + body. */
static void sign_rpc(raw_request *r, const char *key_id, buf *q) {
    char date[TIME_ISO_LEN + 1];
    time_format_iso(time(NULL), date);
    int rc = buf_puts(q, r->query);
    if (!rc)
        rc = buf_printf(q,
                        "%sAccessKeyId=%s&SignatureMethod=HMAC-SHA1&SignatureVersion=1.0"
                        "&SignatureNonce=fz%llu&Timestamp=",
                        r->query[0] ? "&" : "", key_id, ++env.nonce);
    if (!rc)
        rc = api_enc(date, strlen(date), q);
    must(rc, "rpc query");
    api_params params;
    api_params_init(&params);
    if (api_params_parse(q->data, q->len, &params, NULL) == 0 &&
        (r->body_len == 0 || api_params_parse(r->body, r->body_len, &params, NULL) == 0)) {
        char sig[API_RPC_SIGNATURE_LEN + 1];
        must(api_sign_rpc(r->method, &params, KEY_SECRET, sig), "api_sign_rpc");
        rc = buf_puts(q, "&Signature=");
        if (!rc)
            rc = api_enc(sig, strlen(sig), q);
        must(rc, "rpc signature");
    }
    api_params_free(&params);
}

static void check_response(const char *path, const http_response *res) {
    if (env.verbose)
        fprintf(stderr, "-> %d %s\n", res->status, res->body ? res->body : "(no body)");
    FUZZ_CHECK(res->status >= 200 && res->status <= 599);
    if (res->static_body || res->has_file) { /* the dashboard's files, a media object (web.h) */
        FUZZ_CHECK(strncmp(path, "/ui", 3) == 0 || strncmp(path, "/media/", 7) == 0);
        FUZZ_CHECK(res->body == NULL);
        return;
    }
    FUZZ_CHECK(res->body != NULL);
    FUZZ_CHECK(res->body_len == strlen(res->body));
    if (strcmp(path, "/") != 0)
        return;
    json_error_t jerr;
    json_t *root = json_loadb(res->body, res->body_len, 0, &jerr);
    if (!root)
        fprintf(stderr, "not JSON (%s): %s\n", jerr.text, res->body);
    FUZZ_CHECK(json_is_object(root));
    FUZZ_CHECK(json_is_string(json_object_get(root, "RequestId")));
    if (res->status != 200) {
        FUZZ_CHECK(json_is_string(json_object_get(root, "Code")));
        FUZZ_CHECK(json_is_string(json_object_get(root, "Message")));
    }
    json_decref(root);
}

/* The deferred answer of a submission, on its way to the (absent) connection: checked like any
 * other, then passed on (which frees its body). */
void __real_http_deferred_done(http_deferred *d, http_response *res);
void __wrap_http_deferred_done(http_deferred *d, http_response *res);
void __wrap_http_deferred_done(http_deferred *d, http_response *res) {
    check_response("/", res);
    env.deferred_answers++;
    __real_http_deferred_done(d, res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1)
        return 0;
    if (++env.runs > ENV_RUNS) {
        env_close();
        env_open();
        env.runs = 1;
    }
    int mode = data[0] % 3;
    const char *key_id = data[0] >= 0xf0 ? KEY_OFF_ID : KEY_ID;
    raw_request r;
    parse_request(data + 1, size - 1, &r);
    char date[TIME_ISO_LEN + 1], nonce[32], sha[API_SHA256_HEX_LEN + 1];
    api_acs3_signature sig;
    memset(&sig, 0, sizeof(sig));
    buf query;
    buf_init(&query, 0);
    if (mode == 1)
        sign_acs3(&r, key_id, date, nonce, sha, &sig);
    else if (mode == 2)
        sign_rpc(&r, key_id, &query);

    http_request req = {.method = r.method,
                        .path = r.path,
                        .raw_query = query.data ? query.data : r.query,
                        .headers = r.headers,
                        .n_headers = r.n_headers,
                        .body = (const unsigned char *)r.body,
                        .body_len = r.body_len,
                        .header_bytes = r.header_bytes,
                        .body_too_large = r.body_len > HTTP_MAX_BODY_BYTES,
                        .peer = "-"};
    http_response res;
    memset(&res, 0, sizeof(res));
    if (env.verbose)
        fprintf(stderr, "%s %s?%.100s\n", r.method, r.path, req.raw_query);
    api_service_handle(env.svc, &req, &res);
    if (res.defer_start) { /* answered on this thread: the store has no commit thread */
        unsigned before = env.deferred_answers;
        res.defer_start(res.defer_ctx, NULL);
        FUZZ_CHECK(env.deferred_answers == before + 1);
    } else {
        check_response(r.path, &res);
    }
    free(res.body);
    if (res.has_file)
        close(res.file_fd);
    api_acs3_signature_free(&sig);
    buf_free(&query);
    free(r.text);
    return 0;
}
