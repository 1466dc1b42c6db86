/* Unit tests for the GetMediaInfo rendering of a probe (mediainfo_json.c) on what a file may put in
 * its tags. Found by tests/fuzz/fuzz_media: a 45-byte WebM whose Language element holds the bytes
 * "u\x81" made the render fail (JSON strings must be UTF-8), so the prober marked the asset
 * PrepareFailed as if out of memory. Its input is tests/fuzz/corpus/fuzz_media/
 * regress-probe-lang-invalid-utf8 (two selector bytes, then the file). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/probe.h"
#include "jobs/mediainfo_json.h"

static const char *lang_of(json_t *file_info) {
    json_t *list = json_object_get(file_info, "VideoStreamInfoList");
    return json_string_value(json_object_get(json_array_get(list, 0), "Lang"));
}

/* Invalid bytes become '?', valid UTF-8 stays as it is. */
static void test_lang_any_bytes(void **state) {
    (void)state;
    static const struct {
        const char *lang, *want;
    } cases[] = {
        {"und", "und"},
        {"u\x81", "u?"},
        {"un\xb3", "un?"},
        {"\xe4\xb8", "??"}, /* a 3-byte character cut after 2 */
        {"\xe4\xb8\xad\xe6\x96\x87", "\xe4\xb8\xad\xe6\x96\x87"}, /* stays: valid */
        {"\xc0\xaf", "??"},                                       /* overlong */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        engine_stream_info s;
        memset(&s, 0, sizeof(s));
        s.kind = ENGINE_STREAM_VIDEO;
        snprintf(s.codec_name, sizeof(s.codec_name), "vp8");
        snprintf(s.lang, sizeof(s.lang), "%s", cases[i].lang);
        s.width = 64;
        s.height = 36;
        engine_media_info info = {.duration = 1, .file_size = 45, .nb_streams = 1, .streams = &s};
        snprintf(info.format_name, sizeof(info.format_name), "matroska,webm");
        mediainfo_file file = {.file_url = "oss://media-in/a.webm"};
        json_t *j = mediainfo_json_file_info(&info, &file);
        if (!j)
            print_error("case %zu: no JSON\n", i);
        assert_non_null(j);
        assert_string_equal(lang_of(j), cases[i].want);
        json_decref(j);
    }
}

typedef struct mem_file {
    unsigned char bytes[4096];
    size_t size;
} mem_file;

static int mem_read_at(void *user, int64_t offset, void *buf, size_t len) {
    mem_file *m = user;
    if (offset < 0 || (size_t)offset + 2 >= m->size)
        return 0;
    size_t n = m->size - 2 - (size_t)offset < len ? m->size - 2 - (size_t)offset : len;
    memcpy(buf, m->bytes + 2 + offset, n);
    return (int)n;
}

static void test_fuzzer_input(void **state) {
    (void)state;
    const char *src = getenv("REELCUT_SRC");
    assert_non_null(src);
    char path[4096];
    snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/fuzz_media/regress-probe-lang-invalid-utf8",
             src);
    static mem_file m;
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    m.size = fread(m.bytes, 1, sizeof(m.bytes), f);
    fclose(f);
    assert_true(m.size > 2);
    engine_source source = {
        .path = "in.webm", .read_at = mem_read_at, .user = &m, .size = (int64_t)m.size - 2};
    engine_media_info info;
    rc_error err = {0};
    assert_int_equal(engine_probe(&source, &info, &err), 0);
    assert_int_equal(info.nb_streams, 1);
    mediainfo_file file = {.file_url = "oss://media-in/in.webm"};
    json_t *j = mediainfo_json_file_info(&info, &file);
    assert_non_null(j);
    assert_string_equal(lang_of(j), "u?");
    json_decref(j);
    engine_media_info_free(&info);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lang_any_bytes),
        cmocka_unit_test(test_fuzzer_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
