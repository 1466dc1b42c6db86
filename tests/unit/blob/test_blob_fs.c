/* The blob suite on the local-folder backend (blob_fs). */
#include "blob_suite.h"

static char root[128];

static int fs_setup(void **state) {
    static suite_fixture f;
    memset(&f, 0, sizeof(f));
    snprintf(f.tmp, sizeof(f.tmp), "%s/tmp", root);
    mkdir(f.tmp, 0700);
    char bucket[300];
    snprintf(bucket, sizeof(bucket), "%s/buckets", root);
    mkdir(bucket, 0700);
    snprintf(bucket, sizeof(bucket), "%s/buckets/" SUITE_BUCKET, root);
    mkdir(bucket, 0700);
    snprintf(bucket, sizeof(bucket), "%s/buckets", root);
    if (blob_fs_create(bucket, &f.be, NULL) != 0)
        return -1;
    *state = &f;
    return 0;
}

static int fs_teardown(void **state) {
    suite_fixture *f = *state;
    blob_destroy(f->be);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s/buckets' '%s/tmp'", root, root);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void) {
    snprintf(root, sizeof(root), "/tmp/reelcut-blobfs-XXXXXX");
    if (!mkdtemp(root))
        return 1;
    const struct CMUnitTest tests[] = {BLOB_SUITE_TESTS(fs_setup, fs_teardown)};
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    rmdir(root);
    return failed;
}
