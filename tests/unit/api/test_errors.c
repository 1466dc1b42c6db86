/* Unit tests for api/errors: the §3.2 table and the §3.1 error body. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "api/errors.h"

/* Every Code of §3.2 with its status; fixed messages given verbatim, NULL for templates. */
static const struct {
    const char *code;
    int status;
    const char *message;
} SPEC[] = {
    {"InvalidApi.NotFound", 404, "Specified api is not found, please check your url and method."},
    {"RequestTooLarge", 413, "The request exceeds the size limit."},
    {"InvalidParameter", 400, NULL},
    {"IncompleteSignature", 400, "The request signature does not conform to Aliyun standards."},
    {"InvalidSignatureMethod", 400, "Specified signature method is not valid."},
    {"InvalidVersion", 400, "Specified parameter Version is not valid."},
    {"InvalidTimeStamp.Format", 400, "Specified time stamp or date value is not well formatted."},
    {"InvalidTimeStamp.Expired", 400, "Specified time stamp or date value is expired."},
    {"InvalidAccessKeyId.NotFound", 404, "Specified access key is not found."},
    {"InvalidAccessKeyId.Inactive", 400, "Specified access key is disabled."},
    {"SignatureDoesNotMatch", 400, "Specified signature is not matched with our calculation."},
    {"SignatureNonceUsed", 400, "Specified signature nonce was used already."},
    {"Throttling.User", 400, "Request was denied due to user flow control."},
    {"Throttling", 400, "Request was denied due to request throttling."},
    {"MissingParameter", 400, NULL},
    {"InvalidParameter.JsonFormat", 400, NULL},
    {"InvalidParameter.EmptyValue", 400, NULL},
    {"InvalidParameter.TypeMismatch", 400, NULL},
    {"InvalidParameter.OutOfRange", 400, NULL},
    {"InvalidParameter.UnsupportedValue", 400, NULL},
    {"InvalidParameter.ResourceNotFound", 404, NULL},
    {"InvalidParameter.ResourceAlreadyExists", 400,
     "The resource operated \"ReferenceId\" already exists."},
    {"IdempotentParameterMismatch", 400,
     "The request uses the same client token as a previous, but non-identical request."},
    {"InternalError", 500, "The request processing has failed due to some unknown error."},
    {"ServiceUnavailable", 503, "The request has failed due to a temporary failure of the server."},
};

static void test_table(void **state) {
    (void)state;
    size_t n = sizeof(SPEC) / sizeof(SPEC[0]);
    assert_int_equal(n, API_ERR_COUNT);
    for (size_t i = 0; i < n; i++) {
        const api_error_info *info = api_error_lookup(SPEC[i].code);
        assert_non_null(info);
        assert_ptr_equal(api_error_by_id(info->id), info);
        assert_int_equal(info->http_status, SPEC[i].status);
        assert_int_equal(api_error_http_status(SPEC[i].code), SPEC[i].status);
        assert_true(info->rc < 0);
        if (SPEC[i].message)
            assert_string_equal(info->message, SPEC[i].message);
        assert_int_equal(api_error_is_throttling(SPEC[i].code),
                         strstr(SPEC[i].code, "Throttling") != NULL);
    }
    assert_null(api_error_lookup("invalidapi.notfound"));
    assert_null(api_error_lookup(NULL));
    assert_int_equal(api_error_http_status("JobTimeout"), 500);
    assert_string_equal(api_error_by_id((enum api_error_id)999)->code, "InternalError");
}

static void test_fail(void **state) {
    (void)state;
    rc_error err = {0};
    assert_int_equal(api_fail(&err, API_ERR_NONCE_USED, NULL), RC_EEXIST);
    assert_string_equal(err.code, "SignatureNonceUsed");
    assert_string_equal(err.message, "Specified signature nonce was used already.");
    /* first failure wins */
    assert_int_equal(api_fail(&err, API_ERR_VERSION, NULL), RC_EINVAL);
    assert_string_equal(err.code, "SignatureNonceUsed");
    rc_error_clear(&err);
    assert_int_equal(api_fail(&err, API_ERR_OUT_OF_RANGE, "%s must be in [%d,%d]",
                              "InputConfig.Strategy.Count", 1, 10),
                     RC_ERANGE);
    assert_string_equal(err.code, "InvalidParameter.OutOfRange");
    assert_string_equal(err.message, "InputConfig.Strategy.Count must be in [1,10]");
    assert_int_equal(api_fail(NULL, API_ERR_MISSING_PARAMETER, "x"), RC_EINVAL);
}

/* Parses body and checks the five keys, in order, with these values. */
static void check_body(const char *body, const char *rid, const char *host, const char *code,
                       const char *message, const char *recommend) {
    assert_non_null(body);
    json_error_t jerr;
    json_t *j = json_loads(body, JSON_REJECT_DUPLICATES, &jerr);
    assert_non_null(j);
    assert_int_equal(json_object_size(j), 5);
    static const char *const order[] = {"RequestId", "HostId", "Code", "Message", "Recommend"};
    const char *values[] = {rid, host, code, message, recommend};
    const char *prev = body;
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(json_string_value(json_object_get(j, order[i])), values[i]);
        char quoted[32];
        snprintf(quoted, sizeof(quoted), "\"%s\":", order[i]);
        const char *at = strstr(body, quoted);
        assert_non_null(at);
        assert_true(at >= prev);
        prev = at;
    }
    json_decref(j);
}

static void test_body(void **state) {
    (void)state;
    const char *rid = "8B0F2A4E-6C1D-4E5F-9A7B-3C2D1E0F4A5B";
    char *b =
        api_error_body("InvalidParameter.OutOfRange",
                       "InputConfig.Strategy.Count must be in [1,10]", rid, "127.0.0.1:8080", NULL);
    assert_string_equal(b,
                        "{\"RequestId\":\"8B0F2A4E-6C1D-4E5F-9A7B-3C2D1E0F4A5B\",\"HostId\":"
                        "\"127.0.0.1:8080\",\"Code\":\"InvalidParameter.OutOfRange\",\"Message\":"
                        "\"InputConfig.Strategy.Count must be in [1,10]\",\"Recommend\":\"\"}");
    free(b);
    b = api_error_body("SignatureNonceUsed", NULL, rid, "h", "https://diag.example/err");
    check_body(b, rid, "h", "SignatureNonceUsed", "Specified signature nonce was used already.",
               "https://diag.example/err?q=SignatureNonceUsed&requestId=8B0F2A4E-6C1D-4E5F-9A7B-"
               "3C2D1E0F4A5B");
    free(b);
    b = api_error_body("Whatever", "", NULL, NULL, "");
    check_body(b, "", "", "Whatever",
               "The request processing has failed due to some unknown error.", "");
    free(b);
    b = api_error_body(NULL, NULL, "r", "h", NULL);
    check_body(b, "r", "h", "InternalError",
               "The request processing has failed due to some unknown error.", "");
    free(b);
    /* quotes, control characters, UTF-8 kept; invalid UTF-8 replaced so the body stays JSON */
    b = api_error_body("InvalidParameter", "Parameter \"a\tb\xc3\xa4\xff\xc3\" is bad", "r",
                       "h\x80", NULL);
    check_body(b, "r", "h?", "InvalidParameter", "Parameter \"a\tb\xc3\xa4?\?\" is bad", "");
    free(b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_fail),
        cmocka_unit_test(test_body),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
