/* Unit tests for api/sign: the §2.6 vectors, the §2.5 check order, client signing, callback MD5. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api/errors.h"
#include "api/params.h"
#include "api/sign.h"
#include "http_wire.h"
#include "util/timeutil.h"
#include "vectors.h"

#define PINNED "2025-01-02T03:04:05Z"
#define NONCE "3f1a9c0e5b7d2468ace013579bdf2468"

/* ---- test key store and action list ---- */

typedef struct test_key {
    const char *id;
    const char *secret;
    uint64_t user_id;
    bool enabled;
} test_key;

static const test_key KEYS[] = {{"testid", "testsecret", 1000, true},
                                {"offkey", "testsecret", 1001, false},
                                {"otherid", "othersecret", 1002, true}};

/* ctx: how many leading entries of KEYS are visible; a negative value simulates a store failure. */
static int lookup_key(void *ctx, const char *id, api_key_info *out) {
    int visible = *(const int *)ctx;
    if (visible < 0)
        return RC_EDB;
    for (int i = 0; i < visible; i++) {
        if (strcmp(KEYS[i].id, id) == 0) {
            snprintf(out->secret, sizeof(out->secret), "%s", KEYS[i].secret);
            out->user_id = KEYS[i].user_id;
            out->enabled = KEYS[i].enabled;
            return 0;
        }
    }
    return RC_ENOENT;
}

static bool action_known(void *ctx, const char *action) {
    (void)ctx;
    static const char *const known[] = {"SubmitSegmentationJob", "SubmitHighlightExtractionJob",
                                        "GetSmartHandleJob",     "ListSmartJobs",
                                        "RegisterMediaInfo",     "GetMediaInfo"};
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strcmp(known[i], action) == 0)
            return true;
    return false;
}

static time_t pinned(void) {
    time_t t;
    assert_int_equal(time_parse_iso(PINNED, &t), 0);
    return t;
}

/* Returns a malloc'd copy of wire with the first occurrence of from replaced by to (from must
 * occur, so a mutation can never silently do nothing). A chunked body keeps its size when from/to
 * have equal lengths. */
static char *mutate(const char *wire, const char *from, const char *to) {
    if (!from)
        return strdup(wire);
    const char *at = strstr(wire, from);
    assert_non_null(at);
    size_t head = (size_t)(at - wire), fl = strlen(from), tl = strlen(to);
    char *out = malloc(strlen(wire) - fl + tl + 1);
    memcpy(out, wire, head);
    memcpy(out + head, to, tl);
    strcpy(out + head + tl, at + fl);
    return out;
}

/* ---- vectors: canonical forms and signatures ---- */

static void check_acs3_vector(const char *wire, const char *canonical, const char *sts,
                              const char *signature) {
    wire_request w;
    assert_int_equal(wire_parse(wire, strlen(wire), &w), 0);
    const char *auth = api_header_get(&w.view, "authorization");
    assert_non_null(auth);
    const char *sh = strstr(auth, "SignedHeaders=") + strlen("SignedHeaders=");
    char signed_headers[512];
    snprintf(signed_headers, sizeof(signed_headers), "%.*s", (int)(strchr(sh, ',') - sh), sh);
    char sha[API_SHA256_HEX_LEN + 1];
    assert_int_equal(api_sha256_hex(w.view.body, w.view.body_len, sha), 0);
    assert_string_equal(sha, api_header_get(&w.view, "x-acs-content-sha256"));

    buf cr, s;
    buf_init(&cr, 0);
    buf_init(&s, 0);
    rc_error err = {0};
    assert_int_equal(api_acs3_canonical_request(&w.view, signed_headers, sha, &cr, &err), 0);
    assert_string_equal(cr.data, canonical);
    assert_int_equal(api_acs3_string_to_sign(cr.data, cr.len, &s), 0);
    assert_string_equal(s.data, sts);

    /* The client signer, fed the same request without Authorization, produces the same header. */
    wire_request unsigned_req = w;
    api_header hs[WIRE_MAX_HEADERS];
    size_t n = 0;
    for (size_t i = 0; i < w.view.header_count; i++)
        if (strcasecmp(w.headers[i].name, "authorization") != 0)
            hs[n++] = w.headers[i];
    unsigned_req.view.headers = hs;
    unsigned_req.view.header_count = n;
    api_acs3_signature sig;
    assert_int_equal(api_sign_acs3(&unsigned_req.view, "testid", "testsecret", &sig, &err), 0);
    assert_string_equal(sig.signature, signature);
    assert_string_equal(sig.canonical_request, canonical);
    assert_string_equal(sig.string_to_sign, sts);
    assert_string_equal(sig.authorization, auth);
    api_acs3_signature_free(&sig);
    buf_free(&cr);
    buf_free(&s);
    wire_free(&w);
}

static void test_vector_a(void **state) {
    (void)state;
    check_acs3_vector(VECTOR_A_WIRE, VECTOR_A_CANONICAL, VECTOR_A_STRING_TO_SIGN,
                      VECTOR_A_SIGNATURE);
}

static void test_vector_b(void **state) {
    (void)state;
    check_acs3_vector(VECTOR_B_WIRE, VECTOR_B_CANONICAL, VECTOR_B_STRING_TO_SIGN,
                      VECTOR_B_SIGNATURE);
}

static void check_rpc_vector(const char *wire, const char *canonical, const char *sts,
                             const char *signature) {
    wire_request w;
    assert_int_equal(wire_parse(wire, strlen(wire), &w), 0);
    api_params p;
    api_params_init(&p);
    rc_error err = {0};
    assert_int_equal(api_params_parse(w.view.query, w.view.query_len, &p, &err), 0);
    assert_int_equal(api_params_parse(w.view.body, w.view.body_len, &p, &err), 0);
    assert_string_equal(api_params_get(&p, "Signature"), signature);
    buf c, s;
    buf_init(&c, 0);
    buf_init(&s, 0);
    assert_int_equal(api_rpc_canonicalized(&p, &c), 0);
    assert_string_equal(c.data, canonical);
    assert_int_equal(api_rpc_string_to_sign("POST", &p, &s), 0);
    assert_string_equal(s.data, sts);
    char out[API_RPC_SIGNATURE_LEN + 1];
    assert_int_equal(api_sign_rpc("POST", &p, "testsecret", out), 0);
    assert_string_equal(out, signature);
    assert_int_equal(api_sign_rpc("POST", &p, "wrongsecret", out), 0);
    assert_string_not_equal(out, signature);
    buf_free(&c);
    buf_free(&s);
    api_params_free(&p);
    wire_free(&w);
}

static void test_vector_c(void **state) {
    (void)state;
    check_rpc_vector(VECTOR_C_WIRE, VECTOR_C_CANONICAL, VECTOR_C_STRING_TO_SIGN,
                     VECTOR_C_SIGNATURE);
}

static void test_vector_d(void **state) {
    (void)state;
    check_rpc_vector(VECTOR_D_WIRE, VECTOR_D_CANONICAL, VECTOR_D_STRING_TO_SIGN,
                     VECTOR_D_SIGNATURE);
}

/* ---- the full pipeline, table-driven ---- */

enum clock_kind { CLOCK_PINNED, CLOCK_REAL, CLOCK_PLUS_900, CLOCK_MINUS_901 };

typedef struct auth_case {
    const char *name;
    const char *wire;
    const char *from, *to; /* mutation, or NULL */
    enum clock_kind clock;
    int keys_visible;    /* leading KEYS entries the store knows; -1 = store down */
    const char *code;    /* expected IMS Code, NULL = success */
    const char *message; /* expected message prefix, NULL = the table's message */
} auth_case;

static const auth_case CASES[] = {
    {"A ok", VECTOR_A_WIRE, NULL, NULL, CLOCK_PINNED, 3, NULL, NULL},
    {"B ok", VECTOR_B_WIRE, NULL, NULL, CLOCK_PINNED, 3, NULL, NULL},
    {"C ok", VECTOR_C_WIRE, NULL, NULL, CLOCK_PINNED, 3, NULL, NULL},
    {"D ok", VECTOR_D_WIRE, NULL, NULL, CLOCK_PINNED, 3, NULL, NULL},
    {"A skew +900 ok", VECTOR_A_WIRE, NULL, NULL, CLOCK_PLUS_900, 3, NULL, NULL},
    {"A real clock", VECTOR_A_WIRE, NULL, NULL, CLOCK_REAL, 3, "InvalidTimeStamp.Expired", NULL},
    {"B real clock", VECTOR_B_WIRE, NULL, NULL, CLOCK_REAL, 3, "InvalidTimeStamp.Expired", NULL},
    {"C real clock", VECTOR_C_WIRE, NULL, NULL, CLOCK_REAL, 3, "InvalidTimeStamp.Expired", NULL},
    {"D skew -901", VECTOR_D_WIRE, NULL, NULL, CLOCK_MINUS_901, 3, "InvalidTimeStamp.Expired",
     NULL},
    {"B body byte flipped", VECTOR_B_WIRE, "in%20put.mp4", "in%20pux.mp4", CLOCK_PINNED, 3,
     "SignatureDoesNotMatch", NULL},
    {"D body byte flipped", VECTOR_D_WIRE, "in%20put.mp4", "in%20pux.mp4", CLOCK_PINNED, 3,
     "SignatureDoesNotMatch", NULL},
    {"A other port", VECTOR_A_WIRE, "host: 127.0.0.1:18080", "host: 127.0.0.1:18081", CLOCK_PINNED,
     3, "SignatureDoesNotMatch", NULL},
    {"B %21 for raw !", VECTOR_B_WIRE, "v!*", "v%21*", CLOCK_PINNED, 3, NULL, NULL},
    {"D %21 for raw !, %7e for ~", VECTOR_D_WIRE, "v!*%27()~", "v%21*%27()%7e", CLOCK_PINNED, 3,
     NULL, NULL},
    {"B header value padded", VECTOR_B_WIRE, "x-acs-credentials-provider: static_ak",
     "x-acs-credentials-provider:   static_ak \t", CLOCK_PINNED, 3, NULL, NULL},
    {"B query tampered", VECTOR_B_WIRE, "tok-123", "tok-124", CLOCK_PINNED, 3,
     "SignatureDoesNotMatch", NULL},
    {"A signature tampered", VECTOR_A_WIRE, "Signature=ba68", "Signature=ba69", CLOCK_PINNED, 3,
     "SignatureDoesNotMatch", NULL},
    {"C signature tampered", VECTOR_C_WIRE, "Signature=XmYX", "Signature=XmYY", CLOCK_PINNED, 3,
     "SignatureDoesNotMatch", NULL},
    {"C wrong secret", VECTOR_C_WIRE, "AccessKeyId=testid", "AccessKeyId=otherid", CLOCK_PINNED, 3,
     "SignatureDoesNotMatch", NULL},
    {"A date dropped from SignedHeaders", VECTOR_A_WIRE, "x-acs-credentials-provider;x-acs-date;",
     "x-acs-credentials-provider;", CLOCK_PINNED, 3, "IncompleteSignature", NULL},
    {"A x-acs header unsigned", VECTOR_A_WIRE, "accept: application/json",
     "x-acs-extra: application/json", CLOCK_PINNED, 3, "IncompleteSignature", NULL},
    {"B content-type unsigned", VECTOR_B_WIRE, "SignedHeaders=content-type;",
     "SignedHeaders=", CLOCK_PINNED, 3, "IncompleteSignature", NULL},
    {"A signed header absent", VECTOR_A_WIRE, "x-acs-credentials-provider: static_ak",
     "user-agent2: static_ak", CLOCK_PINNED, 3, "IncompleteSignature", NULL},
    {"A malformed Authorization", VECTOR_A_WIRE, ",Signature=ba68", ",Sig=ba68", CLOCK_PINNED, 3,
     "IncompleteSignature", NULL},
    {"A short signature", VECTOR_A_WIRE, "Signature=ba680754", "Signature=", CLOCK_PINNED, 3,
     "IncompleteSignature", NULL},
    {"A no Authorization", VECTOR_A_WIRE, "Authorization:", "X-Authorization:", CLOCK_PINNED, 3,
     "IncompleteSignature", NULL},
    {"A ACS3-HMAC-SM3", VECTOR_A_WIRE, "ACS3-HMAC-SHA256", "ACS3-HMAC-SM3", CLOCK_PINNED, 3,
     "InvalidSignatureMethod", NULL},
    {"A ACS3-RSA-SHA256", VECTOR_A_WIRE, "ACS3-HMAC-SHA256", "ACS3-RSA-SHA256", CLOCK_PINNED, 3,
     "InvalidSignatureMethod", NULL},
    {"C missing SignatureNonce", VECTOR_C_WIRE, "&SignatureNonce=" NONCE, "", CLOCK_PINNED, 3,
     "IncompleteSignature", NULL},
    {"C missing Timestamp", VECTOR_C_WIRE, "&Timestamp=2025-01-02T03%3A04%3A05Z", "", CLOCK_PINNED,
     3, "IncompleteSignature", NULL},
    {"C HMAC-SHA256 method", VECTOR_C_WIRE, "SignatureMethod=HMAC-SHA1",
     "SignatureMethod=HMAC-SHA256", CLOCK_PINNED, 3, "InvalidSignatureMethod", NULL},
    {"C SignatureVersion 2.0", VECTOR_C_WIRE, "SignatureVersion=1.0", "SignatureVersion=2.0",
     CLOCK_PINNED, 3, "InvalidSignatureMethod", NULL},
    {"A unknown key", VECTOR_A_WIRE, "Credential=testid", "Credential=nokey", CLOCK_PINNED, 3,
     "InvalidAccessKeyId.NotFound", NULL},
    {"A STS key", VECTOR_A_WIRE, "Credential=testid", "Credential=STS.abc", CLOCK_PINNED, 3,
     "InvalidAccessKeyId.NotFound", NULL},
    {"C unknown key", VECTOR_C_WIRE, NULL, NULL, CLOCK_PINNED, 0, "InvalidAccessKeyId.NotFound",
     NULL},
    {"C disabled key", VECTOR_C_WIRE, "AccessKeyId=testid", "AccessKeyId=offkey", CLOCK_PINNED, 3,
     "InvalidAccessKeyId.Inactive", NULL},
    {"A key store down", VECTOR_A_WIRE, NULL, NULL, CLOCK_PINNED, -1, "ServiceUnavailable", NULL},
    {"A duplicate parameter", VECTOR_A_WIRE, "?JobId=job-abc", "?JobId=job-abc&JobId=x",
     CLOCK_PINNED, 3, "InvalidParameter", "Parameter \"JobId\" is specified more than once"},
    {"D duplicate across query and body", VECTOR_D_WIRE,
     "&ClientToken=", "&InputConfig=x&ClientToken=", CLOCK_PINNED, 3, "InvalidParameter",
     "Parameter \"InputConfig\" is specified more than once"},
    {"A bad escape", VECTOR_A_WIRE, "?JobId=job-abc", "?JobId=job%2", CLOCK_PINNED, 3,
     "InvalidParameter", "Parameter \"JobId\" contains a malformed percent escape"},
    {"B bad escape in body", VECTOR_B_WIRE, "in%20put", "in%zzput", CLOCK_PINNED, 3,
     "InvalidParameter", "Parameter \"InputConfig\" contains a malformed percent escape"},
    {"B body of another type", VECTOR_B_WIRE, "content-type: application/x-www-form-urlencoded",
     "content-type: application/json", CLOCK_PINNED, 3, "InvalidParameter",
     "Content-Type \"application/json\" is not supported"},
    {"B charset allowed (signature then differs)", VECTOR_B_WIRE,
     "content-type: application/x-www-form-urlencoded",
     "content-type: application/x-www-form-urlencoded; charset=utf-8", CLOCK_PINNED, 3,
     "SignatureDoesNotMatch", NULL},
    {"A version mismatch", VECTOR_A_WIRE, "x-acs-version: 2020-11-09", "x-acs-version: 2017-09-06",
     CLOCK_PINNED, 3, "InvalidVersion", NULL},
    {"C version mismatch", VECTOR_C_WIRE, "Version=2020-11-09", "Version=2020-11-10", CLOCK_PINNED,
     3, "InvalidVersion", NULL},
    {"A Action param differs", VECTOR_A_WIRE,
     "?JobId=", "?Action=GetMediaInfo&JobId=", CLOCK_PINNED, 3, "InvalidParameter",
     "Parameter \"Action\" does not match header x-acs-action"},
    {"A Version param differs", VECTOR_A_WIRE,
     "?JobId=", "?Version=2019-01-01&JobId=", CLOCK_PINNED, 3, "InvalidParameter",
     "Parameter \"Version\" does not match header x-acs-version"},
    {"A unknown action", VECTOR_A_WIRE, "x-acs-action: GetSmartHandleJob",
     "x-acs-action: DeleteAllJobs", CLOCK_PINNED, 3, "InvalidApi.NotFound", NULL},
    {"A action wrong case", VECTOR_A_WIRE, "x-acs-action: GetSmartHandleJob",
     "x-acs-action: getSmartHandleJob", CLOCK_PINNED, 3, "InvalidApi.NotFound", NULL},
    {"C no Action", VECTOR_C_WIRE, "Action=GetSmartHandleJob&", "", CLOCK_PINNED, 3,
     "InvalidApi.NotFound", NULL},
    {"C bad Timestamp", VECTOR_C_WIRE, "Timestamp=2025-01-02T03%3A04%3A05Z",
     "Timestamp=2025-01-02+03%3A04%3A05Z", CLOCK_PINNED, 3, "InvalidTimeStamp.Format", NULL},
    {"A bad x-acs-date", VECTOR_A_WIRE, "x-acs-date: 2025-01-02T03:04:05Z",
     "x-acs-date: 2025-01-02T03:04:05.000Z", CLOCK_PINNED, 3, "InvalidTimeStamp.Format", NULL},
    {"A wrong body hash", VECTOR_A_WIRE, "x-acs-content-sha256: e3b0", "x-acs-content-sha256: e3b1",
     CLOCK_PINNED, 3, "SignatureDoesNotMatch", NULL},
};

static time_t case_clock(enum clock_kind k) {
    switch (k) {
    case CLOCK_REAL:
        return time(NULL);
    case CLOCK_PLUS_900:
        return pinned() + 900;
    case CLOCK_MINUS_901:
        return pinned() - 901;
    default:
        return pinned();
    }
}

static void test_pipeline_table(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
        const auth_case *c = &CASES[i];
        print_message("case: %s\n", c->name);
        char *wire = mutate(c->wire, c->from, c->to);
        wire_request w;
        assert_int_equal(wire_parse(wire, strlen(wire), &w), 0);
        int visible = c->keys_visible;
        api_auth_config cfg = {lookup_key, &visible, action_known, NULL, false};
        api_auth_result res;
        rc_error err;
        int rc = api_authenticate(&w.view, case_clock(c->clock), &cfg, &res, &err);
        if (!c->code) {
            if (rc)
                print_message("unexpected %s: %s\n", err.code, err.message);
            assert_int_equal(rc, 0);
            assert_string_equal(res.access_key_id, "testid");
            assert_int_equal(res.user_id, 1000);
            assert_string_equal(res.nonce, NONCE);
            assert_string_equal(res.version, "2020-11-09");
            assert_int_equal((long long)res.timestamp, (long long)pinned());
        } else {
            assert_true(rc < 0);
            assert_string_equal(err.code, c->code);
            const api_error_info *info = api_error_lookup(c->code);
            assert_non_null(info);
            assert_int_equal(err.rc, info->rc);
            if (c->message)
                assert_memory_equal(err.message, c->message, strlen(c->message));
            else
                assert_string_equal(err.message, info->message);
        }
        api_auth_result_free(&res);
        wire_free(&w);
        free(wire);
    }
}

/* What a successful authentication hands the caller: style, action, merged and decoded params. */
static void test_results(void **state) {
    (void)state;
    static const struct {
        const char *wire;
        enum api_sign_style style;
        const char *action;
        size_t query_count;
    } rows[] = {{VECTOR_A_WIRE, API_STYLE_ACS3, "GetSmartHandleJob", 1},
                {VECTOR_B_WIRE, API_STYLE_ACS3, "SubmitSegmentationJob", 4},
                {VECTOR_C_WIRE, API_STYLE_RPC, "GetSmartHandleJob", 10},
                {VECTOR_D_WIRE, API_STYLE_RPC, "SubmitSegmentationJob", 13}};
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        wire_request w;
        assert_int_equal(wire_parse(rows[i].wire, strlen(rows[i].wire), &w), 0);
        int visible = 3;
        api_auth_config cfg = {lookup_key, &visible, action_known, NULL, true};
        api_auth_result res;
        rc_error err;
        assert_int_equal(api_authenticate(&w.view, pinned(), &cfg, &res, &err), 0);
        assert_int_equal(res.style, rows[i].style);
        assert_string_equal(res.action, rows[i].action);
        assert_int_equal(res.query_count, rows[i].query_count);
        if (strcmp(rows[i].action, "GetSmartHandleJob") == 0) {
            assert_string_equal(api_params_get(&res.params, "JobId"), "job-abc");
        } else {
            assert_int_equal(res.params.count, rows[i].query_count + 1);
            assert_string_equal(api_params_get(&res.params, "InputConfig"),
                                "{\"Type\":\"OSS\",\"Media\":\"oss://bucket/in put.mp4\"}");
            assert_string_equal(api_params_get(&res.params, "UserData"),
                                "{\"k\":\"v!*'()~ \xc3\xa4+\"}");
            assert_string_equal(api_params_get(&res.params, "ClientToken"), "tok-123");
        }
        api_auth_result_free(&res);
        wire_free(&w);
    }
}

/* With explain_mismatch the message carries the server's view, and never the secret. */
static void test_mismatch_explained(void **state) {
    (void)state;
    static const struct {
        const char *wire, *from, *to, *suffix;
    } rows[] = {
        {VECTOR_A_WIRE, "127.0.0.1:18080", "127.0.0.1:18081",
         " server canonical request is:POST\n/\nJobId=job-abc\nhost:127.0.0.1:18081\n"},
        {VECTOR_C_WIRE, "Signature=XmYX", "Signature=XmYY",
         " server string to sign is:POST&%2F&AccessKeyId%3Dtestid%26Action%3DGetSmartHandleJob"},
        {VECTOR_B_WIRE, "in%20put", "in%20pux",
         " x-acs-content-sha256 does not match the request body."},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        char *wire = mutate(rows[i].wire, rows[i].from, rows[i].to);
        wire_request w;
        assert_int_equal(wire_parse(wire, strlen(wire), &w), 0);
        int visible = 3;
        api_auth_config cfg = {lookup_key, &visible, action_known, NULL, true};
        api_auth_result res;
        rc_error err;
        assert_true(api_authenticate(&w.view, pinned(), &cfg, &res, &err) < 0);
        assert_string_equal(err.code, "SignatureDoesNotMatch");
        const char *base = "Specified signature is not matched with our calculation.";
        assert_memory_equal(err.message, base, strlen(base));
        assert_memory_equal(err.message + strlen(base), rows[i].suffix, strlen(rows[i].suffix));
        assert_null(strstr(err.message, "testsecret"));
        api_auth_result_free(&res);
        wire_free(&w);
        free(wire);
    }
}

/* A request signed by our client with an Action parameter equal to the header is accepted. */
static void test_client_signed_roundtrip(void **state) {
    (void)state;
    static const char body[] = "InputConfig=%7B%22Type%22%3A%22OSS%22%7D&Title=a+b";
    char sha[API_SHA256_HEX_LEN + 1];
    assert_int_equal(api_sha256_hex(body, strlen(body), sha), 0);
    api_header hs[9] = {
        {"Host", "localhost:8080"},
        {"x-acs-action", "SubmitSegmentationJob"},
        {"x-acs-version", "2020-11-09"},
        {"x-acs-date", PINNED},
        {"x-acs-signature-nonce", "n-1"},
        {"x-acs-content-sha256", sha},
        {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
        {"X-Acs-Security-Token", "tok"},
        {"Accept", "application/json"},
    };
    static const char query[] = "Action=SubmitSegmentationJob&UserData=%7B%7D&Empty=";
    api_request_view v = {"POST", "/", query, strlen(query), hs, 9, body, strlen(body)};
    api_acs3_signature sig;
    rc_error err = {0};
    assert_int_equal(api_sign_acs3(&v, "otherid", "othersecret", &sig, &err), 0);
    assert_string_equal(sig.signed_headers, "content-type;host;x-acs-action;x-acs-content-sha256;"
                                            "x-acs-date;x-acs-security-token;x-acs-signature-nonce;"
                                            "x-acs-version");
    api_header with_auth[10];
    memcpy(with_auth, hs, sizeof(hs));
    with_auth[9] = (api_header){"authorization", sig.authorization};
    v.headers = with_auth;
    v.header_count = 10;
    int visible = 3;
    api_auth_config cfg = {lookup_key, &visible, action_known, NULL, false};
    api_auth_result res;
    assert_int_equal(api_authenticate(&v, pinned() + 10, &cfg, &res, &err), 0);
    assert_int_equal(res.user_id, 1002);
    assert_string_equal(res.nonce, "n-1");
    assert_string_equal(api_params_get(&res.params, "Title"), "a b");
    assert_null(api_params_get(&res.params, "Empty"));
    assert_non_null(api_params_find(&res.params, "Empty"));
    api_auth_result_free(&res);
    api_acs3_signature_free(&sig);
}

/* A repeated header is signed as its trimmed values sorted and joined with ','; the Authorization
 * header may have spaces after its commas. */
static void test_repeated_header_and_spaces(void **state) {
    (void)state;
    char sha[API_SHA256_HEX_LEN + 1];
    assert_int_equal(api_sha256_hex(NULL, 0, sha), 0);
    assert_string_equal(sha, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    api_header hs[9] = {
        {"host", "127.0.0.1:8080"},       {"x-acs-action", "ListSmartJobs"},
        {"x-acs-version", "2020-11-09"},  {"x-acs-date", PINNED},
        {"x-acs-signature-nonce", "abc"}, {"x-acs-content-sha256", sha},
        {"x-acs-meta", " zeta "},         {"X-Acs-Meta", "alpha"},
        {"authorization", NULL},
    };
    static const char query[] = "PageSize=1&JobType=Segmentation";
    api_request_view v = {"GET", "/", query, strlen(query), hs, 8, NULL, 0};
    api_acs3_signature sig;
    rc_error err = {0};
    assert_int_equal(api_sign_acs3(&v, "testid", "testsecret", &sig, &err), 0);
    assert_non_null(strstr(sig.canonical_request,
                           "GET\n/\nJobType=Segmentation&PageSize=1\nhost:127.0.0.1:8080\n"));
    assert_non_null(strstr(sig.canonical_request, "\nx-acs-meta:alpha,zeta\n"));
    char spaced[512];
    snprintf(spaced, sizeof(spaced),
             "ACS3-HMAC-SHA256 Credential=testid, SignedHeaders=%s,  Signature=%s",
             sig.signed_headers, sig.signature);
    hs[8].value = spaced;
    v.header_count = 9;
    int visible = 3;
    api_auth_config cfg = {lookup_key, &visible, action_known, NULL, false};
    api_auth_result res;
    assert_int_equal(api_authenticate(&v, pinned(), &cfg, &res, &err), 0);
    assert_string_equal(res.action, "ListSmartJobs");
    assert_string_equal(api_params_get(&res.params, "PageSize"), "1");
    api_auth_result_free(&res);
    /* Changing either value of the repeated header breaks the signature. */
    hs[7].value = "alpha2";
    assert_true(api_authenticate(&v, pinned(), &cfg, &res, &err) < 0);
    assert_string_equal(err.code, "SignatureDoesNotMatch");
    api_auth_result_free(&res);
    api_acs3_signature_free(&sig);
}

/* The RPC style of pop-core: everything, Signature included, in the form body. */
static void test_rpc_body_only(void **state) {
    (void)state;
    api_params p;
    api_params_init(&p);
    static const char *const kv[][2] = {
        {"Action", "GetMediaInfo"},
        {"Version", "2020-11-09"},
        {"Format", "JSON"},
        {"AccessKeyId", "testid"},
        {"SignatureMethod", "HMAC-SHA1"},
        {"SignatureVersion", "1.0"},
        {"SignatureNonce", "abc"},
        {"Timestamp", PINNED},
        {"MediaId", "m'1 (x)*~+"},
    };
    for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++)
        assert_int_equal(api_params_add(&p, kv[i][0], strlen(kv[i][0]), kv[i][1], strlen(kv[i][1])),
                         0);
    char sig[API_RPC_SIGNATURE_LEN + 1];
    assert_int_equal(api_sign_rpc("POST", &p, "testsecret", sig), 0);
    assert_int_equal(api_params_add(&p, "Signature", 9, sig, strlen(sig)), 0);
    buf body;
    buf_init(&body, 0);
    assert_int_equal(api_params_encode(&p, &body), 0);
    api_header hs[2] = {{"Host", "h"}, {"Content-Type", "application/x-www-form-urlencoded"}};
    api_request_view v = {"POST", "/", NULL, 0, hs, 2, body.data, body.len};
    int visible = 3;
    api_auth_config cfg = {lookup_key, &visible, action_known, NULL, false};
    api_auth_result res;
    rc_error err;
    assert_int_equal(api_authenticate(&v, pinned(), &cfg, &res, &err), 0);
    assert_int_equal(res.style, API_STYLE_RPC);
    assert_int_equal(res.query_count, 0);
    assert_string_equal(api_params_get(&res.params, "MediaId"), "m'1 (x)*~+");
    api_auth_result_free(&res);
    /* The same body with GET as the method no longer verifies: the method is signed. */
    v.method = "GET";
    assert_true(api_authenticate(&v, pinned(), &cfg, &res, &err) < 0);
    assert_string_equal(err.code, "SignatureDoesNotMatch");
    api_auth_result_free(&res);
    buf_free(&body);
    api_params_free(&p);
}

/* Length of the header line of wire starting with prefix (without CRLF). */
static size_t line_length(const char *wire, const char *prefix) {
    const char *at = strstr(wire, prefix);
    assert_non_null(at);
    return (size_t)(strstr(at, "\r\n") - at);
}

/* Every single-byte change of a signed vector either still verifies (the byte was not covered by
 * the signature, e.g. user-agent) or fails with a §3.2 Code; flips inside the signature always
 * fail. */
static void test_byte_flips(void **state) {
    (void)state;
    static const char *const wires[] = {VECTOR_B_WIRE, VECTOR_D_WIRE};
    static const char *const unsigned_lines[2][7] = {
        {"user-agent:", "accept:", "Connection:", NULL},
        {"host:", "x-acs-version:", "x-acs-action:", "user-agent:", "x-acs-credentials-provider:",
         "Connection:", NULL}};
    for (size_t k = 0; k < 2; k++) {
        const char *orig = wires[k];
        size_t len = strlen(orig);
        size_t ok = 0, failed = 0;
        for (size_t i = 0; i < len; i++) {
            char *wire = strdup(orig);
            wire[i] = wire[i] == 'x' ? 'y' : 'x';
            wire_request w;
            if (wire_parse(wire, len, &w) == 0) {
                int visible = 3;
                api_auth_config cfg = {lookup_key, &visible, action_known, NULL, true};
                api_auth_result res;
                rc_error err;
                int rc = api_authenticate(&w.view, pinned(), &cfg, &res, &err);
                const char *sig = strstr(orig, k == 0 ? "Signature=4a44" : "Signature=bova");
                bool in_signature = i >= (size_t)(sig - orig) + 10 && i < (size_t)(sig - orig) + 38;
                if (rc == 0) {
                    assert_false(in_signature);
                    ok++;
                } else {
                    assert_non_null(api_error_lookup(err.code));
                    failed++;
                }
                api_auth_result_free(&res);
            }
            wire_free(&w);
            free(wire);
        }
        print_message("vector %zu: %zu bytes, %zu still verify, %zu fail\n", k, len, ok, failed);
        /* Only bytes no signature covers may change: the unsigned header lines, " HTTP/1.1\r\n" and
         * the CRLF closing the chunk (which this test's wire parser does not check). */
        size_t unsigned_bytes = strlen(" HTTP/1.1\r\n") + 2;
        /* RPC signs a fixed "/" (%2F), not the received path: the HTTP layer rejects other paths.
         */
        if (k == 1)
            unsigned_bytes += 1;
        for (const char *const *line = unsigned_lines[k]; *line; line++)
            unsigned_bytes += line_length(orig, *line) + 2; /* with its CRLF */
        assert_true(ok > 0);
        assert_true(ok <= unsigned_bytes);
        assert_true(ok + failed > len * 9 / 10); /* few flips break the HTTP framing itself */
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vector_a),
        cmocka_unit_test(test_vector_b),
        cmocka_unit_test(test_vector_c),
        cmocka_unit_test(test_vector_d),
        cmocka_unit_test(test_pipeline_table),
        cmocka_unit_test(test_results),
        cmocka_unit_test(test_mismatch_explained),
        cmocka_unit_test(test_client_signed_roundtrip),
        cmocka_unit_test(test_rpc_body_only),
        cmocka_unit_test(test_repeated_header_and_spaces),
        cmocka_unit_test(test_byte_flips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
