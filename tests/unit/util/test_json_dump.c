/* jsonx_dump_value against jansson's json_dumps(JSON_COMPACT | JSON_ENCODE_ANY): the same bytes for
 * every kind of value, escapes, UTF-8, integer extremes, reals, nesting, and a random sweep. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/json.h"

static void assert_same(const json_t *v) {
    char *want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    assert_non_null(want);
    buf b;
    buf_init(&b, 0);
    assert_int_equal(jsonx_dump_value(v, &b), 0);
    assert_string_equal(b.data, want);
    assert_int_equal(b.len, strlen(want));
    buf_free(&b);
    free(want);
}

static void test_documents(void **state) {
    (void)state;
    const char *docs[] = {
        "{}",
        "[]",
        "{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"},\"\":\"\"}",
        ("{\"q\":\"say \\\"hi\\\" \\\\ " /* (one element: clang's -Wstring-concatenation) */
         "back/slash\",\"ctl\":\"\\b\\f\\n\\r\\t\\u0001\\u001f\\u007f\"}"),
        "{\"utf8\":\"caf\\u00e9 \\u4e2d\\u6587 \\ud83c\\udfac \\u2028\",\"nul\":\"a\\u0000b\"}",
        "[9223372036854775807,-9223372036854775808,0,-1,10,1234567890]",
        "[0.5,-2.25,1e300,3.141592653589793,100.0,1e-7]",
        "{\"z\":1,\"a\":2,\"m\":{\"y\":[],\"b\":{}}}", /* insertion order, not sorted */
        "[[[[[[[[[[[[[[[[[[[[\"deep\"]]]]]]]]]]]]]]]]]]]]",
    };
    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        json_error_t e;
        json_t *v = json_loads(docs[i], JSON_ALLOW_NUL, &e);
        assert_non_null(v);
        assert_same(v);
        json_decref(v);
    }
    json_t *s = json_string("a lone string");
    assert_same(s);
    json_decref(s);
    json_t *n = json_integer(-42);
    assert_same(n);
    json_decref(n);
}

/* Random strings of ASCII (control characters included) and multi-byte UTF-8, as values and keys.
 */
static void test_random_strings(void **state) {
    (void)state;
    static const char *const pieces[] = {"\xc3\xa9", "\xe4\xb8\xad", "\xf0\x9f\x8e\xac", "\"", "\\",
                                         "/",        "\x7f"};
    srand(7);
    for (int round = 0; round < 300; round++) {
        char text[256];
        size_t n = 0;
        int len = rand() % 40;
        for (int i = 0; i < len && n < sizeof(text) - 8; i++) {
            if (rand() % 4 == 0) {
                const char *p = pieces[rand() % 7];
                memcpy(text + n, p, strlen(p));
                n += strlen(p);
            } else {
                text[n++] = (char)(1 + rand() % 127);
            }
        }
        text[n] = '\0';
        json_t *obj = json_object();
        json_object_set_new(obj, text, json_stringn(text, n));
        json_object_set_new(obj, "k", json_pack("[s#,i]", text, (int)n, round));
        assert_same(obj);
        json_decref(obj);
    }
}

static void test_rejects(void **state) {
    (void)state;
    buf b;
    buf_init(&b, 0);
    assert_int_equal(jsonx_dump_value(NULL, &b), RC_EINVAL);
    buf_free(&b);
    buf_init(&b, 8); /* a capped buffer */
    json_t *v = json_pack("{s:s}", "key", "a value longer than eight bytes");
    assert_int_equal(jsonx_dump_value(v, &b), RC_ETOOBIG);
    json_decref(v);
    buf_free(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_documents),
        cmocka_unit_test(test_random_strings),
        cmocka_unit_test(test_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
