/* errors: the IMS error Codes of API.md §3.2 - HTTP status, messages, and the JSON error body. */
#ifndef REELCUT_API_ERRORS_H
#define REELCUT_API_ERRORS_H

#include <stdbool.h>

#include "util/rc.h"

/* X(id, Code, HTTP status, rc, message)
 * The message is the exact text of §3.2 for fixed messages. For template Codes (free text or
 * `<path>` templates) it is only a fallback used when the caller gives no message; callers should
 * always pass the filled-in template for those. */
#define API_ERROR_TABLE(X)                                                                         \
    X(API_ERR_API_NOT_FOUND, "InvalidApi.NotFound", 404, RC_ENOENT,                                \
      "Specified api is not found, please check your url and method.")                             \
    X(API_ERR_TOO_LARGE, "RequestTooLarge", 413, RC_ETOOBIG,                                       \
      "The request exceeds the size limit.")                                                       \
    X(API_ERR_INVALID_PARAMETER, "InvalidParameter", 400, RC_EINVAL,                               \
      "The request parameters are not valid.")                                                     \
    X(API_ERR_INCOMPLETE_SIGNATURE, "IncompleteSignature", 400, RC_EINVAL,                         \
      "The request signature does not conform to Aliyun standards.")                               \
    X(API_ERR_SIGNATURE_METHOD, "InvalidSignatureMethod", 400, RC_EINVAL,                          \
      "Specified signature method is not valid.")                                                  \
    X(API_ERR_VERSION, "InvalidVersion", 400, RC_EINVAL,                                           \
      "Specified parameter Version is not valid.")                                                 \
    X(API_ERR_TIMESTAMP_FORMAT, "InvalidTimeStamp.Format", 400, RC_EINVAL,                         \
      "Specified time stamp or date value is not well formatted.")                                 \
    X(API_ERR_TIMESTAMP_EXPIRED, "InvalidTimeStamp.Expired", 400, RC_EINVAL,                       \
      "Specified time stamp or date value is expired.")                                            \
    X(API_ERR_KEY_NOT_FOUND, "InvalidAccessKeyId.NotFound", 404, RC_ENOENT,                        \
      "Specified access key is not found.")                                                        \
    X(API_ERR_KEY_INACTIVE, "InvalidAccessKeyId.Inactive", 400, RC_EINVAL,                         \
      "Specified access key is disabled.")                                                         \
    X(API_ERR_SIGNATURE_MISMATCH, "SignatureDoesNotMatch", 400, RC_EINVAL,                         \
      "Specified signature is not matched with our calculation.")                                  \
    X(API_ERR_NONCE_USED, "SignatureNonceUsed", 400, RC_EEXIST,                                    \
      "Specified signature nonce was used already.")                                               \
    X(API_ERR_THROTTLING_USER, "Throttling.User", 400, RC_EBUSY,                                   \
      "Request was denied due to user flow control.")                                              \
    X(API_ERR_THROTTLING, "Throttling", 400, RC_EBUSY,                                             \
      "Request was denied due to request throttling.")                                             \
    X(API_ERR_MISSING_PARAMETER, "MissingParameter", 400, RC_EINVAL,                               \
      "A required parameter is mandatory for this action.")                                        \
    X(API_ERR_JSON_FORMAT, "InvalidParameter.JsonFormat", 400, RC_EINVAL,                          \
      "A parameter is not a valid JSON object")                                                    \
    X(API_ERR_EMPTY_VALUE, "InvalidParameter.EmptyValue", 400, RC_EINVAL,                          \
      "A field is mandatory for this action.")                                                     \
    X(API_ERR_TYPE_MISMATCH, "InvalidParameter.TypeMismatch", 400, RC_EINVAL,                      \
      "A field has the wrong type.")                                                               \
    X(API_ERR_OUT_OF_RANGE, "InvalidParameter.OutOfRange", 400, RC_ERANGE,                         \
      "A value is out of range.")                                                                  \
    X(API_ERR_UNSUPPORTED_VALUE, "InvalidParameter.UnsupportedValue", 400, RC_ENOTSUP,             \
      "A value is not supported.")                                                                 \
    X(API_ERR_RESOURCE_NOT_FOUND, "InvalidParameter.ResourceNotFound", 404, RC_ENOENT,             \
      "The resource operated cannot be found.")                                                    \
    X(API_ERR_RESOURCE_EXISTS, "InvalidParameter.ResourceAlreadyExists", 400, RC_EEXIST,           \
      "The resource operated \"ReferenceId\" already exists.")                                     \
    X(API_ERR_IDEMPOTENT_MISMATCH, "IdempotentParameterMismatch", 400, RC_EEXIST,                  \
      "The request uses the same client token as a previous, but non-identical request.")          \
    X(API_ERR_INTERNAL, "InternalError", 500, RC_EINTERNAL,                                        \
      "The request processing has failed due to some unknown error.")                              \
    X(API_ERR_UNAVAILABLE, "ServiceUnavailable", 503, RC_EDB,                                      \
      "The request has failed due to a temporary failure of the server.")

enum api_error_id {
#define API_ERR_ENUM(id, code, status, rc, msg) id,
    API_ERROR_TABLE(API_ERR_ENUM)
#undef API_ERR_ENUM
        API_ERR_COUNT
};

typedef struct api_error_info {
    enum api_error_id id;
    const char *code;    /* IMS Code, e.g. "SignatureDoesNotMatch" */
    int http_status;     /* 400..599 */
    int rc;              /* the RC_E* stored in rc_error.rc for this Code */
    const char *message; /* §3.2 text (fallback for template Codes) */
} api_error_info;

/* Returns the table row of id (never NULL; an out-of-range id gives the InternalError row). */
const api_error_info *api_error_by_id(enum api_error_id id);

/* Returns the table row whose Code equals code exactly, or NULL when the Code is not in §3.2. */
const api_error_info *api_error_lookup(const char *code);

/* Returns the HTTP status for code: the table's, or 500 for a Code not in the table (including
 * NULL). */
int api_error_http_status(const char *code);

/* True when code contains "Throttling": the SDK raises ThrottlingError for it, and the response
 * must carry header x-acs-retry-after (§3.1). */
bool api_error_is_throttling(const char *code);

/* Records the error id in err (first failure wins, like rc_fail): err->code = the IMS Code,
 * err->rc = the row's rc, err->message = the formatted fmt, or the row's message when fmt is NULL.
 * Returns the row's rc (negative) so callers can `return api_fail(err, ...)`. */
int api_fail(rc_error *err, enum api_error_id id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Renders the §3.1 error body, compact JSON with exactly the keys RequestId, HostId, Code, Message,
 * Recommend in that order. message NULL (or "") = the table's message for code (or the
 * InternalError message for an unknown code). request_id/host_id NULL = "". Recommend is
 * "<recommend_base>?q=<Code>&requestId=<RequestId>", or "" when recommend_base is NULL or empty.
 * Bytes that are not valid UTF-8 in any string are replaced by '?', so the body is always valid
 * JSON. Returns a malloc'd NUL-terminated string the caller frees, or NULL when out of memory. */
char *api_error_body(const char *code, const char *message, const char *request_id,
                     const char *host_id, const char *recommend_base);

#endif
