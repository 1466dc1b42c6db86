/* Unit tests for the bounds of the highlight pass against what a file's header claims (found by
 * tests/fuzz/fuzz_media): a 2 KB MP4 saying it lasts 2^32 - 1 seconds must not size the signal
 * track by that claim. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/highlights.h"
#include "engine/hl_int.h"

#define MAX_TICKS_8H (8 * 3600 * 10) /* hl_track.c: the ticks of 8 hours, what it accounts */
#define CLAIMED 4294967295.0         /* the mvhd/mdhd duration of the fuzzer's input, seconds */

static void test_claimed_duration_bounds_the_track(void **state) {
    (void)state;
    hl_raw raw;
    memset(&raw, 0, sizeof(raw));
    for (int i = 0; i < 20; i++) { /* 2 s of video */
        hl_raw_tick *tk = hl_raw_at(&raw, i * ENGINE_HL_STEP + 1e-6);
        assert_non_null(tk);
        tk->vbytes = 300;
        tk->vframes = 1;
        tk->vmax = 300;
    }
    engine_hl_track t;
    memset(&t, 0, sizeof(t));
    assert_int_equal(hl_track_finish(&raw, CLAIMED, 0, 2, &t), 0);
    assert_true(t.n <= MAX_TICKS_8H);
    assert_true(t.duration <= MAX_TICKS_8H * ENGINE_HL_STEP + 1e-6);
    engine_hl_track_free(&t);
    hl_raw_free(&raw);
}

typedef struct mem_file {
    unsigned char *data;
    size_t size;
} mem_file;

static int mem_read_at(void *user, int64_t offset, void *buf, size_t len) {
    mem_file *m = user;
    if (offset < 0 || (size_t)offset >= m->size)
        return 0;
    size_t n = m->size - (size_t)offset < len ? m->size - (size_t)offset : len;
    memcpy(buf, m->data + offset, n);
    return (int)n;
}

/* The fuzzer's input itself (tests/fuzz/corpus/fuzz_media/regress-hl-claimed-duration: two
 * selector bytes, then the file): analysed, it gives a track of bounded size. */
static void test_claimed_duration_file(void **state) {
    (void)state;
    const char *src = getenv("REELCUT_SRC");
    assert_non_null(src);
    char path[4096];
    snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/fuzz_media/regress-hl-claimed-duration",
             src);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static unsigned char bytes[1 << 16];
    size_t n = fread(bytes, 1, sizeof(bytes), f);
    fclose(f);
    assert_true(n > 2 && n < sizeof(bytes));
    mem_file m = {bytes + 2, n - 2};
    engine_source source = {
        .path = "in.mp4", .read_at = mem_read_at, .user = &m, .size = (int64_t)m.size};
    engine_hl_track t;
    rc_error err = {0};
    int rc = engine_hl_analyze_source(&source, NULL, &t, &err);
    if (rc)
        print_error("%s\n", err.message);
    assert_int_equal(rc, 0);
    assert_true(t.n > 0 && t.n <= MAX_TICKS_8H);
    engine_hl_selection sel;
    assert_int_equal(engine_hl_select(&t, 3, 5, &sel), 0);
    engine_hl_track_free(&t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_claimed_duration_bounds_the_track),
        cmocka_unit_test(test_claimed_duration_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
