/* config: the service configuration - embedded defaults, then reelcut.ini (inih), then REELCUT_*
 * environment variables, then command-line flags; each later source overrides the earlier. The
 * defaults are written once, in config_defaults() (config.c), and documented in
 * docs/configuration.md; the comments below say what a value means, not what it defaults to. */
#ifndef REELCUT_CONFIG_H
#define REELCUT_CONFIG_H

#include <stddef.h>

#include "util/rc.h"

#define CONFIG_PATH_MAX 1024
#define CONFIG_LIST_MAX 16

typedef struct config {
    /* [server] */
    char listen[128];        /* HOST:PORT */
    char worker_listen[128]; /* `reelcut worker`: HOST:PORT of /healthz and /metrics; "" = none */
    char data_dir[CONFIG_PATH_MAX];
    int workers;             /* job workers in `serve`; -1 = CPU count */
    int http_threads;        /* libmicrohttpd thread pool size; 0 = CPU count */
    char public_host[256];   /* HostId in error bodies; empty = the Host header */
    char recommend_url[512]; /* troubleshooting URL for error bodies; empty = none */
    char public_url[256];    /* http(s)://host[:port] browsers reach the service at; empty = none */
    /* [store] */
    char store_url[CONFIG_PATH_MAX]; /* empty = the SQLite file DATA_DIR/reelcut.db */
    int nonce_table_mb;              /* SQLite: shared replay-nonce table size; 0 = none */
    /* [keys] */
    char keys_file[CONFIG_PATH_MAX]; /* empty = DATA_DIR/keys.json */
    /* [jobs] */
    int max_attempts;
    int lease_seconds;
    int retry_seconds;  /* storage or store unavailable: the job is tried again this much later */
    int max_unfinished; /* Submit answers Throttling past this */
    int job_timeout_seconds;
    int shutdown_grace_seconds;
    int retention_days;
    int split_seconds; /* analyse a long input in parts of about this long; 0 = never */
    /* [limits] (docs/configuration.md: what one job may make the engine hold) */
    int limits_max_pixels;    /* width x height of any video picture */
    int limits_codec_threads; /* threads of each decoder/encoder of a job */
    /* [inputs] */
    int allow_local_paths; /* file:// inputs and local outputs */
    char allowed_roots[CONFIG_LIST_MAX][CONFIG_PATH_MAX];
    int n_allowed_roots;
    char allowed_hosts[CONFIG_LIST_MAX][256]; /* http(s) input hosts; none = no downloads */
    int n_allowed_hosts;
    /* [callback] */
    char callback_url[1024]; /* NotifyAddress of jobs without one; empty = none */
    char callback_auth_key[256];
    char callback_allow_hosts[CONFIG_LIST_MAX][256]; /* empty = any host at a public address */
    int n_callback_allow_hosts;
    char redis_url[512];
    int callback_attempts;
    int callback_base_seconds;
    int callback_cap_seconds;
    int callback_base_ms; /* overrides base_seconds when > 0 (tests) */
    int callback_cap_ms;  /* overrides cap_seconds when > 0 (tests) */
    /* [storage] (docs/storage.md) */
    char storage_default[8];                   /* backend of buckets not listed: fs or s3 */
    char storage_buckets[CONFIG_LIST_MAX][80]; /* BUCKET:fs or BUCKET:s3 */
    int storage_allow_endpoint_override;       /* OutputConfig.Endpoint with the [s3] credentials */
    int n_storage_buckets;
    /* OutputConfig.Endpoint hosts; empty = any host at a public address */
    char storage_endpoint_allow_hosts[CONFIG_LIST_MAX][256];
    int n_storage_endpoint_allow_hosts;
    /* [s3] */
    char s3_endpoint[512]; /* http(s)://host[:port][/path] */
    char s3_region[64];
    char s3_access_key_id[256];
    char s3_secret_access_key[256]; /* better from REELCUT_S3_SECRET_ACCESS_KEY than the file */
    char s3_addressing[16];         /* path or virtual */
    int s3_verify_tls;
    char s3_ca_file[CONFIG_PATH_MAX]; /* empty = the system CA store */
    int s3_part_size_mb;
    int s3_multipart_threshold_mb;
    int s3_upload_threads; /* multipart parts in flight */
    int s3_max_attempts;
    int s3_connect_timeout_seconds;
    int s3_stall_timeout_seconds;
} config;

/* Fills cfg with the embedded defaults (the one place they are written). */
void config_defaults(config *cfg);

/* Reads an ini file over cfg. Returns 0, RC_ENOENT if the file is missing, RC_EINVAL with err
 * naming file:line and key for a bad line or value. */
int config_load_file(config *cfg, const char *path, rc_error *err);

/* Applies REELCUT_<SECTION>_<KEY> environment variables (e.g. REELCUT_SERVER_LISTEN,
 * REELCUT_JOBS_MAX_ATTEMPTS) and the short forms REELCUT_LISTEN, REELCUT_DATA_DIR,
 * REELCUT_WORKERS, REELCUT_STORE_URL. Errors name the variable. */
int config_load_env(config *cfg, rc_error *err);

/* Sets one value by section and key (as in the ini file); `origin` names the source in errors. */
int config_set(config *cfg, const char *section, const char *key, const char *value,
               const char *origin, rc_error *err);

/* Resolves derived paths (store URL, keys file) from data_dir once all sources are applied,
 * checks the storage settings (storage.default, storage.buckets, s3.addressing, and the s3.*
 * settings an s3-backed bucket needs), and creates data_dir (mode 0700) and its buckets/ and
 * tmp/ folders. */
int config_finalize(config *cfg, rc_error *err);

#endif
