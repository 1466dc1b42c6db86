/* The blob suite on S3 against a real OpenStack Swift with s3api (tests/s3/swift.sh), plus what
 * only S3 has: wrong credentials, servers that reset or hang (retries, then RC_EREAD/RC_EWRITE),
 * 503s that a retry gets past, a download cut short and restarted,
 * a multipart upload failing midway (aborted: no object, no pending upload), virtual-hosted
 * addressing, configuration errors. The secret never shows in an error. */
#include <sys/time.h>
#include <time.h>

#include "blob/s3/blob_s3.h"
#include "blob/s3/blob_s3_int.h"
#include "blob_suite.h"
#include "tcp_fault.h"

static char swift_dir[256];
static char endpoint[128], region[64], access_key[64], secret[64];
static char scratch[256];

static blob_s3_options base_options(void) {
    blob_s3_options o = {.endpoint = endpoint,
                         .region = region,
                         .access_key_id = access_key,
                         .secret_access_key = secret,
                         .part_size = (size_t)5 << 20,
                         .multipart_threshold = (size_t)8 << 20,
                         .retry_base_ms = 20};
    return o;
}

static int s3_setup(void **state) {
    static suite_fixture f;
    memset(&f, 0, sizeof(f));
    snprintf(f.tmp, sizeof(f.tmp), "%s", scratch);
    blob_s3_options o = base_options();
    rc_error err = {0};
    if (blob_s3_create(&o, &f.be, &err) != 0) {
        fprintf(stderr, "blob_s3_create: %s\n", err.message);
        return -1;
    }
    *state = &f;
    return 0;
}

static int s3_teardown(void **state) {
    suite_fixture *f = *state;
    blob_destroy(f->be);
    return 0;
}

static void test_uri_encode(void **state) {
    (void)state;
    char out[64] = "";
    assert_int_equal(blob_s3_uri_encode("a b/\xc3\xa4+~_.-", 1, out, sizeof(out)), 19);
    assert_string_equal(out, "a%20b/%C3%A4%2B~_.-");
    out[0] = '\0';
    assert_true(blob_s3_uri_encode("x/y=", 0, out, sizeof(out)) > 0);
    assert_string_equal(out, "x%2Fy%3D");
    char tiny[4] = "";
    assert_int_equal(blob_s3_uri_encode("abcdef", 1, tiny, sizeof(tiny)), -1);
}

static void test_create_errors(void **state) {
    (void)state;
    blob_backend *be = NULL;
    rc_error err = {0};
    blob_s3_options o = base_options();
    o.endpoint = "";
    assert_int_equal(blob_s3_create(&o, &be, &err), RC_EINVAL);
    assert_non_null(strstr(err.message, "s3.endpoint"));
    rc_error_clear(&err);
    o.endpoint = "ftp://example.com";
    assert_int_equal(blob_s3_create(&o, &be, &err), RC_EINVAL);
    assert_non_null(strstr(err.message, "s3.endpoint"));
    rc_error_clear(&err);
    o = base_options();
    o.secret_access_key = NULL;
    assert_int_equal(blob_s3_create(&o, &be, &err), RC_EINVAL);
    assert_non_null(strstr(err.message, "s3.secret_access_key"));
    assert_null(be);
}

static void test_wrong_secret(void **state) {
    suite_fixture *f = *state;
    blob_backend *be = NULL;
    blob_s3_options o = base_options();
    o.secret_access_key = "wrong-secret-4711";
    assert_int_equal(blob_s3_create(&o, &be, NULL), 0);
    rc_error err = {0};
    char *path = NULL;
    int is_temp;
    assert_int_equal(blob_get_local(be, SUITE_BUCKET, "k.mp4", f->tmp, &path, &is_temp, &err),
                     RC_EREAD);
    assert_string_equal(err.code, "InputReadFailed");
    assert_non_null(strstr(err.message, "oss://" SUITE_BUCKET "/k.mp4"));
    assert_non_null(strstr(err.message, "access denied"));
    assert_null(strstr(err.message, "wrong-secret-4711"));
    rc_error_clear(&err);
    char *local = suite_local_file(f, 1000, 7);
    assert_int_equal(blob_put_file(be, SUITE_BUCKET, "k.mp4", local, &err), RC_EWRITE);
    assert_string_equal(err.code, "OutputWriteFailed");
    assert_non_null(strstr(err.message, "oss://" SUITE_BUCKET "/k.mp4"));
    assert_null(strstr(err.message, "wrong-secret-4711"));
    rc_error_clear(&err);
    assert_int_equal(blob_bucket_exists(be, SUITE_BUCKET, &err), RC_EREAD);
    blob_destroy(be);
    /* An unknown access key is refused the same way. */
    o = base_options();
    o.access_key_id = "test:nobody";
    assert_int_equal(blob_s3_create(&o, &be, NULL), 0);
    rc_error_clear(&err);
    assert_int_equal(blob_get_local(be, SUITE_BUCKET, "k.mp4", f->tmp, &path, &is_temp, &err),
                     RC_EREAD);
    assert_non_null(strstr(err.message, "access denied"));
    blob_destroy(be);
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_reset_server(void **state) {
    suite_fixture *f = *state;
    tcp_fault tf = {.mode = FAULT_RESET};
    assert_int_equal(tcp_fault_start(&tf), 0);
    char ep[64];
    snprintf(ep, sizeof(ep), "http://127.0.0.1:%d", tf.port);
    blob_s3_options o = base_options();
    o.endpoint = ep;
    o.max_attempts = 3;
    blob_backend *be = NULL;
    assert_int_equal(blob_s3_create(&o, &be, NULL), 0);
    rc_error err = {0};
    char *path = NULL;
    int is_temp;
    assert_int_equal(blob_get_local(be, SUITE_BUCKET, "in.mp4", f->tmp, &path, &is_temp, &err),
                     RC_EREAD);
    assert_non_null(strstr(err.message, "cannot read oss://" SUITE_BUCKET "/in.mp4"));
    assert_non_null(strstr(err.message, "3 attempts"));
    assert_int_equal(atomic_load(&tf.accepted), 3);
    rc_error_clear(&err);
    char *local = suite_local_file(f, 200000, 8);
    assert_int_equal(blob_put_file(be, SUITE_BUCKET, "out.mp4", local, &err), RC_EWRITE);
    assert_non_null(strstr(err.message, "cannot write oss://" SUITE_BUCKET "/out.mp4"));
    assert_int_equal(atomic_load(&tf.accepted), 6);
    blob_destroy(be);
    tcp_fault_stop(&tf);
}

static void test_silent_server(void **state) {
    suite_fixture *f = *state;
    tcp_fault tf = {.mode = FAULT_SILENT};
    assert_int_equal(tcp_fault_start(&tf), 0);
    char ep[64];
    snprintf(ep, sizeof(ep), "http://127.0.0.1:%d", tf.port);
    blob_s3_options o = base_options();
    o.endpoint = ep;
    o.max_attempts = 2;
    o.stall_timeout_s = 1;
    blob_backend *be = NULL;
    assert_int_equal(blob_s3_create(&o, &be, NULL), 0);
    rc_error err = {0};
    char *path = NULL;
    int is_temp;
    double t0 = now_s();
    assert_int_equal(blob_get_local(be, SUITE_BUCKET, "in.mp4", f->tmp, &path, &is_temp, &err),
                     RC_EREAD);
    double took = now_s() - t0;
    assert_true(took >= 1.5 && took < 10);
    assert_non_null(strstr(err.message, "oss://" SUITE_BUCKET "/in.mp4"));
    assert_non_null(strstr(err.message, "2 attempts"));
    assert_int_equal(atomic_load(&tf.accepted), 2);
    blob_destroy(be);
    tcp_fault_stop(&tf);
}

/* HTTP 503s are retried: after two of them the third attempt gets through, both ways. */
static void test_503_then_success(void **state) {
    suite_fixture *f = *state;
    int port = atoi(strrchr(endpoint, ':') + 1);
    tcp_fault tf = {.mode = FAULT_PROXY, .upstream_port = port, .fail_first = 2};
    assert_int_equal(tcp_fault_start(&tf), 0);
    char ep[64];
    snprintf(ep, sizeof(ep), "http://127.0.0.1:%d", tf.port);
    blob_s3_options o = base_options();
    o.endpoint = ep;
    blob_backend *be = NULL;
    assert_int_equal(blob_s3_create(&o, &be, NULL), 0);
    suite_fixture pf = *f;
    pf.be = be;
    char expect[512];
    suite_put(&pf, "retried.bin", 400000, 11, expect, sizeof(expect));
    assert_int_equal(atomic_load(&tf.accepted), 3);
    suite_check(f, "retried.bin", expect);
    tf.fail_first = 5; /* two more 503s for the download */
    suite_check(&pf, "retried.bin", expect);
    assert_int_equal(atomic_load(&tf.accepted), 6);
    f->serial = pf.serial;
    blob_destroy(be);
    tcp_fault_stop(&tf);
}

/* A download reset halfway is retried from the start: the temp file has exactly the object. */
static void test_download_cut_short(void **state) {
    suite_fixture *f = *state;
    char expect[512];
    suite_put(f, "cut.bin", 3000000, 12, expect, sizeof(expect));
    int port = atoi(strrchr(endpoint, ':') + 1);
    tcp_fault tf = {.mode = FAULT_PROXY, .upstream_port = port, .cut_after = 1000000};
    assert_int_equal(tcp_fault_start(&tf), 0);
    char ep[64];
    snprintf(ep, sizeof(ep), "http://127.0.0.1:%d", tf.port);
    blob_s3_options o = base_options();
    o.endpoint = ep;
    blob_backend *be = NULL;
    assert_int_equal(blob_s3_create(&o, &be, NULL), 0);
    suite_fixture pf = *f;
    pf.be = be;
    suite_check(&pf, "cut.bin", expect);
    assert_int_equal(atomic_load(&tf.dropped), 1);
    assert_int_equal(atomic_load(&tf.accepted), 2);
    blob_destroy(be);
    tcp_fault_stop(&tf);
}

/* Pending multipart uploads of the suite bucket, as the server lists them. */
static int pending_uploads(blob_backend *be) {
    CURL *h = curl_easy_init();
    s3_req r;
    s3_req_init(&r, "GET", SUITE_BUCKET, NULL, "uploads=");
    assert_int_equal(s3_perform((s3_backend *)be, h, &r), 0);
    assert_int_equal(r.status, 200);
    int n = 0;
    for (const char *p = r.body.data; (p = strstr(p, "<Upload>")); p++)
        n++;
    s3_req_free(&r);
    curl_easy_cleanup(h);
    return n;
}

static void test_multipart_failure_aborts(void **state) {
    suite_fixture *f = *state;
    int port = atoi(strrchr(endpoint, ':') + 1);
    tcp_fault tf = {.mode = FAULT_PROXY, .upstream_port = port, .drop_match = "partNumber=2&"};
    assert_int_equal(tcp_fault_start(&tf), 0);
    char ep[64];
    snprintf(ep, sizeof(ep), "http://127.0.0.1:%d", tf.port);
    blob_s3_options o = base_options();
    o.endpoint = ep;
    o.max_attempts = 2;
    blob_backend *be = NULL;
    assert_int_equal(blob_s3_create(&o, &be, NULL), 0);
    assert_int_equal(pending_uploads(f->be), 0);
    rc_error err = {0};
    char *local = suite_local_file(f, SUITE_LARGE_SIZE, 9);
    assert_int_equal(blob_put_file(be, SUITE_BUCKET, "broken/multi.bin", local, &err), RC_EWRITE);
    assert_non_null(strstr(err.message, "cannot write oss://" SUITE_BUCKET "/broken/multi.bin"));
    /* 2 attempts; curl may also retry once by itself when a reused connection dies. */
    int dropped = atomic_load(&tf.dropped);
    assert_true(dropped >= 2 && dropped <= 4);
    assert_int_equal(access(local, F_OK), -1);
    /* Through the direct backend: no object, no upload left behind. */
    char *path = NULL;
    int is_temp;
    assert_int_equal(
        blob_get_local(f->be, SUITE_BUCKET, "broken/multi.bin", f->tmp, &path, &is_temp, NULL),
        RC_ENOENT);
    assert_int_equal(pending_uploads(f->be), 0);
    blob_destroy(be);
    tcp_fault_stop(&tf);
}

static void test_virtual_hosted(void **state) {
    suite_fixture *f = *state;
    /* Swift answers for *.localhost (storage_domain); curl resolves *.localhost to loopback. */
    char ep[128];
    snprintf(ep, sizeof(ep), "http://localhost:%s", strrchr(endpoint, ':') + 1);
    blob_s3_options o = base_options();
    o.endpoint = ep;
    o.virtual_hosted = 1;
    blob_backend *be = NULL;
    assert_int_equal(blob_s3_create(&o, &be, NULL), 0);
    suite_fixture vf = *f;
    vf.be = be;
    char expect[512];
    suite_put(&vf, "virtual/a b.txt", 70000, 10, expect, sizeof(expect));
    suite_check(f, "virtual/a b.txt", expect); /* written virtual-hosted, read path-style */
    suite_check(&vf, "virtual/a b.txt", expect);
    assert_int_equal(blob_bucket_exists(be, SUITE_BUCKET, NULL), 0);
    assert_int_equal(blob_bucket_exists(be, "no-such-bucket", NULL), RC_ENOENT);
    f->serial = vf.serial;
    blob_destroy(be);
}

static int read_env(void) {
    char path[300], line[256];
    snprintf(path, sizeof(path), "%s/env", swift_dir);
    FILE *fp = fopen(path, "r");
    if (!fp)
        return -1;
    while (fgets(line, sizeof(line), fp)) {
        line[strcspn(line, "\n")] = '\0';
        char *eq = strchr(line, '=');
        if (!eq)
            continue;
        *eq = '\0';
        char *dst = !strcmp(line, "S3_ENDPOINT")            ? endpoint
                    : !strcmp(line, "S3_REGION")            ? region
                    : !strcmp(line, "S3_ACCESS_KEY_ID")     ? access_key
                    : !strcmp(line, "S3_SECRET_ACCESS_KEY") ? secret
                                                            : NULL;
        if (dst)
            snprintf(dst, 64, "%s", eq + 1);
    }
    fclose(fp);
    return endpoint[0] && secret[0] ? 0 : -1;
}

int main(void) {
    const char *src = getenv("REELCUT_SRC");
    char cmd[1024];
    snprintf(swift_dir, sizeof(swift_dir), "/tmp/reelcut-swift-XXXXXX");
    snprintf(scratch, sizeof(scratch), "/tmp/reelcut-blobs3-XXXXXX");
    if (!src || !mkdtemp(swift_dir) || !mkdtemp(scratch)) {
        fprintf(stderr, "REELCUT_SRC not set or no temp dir\n");
        return 1;
    }
    snprintf(cmd, sizeof(cmd), "'%s/tests/s3/swift.sh' start '%s'", src, swift_dir);
    int failed = 1;
    if (system(cmd) != 0 || read_env() != 0) {
        fprintf(stderr, "could not start Swift (%s)\n", cmd);
        goto out;
    }
    /* The suite's bucket. */
    blob_backend *be = NULL;
    blob_s3_options o = base_options();
    rc_error err = {0};
    if (blob_s3_create(&o, &be, &err) != 0 || blob_s3_create_bucket(be, SUITE_BUCKET, &err) != 0 ||
        blob_s3_create_bucket(be, SUITE_BUCKET, &err) != 0) {
        fprintf(stderr, "bucket: %s\n", err.message);
        blob_destroy(be);
        goto out;
    }
    blob_destroy(be);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uri_encode),
        cmocka_unit_test(test_create_errors),
        BLOB_SUITE_TESTS(s3_setup, s3_teardown),
        cmocka_unit_test_setup_teardown(test_wrong_secret, s3_setup, s3_teardown),
        cmocka_unit_test_setup_teardown(test_reset_server, s3_setup, s3_teardown),
        cmocka_unit_test_setup_teardown(test_silent_server, s3_setup, s3_teardown),
        cmocka_unit_test_setup_teardown(test_503_then_success, s3_setup, s3_teardown),
        cmocka_unit_test_setup_teardown(test_download_cut_short, s3_setup, s3_teardown),
        cmocka_unit_test_setup_teardown(test_multipart_failure_aborts, s3_setup, s3_teardown),
        cmocka_unit_test_setup_teardown(test_virtual_hosted, s3_setup, s3_teardown),
    };
    failed = cmocka_run_group_tests(tests, NULL, NULL);
out:
    snprintf(cmd, sizeof(cmd), "'%s/tests/s3/swift.sh' stop '%s'; rm -rf '%s' '%s'", src, swift_dir,
             swift_dir, scratch);
    if (system(cmd) != 0)
        fprintf(stderr, "cleanup failed: %s\n", cmd);
    return failed;
}
