/* blob_router and the [storage]/[s3] settings: routes per bucket over real local folders, the
 * configuration checks (each error names its setting, never the secret). */
#include "blob/blob_router.h"
#include "blob_suite.h"

static char root[128];

static void base_config(config *cfg) {
    config_defaults(cfg);
    snprintf(cfg->data_dir, sizeof(cfg->data_dir), "%s/data", root);
}

static void test_defaults_fs_only(void **state) {
    (void)state;
    config cfg;
    base_config(&cfg);
    rc_error err = {0};
    assert_string_equal(cfg.storage_default, "fs");
    assert_string_equal(cfg.s3_addressing, "path");
    assert_int_equal(cfg.s3_verify_tls, 1);
    assert_int_equal(config_finalize(&cfg, &err), 0);
    blob_backend *be = NULL;
    assert_int_equal(blob_router_from_config(&cfg, &be, &err), 0);
    assert_string_equal(blob_router_backend_of(be, "anything"), "fs");
    /* Operations reach DATA_DIR/buckets. */
    char path[CONFIG_PATH_MAX + 64];
    snprintf(path, sizeof(path), "%s/buckets/media", cfg.data_dir);
    assert_int_equal(mkdir(path, 0700), 0);
    assert_int_equal(blob_bucket_exists(be, "media", &err), 0);
    assert_int_equal(blob_bucket_exists(be, "other", &err), RC_ENOENT);
    suite_fixture f = {.be = be};
    snprintf(f.tmp, sizeof(f.tmp), "%s", root);
    char *local = suite_local_file(&f, 1234, 1);
    assert_int_equal(blob_put_file(be, "media", "a/b.bin", local, &err), 0);
    snprintf(path, sizeof(path), "%s/buckets/media/a/b.bin", cfg.data_dir);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_size, 1234);
    assert_int_equal(blob_delete_object(be, "media", "a/b.bin", &err), 0);
    assert_int_equal(stat(path, &sb), -1);
    blob_destroy(be);
}

static void test_routes_from_config(void **state) {
    (void)state;
    config cfg;
    base_config(&cfg);
    rc_error err = {0};
    assert_int_equal(config_set(&cfg, "storage", "default", "s3", "test", &err), 0);
    assert_int_equal(config_set(&cfg, "storage", "buckets", "local-a:fs, far-b:s3", "test", &err),
                     0);
    assert_int_equal(config_set(&cfg, "s3", "endpoint", "https://s3.example.com/", "test", &err),
                     0);
    assert_int_equal(config_set(&cfg, "s3", "access_key_id", "AKID", "test", &err), 0);
    assert_int_equal(config_set(&cfg, "s3", "secret_access_key", "s3cr3t", "test", &err), 0);
    assert_int_equal(config_set(&cfg, "s3", "addressing", "virtual", "test", &err), 0);
    assert_int_equal(config_set(&cfg, "s3", "part_size_mb", "8", "test", &err), 0);
    assert_int_equal(config_finalize(&cfg, &err), 0);
    blob_backend *be = NULL;
    assert_int_equal(blob_router_from_config(&cfg, &be, &err), 0);
    assert_string_equal(blob_router_backend_of(be, "local-a"), "fs");
    assert_string_equal(blob_router_backend_of(be, "far-b"), "s3");
    assert_string_equal(blob_router_backend_of(be, "other"), "s3");
    /* Routing API: unknown backends and re-routing. */
    assert_int_equal(blob_router_route(be, "x-bucket", "gcs", &err), RC_ENOENT);
    assert_non_null(strstr(err.message, "gcs"));
    assert_int_equal(blob_router_route(be, "far-b", "fs", NULL), 0);
    assert_string_equal(blob_router_backend_of(be, "far-b"), "fs");
    assert_int_equal(blob_router_set_default(be, "fs", NULL), 0);
    assert_string_equal(blob_router_backend_of(be, "other"), "fs");
    blob_backend *fs = NULL;
    assert_int_equal(blob_fs_create(root, &fs, NULL), 0);
    rc_error_clear(&err);
    assert_int_equal(blob_router_add_backend(be, "fs", fs, &err), RC_EEXIST); /* fs freed */
    blob_destroy(be);
}

static void expect_finalize_error(const char *section, const char *key, const char *value,
                                  const char *needle) {
    config cfg;
    base_config(&cfg);
    rc_error err = {0};
    assert_int_equal(config_set(&cfg, "s3", "secret_access_key", "hidden-secret", "t", NULL), 0);
    if (strcmp(section, "none") != 0)
        assert_int_equal(config_set(&cfg, section, key, value, "t", &err), 0);
    assert_int_equal(config_finalize(&cfg, &err), RC_EINVAL);
    assert_non_null(strstr(err.message, needle));
    assert_null(strstr(err.message, "hidden-secret"));
}

static void test_config_errors(void **state) {
    (void)state;
    expect_finalize_error("storage", "default", "gcs", "storage.default must be fs or s3");
    expect_finalize_error("storage", "buckets", "media", "storage.buckets entry \"media\"");
    expect_finalize_error("storage", "buckets", "media:ftp", "BUCKET:fs or BUCKET:s3");
    expect_finalize_error("storage", "buckets", "media:s3", "s3.endpoint is required");
    expect_finalize_error("s3", "addressing", "dns", "s3.addressing must be path or virtual");
    expect_finalize_error("s3", "part_size_mb", "128", "s3.part_size_mb must not exceed");
    config cfg;
    base_config(&cfg);
    rc_error err = {0};
    assert_int_equal(config_set(&cfg, "s3", "part_size_mb", "4", "t", &err), RC_EINVAL);
    assert_non_null(strstr(err.message, "s3.part_size_mb"));
    rc_error_clear(&err);
    assert_int_equal(config_set(&cfg, "s3", "verify_tls", "maybe", "t", &err), RC_EINVAL);
    /* Environment variables: REELCUT_<SECTION>_<KEY>. */
    setenv("REELCUT_S3_ENDPOINT", "http://127.0.0.1:9", 1);
    setenv("REELCUT_STORAGE_BUCKETS", "a-b-c:s3", 1);
    rc_error_clear(&err);
    assert_int_equal(config_load_env(&cfg, &err), 0);
    assert_string_equal(cfg.s3_endpoint, "http://127.0.0.1:9");
    assert_int_equal(cfg.n_storage_buckets, 1);
    assert_int_equal(config_finalize(&cfg, &err), RC_EINVAL);
    assert_non_null(strstr(err.message, "s3.access_key_id is required"));
    unsetenv("REELCUT_S3_ENDPOINT");
    unsetenv("REELCUT_STORAGE_BUCKETS");
}

int main(void) {
    snprintf(root, sizeof(root), "/tmp/reelcut-router-XXXXXX");
    if (!mkdtemp(root))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_fs_only),
        cmocka_unit_test(test_routes_from_config),
        cmocka_unit_test(test_config_errors),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    if (system(cmd) != 0)
        return 1;
    return failed;
}
