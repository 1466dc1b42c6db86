/* The ranged reader (blob_open_reader) against a real OpenStack Swift s3api (tests/s3/swift.sh):
 * reads at offsets, across the read-ahead window, past the end; a 0-byte object; missing objects
 * and buckets; wrong credentials; an object replaced while open; a GET cut mid-stream and resumed;
 * seeks thrashing into the temp-file fallback; a server ignoring Range (Python's http.server).
 * Then the engine through the reader: probe and a segment export of an MP4 whose moov is at the
 * end give what the local file gives, and the probe fetches a fraction of the object. */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/stat.h>

#include "blob/s3/blob_s3.h"
#include "blob_suite.h"
#include "engine/export/export.h"
#include "engine/probe.h"
#include "tcp_fault.h"

#define BUCKET "rdr-bucket"
#define BIG_SIZE (((size_t)12 << 20) + 123)

static char swift_dir[256], scratch[256];
static char endpoint[128], region[64], access_key[64], secret[64];
static const char *media_dir;

static blob_s3_options options(const char *ep) {
    blob_s3_options o = {.endpoint = ep ? ep : endpoint,
                         .region = region,
                         .access_key_id = access_key,
                         .secret_access_key = secret,
                         .retry_base_ms = 20};
    return o;
}

static blob_backend *backend(const char *ep) {
    blob_s3_options o = options(ep);
    blob_backend *be = NULL;
    rc_error err = {0};
    assert_int_equal(blob_s3_create(&o, &be, &err), 0);
    return be;
}

static unsigned char pattern(size_t i, unsigned seed) {
    uint32_t x = (uint32_t)i * 2654435761u + seed;
    return (unsigned char)(x >> 24 ^ x >> 8);
}

/* Uploads `size` bytes of pattern(seed) as key. */
static void put_pattern(blob_backend *be, const char *key, size_t size, unsigned seed) {
    char path[512];
    snprintf(path, sizeof(path), "%s/upload.bin", scratch);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    for (size_t i = 0; i < size; i++)
        fputc(pattern(i, seed), fp);
    fclose(fp);
    rc_error err = {0};
    assert_int_equal(blob_put_file(be, BUCKET, key, path, &err), 0);
}

/* Reads [off, off+len) fully (several calls if the reader returns less) and checks the bytes. */
static void check_read(blob_reader *r, int64_t off, size_t len, unsigned seed) {
    unsigned char *b = malloc(len);
    assert_non_null(b);
    size_t got = 0;
    while (got < len) {
        int n = blob_reader_read_at(r, off + (int64_t)got, b + got, len - got);
        if (n <= 0)
            fail_msg("read at %lld: %d %s", (long long)(off + (int64_t)got), n,
                     blob_reader_error(r) ? blob_reader_error(r)->message : "");
        got += (size_t)n;
    }
    for (size_t i = 0; i < len; i++)
        if (b[i] != pattern((size_t)off + i, seed))
            fail_msg("byte %lld differs", (long long)(off + (int64_t)i));
    free(b);
}

static void test_reads(void **state) {
    (void)state;
    blob_backend *be = backend(NULL);
    put_pattern(be, "big.bin", BIG_SIZE, 1);
    blob_reader *r = NULL;
    rc_error err = {0};
    assert_int_equal(blob_open_reader(be, BUCKET, "big.bin", scratch, &r, &err), 0);
    assert_int_equal(blob_reader_size(r), (int64_t)BIG_SIZE);
    check_read(r, 0, 100, 1);
    check_read(r, ((int64_t)4 << 20) - 1000, 5000, 1); /* across the 4 MB window */
    check_read(r, ((int64_t)8 << 20) - 1000, 5000, 1);
    check_read(r, (int64_t)1 << 20, 70000, 1);                   /* backwards: a new GET */
    for (int64_t off = 0; off < (int64_t)BIG_SIZE; off += 65536) /* sequential, all of it */
        check_read(r, off, off + 65536 <= (int64_t)BIG_SIZE ? 65536 : BIG_SIZE - (size_t)off, 1);
    blob_reader_stats st;
    blob_reader_get_stats(r, &st);
    int64_t first_pass = st.bytes_fetched;
    for (int64_t off = 0; off < (int64_t)BIG_SIZE; off += 100000) /* a second pass: from cache */
        check_read(r, off, off + 100000 <= (int64_t)BIG_SIZE ? 100000 : BIG_SIZE - (size_t)off, 1);
    blob_reader_get_stats(r, &st);
    assert_int_equal(st.bytes_fetched, first_pass);
    unsigned char b[100];
    assert_int_equal(blob_reader_read_at(r, (int64_t)BIG_SIZE, b, sizeof(b)), 0); /* at the end */
    assert_int_equal(blob_reader_read_at(r, (int64_t)BIG_SIZE + 5000, b, sizeof(b)), 0);
    assert_int_equal(blob_reader_read_at(r, (int64_t)BIG_SIZE - 10, b, sizeof(b)), 10);
    blob_reader_get_stats(r, &st);
    assert_false(st.fallback);
    assert_true(st.requests >= 3 && st.requests < 12);
    /* Each byte fetched once (plus bounded read-ahead), not a GET per read. */
    assert_true(st.bytes_fetched < (int64_t)BIG_SIZE * 11 / 10);
    assert_null(blob_reader_error(r));
    blob_reader_close(r);
    blob_destroy(be);
}

static void test_small_and_empty(void **state) {
    (void)state;
    blob_backend *be = backend(NULL);
    put_pattern(be, "small.bin", 3000000, 2);
    put_pattern(be, "empty.bin", 0, 2);
    blob_reader *r = NULL;
    rc_error err = {0};
    assert_int_equal(blob_open_reader(be, BUCKET, "small.bin", scratch, &r, &err), 0);
    check_read(r, 2000000, 1000, 2);
    check_read(r, 10, 1000, 2);
    check_read(r, 2999000, 1000, 2);
    blob_reader_stats st;
    blob_reader_get_stats(r, &st);
    assert_int_equal(st.requests, 1); /* a small object is fetched whole, once */
    assert_int_equal(st.bytes_fetched, 3000000);
    blob_reader_close(r);
    assert_int_equal(blob_open_reader(be, BUCKET, "empty.bin", scratch, &r, &err), 0);
    assert_int_equal(blob_reader_size(r), 0);
    unsigned char b[16];
    assert_int_equal(blob_reader_read_at(r, 0, b, sizeof(b)), 0);
    blob_reader_get_stats(r, &st);
    assert_int_equal(st.requests, 0);
    blob_reader_close(r);
    blob_destroy(be);
}

static void test_missing_and_denied(void **state) {
    (void)state;
    blob_backend *be = backend(NULL);
    blob_reader *r = NULL;
    rc_error err = {0};
    assert_int_equal(blob_open_reader(be, BUCKET, "no/such.mp4", scratch, &r, &err), RC_ENOENT);
    assert_null(r);
    assert_non_null(strstr(err.message, "oss://" BUCKET "/no/such.mp4"));
    rc_error_clear(&err);
    assert_int_equal(blob_open_reader(be, "no-such-bucket", "a.mp4", scratch, &r, &err), RC_ENOENT);
    assert_non_null(strstr(err.message, "oss://no-such-bucket/a.mp4"));
    blob_destroy(be);
    blob_s3_options o = options(NULL);
    o.secret_access_key = "wrong-secret-value";
    assert_int_equal(blob_s3_create(&o, &be, &err), 0);
    rc_error_clear(&err);
    assert_int_equal(blob_open_reader(be, BUCKET, "small.bin", scratch, &r, &err), RC_EREAD);
    assert_non_null(strstr(err.message, "access denied"));
    assert_null(strstr(err.message, "wrong-secret-value"));
    blob_destroy(be);
}

static void test_changed_while_open(void **state) {
    (void)state;
    blob_backend *be = backend(NULL);
    put_pattern(be, "changing.bin", BIG_SIZE, 3);
    blob_reader *r = NULL;
    rc_error err = {0};
    assert_int_equal(blob_open_reader(be, BUCKET, "changing.bin", scratch, &r, &err), 0);
    check_read(r, 0, 100, 3);
    put_pattern(be, "changing.bin", BIG_SIZE, 4); /* replaced under the reader */
    unsigned char b[100];
    assert_true(blob_reader_read_at(r, (int64_t)10 << 20, b, sizeof(b)) < 0);
    const rc_error *e = blob_reader_error(r);
    assert_non_null(e);
    assert_non_null(strstr(e->message, "oss://" BUCKET "/changing.bin changed while it was read"));
    assert_true(blob_reader_read_at(r, 0, b, sizeof(b)) < 0); /* sticky */
    blob_reader_close(r);
    blob_destroy(be);
}

static void test_resume_after_cut(void **state) {
    (void)state;
    blob_backend *be = backend(NULL);
    put_pattern(be, "cut.bin", BIG_SIZE, 5);
    blob_destroy(be);
    int port = 0;
    sscanf(strrchr(endpoint, ':') + 1, "%d", &port);
    /* Connection 1 is the HEAD; connection 2, the GET, is reset after 3 MB. */
    tcp_fault tf = {
        .mode = FAULT_PROXY, .upstream_port = port, .cut_conn = 1, .cut_after = 3L << 20};
    assert_int_equal(tcp_fault_start(&tf), 0);
    char ep[64];
    snprintf(ep, sizeof(ep), "http://127.0.0.1:%d", tf.port);
    be = backend(ep);
    blob_reader *r = NULL;
    rc_error err = {0};
    assert_int_equal(blob_open_reader(be, BUCKET, "cut.bin", scratch, &r, &err), 0);
    for (int64_t off = 0; off < (int64_t)BIG_SIZE; off += 1 << 20)
        check_read(r, off, off + (1 << 20) <= (int64_t)BIG_SIZE ? 1 << 20 : BIG_SIZE - (size_t)off,
                   5);
    blob_reader_stats st;
    blob_reader_get_stats(r, &st);
    assert_int_equal(atomic_load(&tf.dropped), 1);
    assert_int_equal(st.requests, 2); /* resumed at the offset, not restarted */
    assert_true(st.bytes_fetched <= (int64_t)BIG_SIZE + (1 << 20));
    assert_false(st.fallback);
    blob_reader_close(r);
    blob_destroy(be);
    tcp_fault_stop(&tf);
}

static void test_thrashing_falls_back(void **state) {
    (void)state;
    blob_backend *be = backend(NULL);
    put_pattern(be, "thrash.bin", BIG_SIZE, 6);
    blob_reader *r = NULL;
    rc_error err = {0};
    assert_int_equal(blob_open_reader(be, BUCKET, "thrash.bin", scratch, &r, &err), 0);
    for (uint64_t i = 0; i < 200; i++) /* 4 KB here and there: reads scattered over 12 MB */
        check_read(r, (int64_t)(i * 97 % 191) << 16, 4096, 6); /* 0, 6 MB, 64 KB, 6 MB + 64 KB.. */
    blob_reader_stats st;
    blob_reader_get_stats(r, &st);
    print_message("thrashing: %lld bytes fetched, %lld wasted, %d GETs, fallback %d\n",
                  (long long)st.bytes_fetched, (long long)st.bytes_wasted, st.requests,
                  st.fallback);
    assert_true(st.fallback);
    assert_non_null(strstr(st.fallback_reason, "GET"));
    assert_true(st.requests < 14); /* switched after ~12 seeks, not 200 */
    assert_true(st.bytes_fetched < (int64_t)BIG_SIZE * 5 / 2);
    blob_reader_close(r);
    blob_destroy(be);
}

/* Python's http.server: answers GET and HEAD from a folder and ignores Range (200, whole body). */
static void test_range_ignored_falls_back(void **state) {
    (void)state;
    char cmd[2048], dir[300], portfile[300], pidfile[300];
    snprintf(dir, sizeof(dir), "%s/www", scratch);
    snprintf(portfile, sizeof(portfile), "%s/port", scratch);
    snprintf(pidfile, sizeof(pidfile), "%s/pid", scratch);
    snprintf(cmd, sizeof(cmd),
             "mkdir -p '%s/plain' && /usr/bin/python3 -c 'import functools,http.server,sys\n"
             "class H(http.server.SimpleHTTPRequestHandler):\n"
             "    def log_message(self, *a): pass\n"
             "h = functools.partial(H, directory=sys.argv[1])\n"
             "s = http.server.ThreadingHTTPServer((\"127.0.0.1\", 0), h)\n"
             "s.handle_error = lambda *a: None\n"
             "open(sys.argv[2] + \".tmp\", \"w\").write(str(s.server_address[1]))\n"
             "import os; os.rename(sys.argv[2] + \".tmp\", sys.argv[2])\n"
             "s.serve_forever()' '%s' '%s' & echo $! > '%s'",
             dir, dir, portfile, pidfile);
    assert_int_equal(system(cmd), 0);
    int port = 0;
    for (int i = 0; i < 100 && !port; i++) {
        FILE *fp = fopen(portfile, "r");
        if (fp) {
            if (fscanf(fp, "%d", &port) != 1)
                port = 0;
            fclose(fp);
        }
        if (!port)
            usleep(50000);
    }
    assert_true(port > 0);
    char path[400];
    snprintf(path, sizeof(path), "%s/plain/obj.bin", dir);
    FILE *fp = fopen(path, "wb");
    for (size_t i = 0; i < BIG_SIZE; i++)
        fputc(pattern(i, 7), fp);
    fclose(fp);
    char ep[64];
    snprintf(ep, sizeof(ep), "http://127.0.0.1:%d", port);
    blob_backend *be = backend(ep);
    blob_reader *r = NULL;
    rc_error err = {0};
    assert_int_equal(blob_open_reader(be, "plain", "obj.bin", scratch, &r, &err), 0);
    check_read(r, (int64_t)5 << 20, 100000, 7); /* Range ignored: the reader downloads instead */
    check_read(r, 0, 1000, 7);
    blob_reader_stats st;
    blob_reader_get_stats(r, &st);
    assert_true(st.fallback);
    assert_non_null(strstr(st.fallback_reason, "Range"));
    blob_reader_close(r);
    blob_destroy(be);
    snprintf(cmd, sizeof(cmd), "kill $(cat '%s')", pidfile);
    assert_int_equal(system(cmd), 0);
}

static int reader_read_at(void *user, int64_t off, void *buf, size_t len) {
    return blob_reader_read_at(user, off, buf, len);
}

/* Uploads media_dir/moov_end.mp4 and opens a reader on it. */
static blob_reader *open_media(blob_backend *be, char *local, size_t n) {
    snprintf(local, n, "%s/moov_end.mp4", media_dir);
    char copy[512], cmd[1200];
    snprintf(copy, sizeof(copy), "%s/moov_end.mp4", scratch);
    snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", local, copy);
    assert_int_equal(system(cmd), 0);
    rc_error err = {0};
    assert_int_equal(blob_put_file(be, BUCKET, "media/moov_end.mp4", copy, &err), 0);
    blob_reader *r = NULL;
    assert_int_equal(blob_open_reader(be, BUCKET, "media/moov_end.mp4", scratch, &r, &err), 0);
    return r;
}

static void test_probe_moov_at_end(void **state) {
    (void)state;
    blob_backend *be = backend(NULL);
    char local[512];
    blob_reader *r = open_media(be, local, sizeof(local));
    engine_source src = {.path = "oss://" BUCKET "/media/moov_end.mp4",
                         .read_at = reader_read_at,
                         .user = r,
                         .size = blob_reader_size(r)};
    engine_media_info a, b;
    rc_error err = {0};
    assert_int_equal(engine_probe(ENGINE_PATH(local), &a, &err), 0);
    assert_int_equal(engine_probe(&src, &b, &err), 0);
    assert_string_equal(a.format_name, b.format_name);
    assert_int_equal(a.nb_streams, b.nb_streams);
    assert_int_equal(a.width, b.width);
    assert_int_equal(a.file_size, b.file_size);
    assert_int_equal(a.bit_rate, b.bit_rate);
    assert_true(a.duration > 19 && a.duration == b.duration);
    for (int i = 0; i < a.nb_streams; i++) {
        assert_string_equal(a.streams[i].codec_name, b.streams[i].codec_name);
        assert_int_equal(a.streams[i].nb_frames, b.streams[i].nb_frames);
    }
    blob_reader_stats st;
    blob_reader_get_stats(r, &st);
    /* The header, the moov at the end and the first samples: a small part of the object. */
    print_message("probe of %lld bytes fetched %lld in %d GETs\n", (long long)a.file_size,
                  (long long)st.bytes_fetched, st.requests);
    assert_true(st.bytes_fetched < a.file_size / 4);
    assert_false(st.fallback);
    engine_media_info_free(&a);
    engine_media_info_free(&b);
    blob_reader_close(r);
    blob_destroy(be);
}

static void test_export_moov_at_end(void **state) {
    (void)state;
    blob_backend *be = backend(NULL);
    char local[512], out_a[512], out_b[512];
    blob_reader *r = open_media(be, local, sizeof(local));
    engine_source src = {.path = "oss://" BUCKET "/media/moov_end.mp4",
                         .read_at = reader_read_at,
                         .user = r,
                         .size = blob_reader_size(r)};
    snprintf(out_a, sizeof(out_a), "%s/seg_local.mp4", scratch);
    snprintf(out_b, sizeof(out_b), "%s/seg_s3.mp4", scratch);
    engine_export_result ra, rb;
    rc_error err = {0};
    assert_int_equal(
        engine_export_range(ENGINE_PATH(local), 5.3, 12.1, out_a, NULL, NULL, &ra, &err), 0);
    assert_int_equal(engine_export_range(&src, 5.3, 12.1, out_b, NULL, NULL, &rb, &err), 0);
    assert_int_equal(ra.method, rb.method);
    assert_int_equal(ra.frames, rb.frames);
    assert_int_equal(ra.encoded_frames, rb.encoded_frames);
    assert_int_equal(ra.has_audio, rb.has_audio);
    assert_true(ra.frames == 170);
    assert_true(ra.duration_s == rb.duration_s && ra.src_in_s == rb.src_in_s);
    engine_media_info a, b;
    assert_int_equal(engine_probe(ENGINE_PATH(out_a), &a, &err), 0);
    assert_int_equal(engine_probe(ENGINE_PATH(out_b), &b, &err), 0);
    assert_true(a.duration == b.duration && a.nb_streams == b.nb_streams);
    engine_media_info_free(&a);
    engine_media_info_free(&b);
    blob_reader_stats st;
    blob_reader_get_stats(r, &st);
    assert_null(blob_reader_error(r));
    print_message("export: %lld of %lld bytes fetched in %d GETs\n", (long long)st.bytes_fetched,
                  (long long)blob_reader_size(r), st.requests);
    assert_false(st.fallback);
    assert_true(st.bytes_fetched < blob_reader_size(r)); /* ~7 of 20 s, not the whole object */
    blob_reader_close(r);
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
    media_dir = getenv("REELCUT_MEDIA");
    char cmd[1024];
    snprintf(swift_dir, sizeof(swift_dir), "/tmp/reelcut-swift-XXXXXX");
    snprintf(scratch, sizeof(scratch), "/tmp/reelcut-reader-XXXXXX");
    if (!src || !media_dir || !mkdtemp(swift_dir) || !mkdtemp(scratch)) {
        fprintf(stderr, "REELCUT_SRC or REELCUT_MEDIA not set, or no temp dir\n");
        return 1;
    }
    snprintf(cmd, sizeof(cmd), "'%s/tests/s3/swift.sh' start '%s'", src, swift_dir);
    int failed = 1;
    if (system(cmd) != 0 || read_env() != 0) {
        fprintf(stderr, "could not start Swift (%s)\n", cmd);
        goto out;
    }
    blob_backend *be = NULL;
    blob_s3_options o = options(NULL);
    rc_error err = {0};
    if (blob_s3_create(&o, &be, &err) != 0 || blob_s3_create_bucket(be, BUCKET, &err) != 0) {
        fprintf(stderr, "bucket: %s\n", err.message);
        blob_destroy(be);
        goto out;
    }
    blob_destroy(be);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads),
        cmocka_unit_test(test_small_and_empty),
        cmocka_unit_test(test_missing_and_denied),
        cmocka_unit_test(test_changed_while_open),
        cmocka_unit_test(test_resume_after_cut),
        cmocka_unit_test(test_thrashing_falls_back),
        cmocka_unit_test(test_range_ignored_falls_back),
        cmocka_unit_test(test_probe_moov_at_end),
        cmocka_unit_test(test_export_moov_at_end),
    };
    failed = cmocka_run_group_tests(tests, NULL, NULL);
out:
    snprintf(cmd, sizeof(cmd), "'%s/tests/s3/swift.sh' stop '%s'; rm -rf '%s' '%s'", src, swift_dir,
             swift_dir, scratch);
    if (system(cmd) != 0)
        fprintf(stderr, "cleanup failed: %s\n", cmd);
    return failed ? 1 : 0;
}
