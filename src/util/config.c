#include "util/config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

enum opt_type { OPT_STR, OPT_INT, OPT_BOOL, OPT_LIST };

typedef struct option {
    const char *section;
    const char *key;
    enum opt_type type;
    size_t offset;
    size_t size;      /* OPT_STR: buffer size; OPT_LIST: size of one entry */
    size_t count_off; /* OPT_LIST: offset of the entry counter */
    long min, max;    /* OPT_INT */
} option;

#define STR(sec, k, field)                                                                         \
    { sec, k, OPT_STR, offsetof(config, field), sizeof(((config *)0)->field), 0, 0, 0 }
#define INT(sec, k, field, lo, hi)                                                                 \
    { sec, k, OPT_INT, offsetof(config, field), 0, 0, lo, hi }
#define BOOL(sec, k, field)                                                                        \
    { sec, k, OPT_BOOL, offsetof(config, field), 0, 0, 0, 1 }
#define LIST(sec, k, field, counter)                                                               \
    {                                                                                              \
        sec, k, OPT_LIST, offsetof(config, field), sizeof(((config *)0)->field[0]),                \
            offsetof(config, counter), 0, 0                                                        \
    }

static const option options[] = {
    STR("server", "listen", listen),
    STR("worker", "listen", worker_listen),
    STR("server", "data_dir", data_dir),
    INT("server", "workers", workers, -1, 256),
    INT("server", "http_threads", http_threads, 0, 256),
    STR("server", "public_host", public_host),
    STR("server", "recommend_url", recommend_url),
    STR("server", "public_url", public_url),
    STR("store", "url", store_url),
    INT("store", "nonce_table_mb", nonce_table_mb, 0, 4096),
    STR("keys", "file", keys_file),
    INT("jobs", "max_attempts", max_attempts, 1, 100),
    INT("jobs", "lease_seconds", lease_seconds, 2, 3600),
    INT("jobs", "retry_seconds", retry_seconds, 1, 3600),
    INT("jobs", "max_unfinished", max_unfinished, 1, 10000000),
    INT("jobs", "timeout_seconds", job_timeout_seconds, 1, 7 * 86400),
    INT("jobs", "shutdown_grace_seconds", shutdown_grace_seconds, 0, 3600),
    INT("jobs", "retention_days", retention_days, 1, 36500),
    INT("jobs", "split_seconds", split_seconds, 0, 86400),
    INT("limits", "max_pixels", limits_max_pixels, 4096, 16384 * 16384),
    INT("limits", "codec_threads", limits_codec_threads, 1, 64),
    BOOL("inputs", "allow_local_paths", allow_local_paths),
    LIST("inputs", "allowed_roots", allowed_roots, n_allowed_roots),
    LIST("inputs", "allowed_hosts", allowed_hosts, n_allowed_hosts),
    STR("callback", "url", callback_url),
    STR("callback", "auth_key", callback_auth_key),
    LIST("callback", "allow_hosts", callback_allow_hosts, n_callback_allow_hosts),
    STR("callback", "redis_url", redis_url),
    INT("callback", "attempts", callback_attempts, 1, 100),
    INT("callback", "base_seconds", callback_base_seconds, 1, 86400),
    INT("callback", "cap_seconds", callback_cap_seconds, 1, 7 * 86400),
    INT("callback", "base_ms", callback_base_ms, 0, 86400000),
    INT("callback", "cap_ms", callback_cap_ms, 0, 86400000),
    STR("storage", "default", storage_default),
    LIST("storage", "buckets", storage_buckets, n_storage_buckets),
    BOOL("storage", "allow_endpoint_override", storage_allow_endpoint_override),
    LIST("storage", "endpoint_allow_hosts", storage_endpoint_allow_hosts,
         n_storage_endpoint_allow_hosts),
    STR("s3", "endpoint", s3_endpoint),
    STR("s3", "region", s3_region),
    STR("s3", "access_key_id", s3_access_key_id),
    STR("s3", "secret_access_key", s3_secret_access_key),
    STR("s3", "addressing", s3_addressing),
    BOOL("s3", "verify_tls", s3_verify_tls),
    STR("s3", "ca_file", s3_ca_file),
    INT("s3", "part_size_mb", s3_part_size_mb, 5, 5120),
    INT("s3", "multipart_threshold_mb", s3_multipart_threshold_mb, 5, 5 * 1024 * 1024),
    INT("s3", "upload_threads", s3_upload_threads, 1, 16),
    INT("s3", "max_attempts", s3_max_attempts, 1, 20),
    INT("s3", "connect_timeout_seconds", s3_connect_timeout_seconds, 1, 600),
    INT("s3", "stall_timeout_seconds", s3_stall_timeout_seconds, 1, 3600),
};
#define N_OPTIONS (sizeof(options) / sizeof(options[0]))

void config_defaults(config *cfg) {
    memset(cfg, 0, sizeof(*cfg));
    snprintf(cfg->listen, sizeof(cfg->listen), "127.0.0.1:8080");
    snprintf(cfg->data_dir, sizeof(cfg->data_dir), "./data");
    cfg->workers = -1;
    cfg->max_attempts = 3;
    cfg->lease_seconds = 30;
    cfg->retry_seconds = 10;
    cfg->max_unfinished = 10000;
    cfg->nonce_table_mb = 32;
    cfg->job_timeout_seconds = 7200;
    cfg->shutdown_grace_seconds = 20;
    cfg->retention_days = 365;
    cfg->split_seconds = 120; /* bench/split: the per-part cost against the balance of the parts */
    cfg->limits_max_pixels = 4096 * 2176; /* ENGINE_MAX_PIXELS_DEFAULT: 4K UHD and DCI 4K */
    cfg->limits_codec_threads = 4;
    cfg->callback_attempts = 10;
    cfg->callback_base_seconds = 15;
    cfg->callback_cap_seconds = 900;
    snprintf(cfg->storage_default, sizeof(cfg->storage_default), "fs");
    snprintf(cfg->s3_region, sizeof(cfg->s3_region), "us-east-1");
    snprintf(cfg->s3_addressing, sizeof(cfg->s3_addressing), "path");
    cfg->s3_verify_tls = 1;
    cfg->s3_part_size_mb = 16;
    cfg->s3_multipart_threshold_mb = 100;
    cfg->s3_upload_threads = 4;
    cfg->s3_max_attempts = 4;
    cfg->s3_connect_timeout_seconds = 10;
    cfg->s3_stall_timeout_seconds = 30;
}

static int set_list(config *cfg, const option *o, const char *value, const char *origin,
                    rc_error *err) {
    char *base = (char *)cfg + o->offset;
    int *count = (int *)((char *)cfg + o->count_off);
    *count = 0;
    const char *p = value;
    while (*p) {
        while (*p == ',' || isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        const char *end = p;
        while (*end && *end != ',')
            end++;
        const char *trim = end;
        while (trim > p && isspace((unsigned char)trim[-1]))
            trim--;
        size_t len = (size_t)(trim - p);
        if (*count >= CONFIG_LIST_MAX || len >= o->size)
            return rc_fail(err, RC_EINVAL, "InvalidParameter",
                           "%s: %s.%s has too many or too long entries", origin, o->section,
                           o->key);
        memcpy(base + (size_t)*count * o->size, p, len);
        base[(size_t)*count * o->size + len] = '\0';
        (*count)++;
        p = end;
    }
    return 0;
}

int config_set(config *cfg, const char *section, const char *key, const char *value,
               const char *origin, rc_error *err) {
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const option *o = &options[i];
        if (strcmp(o->section, section) != 0 || strcmp(o->key, key) != 0)
            continue;
        char *field = (char *)cfg + o->offset;
        switch (o->type) {
        case OPT_STR:
            if (strlen(value) >= o->size)
                return rc_fail(err, RC_EINVAL, "InvalidParameter",
                               "%s: %s.%s is longer than %zu bytes", origin, section, key,
                               o->size - 1);
            memcpy(field, value, strlen(value) + 1);
            return 0;
        case OPT_INT: {
            char *end = NULL;
            errno = 0;
            long v = strtol(value, &end, 10);
            if (errno || end == value || *end || v < o->min || v > o->max)
                return rc_fail(err, RC_EINVAL, "InvalidParameter",
                               "%s: %s.%s must be an integer in [%ld,%ld], not \"%.64s\"", origin,
                               section, key, o->min, o->max, value);
            *(int *)field = (int)v;
            return 0;
        }
        case OPT_BOOL:
            if (!strcasecmp(value, "true") || !strcmp(value, "1") || !strcasecmp(value, "yes"))
                *(int *)field = 1;
            else if (!strcasecmp(value, "false") || !strcmp(value, "0") || !strcasecmp(value, "no"))
                *(int *)field = 0;
            else
                return rc_fail(err, RC_EINVAL, "InvalidParameter",
                               "%s: %s.%s must be true or false, not \"%.64s\"", origin, section,
                               key, value);
            return 0;
        case OPT_LIST:
            return set_list(cfg, o, value, origin, err);
        }
    }
    return rc_fail(err, RC_EINVAL, "InvalidParameter", "%s: unknown setting %s.%s", origin, section,
                   key);
}

typedef struct ini_ctx {
    config *cfg;
    const char *path;
    rc_error *err;
    int rc;
} ini_ctx;

static int on_ini_value(void *user, const char *section, const char *name, const char *value) {
    ini_ctx *ctx = user;
    if (ctx->rc)
        return 0;
    char origin[CONFIG_PATH_MAX + 16];
    snprintf(origin, sizeof(origin), "%s", ctx->path);
    ctx->rc = config_set(ctx->cfg, section, name, value, origin, ctx->err);
    return ctx->rc ? 0 : 1;
}

int config_load_file(config *cfg, const char *path, rc_error *err) {
    FILE *f = fopen(path, "r");
    if (!f)
        return rc_fail(err, RC_ENOENT, NULL, "%s: cannot open configuration file: %s", path,
                       strerror(errno));
    ini_ctx ctx = {cfg, path, err, 0};
    int line = ini_parse_file(f, on_ini_value, &ctx);
    fclose(f);
    if (ctx.rc)
        return ctx.rc;
    if (line > 0)
        return rc_fail(err, RC_EINVAL, "InvalidParameter", "%s:%d: syntax error", path, line);
    return 0;
}

int config_load_env(config *cfg, rc_error *err) {
    static const struct {
        const char *env, *section, *key;
    } shorts[] = {{"REELCUT_LISTEN", "server", "listen"},
                  {"REELCUT_DATA_DIR", "server", "data_dir"},
                  {"REELCUT_WORKERS", "server", "workers"},
                  {"REELCUT_STORE_URL", "store", "url"}};
    for (size_t i = 0; i < sizeof(shorts) / sizeof(shorts[0]); i++) {
        const char *v = getenv(shorts[i].env);
        if (v) {
            int rc = config_set(cfg, shorts[i].section, shorts[i].key, v, shorts[i].env, err);
            if (rc)
                return rc;
        }
    }
    for (size_t i = 0; i < N_OPTIONS; i++) {
        char name[128];
        int n = snprintf(name, sizeof(name), "REELCUT_%s_%s", options[i].section, options[i].key);
        for (int j = 0; j < n; j++)
            name[j] = (char)toupper((unsigned char)name[j]);
        const char *v = getenv(name);
        if (v) {
            int rc = config_set(cfg, options[i].section, options[i].key, v, name, err);
            if (rc)
                return rc;
        }
    }
    return 0;
}

static int make_dir(const char *path, rc_error *err) {
    if (mkdir(path, 0700) == 0 || errno == EEXIST)
        return 0;
    return rc_fail(err, RC_EWRITE, NULL, "%s: cannot create folder: %s", path, strerror(errno));
}

static int backend_name_valid(const char *name) {
    return !strcmp(name, "fs") || !strcmp(name, "s3");
}

/* storage.* and s3.* make sense together; errors name the setting, never the secret. */
static int check_storage(const config *cfg, rc_error *err) {
    int uses_s3 = !strcmp(cfg->storage_default, "s3");
    if (!backend_name_valid(cfg->storage_default))
        return rc_fail(err, RC_EINVAL, "InvalidParameter",
                       "storage.default must be fs or s3, not \"%s\"", cfg->storage_default);
    for (int i = 0; i < cfg->n_storage_buckets; i++) {
        const char *entry = cfg->storage_buckets[i];
        const char *colon = strrchr(entry, ':');
        if (!colon || colon == entry || !backend_name_valid(colon + 1))
            return rc_fail(err, RC_EINVAL, "InvalidParameter",
                           "storage.buckets entry \"%s\" must be BUCKET:fs or BUCKET:s3", entry);
        uses_s3 |= !strcmp(colon + 1, "s3");
    }
    if (strcmp(cfg->s3_addressing, "path") != 0 && strcmp(cfg->s3_addressing, "virtual") != 0)
        return rc_fail(err, RC_EINVAL, "InvalidParameter",
                       "s3.addressing must be path or virtual, not \"%s\"", cfg->s3_addressing);
    if (cfg->s3_part_size_mb > cfg->s3_multipart_threshold_mb)
        return rc_fail(err, RC_EINVAL, "InvalidParameter",
                       "s3.part_size_mb must not exceed s3.multipart_threshold_mb");
    static const char *required[] = {"endpoint", "access_key_id", "secret_access_key"};
    const char *values[] = {cfg->s3_endpoint, cfg->s3_access_key_id, cfg->s3_secret_access_key};
    for (size_t i = 0; uses_s3 && i < 3; i++)
        if (!values[i][0])
            return rc_fail(err, RC_EINVAL, "InvalidParameter",
                           "s3.%s is required when a bucket is stored on s3 (storage.default or "
                           "storage.buckets)",
                           required[i]);
    return 0;
}

int config_finalize(config *cfg, rc_error *err) {
    char path[CONFIG_PATH_MAX + 32];
    if (cfg->public_url[0] && strncmp(cfg->public_url, "http://", 7) != 0 &&
        strncmp(cfg->public_url, "https://", 8) != 0)
        return rc_fail(err, RC_EINVAL, "InvalidParameter",
                       "server.public_url \"%s\" must start with http:// or https://",
                       cfg->public_url);
    int rc = check_storage(cfg, err);
    if (rc)
        return rc;
    rc = make_dir(cfg->data_dir, err);
    if (rc)
        return rc;
    static const char *subdirs[] = {"buckets", "tmp"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof(path), "%s/%s", cfg->data_dir, subdirs[i]);
        rc = make_dir(path, err);
        if (rc)
            return rc;
    }
    if (!cfg->store_url[0] && snprintf(cfg->store_url, sizeof(cfg->store_url), "%s/reelcut.db",
                                       cfg->data_dir) >= (int)sizeof(cfg->store_url))
        return rc_fail(err, RC_EINVAL, "InvalidParameter", "server.data_dir is too long");
    if (!cfg->keys_file[0] && snprintf(cfg->keys_file, sizeof(cfg->keys_file), "%s/keys.json",
                                       cfg->data_dir) >= (int)sizeof(cfg->keys_file))
        return rc_fail(err, RC_EINVAL, "InvalidParameter", "server.data_dir is too long");
    return 0;
}
