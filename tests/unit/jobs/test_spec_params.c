/* Unit tests for input locations, strict JSON, ClientToken/fingerprints, ListSmartJobs and the
 * media parameters (API.md §1.3, §4.0, §4.4-§4.6). */
#include "spec_fixture.h"

#include "util/json.h"

#define E_MISSING "MissingParameter"
#define E_JSON "InvalidParameter.JsonFormat"
#define E_EMPTY "InvalidParameter.EmptyValue"
#define E_TYPE "InvalidParameter.TypeMismatch"
#define E_RANGE "InvalidParameter.OutOfRange"
#define E_UNSUP "InvalidParameter.UnsupportedValue"
#define ONLY_FORMS "only oss://, http(s):// and file:// URLs are accepted"

struct loc_case {
    enum fixture_policy policy;
    const char *url;
    enum jobs_location_kind kind;
    const char *bucket, *key;  /* expected on success */
    const char *code, *reason; /* reason: the text after "is not supported: " */
};

static const struct loc_case loc_cases[] = {
    {POLICY_OPEN, "oss://media-in/a/b.mp4", JOBS_LOC_OSS, "media-in", "a/b.mp4", NULL, NULL},
    {POLICY_OPEN, "oss://media-in/in%20put.mp4", JOBS_LOC_OSS, "media-in", "in%20put.mp4", NULL,
     NULL},
    {POLICY_OPEN, "http://media-in.oss-cn-shanghai.aliyuncs.com/a%20b/c.mp4?x=1#f", JOBS_LOC_OSS,
     "media-in", "a b/c.mp4", NULL, NULL},
    {POLICY_STRICT, "https://Media-In.oss-cn-hangzhou-internal.aliyuncs.com/k.mp4", JOBS_LOC_OSS,
     "media-in", "k.mp4", NULL, NULL},
    {POLICY_OPEN, "https://cdn.example.com/v.mp4?sig=1", JOBS_LOC_HTTP, NULL,
     "https://cdn.example.com/v.mp4?sig=1", NULL, NULL},
    {POLICY_OPEN, "HTTPS://CDN.example.com:8443/v.mp4", JOBS_LOC_HTTP, NULL,
     "HTTPS://CDN.example.com:8443/v.mp4", NULL, NULL},
    {POLICY_OPEN, "http://x.allowed.org/v.mp4", JOBS_LOC_HTTP, NULL, "http://x.allowed.org/v.mp4",
     NULL, NULL},
    {POLICY_OPEN, "file:///data/in/v.mp4", JOBS_LOC_FILE, NULL, "/data/in/v.mp4", NULL, NULL},
    {POLICY_OPEN, "file:///data/in/my%20v.mp4", JOBS_LOC_FILE, NULL, "/data/in/my v.mp4", NULL,
     NULL},
    /* failures */
    {POLICY_STRICT, "file:///x.mp4", 0, NULL, NULL, E_UNSUP, "local paths are disabled"},
    {POLICY_OPEN, "file:///etc/passwd", 0, NULL, NULL, E_UNSUP,
     "the path is outside the allowed roots"},
    {POLICY_OPEN, "file:///database/x.mp4", 0, NULL, NULL, E_UNSUP,
     "the path is outside the allowed roots"},
    {POLICY_OPEN, "file:///data/../etc/passwd", 0, NULL, NULL, E_UNSUP, "invalid local path"},
    {POLICY_OPEN, "file:///data/%2e%2e/etc/passwd", 0, NULL, NULL, E_UNSUP, "invalid local path"},
    {POLICY_OPEN, "file:///data/a%00.mp4", 0, NULL, NULL, E_UNSUP, "malformed percent-encoding"},
    {POLICY_OPEN, "file://host/data/x.mp4", 0, NULL, NULL, E_UNSUP,
     "only file:///absolute/path is accepted"},
    {POLICY_OPEN, "vod://abc", 0, NULL, NULL, E_UNSUP, ONLY_FORMS},
    {POLICY_OPEN, "3f9a1c0e5b7d4c2a8e6f0b1d3c5a7e90", 0, NULL, NULL, E_UNSUP, ONLY_FORMS},
    {POLICY_OPEN, "oss://Bad_Bucket/x.mp4", 0, NULL, NULL, E_UNSUP, "invalid bucket name"},
    {POLICY_OPEN, "oss://Media-In/x.mp4", 0, NULL, NULL, E_UNSUP, "invalid bucket name"},
    {POLICY_OPEN, "oss://media-in", 0, NULL, NULL, E_UNSUP, "the object key is empty"},
    {POLICY_OPEN, "oss://media-in/", 0, NULL, NULL, E_UNSUP, "the object key is empty"},
    {POLICY_OPEN, "oss://media-in/a/../b.mp4", 0, NULL, NULL, E_UNSUP, "invalid object key"},
    {POLICY_OPEN, "http://media-in.oss-cn-shanghai.aliyuncs.com/", 0, NULL, NULL, E_UNSUP,
     "the object key is empty"},
    {POLICY_OPEN, "http://media-in.oss-cn-shanghai.aliyuncs.com/%zz.mp4", 0, NULL, NULL, E_UNSUP,
     "malformed percent-encoding"},
    {POLICY_STRICT, "https://cdn.example.com/v.mp4", 0, NULL, NULL, E_UNSUP,
     "http(s) downloads are disabled"},
    {POLICY_OPEN, "https://evil.com/v.mp4", 0, NULL, NULL, E_UNSUP,
     "the host is not in the allowed list"},
    {POLICY_OPEN, "https://allowed.org/v.mp4", 0, NULL, NULL, E_UNSUP,
     "the host is not in the allowed list"},
    {POLICY_OPEN, "https://cdn.example.com@evil.com/v.mp4", 0, NULL, NULL, E_UNSUP,
     "the URL has no valid host"},
    {POLICY_OPEN, "oss://media-in/a\tb.mp4", 0, NULL, NULL, E_UNSUP,
     "it contains control characters or invalid UTF-8"},
    /* with a bucket callback, jobs_location_parse checks the backend too */
    {POLICY_OPEN, "oss://nobucket/x.mp4", 0, NULL, NULL, E_UNSUP,
     "no storage backend is configured for bucket \"nobucket\""},
};

static void test_location_table(void **state) {
    (void)state;
    for (size_t i = 0; i < N_ITEMS(loc_cases); i++) {
        const struct loc_case *c = &loc_cases[i];
        jobs_policy policy = fixture_policy(c->policy);
        jobs_location loc;
        rc_error err;
        rc_error_clear(&err);
        int rc = jobs_location_parse(c->url, &policy, "InputConfig.Media", &loc, &err);
        char message[512] = "";
        char echo[JSONX_ECHO_MAX + 1];
        if (c->code)
            snprintf(message, sizeof(message),
                     "InputConfig.Media value \"%s\" is not supported: %s",
                     jsonx_echo(c->url, echo), c->reason);
        fixture_expect((int)i, rc, &err, c->code, message);
        if (!c->code) {
            assert_int_equal(loc.kind, c->kind);
            assert_string_equal(loc.raw, c->url);
            assert_string_equal(loc.key, c->key);
            if (c->bucket)
                assert_string_equal(loc.bucket, c->bucket);
            else
                assert_null(loc.bucket);
        } else {
            assert_null(loc.raw);
        }
        jobs_location_free(&loc);
    }
}

static void test_location_length(void **state) {
    (void)state;
    jobs_policy policy = fixture_policy(POLICY_OPEN);
    for (size_t len = 2048; len <= 2049; len++) {
        char *url = fixture_repeat('k', len);
        memcpy(url, "oss://media-in/", 15);
        jobs_location loc;
        rc_error err;
        rc_error_clear(&err);
        int rc = jobs_location_parse(url, &policy, "InputConfig.Media", &loc, &err);
        if (len == 2048)
            fixture_expect(
                0, rc, &err, E_UNSUP,
                "InputConfig.Media value \"oss://media-in/kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
                "kkkkkkkkkkkkkkkkk\" is not supported: invalid object key");
        else
            fixture_expect(0, rc, &err, E_RANGE, "InputConfig.Media must be at most 2048 bytes");
        jobs_location_free(&loc);
        free(url);
    }
    /* a 2048-byte allowed download URL is fine */
    char *url = fixture_repeat('v', 2048);
    memcpy(url, "https://cdn.example.com/", 24);
    jobs_location loc;
    rc_error err;
    rc_error_clear(&err);
    assert_int_equal(jobs_location_parse(url, &policy, "p", &loc, &err), 0);
    assert_int_equal(loc.kind, JOBS_LOC_HTTP);
    jobs_location_free(&loc);
    free(url);
}

static void test_strict_json(void **state) {
    (void)state;
    static const struct {
        const char *text;
        int ok;
    } cases[] = {
        {"{}", 1},
        {" {\"a\" : [1, 2.5, -3e2, true, null, \"\\u00e4\"]} ", 1},
        {"[]", 0},
        {"5", 0},
        {"null", 0},
        {"", 0},
        {"{\"a\":1,\"a\":2}", 0},
        {"{\"a\":{\"b\":1,\"b\":1}}", 0},
        {"{\"a\":1}{}", 0},
        {"{\"a\":\"\\u0000\"}", 0},
        {"{\"a\":\"\\ud800\"}", 0},
        {"{\"a\":\"\xed\xa0\x80\"}", 0},
        {"{\"a\":\"\xc0\xaf\"}", 0},
        {"{\"a\":NaN}", 0},
        {"{\"a\":01}", 0},
        {"{\"a\":1,}", 0},
    };
    for (size_t i = 0; i < N_ITEMS(cases); i++) {
        json_t *root;
        rc_error err;
        rc_error_clear(&err);
        int rc = jsonx_parse_object(cases[i].text, "JobParams", &root, &err);
        fixture_expect((int)i, rc, &err, cases[i].ok ? NULL : E_JSON,
                       "JobParams is not a valid JSON object");
        json_decref(root);
    }
    /* depth: 16 nested containers pass, 17 fail */
    for (int depth = 16; depth <= 17; depth++) {
        char text[128] = "";
        for (int i = 0; i < depth - 1; i++)
            strcat(text, i % 2 ? "[" : "{\"k\":");
        size_t len = strlen(text);
        text[len] = '{';
        text[len + 1] = '}';
        text[len + 2] = '\0';
        for (int i = depth - 2; i >= 0; i--)
            strcat(text, i % 2 ? "]" : "}");
        json_t *root;
        rc_error err;
        rc_error_clear(&err);
        int rc = jsonx_parse_object(text, "UserData", &root, &err);
        if (rc == 0)
            print_message("depth %d ok: %s\n", depth, text);
        assert_int_equal(rc == 0, depth == 16);
        json_decref(root);
    }
}

static void test_json_fields(void **state) {
    (void)state;
    json_t *root;
    rc_error err;
    rc_error_clear(&err);
    assert_int_equal(
        jsonx_parse_object("{\"i\":1e3,\"r\":2.0,\"b\":\"FaLsE\",\"n\":null,\"s\":\"\","
                           "\"big\":1e19,\"neg\":-4}",
                           "X", &root, &err),
        0);
    long long v = 0;
    int present = 0, b = 1;
    const char *s = "unchanged";
    assert_int_equal(jsonx_get_integer(root, "X", "i", 0, 0, 5000, &present, &v, &err), 0);
    assert_true(present && v == 1000);
    assert_int_equal(jsonx_get_integer(root, "X", "r", 0, 0, 5, &present, &v, &err), 0);
    assert_int_equal(v, 2);
    assert_int_equal(jsonx_get_integer(root, "X", "n", 0, 0, 5, &present, &v, &err), 0);
    assert_false(present);
    assert_int_equal(jsonx_get_bool(root, "X", "b", 1, &present, &b, &err), 0);
    assert_true(present && b == 0);
    assert_int_equal(jsonx_get_string(root, "X", "s", 0, &s, &err), 0);
    assert_string_equal(s, "unchanged");
    assert_int_equal(jsonx_get_integer(root, NULL, "big", 0, 0, 100, &present, &v, &err),
                     RC_ERANGE);
    assert_string_equal(err.message, "big must be in [0,100]");
    rc_error_clear(&err);
    assert_int_equal(jsonx_get_integer(root, "X", "neg", 1, 0, 100, &present, &v, &err), RC_ERANGE);
    rc_error_clear(&err);
    assert_int_equal(jsonx_get_object(root, "X", "missing", 1, &root, &err), RC_EINVAL);
    assert_string_equal(err.code, E_EMPTY);
    assert_string_equal(err.message, "X.missing is mandatory for this action.");
    json_decref(root);

    char echo[JSONX_ECHO_MAX + 1];
    /* 63 ASCII bytes then a 2-byte character: cut before it, never inside */
    char *longv = fixture_repeat('a', 70);
    memcpy(longv + 63, "\xc3\xa4", 2);
    assert_int_equal(strlen(jsonx_echo(longv, echo)), 63);
    free(longv);
    assert_string_equal(jsonx_echo("a\nb\xff", echo), "a?b?");
    assert_int_equal(jsonx_utf8_chars("\xc3\xa4\xc3\xb6x"), 3);
}

static void test_client_token(void **state) {
    (void)state;
    char *max = fixture_repeat('t', 64), *over = fixture_repeat('t', 65);
    const struct {
        const char *token, *code, *message;
    } cases[] = {
        {NULL, NULL, NULL},
        {"", NULL, NULL},
        {"7f3c2a9e5b1d4c6e8a0f2b4d6c8e0a1f", NULL, NULL},
        {"tok en~!", NULL, NULL},
        {max, NULL, NULL},
        {over, E_RANGE, "ClientToken must be at most 64 bytes"},
        {"tok\x01", E_UNSUP,
         "ClientToken value \"tok?\" is not supported: it must be printable ASCII"},
        {"t\xc3\xa4", E_UNSUP,
         "ClientToken value \"t\xc3\xa4\" is not supported: it must be printable ASCII"},
    };
    for (size_t i = 0; i < N_ITEMS(cases); i++) {
        rc_error err;
        rc_error_clear(&err);
        fixture_expect((int)i, jobs_client_token_check(cases[i].token, &err), &err, cases[i].code,
                       cases[i].message);
    }
    free(max);
    free(over);
}

static void test_fingerprint(void **state) {
    (void)state;
    char a[JOBS_FINGERPRINT_LEN + 1], b[JOBS_FINGERPRINT_LEN + 1];
    const char *seg[] = {"{\"Type\":\"OSS\",\"Media\":\"oss://media-in/a.mp4\"}", NULL, "", NULL};
    assert_int_equal(jobs_fingerprint("SubmitSegmentationJob", seg, 4, a), 0);
    /* fixed vector: SHA-256 over 8-byte big-endian length + bytes of action, count, values */
    assert_string_equal(a, "62b8cde17a136ae85a24ff0458dc6f84aff1d187405d17d95635cdf20276687f");
    const char *split1[] = {"ab", ""}, *split2[] = {"a", "b"}, *split3[] = {"", "ab"};
    assert_int_equal(jobs_fingerprint("X", split1, 2, a), 0);
    assert_int_equal(jobs_fingerprint("X", split2, 2, b), 0);
    assert_string_not_equal(a, b);
    assert_int_equal(jobs_fingerprint("X", split3, 2, b), 0);
    assert_string_not_equal(a, b);
    assert_int_equal(jobs_fingerprint("Y", split1, 2, b), 0);
    assert_string_not_equal(a, b);
    assert_int_equal(jobs_fingerprint("X", split1, 1, b), 0);
    assert_string_not_equal(a, b);
    assert_int_equal(jobs_fingerprint("X", split1, 2, b), 0);
    assert_string_equal(a, b);

    const char *const *names = jobs_business_params("SubmitSegmentationJob");
    assert_non_null(names);
    assert_string_equal(names[0], "InputConfig");
    assert_string_equal(names[3], "UserData");
    assert_null(names[4]);
    names = jobs_business_params("SubmitHighlightExtractionJob");
    assert_string_equal(names[1], "OutputConfig");
    assert_null(names[3]);
    names = jobs_business_params("RegisterMediaInfo");
    assert_string_equal(names[0], "InputURL");
    assert_null(jobs_business_params("GetSmartHandleJob"));
}

struct list_case {
    const char *state, *type, *sort, *page_no, *page_size, *token, *max;
    const char *code, *message;
    enum jobs_state_filter want_state;
    enum jobs_type_filter want_type;
    int want_asc;
    long long want_page;
    int want_size;
};

static const struct list_case list_cases[] = {
    {NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, JOBS_STATE_ANY, JOBS_TYPE_ANY, 0, 1, 10},
    {"", "", "", "", "", "", "", NULL, NULL, JOBS_STATE_ANY, JOBS_TYPE_ANY, 0, 1, 10},
    {"Failed", "Segmentation", "CreationTime:Asc", "3", "25", NULL, NULL, NULL, NULL,
     JOBS_STATE_FAILED, JOBS_TYPE_SEGMENTATION, 1, 3, 25},
    {"Executing", "HighlightExtraction", "CreationTime:Desc", NULL, NULL, NULL, "7", NULL, NULL,
     JOBS_STATE_EXECUTING, JOBS_TYPE_HIGHLIGHT, 0, 1, 7},
    {NULL, "ASR", NULL, NULL, "100", NULL, "5", NULL, NULL, JOBS_STATE_ANY, JOBS_TYPE_NONE, 0, 1,
     100},
    {"Running", NULL, NULL, NULL, "0", NULL, NULL, E_UNSUP,
     "JobState value \"Running\" is not supported: it must be Created, Executing, Finished or "
     "Failed",
     0, 0, 0, 0, 0},
    {"finished", NULL, NULL, NULL, NULL, NULL, NULL, E_UNSUP,
     "JobState value \"finished\" is not supported: it must be Created, Executing, Finished or "
     "Failed",
     0, 0, 0, 0, 0},
    {NULL, NULL, "Name", NULL, NULL, NULL, NULL, E_UNSUP,
     "SortBy value \"Name\" is not supported: it must be CreationTime:Desc or CreationTime:Asc", 0,
     0, 0, 0, 0},
    {NULL, NULL, NULL, "0", NULL, NULL, NULL, E_RANGE, "PageNo must be in [1,2147483647]", 0, 0, 0,
     0, 0},
    {NULL, NULL, NULL, "99999999999999999999", NULL, NULL, NULL, E_RANGE,
     "PageNo must be in [1,2147483647]", 0, 0, 0, 0, 0},
    {NULL, NULL, NULL, "abc", NULL, NULL, NULL, E_TYPE, "PageNo must be a integer", 0, 0, 0, 0, 0},
    {NULL, NULL, NULL, "1.5", NULL, NULL, NULL, E_TYPE, "PageNo must be a integer", 0, 0, 0, 0, 0},
    {NULL, NULL, NULL, NULL, "101", NULL, NULL, E_RANGE, "PageSize must be in [1,100]", 0, 0, 0, 0,
     0},
    {NULL, NULL, NULL, NULL, "-1", NULL, NULL, E_RANGE, "PageSize must be in [1,100]", 0, 0, 0, 0,
     0},
    {NULL, NULL, NULL, NULL, NULL, NULL, "0", E_RANGE, "MaxResults must be in [1,100]", 0, 0, 0, 0,
     0},
    {NULL, NULL, NULL, "2", "x", NULL, "0", E_TYPE, "PageSize must be a integer", 0, 0, 0, 0, 0},
    {NULL, NULL, NULL, NULL, NULL, "!!!", NULL, E_UNSUP,
     "NextToken value \"!!!\" is not supported: it is damaged or from a different query", 0, 0, 0,
     0, 0},
    /* the illustrative token of API.md §4.4 is not one this server issued */
    {NULL, "Segmentation", NULL, NULL, "1",
     "eyJzIjoiQ3JlYXRpb25UaW1lOkRlc2MiLCJmIjoiU2VnbWVudGF0aW9uIn0", NULL, E_UNSUP,
     "NextToken value \"eyJzIjoiQ3JlYXRpb25UaW1lOkRlc2MiLCJmIjoiU2VnbWVudGF0aW9uIn0\" is not "
     "supported: it is damaged or from a different query",
     0, 0, 0, 0, 0},
};

static void test_list_table(void **state) {
    (void)state;
    for (size_t i = 0; i < N_ITEMS(list_cases); i++) {
        const struct list_case *c = &list_cases[i];
        jobs_list_params p;
        rc_error err;
        rc_error_clear(&err);
        int rc = jobs_list_params_parse(c->state, c->type, c->sort, c->page_no, c->page_size,
                                        c->token, c->max, &p, &err);
        fixture_expect((int)i, rc, &err, c->code, c->message);
        if (c->code)
            continue;
        assert_int_equal(p.state, c->want_state);
        assert_int_equal(p.type, c->want_type);
        assert_int_equal(p.sort_asc, c->want_asc);
        assert_int_equal(p.page_no, c->want_page);
        assert_int_equal(p.page_size, c->want_size);
        assert_false(p.has_cursor);
    }
}

static void test_list_token(void **state) {
    (void)state;
    jobs_list_params p, q;
    rc_error err;
    rc_error_clear(&err);
    assert_int_equal(
        jobs_list_params_parse(NULL, "Segmentation", NULL, NULL, "1", NULL, NULL, &p, &err), 0);
    char token[128];
    const char *id = "b7e2c4a19f3d4e5c8a6b0d2f4e6a8c01";
    assert_int_equal(jobs_list_token_encode(&p, 1795314600123LL, id, token, sizeof(token)), 0);
    assert_int_equal(
        strspn(token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
        strlen(token));
    assert_int_equal(jobs_list_token_encode(&p, 1, "not-a-job-id", token, sizeof(token)),
                     RC_EINVAL);
    char tiny[8];
    assert_int_equal(jobs_list_token_encode(&p, 1, id, tiny, sizeof(tiny)), RC_ETOOBIG);
    assert_int_equal(jobs_list_token_encode(&p, 1795314600123LL, id, token, sizeof(token)), 0);

    /* same query: PageNo is ignored (even if bad), MaxResults wins over PageSize */
    assert_int_equal(
        jobs_list_params_parse(NULL, "Segmentation", NULL, "zzz", "1", token, "5", &q, &err), 0);
    assert_true(q.has_cursor);
    assert_true(q.cursor_time == 1795314600123LL);
    assert_string_equal(q.cursor_id, id);
    assert_int_equal(q.page_no, 1);
    assert_int_equal(q.page_size, 5);
    assert_int_equal(
        jobs_list_params_parse(NULL, "Segmentation", NULL, NULL, "3", token, NULL, &q, &err), 0);
    assert_int_equal(q.page_size, 3);

    /* another query, or a damaged token */
    char expect[512], echo[JSONX_ECHO_MAX + 1];
    snprintf(expect, sizeof(expect),
             "NextToken value \"%s\" is not supported: it is damaged or from a different query",
             jsonx_echo(token, echo));
    rc_error_clear(&err);
    int rc = jobs_list_params_parse(NULL, "HighlightExtraction", NULL, NULL, NULL, token, NULL, &q,
                                    &err);
    fixture_expect(0, rc, &err, E_UNSUP, expect);
    rc_error_clear(&err);
    rc = jobs_list_params_parse(NULL, "Segmentation", "CreationTime:Asc", NULL, NULL, token, NULL,
                                &q, &err);
    fixture_expect(1, rc, &err, E_UNSUP, expect);
    for (size_t i = 0; i < strlen(token); i += 7) {
        char damaged[128];
        snprintf(damaged, sizeof(damaged), "%s", token);
        damaged[i] = damaged[i] == 'A' ? 'B' : 'A';
        rc_error_clear(&err);
        rc =
            jobs_list_params_parse(NULL, "Segmentation", NULL, NULL, NULL, damaged, NULL, &q, &err);
        if (rc == 0) /* a flip may only land in the cursor time: still well-formed */
            assert_true(q.cursor_time != 1795314600123LL || strcmp(q.cursor_id, id) != 0);
        else
            assert_string_equal(err.code, E_UNSUP);
    }
}

static void test_media_register(void **state) {
    (void)state;
    jobs_policy policy = fixture_policy(POLICY_OPEN);
    char *title_max = fixture_repeat('t', 128), *title_over = fixture_repeat('t', 129);
    char *desc_over = fixture_repeat('d', 1025);
    char tags17[128] = "", tag_long[64];
    for (int i = 0; i < 17; i++)
        snprintf(tags17 + strlen(tags17), sizeof(tags17) - strlen(tags17), "%st%d", i ? "," : "",
                 i);
    snprintf(tag_long, sizeof(tag_long), "ok,%s", "123456789012345678901234567890123");
    char *ud_over = fixture_repeat('x', 1025);
    memcpy(ud_over, "{\"k\":\"", 6);
    memcpy(ud_over + 1023, "\"}", 2);
    char ud_600[601];
    memset(ud_600, 'x', 600);
    memcpy(ud_600, "{\"NotifyAddress\":\"bad\",\"k\":\"", 28);
    memcpy(ud_600 + 598, "\"}", 3);
    const struct {
        const char *url, *title, *desc, *tags, *ref, *overwrite, *token, *ud;
        const char *code, *message;
    } cases[] = {
        {NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, E_MISSING,
         "InputURL is mandatory for this action."},
        {"vod://x", NULL, NULL, NULL, NULL, NULL, NULL, NULL, E_UNSUP,
         "InputURL value \"vod://x\" is not supported: " ONLY_FORMS},
        {"oss://media-in/a.mp4", title_over, desc_over, NULL, NULL, NULL, NULL, NULL, E_RANGE,
         "Title must be at most 128 bytes"},
        {"oss://media-in/a.mp4", "ok\xff", NULL, NULL, NULL, NULL, NULL, NULL, E_UNSUP,
         "Title value \"ok?\" is not supported: it is not valid UTF-8"},
        {"oss://media-in/a.mp4", title_max, desc_over, NULL, NULL, NULL, NULL, NULL, E_RANGE,
         "Description must be at most 1024 bytes"},
        {"oss://media-in/a.mp4", NULL, NULL, tags17, NULL, NULL, NULL, NULL, E_RANGE,
         "MediaTags must have at most 16 items"},
        {"oss://media-in/a.mp4", NULL, NULL, tag_long, NULL, NULL, NULL, NULL, E_RANGE,
         "MediaTags[1] must be at most 32 bytes"},
        {"oss://media-in/a.mp4", NULL, NULL, NULL, "abc", NULL, NULL, NULL, E_UNSUP,
         "ReferenceId value \"abc\" is not supported: it must be 6-64 characters of A-Z a-z 0-9 _ "
         "-"},
        {"oss://media-in/a.mp4", NULL, NULL, NULL, "lecture week", NULL, NULL, NULL, E_UNSUP,
         "ReferenceId value \"lecture week\" is not supported: it must be 6-64 characters of A-Z "
         "a-z 0-9 _ -"},
        {"oss://media-in/a.mp4", NULL, NULL, NULL, NULL, "yes", NULL, NULL, E_TYPE,
         "Overwrite must be a boolean"},
        {"oss://media-in/a.mp4", NULL, NULL, NULL, NULL, NULL, title_over, NULL, E_RANGE,
         "ClientToken must be at most 64 bytes"},
        {"oss://media-in/a.mp4", NULL, NULL, NULL, NULL, NULL, NULL, "x", E_JSON,
         "UserData is not a valid JSON object"},
        {"oss://media-in/a.mp4", NULL, NULL, NULL, NULL, NULL, NULL, ud_over, E_RANGE,
         "UserData must be at most 1024 bytes"},
        {"oss://media-in/a.mp4", NULL, NULL, NULL, NULL, "TRUE", NULL, ud_600, NULL, NULL},
        /* the bucket check is a state check, done after the ClientToken lookup */
        {"oss://nobucket/a.mp4", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
    };
    for (size_t i = 0; i < N_ITEMS(cases); i++) {
        jobs_media_register m;
        rc_error err;
        rc_error_clear(&err);
        int rc = jobs_media_register_parse(cases[i].url, cases[i].title, cases[i].desc,
                                           cases[i].tags, cases[i].ref, cases[i].overwrite,
                                           cases[i].token, cases[i].ud, &policy, &m, &err);
        fixture_expect((int)i, rc, &err, cases[i].code, cases[i].message);
        jobs_media_register_free(&m);
    }
    free(title_max);
    free(title_over);
    free(desc_over);
    free(ud_over);

    /* the §4.5 example */
    jobs_media_register m;
    rc_error err;
    rc_error_clear(&err);
    assert_int_equal(jobs_media_register_parse("oss://media-in/lectures/week1.mp4", "Week 1", "",
                                               " sport , ,final,", "lecture-week-01", NULL, NULL,
                                               NULL, &policy, &m, &err),
                     0);
    assert_int_equal(m.input.kind, JOBS_LOC_OSS);
    assert_string_equal(m.input.raw, "oss://media-in/lectures/week1.mp4");
    assert_string_equal(m.title, "Week 1");
    assert_null(m.description);
    assert_string_equal(m.media_tags, "sport,final");
    assert_int_equal(m.n_tags, 2);
    assert_string_equal(m.reference_id, "lecture-week-01");
    assert_int_equal(m.overwrite, 0);
    assert_null(m.user_data);
    assert_int_equal(jobs_location_check_bucket(&m.input, &policy, "InputURL", &err), 0);
    jobs_media_register_free(&m);
}

static void test_media_get(void **state) {
    (void)state;
    const char *id, *url;
    rc_error err;
    rc_error_clear(&err);
    int rc = jobs_media_get_parse(NULL, "", &id, &url, &err);
    fixture_expect(0, rc, &err, E_MISSING, "MediaId is mandatory for this action.");
    assert_int_equal(jobs_media_get_parse("m1", "oss://b/k", &id, &url, &err), 0);
    assert_string_equal(id, "m1");
    assert_null(url);
    assert_int_equal(jobs_media_get_parse("", "oss://b/k", &id, &url, &err), 0);
    assert_null(id);
    assert_string_equal(url, "oss://b/k");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_location_table), cmocka_unit_test(test_location_length),
        cmocka_unit_test(test_strict_json),    cmocka_unit_test(test_json_fields),
        cmocka_unit_test(test_client_token),   cmocka_unit_test(test_fingerprint),
        cmocka_unit_test(test_list_table),     cmocka_unit_test(test_list_token),
        cmocka_unit_test(test_media_register), cmocka_unit_test(test_media_get),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
