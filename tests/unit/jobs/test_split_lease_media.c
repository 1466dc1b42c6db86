/* A part the parent job runs itself whose lease runs out under it (the worker stalled longer than
 * a lease - a loaded machine, a paused process - and another worker claimed the part, then let it
 * go): the parent stops running that part and awaits it like any other, claims it again, and the
 * job finishes. It used to fail the whole job with "cancelled". Real parts: a SQLite store, a
 * local bucket, FFmpeg on the repo's 16 s parts media. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "blob/blob_router.h"
#include "engine/engine.h"
#include "jobs/execute.h"
#include "jobs/split.h"
#include "util/config.h"

#define OWNER "test-worker"

typedef struct fixture {
    char dir[64];
    config cfg;
    store *st;
    blob_backend *blob;
    jobs_executor *ex;
    char part0[STORE_ID_LEN + 1]; /* the first analysis part of the job below */
    int stolen;                   /* times the thief took part 0 from the parent */
    int calls;
} fixture;

/* The job's progress: the first time part 0 runs here (leased to this worker's "+parts"
 * owner), the worker stalls past the part's lease, and a thief claims the part and releases it. */
static int progress(void *user, double fraction) {
    (void)fraction;
    fixture *f = user;
    f->calls++;
    if (f->stolen)
        return 0;
    store_job c;
    rc_error err = {0};
    if (store_job_get_any(f->st, f->part0, &c, &err))
        return 0; /* not queued yet */
    int running_here = c.state == STORE_JOB_EXECUTING && c.lease_owner &&
                       strcmp(c.lease_owner, OWNER "+parts") == 0;
    store_job_free(&c);
    if (!running_here)
        return 0;
    nanosleep(&(struct timespec){1, 200 * 1000000L}, NULL); /* past the 1 s lease */
    store_job got;
    assert_int_equal(store_job_claim_id(f->st, f->part0, "thief", 1000, 0, &got, &err), 0);
    store_job_free(&got);
    assert_int_equal(store_job_release(f->st, f->part0, "thief", &err), 0);
    f->stolen++;
    return 0;
}

static void lease_lost_inline(void **state) {
    (void)state;
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/reelcut-lease-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    config_defaults(&f->cfg);
    snprintf(f->cfg.data_dir, sizeof(f->cfg.data_dir), "%s", f->dir);
    f->cfg.split_seconds = 4; /* 16 s: four parts */
    f->cfg.lease_seconds = 1;
    rc_error err = {0};
    assert_int_equal(config_finalize(&f->cfg, &err), 0);
    char cmd[1024], p[512];
    const char *media = getenv("REELCUT_MEDIA");
    snprintf(cmd, sizeof(cmd),
             "mkdir -p '%s/buckets/media-in' '%s/buckets/media-out' '%s/tmp/job' && "
             "cp '%s/parts_h264.mp4' '%s/buckets/media-in/long.mp4' && echo '{\"keys\":[]}' > "
             "'%s/keys.json'",
             f->dir, f->dir, f->dir, media ? media : "build-test/media", f->dir, f->dir);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(store_open(f->cfg.store_url, NULL, &f->st, &err), 0);
    assert_int_equal(blob_router_from_config(&f->cfg, &f->blob, &err), 0);
    assert_int_equal(jobs_executor_create(&f->cfg, f->st, f->blob, &f->ex, &err), 0);

    store_job job;
    memset(&job, 0, sizeof(job));
    snprintf(job.job_id, sizeof(job.job_id), "%032d", 7);
    job.user_id = 1000;
    job.type = "Segmentation";
    job.input_config = "{\"Type\":\"OSS\",\"Media\":\"oss://media-in/long.mp4\"}";
    job.lease_owner = OWNER;
    assert_int_equal(jobs_part_id(job.job_id, 0, f->part0), 0);
    snprintf(p, sizeof(p), "%s/tmp/job", f->dir);
    jobs_task task = {&job, p, {progress, f}};
    jobs_outcome out;
    memset(&out, 0, sizeof(out));
    int rc = jobs_executor_run(f->ex, &task, &out, &err);
    if (rc)
        print_error("rc %d %s: %s\n", rc, err.code, err.message);
    assert_int_equal(rc, 0);
    assert_int_equal(f->stolen, 1); /* the stall happened while part 0 ran here */
    assert_non_null(out.ai_result);
    assert_non_null(strstr(out.ai_result, "\"Segments\""));
    store_job c;
    assert_int_equal(store_job_get_any(f->st, f->part0, &c, &err), 0);
    assert_int_equal(c.state, STORE_JOB_FINISHED); /* claimed again and run */
    store_job_free(&c);

    free(out.ai_result);
    free(out.media_url);
    free(out.media_id);
    jobs_executor_destroy(f->ex);
    blob_destroy(f->blob);
    store_close(f->st);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lease_lost_inline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
