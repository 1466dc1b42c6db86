/* The job executor on real parts - a SQLite store, local buckets in a data dir, FFmpeg on real
 * media - for issue 11: failed jobs name their input as the caller wrote it (oss://...) and its
 * parameter, never a server path (item 8); an output never replaces one of the job's inputs, also
 * when the input came by MediaId or the job reached the queue unchecked (item 6); and a bucket
 * holding links makes the job fail without touching anything outside (item 7). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "blob/blob_router.h"
#include "engine/engine.h"
#include "jobs/execute.h"
#include "util/config.h"
#include "util/ids.h"

#define USER 1000

typedef struct fixture {
    char dir[64]; /* the data dir */
    config cfg;
    store *st;
    blob_backend *blob;
    jobs_executor *ex;
    int serial;
} fixture;

static void path_in(const fixture *f, char *out, size_t n, const char *rel) {
    snprintf(out, n, "%s/%s", f->dir, rel);
}

static void write_text(const char *path, const char *text) {
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    fputs(text, fp);
    assert_int_equal(fclose(fp), 0);
}

static void copy_media(const fixture *f, const char *name, const char *rel) {
    const char *media = getenv("REELCUT_MEDIA");
    char cmd[1024], dst[512];
    path_in(f, dst, sizeof(dst), rel);
    snprintf(cmd, sizeof(cmd), "cp '%s/%s' '%s'", media ? media : "build-test/media", name, dst);
    assert_int_equal(system(cmd), 0);
}

static int same_files(const char *a, const char *b) {
    char cmd[1100];
    snprintf(cmd, sizeof(cmd), "cmp -s '%s' '%s'", a, b);
    return system(cmd) == 0;
}

static int setup(void **state) {
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/reelcut-exec-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    config_defaults(&f->cfg);
    snprintf(f->cfg.data_dir, sizeof(f->cfg.data_dir), "%s", f->dir);
    rc_error err = {0};
    assert_int_equal(config_finalize(&f->cfg, &err), 0);
    char p[512];
    const char *dirs[] = {"buckets/media-in", "buckets/media-out", "outside"};
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        path_in(f, p, sizeof(p), dirs[i]);
        assert_int_equal(mkdir(p, 0755), 0);
    }
    copy_media(f, "sample.mp4", "buckets/media-in/sample.mp4");
    copy_media(f, "sample.mp4", "buckets/media-in/x_1.mp4");
    path_in(f, p, sizeof(p), "buckets/media-in/zero.mp4");
    write_text(p, "");
    path_in(f, p, sizeof(p), "buckets/media-in/notmedia.mp4");
    write_text(p, "this is not a video, only words\n");
    path_in(f, p, sizeof(p), "keys.json");
    write_text(p, "{\"keys\":[]}");
    char target[512];
    path_in(f, p, sizeof(p), "buckets/media-in/link.mp4");
    path_in(f, target, sizeof(target), "keys.json");
    assert_int_equal(symlink(target, p), 0);
    path_in(f, p, sizeof(p), "buckets/media-out/escape");
    path_in(f, target, sizeof(target), "outside");
    assert_int_equal(symlink(target, p), 0);
    assert_int_equal(store_open(f->cfg.store_url, NULL, &f->st, &err), 0);
    assert_int_equal(blob_router_from_config(&f->cfg, &f->blob, &err), 0);
    assert_int_equal(jobs_executor_create(&f->cfg, f->st, f->blob, &f->ex, &err), 0);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    jobs_executor_destroy(f->ex);
    blob_destroy(f->blob);
    store_close(f->st);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    int rc = system(cmd);
    free(f);
    return rc == 0 ? 0 : -1;
}

/* Runs one job in a fresh work folder under DATA_DIR/tmp, as the pool does. */
static int run_job(fixture *f, const char *type, const char *input, const char *params,
                   const char *output, rc_error *err) {
    store_job job;
    memset(&job, 0, sizeof(job));
    snprintf(job.job_id, sizeof(job.job_id), "%032d", ++f->serial);
    job.user_id = USER;
    job.type = (char *)type;
    job.input_config = (char *)input;
    job.job_params = (char *)params;
    job.output_config = (char *)output;
    char work[512], rel[64];
    snprintf(rel, sizeof(rel), "tmp/job-%d", f->serial);
    path_in(f, work, sizeof(work), rel);
    assert_int_equal(mkdir(work, 0700), 0);
    jobs_task task = {&job, work, {NULL, NULL}};
    jobs_outcome out;
    memset(&out, 0, sizeof(out));
    rc_error_clear(err);
    int rc = jobs_executor_run(f->ex, &task, &out, err);
    free(out.ai_result);
    free(out.media_url);
    free(out.media_id);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", work);
    assert_int_equal(system(cmd), 0);
    return rc;
}

/* The failure names every fragment in want and nothing of the data dir. */
static void expect_failure(fixture *f, int rc, const rc_error *err, const char *code,
                           const char *const *want) {
    int ok = rc < 0 && strcmp(err->code, code) == 0 && !strstr(err->message, f->dir);
    for (const char *const *w = want; ok && *w; w++)
        ok = strstr(err->message, *w) != NULL;
    if (!ok)
        print_error("rc %d %s: %s\n", rc, err->code, err->message);
    assert_true(rc < 0);
    assert_string_equal(err->code, code);
    for (const char *const *w = want; *w; w++)
        assert_non_null(strstr(err->message, *w));
    assert_null(strstr(err->message, f->dir));
    assert_null(strstr(err->message, "/tmp/"));
}

#define SEG_INPUT(url) "{\"Type\":\"OSS\",\"Media\":\"" url "\"}"
#define RANGES "{\"Mode\":\"UserDefined\",\"Ranges\":[{\"In\":0,\"Out\":1},{\"In\":2,\"Out\":3}]}"

/* Item 8: zero-byte and not-media inputs in a local bucket, in every mode, and in a highlight
 * job: the error names the parameter and oss://bucket/key, never DATA_DIR/buckets/... */
static void bad_media_named(void **state) {
    fixture *f = *state;
    static const struct {
        const char *type, *input, *params;
        const char *want[3];
    } cases[] = {
        {"Segmentation",
         SEG_INPUT("oss://media-in/zero.mp4"),
         RANGES,
         {"InputConfig.Media (oss://media-in/zero.mp4)", "empty", NULL}},
        {"Segmentation",
         SEG_INPUT("oss://media-in/zero.mp4"),
         NULL,
         {"InputConfig.Media (oss://media-in/zero.mp4)", "empty", NULL}},
        {"Segmentation",
         SEG_INPUT("oss://media-in/notmedia.mp4"),
         RANGES,
         {"InputConfig.Media (oss://media-in/notmedia.mp4)", "not readable media", NULL}},
        {"Segmentation",
         SEG_INPUT("oss://media-in/notmedia.mp4"),
         NULL,
         {"InputConfig.Media (oss://media-in/notmedia.mp4)", "not readable media", NULL}},
        {"HighlightExtraction",
         "{\"MediaArray\":[{\"MediaURL\":\"oss://media-in/sample.mp4\"},{\"MediaURL\":\"oss://"
         "media-in/zero.mp4\"}]}",
         NULL,
         {"InputConfig.MediaArray[1]", "oss://media-in/zero.mp4", NULL}},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        rc_error err;
        int rc = run_job(f, cases[i].type, cases[i].input, cases[i].params,
                         "{\"Bucket\":\"media-out\",\"ObjectKey\":\"o/{index}.mp4\"}", &err);
        expect_failure(f, rc, &err, "InvalidParameter.ResourceContentBad", cases[i].want);
    }
}

/* Item 6 at run time: a MediaId input resolves to oss://media-in/x_1.mp4 only when the job runs,
 * and a job queued before the submission check names it directly; neither replaces it. */
static void output_spares_input(void **state) {
    fixture *f = *state;
    store_media m;
    memset(&m, 0, sizeof(m));
    ids_hex128(m.media_id);
    m.user_id = USER;
    m.input_url = "oss://media-in/x_1.mp4";
    m.title = "x";
    char existing[STORE_ID_LEN + 1];
    enum store_submit_outcome outcome;
    rc_error err = {0};
    assert_int_equal(store_media_register(f->st, &m, 0, NULL, existing, &outcome, &err), 0);
    char input[128];
    snprintf(input, sizeof(input), "{\"Type\":\"Media\",\"Media\":\"%s\"}", m.media_id);
    char x1[512], sample[512], x2[512];
    path_in(f, x1, sizeof(x1), "buckets/media-in/x_1.mp4");
    path_in(f, sample, sizeof(sample), "buckets/media-in/sample.mp4");
    path_in(f, x2, sizeof(x2), "buckets/media-in/x_2.mp4");
    const char *out = "{\"Bucket\":\"media-in\",\"ObjectKey\":\"x.mp4\"}";
    int rc = run_job(f, "Segmentation", input, RANGES, out, &err);
    const char *const want[] = {"OutputConfig.ObjectKey", "oss://media-in/x_1.mp4",
                                "InputConfig.Media", NULL};
    expect_failure(f, rc, &err, "InvalidParameter", want);
    assert_true(same_files(x1, sample)); /* neither replaced nor deleted */
    assert_int_equal(access(x2, F_OK), -1);
    /* Highlights by MediaId, the clip landing on the input as output 1. */
    char hl[256];
    snprintf(hl, sizeof(hl),
             "{\"MediaArray\":[{\"MediaId\":\"%s\"}],\"Strategy\":{\"Count\":2,"
             "\"ClipDuration\":3}}",
             m.media_id);
    rc = run_job(f, "HighlightExtraction", hl, NULL,
                 "{\"NeedExport\":true,\"Bucket\":\"media-in\",\"ObjectKey\":\"x.mp4\"}", &err);
    const char *const want_hl[] = {"OutputConfig.ObjectKey", "oss://media-in/x_1.mp4",
                                   "InputConfig.MediaArray[0]", NULL};
    expect_failure(f, rc, &err, "InvalidParameter", want_hl);
    assert_true(same_files(x1, sample));
    /* A URL input that reached the queue unchecked fails when its spec is read again. */
    rc = run_job(f, "Segmentation", SEG_INPUT("oss://media-in/x_1.mp4"), RANGES, out, &err);
    expect_failure(f, rc, &err, "InvalidParameter", want);
    assert_true(same_files(x1, sample));
    /* Reading x_1.mp4 and writing elsewhere in its bucket is fine. */
    rc = run_job(f, "Segmentation", SEG_INPUT("oss://media-in/x_1.mp4"), RANGES,
                 "{\"Bucket\":\"media-in\",\"ObjectKey\":\"cut/x.mp4\"}", &err);
    if (rc)
        print_error("%s: %s\n", err.code, err.message);
    assert_int_equal(rc, 0);
    path_in(f, x2, sizeof(x2), "buckets/media-in/cut/x_2.mp4");
    assert_int_equal(access(x2, F_OK), 0);
    assert_true(same_files(x1, sample));
}

/* Item 7 through the executor: a linked input is not found, an output through a linked folder is
 * not written, and nothing outside the buckets changes. */
static void links_fail_jobs(void **state) {
    fixture *f = *state;
    rc_error err;
    int rc = run_job(f, "Segmentation", SEG_INPUT("oss://media-in/link.mp4"), RANGES, NULL, &err);
    const char *const want_in[] = {"InputConfig.Media", "oss://media-in/link.mp4", "symbolic link",
                                   NULL};
    expect_failure(f, rc, &err, "InvalidParameter.ResourceNotFound", want_in);
    rc = run_job(f, "Segmentation", SEG_INPUT("oss://media-in/sample.mp4"), RANGES,
                 "{\"Bucket\":\"media-out\",\"ObjectKey\":\"escape/x.mp4\"}", &err);
    const char *const want_out[] = {"oss://media-out/escape/x_1.mp4", "symbolic link", NULL};
    expect_failure(f, rc, &err, "OutputWriteFailed", want_out);
    char p[512];
    path_in(f, p, sizeof(p), "outside/x_1.mp4");
    assert_int_equal(access(p, F_OK), -1);
    char keys[64] = "";
    path_in(f, p, sizeof(p), "keys.json");
    FILE *fp = fopen(p, "rb");
    assert_non_null(fp);
    assert_non_null(fgets(keys, sizeof(keys), fp));
    fclose(fp);
    assert_string_equal(keys, "{\"keys\":[]}");
}

int main(void) {
    engine_global_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(bad_media_named, setup, teardown),
        cmocka_unit_test_setup_teardown(output_spares_input, setup, teardown),
        cmocka_unit_test_setup_teardown(links_fail_jobs, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
