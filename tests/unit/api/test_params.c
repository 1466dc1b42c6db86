/* Unit tests for api/params: ENC/DEC of §2.1 and parameter decoding of §1.3. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api/params.h"

static void test_enc(void **state) {
    (void)state;
    static const struct {
        const char *in;
        size_t len;
        const char *out;
    } rows[] = {
        {"AZaz09-_.~", 10, "AZaz09-_.~"},
        {"a b", 3, "a%20b"},
        {"!*'()", 5, "%21%2A%27%28%29"},
        {"+/=&%", 5, "%2B%2F%3D%26%25"},
        {"\xc3\xa4", 2, "%C3%A4"},
        {"\x00\xff", 2, "%00%FF"},
        {"", 0, ""},
        {"{\"k\":1}", 7, "%7B%22k%22%3A1%7D"},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        buf b;
        buf_init(&b, 0);
        assert_int_equal(api_enc(rows[i].in, rows[i].len, &b), 0);
        assert_string_equal(b.data ? b.data : "", rows[i].out);
        buf_free(&b);
    }
}

static void test_dec(void **state) {
    (void)state;
    static const struct {
        const char *in;
        const char *out;
        size_t out_len;
    } rows[] = {
        {"a+b", "a b", 3},         /* + is a space */
        {"a%2Bb", "a+b", 3},       /* a literal plus arrives as %2B */
        {"%27", "'", 1},           /* Node sends ' escaped */
        {"!*()~", "!*()~", 5},     /* ...and these raw */
        {"%c3%A4", "\xc3\xa4", 2}, /* either hex case */
        {"%00x", "\0x", 2},        /* NUL kept, length authoritative */
        {"", "", 0},
        {"%25%32%35", "%25", 3}, /* decoded once only */
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        buf b;
        buf_init(&b, 0);
        assert_int_equal(api_dec(rows[i].in, strlen(rows[i].in), &b), 0);
        assert_int_equal(b.len, rows[i].out_len);
        if (rows[i].out_len)
            assert_memory_equal(b.data, rows[i].out, rows[i].out_len);
        buf_free(&b);
    }
    static const char *const bad[] = {"%", "%2", "a%zz", "%g0", "%%41", "abc%4"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        buf b;
        buf_init(&b, 0);
        assert_int_equal(api_dec(bad[i], strlen(bad[i]), &b), RC_EINVAL);
        buf_free(&b);
    }
}

/* DEC then ENC gives the canonical form whatever escaping the client chose. */
static void test_dec_enc_canonical(void **state) {
    (void)state;
    static const char *const forms[] = {"v!*%27()~%20", "v%21%2A%27%28%29%7E+", "v%21%2a'()~%20"};
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        buf d, e;
        buf_init(&d, 0);
        buf_init(&e, 0);
        assert_int_equal(api_dec(forms[i], strlen(forms[i]), &d), 0);
        assert_int_equal(api_enc(d.data, d.len, &e), 0);
        assert_string_equal(e.data, "v%21%2A%27%28%29~%20");
        buf_free(&d);
        buf_free(&e);
    }
}

static void test_parse(void **state) {
    (void)state;
    static const char raw[] = "JobId=job-abc&&Empty=&NoEq&Name%20X=a%3Db=c&UserData=%7B%7D&";
    api_params p;
    api_params_init(&p);
    rc_error err = {0};
    assert_int_equal(api_params_parse(raw, strlen(raw), &p, &err), 0);
    assert_int_equal(p.count, 5);
    assert_string_equal(p.items[0].name, "JobId");
    assert_string_equal(api_params_get(&p, "JobId"), "job-abc");
    assert_null(api_params_get(&p, "Empty")); /* empty counts as absent */
    assert_non_null(api_params_find(&p, "Empty"));
    assert_null(api_params_get(&p, "NoEq"));
    assert_int_equal(api_params_find(&p, "NoEq")->value_len, 0);
    assert_string_equal(api_params_get(&p, "Name X"), "a=b=c"); /* split at the first = only */
    assert_string_equal(api_params_get(&p, "UserData"), "{}");
    assert_null(api_params_get(&p, "jobid")); /* names are case-sensitive */
    assert_null(api_params_find(&p, "Missing"));
    api_params_free(&p);
    assert_int_equal(p.count, 0);
}

static void test_parse_errors(void **state) {
    (void)state;
    static const struct {
        const char *first, *second;
        const char *message;
    } rows[] = {
        {"A=1&B=2&A=3", NULL, "Parameter \"A\" is specified more than once"},
        {"A=1&A=", NULL, "Parameter \"A\" is specified more than once"},
        {"A%41=1&AA=2", NULL, "Parameter \"AA\" is specified more than once"},
        {"JobId=1", "JobId=2", "Parameter \"JobId\" is specified more than once"},
        {"X=%4", NULL, "Parameter \"X\" contains a malformed percent escape"},
        {"Ok=1", "Y%2=1", "Parameter \"Y%2\" contains a malformed percent escape"},
        /* a NUL would cut the C string: "n%00a" and "n%00b" would be one nonce */
        {"SignatureNonce=n%00a", NULL, "Parameter \"SignatureNonce\" contains a NUL byte (%00)"},
        {"K%00ey=1", NULL, "Parameter \"K?ey\" contains a NUL byte (%00)"},
        {"Ok=1", "Body=%00", "Parameter \"Body\" contains a NUL byte (%00)"},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        api_params p;
        api_params_init(&p);
        rc_error err = {0};
        int rc = api_params_parse(rows[i].first, strlen(rows[i].first), &p, &err);
        if (rows[i].second) {
            assert_int_equal(rc, 0);
            rc = api_params_parse(rows[i].second, strlen(rows[i].second), &p, &err);
        }
        assert_int_equal(rc, RC_EINVAL);
        assert_string_equal(err.code, "InvalidParameter");
        assert_string_equal(err.message, rows[i].message);
        api_params_free(&p);
    }
}

/* Many parameters: the index keeps lookups and duplicate detection right past several rehashes;
 * past API_PARAMS_MAX the request is refused (an anonymous request must not cost unbounded work).
 */
static void test_many(void **state) {
    (void)state;
    buf raw;
    buf_init(&raw, 0);
    for (int i = 0; i < API_PARAMS_MAX; i++)
        assert_int_equal(buf_printf(&raw, "%sP%d=%d", i ? "&" : "", i, i * 7), 0);
    api_params p;
    api_params_init(&p);
    rc_error err = {0};
    assert_int_equal(api_params_parse(raw.data, raw.len, &p, &err), 0);
    assert_int_equal(p.count, API_PARAMS_MAX);
    for (int i = 0; i < API_PARAMS_MAX; i += 7) {
        char name[16], value[16];
        snprintf(name, sizeof(name), "P%d", i);
        snprintf(value, sizeof(value), "%d", i * 7);
        assert_string_equal(api_params_get(&p, name), value);
    }
    assert_int_equal(api_params_parse("P0=x", 4, &p, &err), RC_EINVAL);
    assert_string_equal(err.message, "The request has more than 256 parameters");
    api_params_free(&p);
    api_params_init(&p);
    assert_int_equal(api_params_parse(raw.data, raw.len, &p, &err), 0);
    assert_int_equal(api_params_parse("&&&", 3, &p, &err),
                     0); /* (empty items are not parameters) */
    api_params_free(&p);
    /* 4,500 parameters (a 40 KB line, under the header limit) are refused, not parsed */
    for (int i = API_PARAMS_MAX; i < 4500; i++)
        assert_int_equal(buf_printf(&raw, "&P%d=%d", i, i * 7), 0);
    api_params_init(&p);
    assert_int_equal(api_params_parse(raw.data, raw.len, &p, &err), RC_EINVAL);
    assert_string_equal(err.message, "The request has more than 256 parameters");
    assert_int_equal(p.count, API_PARAMS_MAX);
    api_params_free(&p);
    buf_free(&raw);
}

static void test_add_encode(void **state) {
    (void)state;
    api_params p;
    api_params_init(&p);
    static const char user_data[] = "{\"k\":\"v!*'()~ \xc3\xa4+\"}";
    assert_int_equal(api_params_add(&p, "UserData", 8, user_data, strlen(user_data)), 0);
    assert_int_equal(api_params_add(&p, "Empty", 5, "", 0), 0);
    assert_int_equal(api_params_add(&p, "Empty", 5, "x", 1), RC_EEXIST);
    assert_int_equal(p.count, 2);
    buf b;
    buf_init(&b, 0);
    assert_int_equal(api_params_encode(&p, &b), 0);
    assert_string_equal(b.data,
                        "UserData=%7B%22k%22%3A%22v%21%2A%27%28%29~%20%C3%A4%2B%22%7D&Empty=");
    /* what we encode decodes back to the same parameters */
    api_params q;
    api_params_init(&q);
    rc_error err = {0};
    assert_int_equal(api_params_parse(b.data, b.len, &q, &err), 0);
    assert_int_equal(q.count, 2);
    assert_string_equal(api_params_get(&q, "UserData"), api_params_get(&p, "UserData"));
    buf_free(&b);
    api_params_free(&p);
    api_params_free(&q);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_enc),
        cmocka_unit_test(test_dec),
        cmocka_unit_test(test_dec_enc_canonical),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_many),
        cmocka_unit_test(test_add_encode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
