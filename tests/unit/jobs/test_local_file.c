/* Tests of jobs_local_file_resolve: a file:// input is checked again where it really is - a link
 * under an allowed root that points outside it is refused, so is any path into the service's data
 * folder (keys, job store, local buckets), even without roots; a missing file or a folder is not
 * found; a plain file under a root resolves to its real path. Real files and links in a temp dir.
 */
#include <limits.h>
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

#include "jobs/spec.h"

static char base[PATH_MAX];

static void put(const char *rel) {
    char p[PATH_MAX + 64];
    snprintf(p, sizeof(p), "%s/%s", base, rel);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs("x", f);
    fclose(f);
}

static int setup(void **state) {
    (void)state;
    snprintf(base, sizeof(base), "/tmp/reelcut-localfile-XXXXXX");
    assert_non_null(mkdtemp(base));
    char p[PATH_MAX + 64], q[PATH_MAX + 64];
    for (const char *d = "root\0outside\0data\0root/sub\0"; *d; d += strlen(d) + 1) {
        snprintf(p, sizeof(p), "%s/%s", base, d);
        assert_int_equal(mkdir(p, 0700), 0);
    }
    put("root/a.mp4");
    put("outside/b.mp4");
    put("data/keys.json");
    snprintf(p, sizeof(p), "%s/outside/b.mp4", base);
    snprintf(q, sizeof(q), "%s/root/link.mp4", base);
    assert_int_equal(symlink(p, q), 0);
    snprintf(p, sizeof(p), "%s/data/keys.json", base);
    snprintf(q, sizeof(q), "%s/root/keys.mp4", base);
    assert_int_equal(symlink(p, q), 0);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
    return system(cmd) == 0 ? 0 : -1;
}

/* Resolves base/rel under the policy (roots: base/root when with_root; deny: base/data). */
static int resolve(const char *rel, int with_root, char **out, rc_error *err) {
    char path[PATH_MAX + 64], root[PATH_MAX + 64], data[PATH_MAX + 64];
    snprintf(path, sizeof(path), "%s/%s", base, rel);
    snprintf(root, sizeof(root), "%s/root", base);
    snprintf(data, sizeof(data), "%s/data", base);
    jobs_policy policy;
    memset(&policy, 0, sizeof(policy));
    policy.allow_local_paths = 1;
    if (with_root)
        policy.local_roots[policy.n_local_roots++] = root;
    policy.deny_dir = data;
    jobs_location loc = {.kind = JOBS_LOC_FILE, .key = path, .raw = "file:///the/path/as/given"};
    return jobs_local_file_resolve(&loc, &policy, "InputConfig.Media", out, err);
}

static void test_resolve(void **state) {
    (void)state;
    char *real = NULL;
    rc_error err = {0};
    assert_int_equal(resolve("root/a.mp4", 1, &real, &err), 0);
    assert_non_null(real);
    assert_non_null(strstr(real, "/root/a.mp4"));
    free(real);
    /* a link under the root to a file outside it */
    memset(&err, 0, sizeof(err));
    assert_int_equal(resolve("root/link.mp4", 1, &real, &err), RC_ENOTSUP);
    assert_null(real);
    assert_non_null(strstr(err.message, "InputConfig.Media"));
    assert_non_null(strstr(err.message, "outside the allowed roots"));
    /* into the data folder: through a link, or named directly with no roots configured */
    memset(&err, 0, sizeof(err));
    assert_int_equal(resolve("root/keys.mp4", 0, &real, &err), RC_ENOTSUP);
    assert_non_null(strstr(err.message, "data folder"));
    memset(&err, 0, sizeof(err));
    assert_int_equal(resolve("data/keys.json", 0, &real, &err), RC_ENOTSUP);
    /* the message shows the location as given, not where it resolved */
    assert_null(strstr(err.message, base));
    /* not found: missing, a folder */
    memset(&err, 0, sizeof(err));
    assert_int_equal(resolve("root/missing.mp4", 1, &real, &err), RC_ENOENT);
    assert_string_equal(err.code, "InvalidParameter.ResourceNotFound");
    memset(&err, 0, sizeof(err));
    assert_int_equal(resolve("root/sub", 1, &real, &err), RC_ENOENT);
    /* without roots, a file outside the data folder is fine */
    assert_int_equal(resolve("outside/b.mp4", 0, &real, &err), 0);
    free(real);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_resolve, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
