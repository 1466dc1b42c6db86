/* spec: parse and validate the IMS business parameters (API.md §4) into plain job specs; pure, no
 * I/O. */
#ifndef REELCUT_SPEC_H
#define REELCUT_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/rc.h"

#define JOBS_POLICY_LIST_MAX 16
#define JOBS_URL_MAX 2048
#define JOBS_USERDATA_MAX 512
#define JOBS_MEDIA_USERDATA_MAX 1024
#define JOBS_NOTIFY_URL_MAX 1024
#define JOBS_NOTIFY_QUEUE_MAX 120
#define JOBS_RANGES_MAX 100
#define JOBS_RANGE_MAX_S 10000000 /* JobParams.Ranges times: about 115 days */
#define JOBS_HL_MEDIA_MAX 30
#define JOBS_CLIENT_TOKEN_MAX 64
#define JOBS_FINGERPRINT_LEN 64

/* Errors: every parser fills the caller's rc_error with the IMS Code and exact message of API.md
 * §3.2 and returns RC_EINVAL (MissingParameter, JsonFormat, EmptyValue, TypeMismatch), RC_ERANGE
 * (OutOfRange), RC_ENOTSUP (UnsupportedValue) or RC_ENOMEM; all are HTTP 400 request errors (CLI
 * exit status 2), whatever rc_exit_status() says for job failures. Validation order for the
 * Submit calls: jobs_*_spec_parse() (InputConfig, JobParams, OutputConfig, UserData), then
 * jobs_client_token_check() (ClientToken is listed last), then the token lookup, then
 * jobs_*_spec_check_state(). */

/* What the configuration allows; filled by the caller (API, CLI) from its config. Lists hold
 * borrowed strings. Host entries match a URL's host case-insensitively; an entry starting with "."
 * matches that domain's subdomains. A host given as an internal address literal (loopback,
 * private, link-local, ... in any spelling; util/netaddr.h) or as localhost is refused unless a
 * list entry names it exactly; DNS names are judged where the request connects (blob_net.h). */
typedef struct jobs_policy {
    /* Returns nonzero if `bucket` has a configured storage backend. NULL = no bucket has one. */
    int (*bucket_exists)(void *ctx, const char *bucket);
    void *bucket_ctx;
    int allow_local_paths; /* file:// inputs; with no roots, any absolute path */
    const char *local_roots[JOBS_POLICY_LIST_MAX];
    int n_local_roots;
    const char *http_hosts[JOBS_POLICY_LIST_MAX]; /* other http(s) inputs; none = disabled */
    int n_http_hosts;
    int allow_endpoint_override;                      /* OutputConfig.Endpoint */
    const char *endpoint_hosts[JOBS_POLICY_LIST_MAX]; /* Endpoint hosts; none = any public host */
    int n_endpoint_hosts;
    const char *callback_hosts[JOBS_POLICY_LIST_MAX]; /* NotifyAddress URLs; none = any public */
    int n_callback_hosts;
    const char *deny_dir; /* the service's data folder: no file:// input may resolve into it */
} jobs_policy;

/* ---- Input locations (API.md §4.0 Inputs) ---- */

enum jobs_location_kind {
    JOBS_LOC_OSS,   /* bucket + key (from oss:// or an OSS-style http(s) URL) */
    JOBS_LOC_HTTP,  /* url: an allowed http(s) URL, downloaded with GET */
    JOBS_LOC_FILE,  /* path: an absolute local path (percent-decoded) */
    JOBS_LOC_MEDIA, /* media_id: a MediaId to resolve through the job store */
};

typedef struct jobs_location {
    enum jobs_location_kind kind;
    char *raw;    /* the value as given; echoed as InputFile / SourceMediaURL */
    char *bucket; /* OSS only */
    char *key;    /* OSS: object key; HTTP: the URL; FILE: the path; MEDIA: the MediaId */
} jobs_location;

/* Parses a URL input. `path` names the parameter in messages (e.g. "InputConfig.Media").
 * Accepts oss://BUCKET/KEY, http(s)://BUCKET.oss-REGION[-internal].aliyuncs.com/KEY (key
 * percent-decoded, query ignored), other http(s) URLs whose host the policy allows, and
 * file:///abs/path under an allowed root; at most JOBS_URL_MAX bytes. When policy->bucket_exists
 * is set, an OSS bucket without a backend fails too. Returns 0 with *out filled
 * (jobs_location_free() it), or RC_EINVAL/RC_ERANGE/RC_ENOTSUP/RC_ENOMEM with err filled
 * (InvalidParameter.UnsupportedValue, .OutOfRange) and *out zeroed. */
/* The file a file:// location names, resolved (links followed) and checked again where it really
 * is: under an allowed root (when the policy names some) and not inside policy->deny_dir (keys,
 * job store, local buckets). The parse-time check is on the path as written; a link under a root
 * may point anywhere. Returns 0 with *resolved (malloc'd), RC_ENOENT (no such regular file) or
 * RC_ENOTSUP (outside the roots / inside the data folder: InvalidParameter.UnsupportedValue), err
 * naming param and the location as given; RC_ENOMEM. */
int jobs_local_file_resolve(const jobs_location *loc, const jobs_policy *policy, const char *param,
                            char **resolved, rc_error *err);

int jobs_location_parse(const char *url, const jobs_policy *policy, const char *path,
                        jobs_location *out, rc_error *err);
/* The state check done after the ClientToken lookup: an OSS location's bucket must have a
 * backend (policy->bucket_exists). Returns 0 or RC_ENOTSUP (UnsupportedValue) naming `path`. */
int jobs_location_check_bucket(const jobs_location *loc, const jobs_policy *policy,
                               const char *path, rc_error *err);
/* Frees the strings of loc and zeroes it; NULL-safe. */
void jobs_location_free(jobs_location *loc);

/* 1 if name is a valid bucket name: 3-63 of [a-z0-9.-], alphanumeric at both ends. */
int jobs_bucket_name_valid(const char *name);

/* ---- OutputConfig and UserData (API.md §4.0) ---- */

typedef struct jobs_output_spec {
    int present;       /* OutputConfig was given */
    int need_export;   /* files are written (segmentation: present; highlights: NeedExport) */
    char *target;      /* "oss-object" */
    char *bucket;      /* set when need_export */
    char *object_key;  /* template as submitted, when need_export */
    char *endpoint;    /* NULL = the bucket's backend */
    int width, height; /* 0 = from the source; else in [64,7680], even */
    int export_as_new_media;
} jobs_output_spec;

enum jobs_notify_kind { JOBS_NOTIFY_NONE, JOBS_NOTIFY_URL, JOBS_NOTIFY_QUEUE };

typedef struct jobs_userdata {
    char *raw; /* the parameter verbatim (NULL if absent), echoed byte-for-byte */
    enum jobs_notify_kind kind;
    char *notify_address; /* URL or queue name; NULL when kind is NONE */
} jobs_userdata;

/* ---- SubmitSegmentationJob (API.md §4.1) ---- */

enum jobs_seg_mode { JOBS_SEG_BASIC_CLIP_SPLIT, JOBS_SEG_USER_DEFINED };

typedef struct jobs_range {
    double in, out; /* seconds, 0 <= in < out */
} jobs_range;

typedef struct jobs_seg_spec {
    jobs_location input; /* kind MEDIA for Type "Media", else a URL kind */
    enum jobs_seg_mode mode;
    jobs_range *ranges; /* UserDefined only */
    size_t n_ranges;
    jobs_output_spec output;
    jobs_userdata userdata;
} jobs_seg_spec;

/* Parses the SubmitSegmentationJob parameters (each raw string, NULL or "" = absent) in the order
 * InputConfig, JobParams, OutputConfig, UserData; the first failure wins. Syntax and policy only:
 * call jobs_seg_spec_check_state() after the ClientToken lookup. Returns 0 with *out filled
 * (jobs_seg_spec_free() it) or a negative rc with err filled and *out zeroed. */
int jobs_seg_spec_parse(const char *input_config, const char *job_params, const char *output_config,
                        const char *user_data, const jobs_policy *policy, jobs_seg_spec *out,
                        rc_error *err);
/* Buckets configured (input, then OutputConfig.Bucket). Returns 0 or RC_ENOTSUP with err. */
int jobs_seg_spec_check_state(const jobs_seg_spec *spec, const jobs_policy *policy, rc_error *err);
void jobs_seg_spec_free(jobs_seg_spec *spec);
/* "BasicClipSplit" or "UserDefined". */
const char *jobs_seg_mode_name(enum jobs_seg_mode mode);

/* ---- SubmitHighlightExtractionJob (API.md §4.2) ---- */

typedef struct jobs_hl_media {
    char *media_id;    /* set when the item has a MediaId (it wins over MediaURL) */
    jobs_location url; /* the parsed MediaURL otherwise (url.raw NULL when media_id) */
} jobs_hl_media;

typedef struct jobs_hl_spec {
    jobs_hl_media *media;
    size_t n_media;          /* 1..30 */
    int count;               /* clips per input, 1..10, default 5 */
    double clip_duration;    /* seconds, 3..60, default 15 */
    int enable_action_recog; /* accepted, no effect */
    jobs_output_spec output;
    jobs_userdata userdata;
} jobs_hl_spec;

/* Parses InputConfig, OutputConfig, UserData of SubmitHighlightExtractionJob, as for
 * jobs_seg_spec_parse(). Free with jobs_hl_spec_free(). */
int jobs_hl_spec_parse(const char *input_config, const char *output_config, const char *user_data,
                       const jobs_policy *policy, jobs_hl_spec *out, rc_error *err);
int jobs_hl_spec_check_state(const jobs_hl_spec *spec, const jobs_policy *policy, rc_error *err);
void jobs_hl_spec_free(jobs_hl_spec *spec);

/* The OutputConfig and UserData parsers the Submit parsers use, for the CLI. `highlights` selects
 * the NeedExport rule. Free with jobs_output_spec_free() / jobs_userdata_free(). max_bytes is
 * JOBS_USERDATA_MAX or JOBS_MEDIA_USERDATA_MAX; notify selects the NotifyAddress rules. */
int jobs_output_parse(const char *output_config, int highlights, const jobs_policy *policy,
                      jobs_output_spec *out, rc_error *err);
/* Outputs never replace an input: fails when some index expands OutputConfig.ObjectKey to the
 * object `in` names (an OSS input in OutputConfig.Bucket; other kinds pass) - InvalidParameter
 * (RC_EINVAL) "OutputConfig.ObjectKey value "x.mp4" is not allowed: output 1
 * (oss://media-in/x_1.mp4) would replace <in_path>". An Endpoint override does not count as
 * another place: it may be the same service. The Submit parsers check URL inputs; MediaId inputs
 * are checked once resolved (API state check, and the executor before each upload). */
int jobs_output_check_input(const jobs_output_spec *out, const jobs_location *in,
                            const char *in_path, rc_error *err);
void jobs_output_spec_free(jobs_output_spec *out);
int jobs_userdata_parse(const char *user_data, size_t max_bytes, int notify,
                        const jobs_policy *policy, jobs_userdata *out, rc_error *err);
void jobs_userdata_free(jobs_userdata *ud);

/* ---- ClientToken and idempotency (API.md §4.0) ---- */

/* NULL or "" = absent (0). Else 1-64 printable ASCII characters, or RC_EINVAL with err. */
int jobs_client_token_check(const char *token, rc_error *err);

/* The business parameter names of an action, in its table order, without ClientToken; NULL for an
 * unknown action. The list is NULL-terminated and static. */
const char *const *jobs_business_params(const char *action);

/* Lowercase hex SHA-256 over the action and the decoded business parameter values (NULL = ""),
 * each length-prefixed so no two different inputs encode alike. out gets 64 chars + NUL.
 * Returns 0 or RC_EINTERNAL. */
int jobs_fingerprint(const char *action, const char *const *values, size_t n,
                     char out[JOBS_FINGERPRINT_LEN + 1]);

/* ---- ListSmartJobs (API.md §4.4) ---- */

enum jobs_state_filter {
    JOBS_STATE_ANY,
    JOBS_STATE_CREATED,
    JOBS_STATE_EXECUTING,
    JOBS_STATE_FINISHED,
    JOBS_STATE_FAILED
};
/* A job type's number in the JobType filter (jobtype.c gives each row its own; NextToken binds
 * the number, so a value never changes meaning). */
enum jobs_type_filter {
    JOBS_TYPE_ANY = 0,
    JOBS_TYPE_SEGMENTATION = 1,
    JOBS_TYPE_HIGHLIGHT = 2,
    JOBS_TYPE_NONE = 3
};

typedef struct jobs_list_params {
    enum jobs_state_filter state;
    enum jobs_type_filter type; /* NONE: another IMS type, matches nothing */
    const char *type_name;      /* the store's type to list: NULL = any, "" = none (static) */
    int sort_asc;               /* CreationTime:Asc; default Desc; ties by JobId the same way */
    long long page_no;          /* 1-based; 1 when a NextToken is given */
    int page_size;              /* the effective page size, [1,100] */
    int has_cursor;             /* a NextToken was given: list after (cursor_time, cursor_id) */
    int64_t cursor_time;        /* the last listed job's creation time, in the store's unit */
    char cursor_id[33];         /* the last listed job's JobId */
} jobs_list_params;

/* Parses the ListSmartJobs parameters (NULL or "" = absent) in table order. Page size: with a
 * NextToken MaxResults, else PageSize, else 10; without one PageSize, else MaxResults, else 10.
 * Returns 0 or RC_EINVAL/RC_ERANGE/RC_ENOTSUP with err filled. */
int jobs_list_params_parse(const char *job_state, const char *job_type, const char *sort_by,
                           const char *page_no, const char *page_size, const char *next_token,
                           const char *max_results, jobs_list_params *out, rc_error *err);
/* The store state a JobState filter lists: 1 with *out set, 0 for JOBS_STATE_ANY. */
int jobs_list_state(enum jobs_state_filter f, enum store_job_state *out);
/* Encodes the cursor after the last job of a page (its creation time and JobId) as an opaque
 * base64url NextToken bound to p's filters and sort. Returns 0, or RC_ETOOBIG if out (size n,
 * 128 bytes suffice) is too small, or RC_EINVAL for a JobId that is not 32 lowercase hex. */
int jobs_list_token_encode(const jobs_list_params *p, int64_t cursor_time, const char *cursor_id,
                           char *out, size_t n);

/* ---- RegisterMediaInfo and GetMediaInfo (API.md §4.5, §4.6) ---- */

#define JOBS_TITLE_MAX 128
#define JOBS_DESCRIPTION_MAX 1024
#define JOBS_TAGS_MAX 16
#define JOBS_TAG_MAX 32

typedef struct jobs_media_register {
    jobs_location input;     /* input.raw is the InputURL byte-exact */
    const char *title;       /* borrowed from the arguments; NULL = default */
    const char *description; /* borrowed; NULL = none */
    char *media_tags;        /* tags trimmed, empty ones dropped, joined with ","; NULL = none */
    size_t n_tags;
    const char *reference_id; /* borrowed; NULL = none */
    int overwrite;
    const char *user_data; /* borrowed, verbatim; NULL = none */
} jobs_media_register;

/* Parses RegisterMediaInfo (NULL or "" = absent) in the order InputURL, Title, Description,
 * MediaTags, ReferenceId, Overwrite, ClientToken, UserData. Borrowed fields point into the
 * arguments. Returns 0 (free with jobs_media_register_free()) or a negative rc with err filled. */
int jobs_media_register_parse(const char *input_url, const char *title, const char *description,
                              const char *media_tags, const char *reference_id,
                              const char *overwrite, const char *client_token,
                              const char *user_data, const jobs_policy *policy,
                              jobs_media_register *out, rc_error *err);
void jobs_media_register_free(jobs_media_register *m);

/* GetMediaInfo: MediaId wins over InputURL; neither -> MissingParameter "MediaId is mandatory for
 * this action." Sets exactly one of *media_id / *input_url (borrowed). Returns 0 or RC_EINVAL. */
int jobs_media_get_parse(const char *media_id, const char *input_url, const char **out_media_id,
                         const char **out_input_url, rc_error *err);

#endif
