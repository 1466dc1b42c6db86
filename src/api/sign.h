/* sign: IMS request authentication (ACS3-HMAC-SHA256 and RPC HMAC-SHA1, API.md §2) and client
 * signing. */
#ifndef REELCUT_API_SIGN_H
#define REELCUT_API_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "api/params.h"
#include "util/buf.h"
#include "util/rc.h"

#define API_SHA256_HEX_LEN 64
#define API_RPC_SIGNATURE_LEN 28 /* base64 of a 20-byte HMAC-SHA1 */
#define API_ACCESS_KEY_ID_MAX 128
#define API_SECRET_MAX 256
#define API_NONCE_MAX 128
#define API_ACTION_MAX 64
#define API_VERSION "2020-11-09"
#define API_MAX_SKEW_SECONDS 900

/* One HTTP header as received: name in any case (compared case-insensitively), value
 * NUL-terminated, untrimmed. A header received several times appears several times. */
typedef struct api_header {
    const char *name;
    const char *value;
} api_header;

/* What authentication needs of one HTTP request; nothing is copied, the caller owns every byte.
 * The content type is read from the headers. */
typedef struct api_request_view {
    const char *method; /* "POST", "GET" */
    const char *path;   /* as received, without the query: "/" */
    const char *query;  /* raw query text after '?', NOT unescaped (NULL or "" = none); with
                         * libmicrohttpd take it from the URI log callback, as MHD unescapes url */
    size_t query_len;
    const api_header *headers;
    size_t header_count;
    const char *body; /* de-chunked body bytes (NULL when body_len is 0) */
    size_t body_len;
} api_request_view;

enum api_sign_style { API_STYLE_NONE = 0, API_STYLE_ACS3 = 1, API_STYLE_RPC = 2 };

/* What the key store knows about one AccessKeyId. */
typedef struct api_key_info {
    char secret[API_SECRET_MAX + 1];
    uint64_t user_id;
    bool enabled;
} api_key_info;

/* Looks up access_key_id; fills out and returns 0, returns RC_ENOENT when unknown, or another
 * negative RC_E* when the store fails (RC_EDB -> ServiceUnavailable, others -> InternalError). */
typedef int (*api_key_lookup_fn)(void *ctx, const char *access_key_id, api_key_info *out);
/* True when action (case-sensitive) is an operation the server implements. */
typedef bool (*api_action_known_fn)(void *ctx, const char *action);

typedef struct api_auth_config {
    api_key_lookup_fn lookup_key;
    void *key_ctx;
    api_action_known_fn action_known;
    void *action_ctx;
    /* Append the server's view to SignatureDoesNotMatch messages (§2.5); it holds no secret. The
     * message is cut to the size of rc_error.message. */
    bool explain_mismatch;
} api_auth_config;

/* The outcome of a successful api_authenticate(). Caller-allocated; api_auth_result_free() after.
 */
typedef struct api_auth_result {
    enum api_sign_style style;
    char access_key_id[API_ACCESS_KEY_ID_MAX + 1];
    uint64_t user_id;
    char action[API_ACTION_MAX + 1];
    char version[sizeof(API_VERSION)];
    char nonce[API_NONCE_MAX + 1]; /* for the caller's replay check (§2.5 step 10) */
    time_t timestamp;              /* x-acs-date / Timestamp */
    /* Every parameter of the request, query first then form body (common ones included: callers
     * look up the names they know and ignore the rest). */
    api_params params;
    size_t query_count; /* params.items[0 .. query_count) came from the query string */
} api_auth_result;

/* Runs checks 3-9 of API.md §2.5 on req, in that order, for both signature styles, with now as the
 * server clock (steps 1-2, path/method and size limits, are the HTTP layer's). The style is ACS3
 * when an Authorization header is present, else RPC when a Signature parameter is (query or form
 * body). out is initialised here (no init needed) and must be released with api_auth_result_free()
 * in every case, success or not; err is cleared first. On success returns 0 and fills out. On
 * failure returns a negative RC_E* (api_error_info.rc of the Code) and fills err with the IMS Code
 * and the §3.2 message (InvalidParameter carries a specific message); SignatureDoesNotMatch
 * optionally carries the server's view (cfg->explain_mismatch); a key store failure gives
 * ServiceUnavailable (RC_EDB) or InternalError. Signatures are compared in constant time. The nonce
 * is NOT checked for replay: the caller does step 10 with out->access_key_id, out->nonce and
 * out->timestamp (remember the pair while the timestamp is still accepted: through timestamp +
 * API_MAX_SKEW_SECONDS inclusive, i.e. store_nonce_use with expires_at = timestamp + 901). */
int api_authenticate(const api_request_view *req, time_t now, const api_auth_config *cfg,
                     api_auth_result *out, rc_error *err);

void api_auth_result_init(api_auth_result *r);
void api_auth_result_free(api_auth_result *r);

/* Returns the value of header name in req (case-insensitive), the first occurrence, untrimmed; NULL
 * when absent. */
const char *api_header_get(const api_request_view *req, const char *name);

/* ---- ACS3-HMAC-SHA256 building blocks (shared by the verifier and the client signer) ---- */

/* Writes HEX(SHA256(data)) (64 lowercase hex + NUL) into out. Returns 0 or RC_EINTERNAL. */
int api_sha256_hex(const void *data, size_t len, char out[API_SHA256_HEX_LEN + 1]);

/* Appends the §2.2 CanonicalRequest of req to out: method, path, canonical query (from req->query),
 * canonical headers for signed_headers (';'-separated lower-case names, used as given),
 * signed_headers, content_sha256. Returns 0; RC_EINVAL with err InvalidParameter for a malformed
 * query, or IncompleteSignature when a listed header is absent; RC_ETOOBIG; RC_ENOMEM. */
int api_acs3_canonical_request(const api_request_view *req, const char *signed_headers,
                               const char *content_sha256, buf *out, rc_error *err);

/* Appends "ACS3-HMAC-SHA256\n" + HEX(SHA256(canonical_request)) to out. Returns 0 or a negative rc.
 */
int api_acs3_string_to_sign(const char *canonical_request, size_t len, buf *out);

/* The client side of ACS3: everything needed to send a signed request. */
typedef struct api_acs3_signature {
    char *signed_headers;    /* "content-type;host;x-acs-..." */
    char *canonical_request; /* for diagnostics and tests */
    char *string_to_sign;
    char signature[API_SHA256_HEX_LEN + 1];
    char *authorization; /* the Authorization header value */
} api_acs3_signature;

/* Signs req like the official client: req->headers must already hold host, x-acs-action,
 * x-acs-version, x-acs-date, x-acs-signature-nonce, x-acs-content-sha256 (api_sha256_hex of the
 * body) and content-type when there is a body; signed are host, content-type and every x-acs-*
 * header, lower-cased and sorted. Returns 0 and fills out (free with api_acs3_signature_free()), or
 * a negative rc with err set (RC_EINVAL for a malformed query, RC_ENOMEM...). */
int api_sign_acs3(const api_request_view *req, const char *access_key_id, const char *secret,
                  api_acs3_signature *out, rc_error *err);
void api_acs3_signature_free(api_acs3_signature *s);

/* ---- RPC HMAC-SHA1 ---- */

/* Appends the §2.3 Canonicalized string of params to out: every parameter except Signature, sorted
 * byte-wise by ENC(name) (ties by ENC(value)), joined as ENC(name)=ENC(value) with '&'. Returns 0
 * or a negative rc. */
int api_rpc_canonicalized(const api_params *params, buf *out);

/* Appends METHOD + "&%2F&" + ENC(Canonicalized) to out. Returns 0 or a negative rc. */
int api_rpc_string_to_sign(const char *method, const api_params *params, buf *out);

/* Computes the RPC signature of a request with these parameters (Signature itself, if present, is
 * skipped): BASE64(HMAC-SHA1(secret + "&", StringToSign)) into out (28 chars + NUL). The caller
 * adds it as parameter Signature (ENC'd on the wire). Returns 0 or a negative rc. */
int api_sign_rpc(const char *method, const api_params *params, const char *secret,
                 char out[API_RPC_SIGNATURE_LEN + 1]);

#endif
