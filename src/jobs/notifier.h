/* notifier: delivers job-completion callbacks from the store's outbox (API.md §4.7) - HTTP POST or
 * Redis stream XADD - with retries on a schedule kept in the outbox, so it survives restarts. */
#ifndef REELCUT_NOTIFIER_H
#define REELCUT_NOTIFIER_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/config.h"
#include "util/rc.h"

#define JOBS_NOTIFY_MD5_HEX_LEN 32
#define JOBS_NOTIFY_ERROR_MAX 256

typedef struct jobs_notify_config {
    const char *auth_key;  /* callback.auth_key; NULL or "" = no X-ICE-* signature headers */
    const char *redis_url; /* redis://[[user]:password@]host[:port][/db]; NULL or "" = none */
    int attempts;          /* deliveries per callback in all (>= 1); 0 = 10 */
    int64_t base_ms;       /* delay after the first failure; 0 = 15000 */
    int64_t cap_ms;        /* longest delay; 0 = 900000 */
    int64_t timeout_ms;    /* limit of one attempt (HTTP: the whole exchange); 0 = 3000 */
    int threads;           /* deliveries at once; 0 = 4 */
    int64_t poll_ms;       /* idle wait between looks at the outbox; 0 = 250 */
    int64_t lease_ms;      /* claim lease, longer than any attempt; 0 = 20000 */
    /* callback.allow_hosts: the hosts named here may be at internal addresses (loopback,
     * private, ...); any other URL host must connect to a public address (blob_net.h). */
    const char *allow_hosts[CONFIG_LIST_MAX];
    int n_allow_hosts;
} jobs_notify_config;

/* Fills out from the [callback] settings of cfg (base_ms / cap_ms win over the *_seconds ones).
 * The strings point into cfg, which must outlive out. */
void jobs_notify_config_from(const config *cfg, jobs_notify_config *out);

enum jobs_notify_result {
    JOBS_NOTIFY_OK = 0,      /* delivered */
    JOBS_NOTIFY_RETRY = 1,   /* failed; another attempt may succeed */
    JOBS_NOTIFY_GIVE_UP = 2, /* failed for good (no Redis URL for a queue, unusable target) */
};

/* X-ICE-SIGNATURE: lowercase hex MD5 of "<url>|<timestamp>|<key>" into out_hex. Returns 0,
 * RC_ENOMEM or RC_EINTERNAL (OpenSSL failed). The key is wiped from the scratch buffer. */
int jobs_notify_signature(const char *url, long long timestamp, const char *key,
                          char out_hex[JOBS_NOTIFY_MD5_HEX_LEN + 1]);

/* Delay before attempt failures+1, after `failures` failed attempts (>= 1):
 * min(base * 2^(failures-1), cap), scaled by 1 + jitter/10 with jitter in [-1, 1] (so +-10%),
 * never below 1 ms. Pure. */
int64_t jobs_notify_delay_ms(const jobs_notify_config *cfg, int failures, double jitter);

/* 1 if target is a queue name: "ice-callback" then [A-Za-z0-9_-]*, at most 120 bytes. */
int jobs_notify_is_queue(const char *target);

/* Makes one delivery attempt of body to target (URL: POST with the signature headers stamped
 * now_s, to a public address unless the host is in cfg->allow_hosts; queue name: XADD <target> *
 * message <body>) and waits at most cfg->timeout_ms. On failure error (error_len bytes, may be
 * NULL) gets a one-line reason without secrets; every HTTP attempt that gets no answer (address
 * refused by the rule, connection refused, reset, timeout, TLS) has the same reason, so it does
 * not tell an open port from a closed one.
 * Thread-safe; allocates nothing that outlives the call. */
enum jobs_notify_result jobs_notify_deliver(const jobs_notify_config *cfg, const char *target,
                                            const char *body, long long now_s, char *error,
                                            size_t error_len);

/* Copies target into out (out_len bytes) fit for logs: no user:password@, no query or fragment. */
void jobs_notify_redact(const char *target, char *out, size_t out_len);

typedef struct jobs_notifier jobs_notifier;

/* Starts the notifier on st: one thread that claims due outbox rows (with a lease, so notifiers
 * in other processes never send the same row at once) and cfg->threads delivery threads. Each
 * outcome is recorded in the outbox (delivered / retry at now + jobs_notify_delay_ms / failed
 * after cfg->attempts) and logged. The config strings are copied. Returns 0, RC_EINVAL (bad
 * config), RC_ENOMEM or RC_EINTERNAL (threads); *out is freed by jobs_notifier_stop. */
int jobs_notifier_start(store *st, const jobs_notify_config *cfg, jobs_notifier **out,
                        rc_error *err);

/* Makes the notifier look at the outbox at once (e.g. after a job finished). NULL-safe. */
void jobs_notifier_wake(jobs_notifier *n);

/* Stops claiming, lets the deliveries already claimed end (each within its timeout), joins the
 * threads and frees n. NULL-safe. */
void jobs_notifier_stop(jobs_notifier *n);

#endif
