/* Local buckets follow no symbolic link (issue 11 item 7): links planted in a bucket - to a file
 * outside, to a folder outside, as a folder on the way, dangling, a link to a file of the same
 * bucket, and a bucket folder that is itself a link - are refused by every blob_fs operation with
 * a message naming oss://bucket/key, and nothing outside the bucket (keys.json above all) is read,
 * written, created or removed. Each case runs with openat2 and with the O_NOFOLLOW walk that
 * stands in for it on kernels without openat2. The blob suite runs on the walk too. */
#include "blob_suite.h"

#include <dirent.h>
#include <errno.h>

#include "blob/blob_fs_walk.h"

#define BUCKET "media-in"
#define SECRET "{\"keys\":[{\"AccessKeyId\":\"LTAI-secret\"}]}"

static char root[128];    /* the data dir */
static char buckets[300]; /* root/buckets */

static void write_file(const char *path, const char *text) {
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fputs(text, fp) >= 0, 1);
    assert_int_equal(fclose(fp), 0);
}

static int read_file(const char *path, char *out, size_t n) {
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return -1;
    size_t got = fread(out, 1, n - 1, fp);
    out[got] = '\0';
    fclose(fp);
    return (int)got;
}

static void at_root(char *out, size_t n, const char *rel) {
    snprintf(out, n, "%s/%s", root, rel);
}

static void must(int ok) {
    assert_true(ok);
}

/* The data dir: keys.json, a folder outside the buckets, a bucket with links of every kind. */
static void make_world(void) {
    char a[512], b[512];
    at_root(a, sizeof(a), "keys.json");
    write_file(a, SECRET);
    at_root(a, sizeof(a), "outside");
    must(mkdir(a, 0755) == 0);
    at_root(a, sizeof(a), "outside/secret.mp4");
    write_file(a, "outside bytes");
    must(mkdir(buckets, 0755) == 0);
    at_root(a, sizeof(a), "buckets/" BUCKET);
    must(mkdir(a, 0755) == 0);
    at_root(a, sizeof(a), "buckets/" BUCKET "/sub");
    must(mkdir(a, 0755) == 0);
    at_root(a, sizeof(a), "buckets/" BUCKET "/real.mp4");
    write_file(a, "bucket bytes");
    static const struct {
        const char *link, *target; /* target relative to root unless it starts with "=" */
    } links[] = {
        {"buckets/" BUCKET "/file-link.mp4", "keys.json"},
        {"buckets/" BUCKET "/dir-link", "outside"},
        {"buckets/" BUCKET "/root-link", "."},
        {"buckets/" BUCKET "/sub/up", "=../../.."},
        {"buckets/" BUCKET "/dangling.mp4", "nowhere/x.mp4"},
        {"buckets/" BUCKET "/alias.mp4", "=real.mp4"},
        {"buckets/linked-bucket", "outside"},
    };
    for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
        at_root(a, sizeof(a), links[i].link);
        if (links[i].target[0] == '=')
            snprintf(b, sizeof(b), "%s", links[i].target + 1);
        else
            at_root(b, sizeof(b), links[i].target);
        must(symlink(b, a) == 0);
    }
}

static int world_setup(void **state) {
    snprintf(root, sizeof(root), "/tmp/reelcut-links-XXXXXX");
    if (!mkdtemp(root))
        return -1;
    snprintf(buckets, sizeof(buckets), "%s/buckets", root);
    make_world();
    char tmp[512];
    at_root(tmp, sizeof(tmp), "tmp");
    *state = NULL;
    return mkdir(tmp, 0755);
}

static int world_teardown(void **state) {
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

/* Nothing outside the bucket changed: keys.json and outside/ as made, no new entry anywhere
 * outside buckets/media-in, and the scratch folder empty (no copy left behind). */
static void assert_outside_untouched(void) {
    char path[512], text[256];
    at_root(path, sizeof(path), "keys.json");
    assert_int_equal(read_file(path, text, sizeof(text)), (int)strlen(SECRET));
    assert_string_equal(text, SECRET);
    at_root(path, sizeof(path), "outside/secret.mp4");
    assert_true(read_file(path, text, sizeof(text)) > 0);
    assert_string_equal(text, "outside bytes");
    static const struct {
        const char *dir;
        int entries;
    } dirs[] = {{"", 4}, {"outside", 1}, {"tmp", 0}, {"buckets", 2}};
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        at_root(path, sizeof(path), dirs[i].dir);
        DIR *d = opendir(path);
        assert_non_null(d);
        int n = 0;
        for (struct dirent *e = readdir(d); e; e = readdir(d))
            n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
        closedir(d);
        if (n != dirs[i].entries)
            fprintf(stderr, "%s: %d entries, expected %d\n", path, n, dirs[i].entries);
        assert_int_equal(n, dirs[i].entries);
    }
    at_root(path, sizeof(path), "nowhere");
    assert_int_equal(access(path, F_OK), -1);
}

static char *local_output(void) {
    static char path[512];
    static int serial;
    snprintf(path, sizeof(path), "%s/tmp/out-%d.mp4", root, serial++);
    write_file(path, "job output");
    return path;
}

/* Keys that reach a link, and what every operation must say about them. */
static const char *const link_keys[] = {
    "file-link.mp4",                      /* a link to keys.json */
    "dir-link/secret.mp4",                /* through a link to a folder outside */
    "dir-link/new/x.mp4",                 /* folder creation through that link */
    "root-link/keys.json",                /* through a link to the data dir */
    "sub/up/keys.json",                   /* a relative link up and out, as a folder on the way */
    "sub/up/buckets/" BUCKET "/real.mp4", /* ...even when it would come back inside */
    "dangling.mp4",                       /* a link to nothing (a put must not create its target) */
    "alias.mp4",                          /* a link to a file of the same bucket: still a link */
};

static void check_refusal(const rc_error *err, const char *key, int rc, int want_rc) {
    char name[300];
    snprintf(name, sizeof(name), "oss://" BUCKET "/%s", key);
    if (rc != want_rc || !strstr(err->message, name) || !strstr(err->message, "symbolic link"))
        fprintf(stderr, "%s: rc %d, message \"%s\"\n", key, rc, err->message);
    assert_int_equal(rc, want_rc);
    assert_non_null(strstr(err->message, name));
    assert_non_null(strstr(err->message, "symbolic link"));
    assert_null(strstr(err->message, root)); /* no local path */
}

static void links_refused(enum blob_walk_mode how) {
    blob_backend *be = NULL;
    assert_int_equal(blob_fs_create_with(buckets, how, &be, NULL), 0);
    char tmp[512];
    at_root(tmp, sizeof(tmp), "tmp");
    for (size_t i = 0; i < sizeof(link_keys) / sizeof(link_keys[0]); i++) {
        const char *key = link_keys[i];
        rc_error err = {0};
        blob_reader *r = NULL;
        check_refusal(&err, key, blob_open_reader(be, BUCKET, key, tmp, &r, &err), RC_ENOENT);
        assert_null(r);
        rc_error_clear(&err);
        char *path = NULL;
        int is_temp = 0;
        check_refusal(&err, key, blob_get_local(be, BUCKET, key, tmp, &path, &is_temp, &err),
                      RC_ENOENT);
        assert_null(path);
        rc_error_clear(&err);
        char *local = local_output();
        check_refusal(&err, key, blob_put_file(be, BUCKET, key, local, &err), RC_EWRITE);
        assert_int_equal(access(local, F_OK), -1); /* consumed all the same */
        rc_error_clear(&err);
        check_refusal(&err, key, blob_delete_object(be, BUCKET, key, &err), RC_EWRITE);
        assert_outside_untouched();
    }
    /* The links themselves are still there (delete refused them), and so is what alias.mp4
     * names. */
    char path[512], text[64];
    at_root(path, sizeof(path), "buckets/" BUCKET "/file-link.mp4");
    struct stat sb;
    assert_int_equal(lstat(path, &sb), 0);
    assert_true(S_ISLNK(sb.st_mode));
    at_root(path, sizeof(path), "buckets/" BUCKET "/real.mp4");
    assert_true(read_file(path, text, sizeof(text)) > 0);
    assert_string_equal(text, "bucket bytes");
    blob_destroy(be);
}

static void links_refused_openat2(void **state) {
    (void)state;
    links_refused(BLOB_WALK_OPENAT2);
}

static void links_refused_walk(void **state) {
    (void)state;
    links_refused(BLOB_WALK_COMPONENTS);
}

/* A bucket folder that is a link is no bucket: not served, not written through. */
static void linked_bucket(enum blob_walk_mode how) {
    blob_backend *be = NULL;
    assert_int_equal(blob_fs_create_with(buckets, how, &be, NULL), 0);
    char tmp[512];
    at_root(tmp, sizeof(tmp), "tmp");
    rc_error err = {0};
    assert_int_equal(blob_bucket_exists(be, "linked-bucket", &err), RC_ENOENT);
    assert_non_null(strstr(err.message, "linked-bucket"));
    rc_error_clear(&err);
    blob_reader *r = NULL;
    assert_int_equal(blob_open_reader(be, "linked-bucket", "secret.mp4", tmp, &r, &err), RC_ENOENT);
    rc_error_clear(&err);
    assert_int_equal(blob_put_file(be, "linked-bucket", "x.mp4", local_output(), &err), RC_ENOENT);
    rc_error_clear(&err);
    assert_int_not_equal(blob_delete_object(be, "linked-bucket", "secret.mp4", &err), 0);
    assert_outside_untouched();
    /* The bucket beside it works. */
    rc_error_clear(&err);
    assert_int_equal(blob_bucket_exists(be, BUCKET, &err), 0);
    assert_int_equal(blob_open_reader(be, BUCKET, "real.mp4", tmp, &r, &err), 0);
    char got[32] = "";
    assert_int_equal(blob_reader_read_at(r, 0, got, sizeof(got) - 1), 12);
    assert_string_equal(got, "bucket bytes");
    blob_reader_close(r);
    blob_destroy(be);
}

static void linked_bucket_openat2(void **state) {
    (void)state;
    linked_bucket(BLOB_WALK_OPENAT2);
}

static void linked_bucket_walk(void **state) {
    (void)state;
    linked_bucket(BLOB_WALK_COMPONENTS);
}

/* Keys a local bucket cannot hold as they are (an empty name would alias another key) are
 * refused, and a FIFO does not hang a read. */
static void odd_keys(void **state) {
    (void)state;
    char tmp[512], path[512];
    at_root(tmp, sizeof(tmp), "tmp");
    at_root(path, sizeof(path), "buckets/" BUCKET "/pipe.mp4");
    assert_int_equal(mkfifo(path, 0644), 0);
    static const char *const bad[] = {"a//real.mp4", "sub/", "./real.mp4", "sub/../real.mp4",
                                      "/real.mp4"};
    for (int how = BLOB_WALK_OPENAT2; how <= BLOB_WALK_COMPONENTS; how++) {
        blob_backend *be = NULL;
        assert_int_equal(blob_fs_create_with(buckets, (enum blob_walk_mode)how, &be, NULL), 0);
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            rc_error err = {0};
            blob_reader *r = NULL;
            assert_int_equal(blob_open_reader(be, BUCKET, bad[i], tmp, &r, &err), RC_ENOENT);
            rc_error_clear(&err);
            assert_int_equal(blob_put_file(be, BUCKET, bad[i], local_output(), &err), RC_EWRITE);
        }
        rc_error err = {0};
        blob_reader *r = NULL;
        assert_int_equal(blob_open_reader(be, BUCKET, "pipe.mp4", tmp, &r, &err), RC_ENOENT);
        blob_destroy(be);
    }
    unlink(path);
    assert_outside_untouched();
}

/* The blob suite on the O_NOFOLLOW walk. */
static char suite_root[128];

static int walk_setup(void **state) {
    static suite_fixture f;
    memset(&f, 0, sizeof(f));
    snprintf(f.tmp, sizeof(f.tmp), "%s/tmp", suite_root);
    mkdir(f.tmp, 0700);
    char dir[300];
    snprintf(dir, sizeof(dir), "%s/buckets", suite_root);
    mkdir(dir, 0700);
    snprintf(dir, sizeof(dir), "%s/buckets/" SUITE_BUCKET, suite_root);
    mkdir(dir, 0700);
    snprintf(dir, sizeof(dir), "%s/buckets", suite_root);
    if (blob_fs_create_with(dir, BLOB_WALK_COMPONENTS, &f.be, NULL) != 0)
        return -1;
    *state = &f;
    return 0;
}

static int walk_teardown(void **state) {
    suite_fixture *f = *state;
    blob_destroy(f->be);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s/buckets' '%s/tmp'", suite_root, suite_root);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void) {
    snprintf(suite_root, sizeof(suite_root), "/tmp/reelcut-walk-XXXXXX");
    if (!mkdtemp(suite_root))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(links_refused_openat2, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(links_refused_walk, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(linked_bucket_openat2, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(linked_bucket_walk, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(odd_keys, world_setup, world_teardown),
        BLOB_SUITE_TESTS(walk_setup, walk_teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    rmdir(suite_root);
    return failed;
}
