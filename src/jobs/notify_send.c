/* notify_send: one delivery attempt of a callback - signed HTTP POST or Redis XADD - and the
 * retry schedule. The notifier threads in notifier.c call these. */
#include <curl/curl.h>
#include <hiredis/hiredis.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "blob/blob_net.h"
#include "jobs/notifier.h"
#include "util/buf.h"
#include "util/ids.h"
#include "util/log.h"

#define QUEUE_PREFIX "ice-callback"
#define QUEUE_MAX 120
#define DEFAULT_BASE_MS 15000
#define DEFAULT_CAP_MS 900000
#define DEFAULT_TIMEOUT_MS 3000
#define REDIS_DEFAULT_PORT 6379

void jobs_notify_config_from(const config *cfg, jobs_notify_config *out) {
    memset(out, 0, sizeof(*out));
    out->auth_key = cfg->callback_auth_key;
    out->redis_url = cfg->redis_url;
    out->attempts = cfg->callback_attempts;
    out->base_ms = cfg->callback_base_ms > 0 ? cfg->callback_base_ms
                                             : (int64_t)cfg->callback_base_seconds * 1000;
    out->cap_ms =
        cfg->callback_cap_ms > 0 ? cfg->callback_cap_ms : (int64_t)cfg->callback_cap_seconds * 1000;
    for (int i = 0; i < cfg->n_callback_allow_hosts && i < CONFIG_LIST_MAX; i++)
        out->allow_hosts[out->n_allow_hosts++] = cfg->callback_allow_hosts[i];
}

int jobs_notify_signature(const char *url, long long timestamp, const char *key,
                          char out_hex[JOBS_NOTIFY_MD5_HEX_LEN + 1]) {
    buf text;
    buf_init(&text, 0);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    int rc = buf_printf(&text, "%s|%lld|%s", url, timestamp, key ? key : "");
    if (rc)
        goto out;
    if (!EVP_Digest(text.data, text.len, md, &md_len, EVP_md5(), NULL) || md_len != 16) {
        rc = RC_EINTERNAL;
        goto out;
    }
    ids_to_hex(md, md_len, out_hex);
out:
    if (text.data)
        OPENSSL_cleanse(text.data, text.len);
    buf_free(&text);
    return rc;
}

int64_t jobs_notify_delay_ms(const jobs_notify_config *cfg, int failures, double jitter) {
    int64_t base = cfg->base_ms > 0 ? cfg->base_ms : DEFAULT_BASE_MS;
    int64_t cap = cfg->cap_ms > 0 ? cfg->cap_ms : DEFAULT_CAP_MS;
    int64_t d = base;
    for (int i = 1; i < failures && d < cap; i++)
        d *= 2; /* d < cap <= 2^37 here: no overflow */
    if (d > cap)
        d = cap;
    if (jitter > 1.0)
        jitter = 1.0;
    if (jitter < -1.0)
        jitter = -1.0;
    int64_t out = (int64_t)((double)d * (1.0 + jitter / 10.0) + 0.5);
    return out >= 1 ? out : 1;
}

int jobs_notify_is_queue(const char *target) {
    size_t n = strlen(QUEUE_PREFIX);
    if (!target || strncmp(target, QUEUE_PREFIX, n) != 0 || strlen(target) > QUEUE_MAX)
        return 0;
    for (const char *p = target + n; *p; p++) {
        char c = *p;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

static int is_http_url(const char *target) {
    return strncasecmp(target, "http://", 7) == 0 || strncasecmp(target, "https://", 8) == 0;
}

void jobs_notify_redact(const char *target, char *out, size_t out_len) {
    if (!out_len)
        return;
    out[0] = '\0';
    if (!target)
        return;
    const char *scheme_end = strstr(target, "://");
    const char *host = scheme_end ? scheme_end + 3 : target;
    size_t authority = strcspn(host, "/?#");
    const char *at = memchr(host, '@', authority);
    size_t head = (size_t)(host - target);
    const char *rest = at ? at + 1 : host;
    size_t rest_len = strcspn(rest, "?#");
    snprintf(out, out_len, "%.*s%s%.*s", (int)head, target, at ? "***@" : "", (int)rest_len, rest);
}

static void set_error(char *error, size_t error_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_error(char *error, size_t error_len, const char *fmt, ...) {
    if (!error || !error_len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(error, error_len, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------------ HTTP */

static size_t discard_body(char *ptr, size_t size, size_t nmemb, void *user) {
    (void)ptr;
    (void)user;
    return size * nmemb;
}

static enum jobs_notify_result deliver_http(const jobs_notify_config *cfg, const char *url,
                                            const char *body, long long now_s, int64_t timeout_ms,
                                            char *error, size_t error_len) {
    enum jobs_notify_result result = JOBS_NOTIFY_RETRY;
    struct curl_slist *headers = NULL, *more;
    char line[128], curl_err[CURL_ERROR_SIZE] = "";
    CURL *h = curl_easy_init();
    if (!h) {
        set_error(error, error_len, "cannot start an HTTP request (out of memory)");
        goto out;
    }
    const char *fixed[] = {"Content-Type: application/json", "Expect:"};
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
        more = curl_slist_append(headers, fixed[i]);
        if (!more)
            goto nomem;
        headers = more;
    }
    if (cfg->auth_key && cfg->auth_key[0]) {
        char sig[JOBS_NOTIFY_MD5_HEX_LEN + 1];
        if (jobs_notify_signature(url, now_s, cfg->auth_key, sig))
            goto nomem;
        const char *names[] = {"X-ICE-TIMESTAMP", "X-ICE-SIGNATURE"};
        for (int i = 0; i < 2; i++) {
            if (i == 0)
                snprintf(line, sizeof(line), "%s: %lld", names[i], now_s);
            else
                snprintf(line, sizeof(line), "%s: %s", names[i], sig);
            more = curl_slist_append(headers, line);
            if (!more)
                goto nomem;
            headers = more;
        }
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    blob_net_restrict(h, blob_net_reach_of(url, cfg->allow_hosts, cfg->n_allow_hosts));
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "reelcut/" REELCUT_VERSION);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard_body);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curl_err);
    CURLcode cc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (cc == CURLE_UNSUPPORTED_PROTOCOL || cc == CURLE_URL_MALFORMAT) {
        set_error(error, error_len, "unusable URL: %s",
                  curl_err[0] ? curl_err : curl_easy_strerror(cc));
        result = JOBS_NOTIFY_GIVE_UP;
    } else if (cc != CURLE_OK) { /* curl's own text would tell a closed port from a refused one */
        log_debug("callback POST failed: %s", curl_err[0] ? curl_err : curl_easy_strerror(cc));
        set_error(error, error_len,
                  "receiver could not be reached or gave no answer within %lld ms",
                  (long long)timeout_ms);
    } else if (status >= 300 && status < 400) {
        set_error(error, error_len, "HTTP status %ld (redirects are not followed)", status);
    } else if (status != 200) {
        set_error(error, error_len, "HTTP status %ld", status);
    } else {
        result = JOBS_NOTIFY_OK;
    }
    goto out;
nomem:
    set_error(error, error_len, "cannot build the HTTP request (out of memory)");
out:
    curl_slist_free_all(headers);
    curl_easy_cleanup(h);
    return result;
}

/* ------------------------------------------------------------------ Redis */

typedef struct redis_target {
    char host[256];
    int port;
    char user[128];
    char password[256];
    int db;
} redis_target;

/* Parses redis://[[user]:password@]host[:port][/db], or a bare host[:port]. Returns 0, RC_EINVAL
 * (malformed), RC_ENOTSUP (another scheme, e.g. rediss:// - TLS to Redis is not supported). */
static int parse_redis_url(const char *url, redis_target *t) {
    memset(t, 0, sizeof(*t));
    t->port = REDIS_DEFAULT_PORT;
    const char *p = url;
    if (strncmp(p, "redis://", 8) == 0)
        p += 8;
    else if (strstr(p, "://"))
        return RC_ENOTSUP;
    size_t authority = strcspn(p, "/");
    const char *at = memchr(p, '@', authority);
    if (at) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        if (!colon) /* redis://password@host */
            colon = p - 1;
        else if (colon > p)
            snprintf(t->user, sizeof(t->user), "%.*s", (int)(colon - p), p);
        snprintf(t->password, sizeof(t->password), "%.*s", (int)(at - colon - 1), colon + 1);
        authority -= (size_t)(at + 1 - p);
        p = at + 1;
    }
    const char *colon = memchr(p, ':', authority);
    size_t host_len = colon ? (size_t)(colon - p) : authority;
    if (host_len == 0 || host_len >= sizeof(t->host))
        return RC_EINVAL;
    memcpy(t->host, p, host_len);
    if (colon) {
        char *end;
        long port = strtol(colon + 1, &end, 10);
        if (end != p + authority || port < 1 || port > 65535)
            return RC_EINVAL;
        t->port = (int)port;
    }
    p += authority;
    if (*p == '/' && p[1]) {
        char *end;
        long db = strtol(p + 1, &end, 10);
        if (*end || db < 0 || db > 1000000)
            return RC_EINVAL;
        t->db = (int)db;
    }
    return 0;
}

/* Runs one command; 0 if the reply is not an error, else the reason in error. */
static int redis_check(redisContext *c, redisReply *reply, const char *what, char *error,
                       size_t error_len) {
    int rc = 0;
    if (!reply) {
        set_error(error, error_len, "Redis %s failed: %s", what,
                  c->errstr[0] ? c->errstr : "no reply");
        rc = RC_EREAD;
    } else if (reply->type == REDIS_REPLY_ERROR) {
        set_error(error, error_len, "Redis %s failed: %.*s", what, (int)reply->len, reply->str);
        rc = RC_EWRITE;
    }
    freeReplyObject(reply);
    return rc;
}

static enum jobs_notify_result deliver_redis(const jobs_notify_config *cfg, const char *queue,
                                             const char *body, int64_t timeout_ms, char *error,
                                             size_t error_len) {
    if (!cfg->redis_url || !cfg->redis_url[0]) {
        set_error(error, error_len, "no Redis URL configured for queue \"%s\"", queue);
        return JOBS_NOTIFY_GIVE_UP;
    }
    redis_target t;
    if (parse_redis_url(cfg->redis_url, &t)) {
        set_error(error, error_len, "callback.redis_url is not a redis://host[:port][/db] URL");
        OPENSSL_cleanse(t.password, sizeof(t.password));
        return JOBS_NOTIFY_GIVE_UP;
    }
    enum jobs_notify_result result = JOBS_NOTIFY_RETRY;
    struct timeval tv = {.tv_sec = (time_t)(timeout_ms / 1000),
                         .tv_usec = (suseconds_t)(timeout_ms % 1000) * 1000};
    redisContext *c = redisConnectWithTimeout(t.host, t.port, tv);
    if (!c || c->err) {
        set_error(error, error_len, "Redis at %s:%d: %s", t.host, t.port,
                  c ? c->errstr : "out of memory");
        goto out;
    }
    redisSetTimeout(c, tv);
    if (t.password[0]) {
        redisReply *r = t.user[0] ? redisCommand(c, "AUTH %s %s", t.user, t.password)
                                  : redisCommand(c, "AUTH %s", t.password);
        if (redis_check(c, r, "AUTH", error, error_len))
            goto out;
    }
    if (t.db && redis_check(c, redisCommand(c, "SELECT %d", t.db), "SELECT", error, error_len))
        goto out;
    redisReply *r = redisCommand(c, "XADD %s * message %b", queue, body, strlen(body));
    int bad_reply = r && r->type != REDIS_REPLY_STRING && r->type != REDIS_REPLY_ERROR;
    if (redis_check(c, r, "XADD", error, error_len))
        goto out;
    if (bad_reply) {
        set_error(error, error_len, "Redis XADD failed: unexpected reply");
        goto out;
    }
    result = JOBS_NOTIFY_OK;
out:
    OPENSSL_cleanse(t.password, sizeof(t.password));
    redisFree(c);
    return result;
}

enum jobs_notify_result jobs_notify_deliver(const jobs_notify_config *cfg, const char *target,
                                            const char *body, long long now_s, char *error,
                                            size_t error_len) {
    int64_t timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : DEFAULT_TIMEOUT_MS;
    if (error && error_len)
        error[0] = '\0';
    if (!target || !body) {
        set_error(error, error_len, "no notify address");
        return JOBS_NOTIFY_GIVE_UP;
    }
    if (jobs_notify_is_queue(target))
        return deliver_redis(cfg, target, body, timeout_ms, error, error_len);
    if (is_http_url(target))
        return deliver_http(cfg, target, body, now_s, timeout_ms, error, error_len);
    set_error(error, error_len, "notify address is neither an http(s) URL nor a queue name");
    return JOBS_NOTIFY_GIVE_UP;
}
