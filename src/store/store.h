/* store: the only way to persistent state (jobs, client tokens, nonces, media, callback outbox). */
#ifndef REELCUT_STORE_H
#define REELCUT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "util/rc.h"

/*
 * Conventions shared by every function below:
 *  - Returns 0 or a negative RC_E* code: RC_ENOENT (no such row, or another user's), RC_EEXIST
 *    (a uniqueness conflict), RC_EDB (the database failed; err carries "InternalError" and the
 *    database's message), RC_EINVAL (bad arguments), RC_ENOMEM.
 *  - err may be NULL; when set it is filled through rc_fail (first failure wins).
 *  - Times are Unix seconds (`*_time`) or Unix milliseconds (`*_ms`), taken from the store's clock
 *    (store_options.clock_ms, default time_now_ms()), except where a function takes `now` itself.
 *  - Strings in records are heap copies owned by the record; free them with the record's free
 *    function. Records are caller-allocated; a record passed as output is overwritten (not freed)
 *    on entry, so zero it or free it before reuse. NULL string = absent.
 *  - Every function is safe to call from any thread on one shared store handle.
 */

#define STORE_ID_LEN 32 /* JobId / MediaId: 32 lowercase hex characters */

typedef struct store store; /* opaque handle */

typedef struct store_options {
    /* Clock in Unix milliseconds; NULL = time_now_ms(). Tests pin it to simulate lease expiry. */
    int64_t (*clock_ms)(void *ctx);
    void *clock_ctx;
    int pool_size;       /* database connections kept open; 0 = 8 */
    int busy_timeout_ms; /* how long a write waits for the lock; 0 = 10000 */
    /* SQLite: MiB of the shared replay-nonce table "<db>-nonces.table" in front of the nonce
     * database (store_nonce_table.h); 0 = STORE_NONCE_TABLE_MB (so a zeroed store_options gets
     * the table), STORE_NONCE_TABLE_NONE = none (every nonce is an SQLite write). Set when the
     * table file is created; an existing one keeps its size. Not the same scale as the setting
     * store.nonce_table_mb, where 0 means none: `reelcut serve` translates. */
    int nonce_table_mb;
} store_options;

#define STORE_NONCE_TABLE_MB 32     /* what a zeroed store_options.nonce_table_mb gives */
#define STORE_NONCE_TABLE_NONE (-1) /* store_options.nonce_table_mb: no table */

/* Opens (creating if needed) the store at url: "sqlite:///abs/path.db", "sqlite://rel/path.db" or
 * a plain file path (SQLite, WAL mode; the directory must exist), or a libpq URI
 * "postgresql://user:pass@host:port/db?sslmode=..." / "postgres://..." (PostgreSQL; a Unix socket
 * via "?host=/dir"). Applies the pending schema migrations (idempotent; several processes may
 * start at once). opts may be NULL for defaults. On success *out is a new handle the caller
 * releases with store_close(). RC_EDB if the database cannot be opened or has a newer schema,
 * RC_ENOTSUP for another URL scheme. Messages never contain the URL's password. */
int store_open(const char *url, const store_options *opts, store **out, rc_error *err);
/* Closes the handle and its connections; NULL is a no-op. No call may be in flight. */
void store_close(store *st);
/* Name of the backend ("sqlite" or "postgresql"). */
const char *store_backend_name(const store *st);
/* Cheap round trip for /healthz. Returns 0 or RC_EDB. */
int store_ping(store *st, rc_error *err);

/* ------------------------------------------------------------------ jobs */

enum store_job_state {
    STORE_JOB_CREATED = 0,
    STORE_JOB_EXECUTING = 1,
    STORE_JOB_FINISHED = 2,
    STORE_JOB_FAILED = 3,
};
#define STORE_JOB_STATE_COUNT 4

/* Wire names "Created", "Executing", "Finished", "Failed". */
const char *store_job_state_name(enum store_job_state s);
/* Parses a wire name (exact case). Returns 0 or RC_EINVAL. */
int store_job_state_parse(const char *name, enum store_job_state *out);

/* Delivery state of a job's callback (API.md §4.3 NotifyState). */
enum store_notify_state {
    STORE_NOTIFY_NONE = 0, /* no NotifyAddress, or not in a final state yet */
    STORE_NOTIFY_PENDING = 1,
    STORE_NOTIFY_DELIVERED = 2,
    STORE_NOTIFY_FAILED = 3,
};
/* "", "Pending", "Delivered", "Failed". */
const char *store_notify_state_name(enum store_notify_state s);

typedef struct store_job {
    char job_id[STORE_ID_LEN + 1];
    uint64_t user_id;
    char *type; /* "Segmentation" | "HighlightExtraction" */
    enum store_job_state state;
    int progress; /* 0-100 */
    /* As submitted (JSON text, byte-for-byte); NULL = not submitted. */
    char *input_config;
    char *job_params;
    char *output_config;
    char *user_data;
    /* Derived at submission for SmartJobInfo and callbacks. */
    char *input_file;     /* InputConfig.InputFile */
    char *output_bucket;  /* OutputConfig.Bucket, if exporting */
    char *output_object;  /* OutputConfig.ObjectKey, if exporting */
    char *title;          /* NULL at create = "default_title_<CreateTime ISO>" */
    char *notify_address; /* UserData.NotifyAddress (URL or queue name), or NULL */
    /* Result, set by store_job_finish. */
    char *ai_result; /* AiResult JSON string */
    char *media_url;
    char *media_id;
    char *error_code;
    char *error_message;
    int64_t create_time;   /* 0 at create = the store's clock */
    int64_t modified_time; /* changes at each state change */
    int64_t finish_time;   /* when Finished/Failed was reached (callback EventTime), else 0 */
    int attempts;          /* claims so far */
    char *lease_owner;     /* worker holding the job while Executing */
    int64_t lease_expires_ms;
    /* Read back from the callback outbox (store_job_get / store_job_list only). */
    enum store_notify_state notify_state;
    char *notify_error; /* last delivery error, if any */
} store_job;

/* Frees the strings of job (not job itself) and zeroes it; NULL-safe. */
void store_job_free(store_job *job);

/* The ClientToken scope of API.md §4.0: (access_key_id, action, token), valid 24 h from first use.
 */
typedef struct store_client_token {
    const char *access_key_id;
    const char *action;      /* e.g. "SubmitSegmentationJob" */
    const char *token;       /* ClientToken, 1-64 printable ASCII */
    const char *fingerprint; /* digest of the decoded business parameters (caller's choice) */
    int64_t ttl_s;           /* 0 = STORE_CLIENT_TOKEN_TTL_S */
} store_client_token;

#define STORE_CLIENT_TOKEN_TTL_S 86400 /* API.md §4.0: a ClientToken holds for 24 h */

enum store_submit_outcome {
    STORE_SUBMIT_CREATED = 0, /* a new row was inserted (and the token recorded) */
    STORE_SUBMIT_EXISTING =
        1, /* token seen with the same fingerprint: existing_id is the original */
    STORE_SUBMIT_MISMATCH =
        2, /* token seen with another fingerprint: IdempotentParameterMismatch */
};

/* Looks a live (unexpired) client token up without changing anything, for the early "token
 * lookup" step of API.md §4.0. Returns 0 with *outcome EXISTING (resource_id filled) or MISMATCH,
 * RC_ENOENT if the token is unknown or expired. resource_id has STORE_ID_LEN + 1 bytes. */
int store_client_token_lookup(store *st, const store_client_token *tok,
                              char resource_id[STORE_ID_LEN + 1],
                              enum store_submit_outcome *outcome, rc_error *err);

/* Creates job (state Created, progress 0, attempts 0; job_id, user_id, type required) and, when
 * tok is not NULL, records tok -> job_id, all in one transaction, so concurrent identical
 * submissions create exactly one job. If tok is live already: nothing is created, *outcome is
 * EXISTING with existing_id = the original job id, or MISMATCH. If max_unfinished > 0 and that
 * many jobs are Created or Executing, returns RC_EBUSY (Throttling) and creates nothing (a token
 * hit is answered first, whatever the queue). RC_EEXIST if job_id is taken. existing_id may be
 * NULL when tok is NULL. */
int store_job_submit(store *st, const store_job *job, const store_client_token *tok,
                     int64_t max_unfinished, char existing_id[STORE_ID_LEN + 1],
                     enum store_submit_outcome *outcome, rc_error *err);

/* A submission handed to store_job_submit_async: the arguments of store_job_submit, and its
 * results. The caller owns it and everything it points to until done has run. */
typedef struct store_submit_req {
    const store_job *job;
    const store_client_token *tok; /* NULL: none */
    int64_t max_unfinished;
    void (*done)(struct store_submit_req *req); /* runs once, when the results are set */
    void *ctx;                                  /* the caller's */
    /* results, as store_job_submit returns them */
    int rc;
    rc_error err;
    char existing_id[STORE_ID_LEN + 1];
    enum store_submit_outcome outcome;
    struct store_submit_req *next_; /* private: the queue */
} store_submit_req;

/* store_job_submit without waiting (group commit): the request joins a queue that the store's
 * commit thread (started on first use) drains, writing every queued submission in one transaction
 * - each with the outcome store_job_submit would give it at that point, one failing (a taken
 * job_id, the queue full) fails alone - then calling each done on that thread. So one commit is
 * shared by all the submissions that arrived while the previous one was written. done may also run
 * on the calling thread before this returns (invalid arguments, or no commit thread). store_close
 * finishes the queue first. */
void store_job_submit_async(store *st, store_submit_req *req);

/* Reads a job into *out (freed with store_job_free) if it belongs to user_id. Returns RC_ENOENT
 * for an unknown job or another user's. */
int store_job_get(store *st, const char *job_id, uint64_t user_id, store_job *out, rc_error *err);
/* Same without the user scope, for workers and the notifier. */
int store_job_get_any(store *st, const char *job_id, store_job *out, rc_error *err);

/* Claims the oldest claimable job for worker `owner`: a Created job, or an Executing one whose
 * lease expired (its worker died). In one transaction: state Executing, attempts + 1, progress 0,
 * lease = now + lease_ms. A job that has already had max_attempts attempts is not handed out but
 * Failed with InternalError "The job exceeded <max_attempts> attempts." (and its callback queued);
 * the search then goes on (max_attempts <= 0: no limit). Returns 0 with *out filled (freed with
 * store_job_free), RC_ENOENT if nothing is claimable. */
int store_job_claim(store *st, const char *owner, int64_t lease_ms, int max_attempts,
                    store_job *out, rc_error *err);

/* Claims job_id alone, as store_job_claim would if it were the oldest claimable job (Created, or
 * Executing with an expired lease; failed instead past max_attempts). Returns 0 with *out
 * filled, RC_ENOENT if it is unknown or not claimable now (running, done, or failed just now). */
int store_job_claim_id(store *st, const char *job_id, const char *owner, int64_t lease_ms,
                       int max_attempts, store_job *out, rc_error *err);

/* Extends the lease to now + lease_ms if owner still holds the Executing job. Returns 0,
 * RC_ECANCELED if the job is no longer this owner's (the worker must stop), RC_ENOENT if unknown.
 */
int store_job_heartbeat(store *st, const char *job_id, const char *owner, int64_t lease_ms,
                        rc_error *err);

/* Raises the progress (clamped to [0,99]; never lowered within an attempt) if owner holds the
 * Executing job. Returns 0, RC_ECANCELED (not the owner any more), RC_ENOENT (unknown job). */
int store_job_progress(store *st, const char *job_id, const char *owner, int progress,
                       rc_error *err);

typedef struct store_job_result {
    enum store_job_state state; /* STORE_JOB_FINISHED or STORE_JOB_FAILED */
    const char *ai_result;      /* Finished: AiResult JSON string */
    const char *media_url;      /* Finished, optional */
    const char *media_id;       /* Finished, optional */
    const char *error_code;     /* Failed: IMS ErrorCode */
    const char *error_message;  /* Failed */
} store_job_result;

/* Moves the Executing job held by owner to Finished (progress 100) or Failed (progress frozen),
 * clears the lease and, in the same transaction, queues the callback (a Pending outbox row,
 * EventTime = now) when the job has a notify_address. Returns 0, RC_ECANCELED if owner does not
 * hold it (nothing changes), RC_ENOENT if unknown, RC_EINVAL for another target state. */
int store_job_finish(store *st, const char *job_id, const char *owner, const store_job_result *res,
                     rc_error *err);

/* Gives the job back at once (graceful shutdown): it stays Executing with an expired lease, so the
 * next claim runs it again, and the interrupted attempt is not counted. Returns 0, RC_ECANCELED
 * (not the owner), RC_ENOENT. */
int store_job_release(store *st, const char *job_id, const char *owner, rc_error *err);

/* Number of jobs per state (all users), indexed by enum store_job_state. */
int store_job_count(store *st, int64_t counts[STORE_JOB_STATE_COUNT], rc_error *err);

enum store_sort { STORE_SORT_DESC = 0, STORE_SORT_ASC = 1 };

typedef struct store_job_query {
    uint64_t user_id;
    int has_state;
    enum store_job_state state;
    const char *type;     /* NULL = all types; any other string matches only that type */
    enum store_sort sort; /* by create_time, ties by job_id in the same direction */
    int64_t page_no;      /* 1-based; ignored with a cursor */
    int64_t page_size;    /* rows per page, >= 1 */
    /* Keyset cursor (NextToken): rows strictly after (after_time, after_id) in sort order. */
    int has_cursor;
    int64_t after_time;
    char after_id[STORE_ID_LEN + 1];
} store_job_query;

typedef struct store_job_page {
    store_job *jobs; /* count entries */
    size_t count;
    int64_t total; /* all rows matching the filters (not the cursor) */
    int has_more;  /* rows follow this page: the next cursor is (next_time, next_id) */
    int64_t next_time;
    char next_id[STORE_ID_LEN + 1];
} store_job_page;

/* Lists a user's jobs (API.md §4.4). *page is filled (freed with store_job_page_free). The list
 * records carry no input_config/job_params/output_config/ai_result (NULL) to keep pages small. */
int store_job_list(store *st, const store_job_query *q, store_job_page *page, rc_error *err);
void store_job_page_free(store_job_page *page);

/* Deletes jobs created before now - retention_s (and their outbox rows), expired client tokens and
 * expired nonces. Returns 0 or RC_EDB; *deleted_jobs (may be NULL) gets the jobs count. */
int store_purge(store *st, int64_t retention_s, int64_t *deleted_jobs, rc_error *err);

/* ------------------------------------------------------------------ nonces */

/* The longest a nonce may be remembered: expires_at - now. API.md §2.4 accepts a request time up to
 * 900 s either side of the server's clock, both ends included, and remembers the nonce while the
 * request time is accepted: up to and including request time + 900 s, so expires_at = request time
 * + 901 (a record counts while expires_at > now), at most now + 1801. */
#define STORE_NONCE_MAX_TTL_S 1801

/* Records (access_key_id, nonce) until expires_at (Unix s). Returns 0 the first time, RC_EEXIST if
 * it was recorded before and expires_at of that record is still > now (Unix s, the caller's request
 * clock, so tests with a pinned clock work); an expired record is reused. expires_at - now must not
 * exceed STORE_NONCE_MAX_TTL_S (the SQLite backend answers RC_EINVAL). Once this returns 0 the
 * record is committed and visible to every handle on the same database (other processes included).
 * Expired rows are purged now and then. */
int store_nonce_use(store *st, const char *access_key_id, const char *nonce, int64_t now,
                    int64_t expires_at, rc_error *err);
/* Forgets every nonce (tests replaying vectors). */
int store_nonce_clear(store *st, rc_error *err);

/* ------------------------------------------------------------------ media assets */

enum store_media_status {
    STORE_MEDIA_PREPARING = 0,
    STORE_MEDIA_NORMAL = 1,
    STORE_MEDIA_PREPARE_FAILED = 2,
};
/* "Preparing", "Normal", "PrepareFailed". */
const char *store_media_status_name(enum store_media_status s);

typedef struct store_media {
    char media_id[STORE_ID_LEN + 1];
    uint64_t user_id;
    char *input_url; /* unique per user (byte-exact) */
    char *title;
    char *description;
    char *tags;
    char *reference_id; /* unique per user when set */
    char *user_data;
    enum store_media_status status;
    char *probe_json; /* FileInfoList element once Normal */
    char *media_type; /* "video" | "audio" once probed */
    int64_t create_time;
    int64_t modified_time;
    int attempts; /* probe claims */
    char *lease_owner;
    int64_t lease_expires_ms;
} store_media;

void store_media_free(store_media *m);

/* Registers m (media_id, user_id, input_url required; status Preparing; create_time 0 = now) in one
 * transaction with the client token (tok may be NULL, outcomes as for store_job_submit). If the
 * user already has input_url: overwrite == 0 -> *outcome EXISTING and existing_id = that media id,
 * nothing changes; overwrite != 0 -> the old asset is deleted and m inserted. Returns RC_EEXIST if
 * reference_id is taken by another of the user's assets (err: ResourceAlreadyExists). */
int store_media_register(store *st, const store_media *m, int overwrite,
                         const store_client_token *tok, char existing_id[STORE_ID_LEN + 1],
                         enum store_submit_outcome *outcome, rc_error *err);
/* Reads a user's asset by id / by input_url (byte-exact). RC_ENOENT if none. */
int store_media_get(store *st, const char *media_id, uint64_t user_id, store_media *out,
                    rc_error *err);
int store_media_get_by_url(store *st, const char *input_url, uint64_t user_id, store_media *out,
                           rc_error *err);
/* Job artefacts: small files a job leaves for people to look at - a thumbnail per segment or
 * clip, a signal track per input (docs/ui.md) - kept with the job and purged with it. A name is
 * 1-STORE_ARTEFACT_NAME_MAX characters of [A-Za-z0-9._/-], not starting with '/' or '.'; data at
 * most STORE_ARTEFACT_MAX bytes. Writing a name again replaces it (a retried attempt). The name's
 * extension is its type (.jpg, .json), as for every object /media serves: no type is stored. */
#define STORE_ARTEFACT_NAME_MAX 64
#define STORE_ARTEFACT_MAX (4 << 20)
typedef struct store_artefact {
    void *data; /* malloc'd */
    size_t size;
} store_artefact;
int store_artefact_put(store *st, const char *job_id, const char *name, const void *data,
                       size_t size, rc_error *err);
/* Reads an artefact of a job of user_id. RC_ENOENT when the job is not the user's or has none of
 * that name. Free out->data. */
int store_artefact_get(store *st, const char *job_id, uint64_t user_id, const char *name,
                       store_artefact *out, rc_error *err);
/* 1 when name is a valid artefact name. */
int store_artefact_name_valid(const char *name);

/* Deletes a user's asset. RC_ENOENT if none. */
int store_media_delete(store *st, const char *media_id, uint64_t user_id, rc_error *err);
/* Claims the oldest Preparing asset for probing, like store_job_claim: unleased or lease expired,
 * attempts + 1; one past max_attempts becomes PrepareFailed instead. RC_ENOENT if none. */
int store_media_claim(store *st, const char *owner, int64_t lease_ms, int max_attempts,
                      store_media *out, rc_error *err);
/* Stores the probe outcome (status Normal or PrepareFailed, probe_json and media_type may be NULL)
 * and clears the lease, if owner holds it. RC_ECANCELED if not, RC_ENOENT if unknown. */
int store_media_set_probe(store *st, const char *media_id, const char *owner,
                          enum store_media_status status, const char *probe_json,
                          const char *media_type, rc_error *err);

/* ------------------------------------------------------------------ callback outbox */

typedef struct store_outbox {
    int64_t id;
    char job_id[STORE_ID_LEN + 1];
    char *target; /* URL or queue name */
    char *body;   /* the JSON envelope of API.md §4.7, same on every attempt */
    int64_t event_time;
    int attempts; /* deliveries tried so far */
    int64_t next_attempt_ms;
    enum store_notify_state state;
    char *last_error;
} store_outbox;

void store_outbox_free(store_outbox *o);

/* Claims the pending row due earliest (next_attempt_ms <= now, not leased by a live notifier) with
 * a lease of lease_ms, so two notifiers never send the same row at once. RC_ENOENT if none due. */
int store_outbox_claim(store *st, const char *owner, int64_t lease_ms, store_outbox *out,
                       rc_error *err);
/* Outcome of one delivery attempt of a row owner claimed (attempts + 1 each):
 * delivered; failed with a retry at next_attempt_ms; failed for good (state Failed).
 * Return 0, RC_ECANCELED if the lease was lost, RC_ENOENT if unknown. */
int store_outbox_delivered(store *st, int64_t id, const char *owner, rc_error *err);
int store_outbox_retry(store *st, int64_t id, const char *owner, int64_t next_attempt_ms,
                       const char *error, rc_error *err);
int store_outbox_give_up(store *st, int64_t id, const char *owner, const char *error,
                         rc_error *err);
/* Reads the outbox row of a job. RC_ENOENT if the job has none. */
int store_outbox_get(store *st, const char *job_id, store_outbox *out, rc_error *err);
/* Number of Pending rows (metrics). */
int store_outbox_count_pending(store *st, int64_t *out, rc_error *err);

#endif
