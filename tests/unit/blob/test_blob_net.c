/* The connect-time half of the address rule (issue 11 item 3) on real loopback sockets: an http(s)
 * input download and a job's S3 endpoint (OutputConfig.Endpoint) reach a listening port on
 * 127.0.0.1 in no spelling of its address unless the operator named the host, and the error then
 * reads exactly as for a closed port. Only 127.0.0.0/8 and ::1 are ever contacted. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "blob/blob_http.h"
#include "blob/blob_router.h"
#include "util/config.h"

#define N_ITEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Hosts for 127.0.0.1 (or the local host) that must not be reached by default. The metadata
 * addresses of the issue are left to the pure tests: a broken rule must not send them packets. */
static const char *const loopback_forms[] = {
    "127.0.0.1",          "0.0.0.0",    "[::1]",      "2130706433",
    "0177.0.0.1",         "0x7f000001", "127.1",      "127.0.1",
    "[::ffff:127.0.0.1]", "localhost",  "LocalHost.",
};

/* A listening TCP socket on 127.0.0.1 that never accepts by itself; the kernel completes
 * handshakes into its backlog, so listener_took() sees every connection that was made. */
typedef struct listener {
    int fd, port;
} listener;

static listener listener_start(void) {
    listener l = {.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
    assert_true(l.fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    assert_int_equal(bind(l.fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(l.fd, 64), 0);
    assert_int_equal(getsockname(l.fd, (struct sockaddr *)&sa, &len), 0);
    l.port = ntohs(sa.sin_port);
    assert_int_equal(fcntl(l.fd, F_SETFL, O_NONBLOCK), 0);
    return l;
}

/* Connections made to l since the last call (each accepted and closed). */
static int listener_took(listener *l) {
    int n = 0;
    for (;;) {
        int c = accept(l->fd, NULL, NULL);
        if (c < 0)
            break;
        close(c);
        n++;
    }
    return n;
}

/* A port on 127.0.0.1 with nothing listening. */
static int closed_port(void) {
    listener l = listener_start();
    int port = l.port;
    close(l.fd);
    return port;
}

static char tmp_dir[64];

static int setup(void **state) {
    (void)state;
    snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/reelcut-net-XXXXXX");
    return mkdtemp(tmp_dir) ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* The message after "<url> ", which names the URL itself. */
static const char *after_url(const rc_error *err, const char *url) {
    size_t n = strlen(url);
    assert_memory_equal(err->message, url, n);
    return err->message + n;
}

static void test_http_download(void **state) {
    (void)state;
    listener l = listener_start();
    char url[128], *path = NULL;
    rc_error err = {0};
    /* A domain pattern names no host; a name lifts the rule for that host only. */
    const char *pattern[] = {".0.0.1"}, *named[] = {"127.0.0.1"};
    blob_http_limits no_names = {.timeout_seconds = 2};
    blob_http_limits by_pattern = {
        .timeout_seconds = 2, .named_hosts = pattern, .n_named_hosts = 1};
    blob_http_limits by_name = {.timeout_seconds = 1, .named_hosts = named, .n_named_hosts = 1};

    /* The neutral text, as a closed port gives it. */
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/sample.mp4", closed_port());
    assert_int_equal(blob_http_download(url, tmp_dir, &no_names, &path, &err), RC_EREAD);
    assert_string_equal(err.code, "InputReadFailed");
    char closed_text[256];
    snprintf(closed_text, sizeof(closed_text), "%s", after_url(&err, url));
    assert_string_equal(closed_text,
                        " could not be fetched: the server could not be reached or the transfer "
                        "failed");

    for (size_t i = 0; i < N_ITEMS(loopback_forms); i++) {
        snprintf(url, sizeof(url), "http://%s:%d/sample.mp4", loopback_forms[i], l.port);
        rc_error_clear(&err);
        int rc = blob_http_download(url, tmp_dir, i % 2 ? &no_names : &by_pattern, &path, &err);
        int took = listener_took(&l);
        if (rc != RC_EREAD || took != 0)
            print_error("%s: rc %d, %d connections, %s\n", url, rc, took, err.message);
        assert_int_equal(rc, RC_EREAD);
        assert_int_equal(took, 0); /* no connection was made */
        assert_string_equal(after_url(&err, url), closed_text);
    }
    snprintf(url, sizeof(url), "http://localhost:%d/sample.mp4", l.port);
    assert_int_equal(blob_http_download(url, tmp_dir, &by_name, &path, &err), RC_EREAD);
    assert_int_equal(listener_took(&l), 0);

    /* Named: the request reaches the port; it never answers, and that reads the same too. */
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/sample.mp4", l.port);
    rc_error_clear(&err);
    assert_int_equal(blob_http_download(url, tmp_dir, &by_name, &path, &err), RC_EREAD);
    assert_int_equal(listener_took(&l), 1);
    assert_string_equal(after_url(&err, url), closed_text);
    close(l.fd);
}

/* An S3 backend for a job's Endpoint from the [s3] settings, as the executor makes it. */
static blob_backend *endpoint_backend(const char *endpoint, const char *named) {
    config cfg;
    config_defaults(&cfg);
    snprintf(cfg.s3_access_key_id, sizeof(cfg.s3_access_key_id), "AKIDEXAMPLE");
    snprintf(cfg.s3_secret_access_key, sizeof(cfg.s3_secret_access_key), "s3cr3t");
    cfg.s3_max_attempts = 1;
    cfg.s3_connect_timeout_seconds = 1;
    cfg.s3_stall_timeout_seconds = 1;
    if (named) {
        snprintf(cfg.storage_endpoint_allow_hosts[0], sizeof(cfg.storage_endpoint_allow_hosts[0]),
                 "%s", named);
        cfg.n_storage_endpoint_allow_hosts = 1;
    }
    blob_backend *be = NULL;
    rc_error err = {0};
    assert_int_equal(blob_s3_from_config(&cfg, endpoint, &be, &err), 0);
    return be;
}

/* Puts a small file through be; returns the rc, err filled. */
static int put_one(blob_backend *be, rc_error *err) {
    char path[128];
    snprintf(path, sizeof(path), "%s/clip.mp4", tmp_dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs("not really a video", f);
    fclose(f);
    rc_error_clear(err);
    return blob_put_file(be, "media-out", "clips/1.mp4", path, err);
}

static void test_s3_endpoint(void **state) {
    (void)state;
    listener l = listener_start();
    char endpoint[128];
    rc_error err = {0};
    const char *closed_text =
        "cannot write oss://media-out/clips/1.mp4: the endpoint could not be reached or the "
        "transfer failed (1 attempt)";

    snprintf(endpoint, sizeof(endpoint), "http://127.0.0.1:%d", closed_port());
    blob_backend *be = endpoint_backend(endpoint, "127.0.0.1");
    assert_int_equal(put_one(be, &err), RC_EWRITE);
    assert_string_equal(err.message, closed_text);
    blob_destroy(be);

    for (size_t i = 0; i < N_ITEMS(loopback_forms); i++) {
        snprintf(endpoint, sizeof(endpoint), "http://%s:%d", loopback_forms[i], l.port);
        be = endpoint_backend(endpoint, i % 2 ? ".0.0.1" : NULL);
        int rc = put_one(be, &err);
        int took = listener_took(&l);
        if (rc != RC_EWRITE || took != 0)
            print_error("%s: rc %d, %d connections, %s\n", endpoint, rc, took, err.message);
        assert_int_equal(rc, RC_EWRITE);
        assert_int_equal(took, 0);
        assert_string_equal(err.message, closed_text);
        blob_destroy(be);
    }

    /* Named in storage.endpoint_allow_hosts: the PUT reaches the port (which never answers). */
    snprintf(endpoint, sizeof(endpoint), "http://127.0.0.1:%d", l.port);
    be = endpoint_backend(endpoint, "127.0.0.1");
    assert_int_equal(put_one(be, &err), RC_EWRITE);
    assert_int_equal(listener_took(&l), 1);
    assert_string_equal(err.message, closed_text);
    blob_destroy(be);

    /* The operator's own s3.endpoint is trusted: no rule, curl's own words. */
    config cfg;
    config_defaults(&cfg);
    snprintf(cfg.s3_endpoint, sizeof(cfg.s3_endpoint), "http://127.0.0.1:%d", l.port);
    snprintf(cfg.s3_access_key_id, sizeof(cfg.s3_access_key_id), "AKIDEXAMPLE");
    snprintf(cfg.s3_secret_access_key, sizeof(cfg.s3_secret_access_key), "s3cr3t");
    cfg.s3_max_attempts = 1;
    cfg.s3_stall_timeout_seconds = 1;
    assert_int_equal(blob_s3_from_config(&cfg, NULL, &be, &err), 0);
    assert_int_equal(put_one(be, &err), RC_EWRITE);
    assert_int_equal(listener_took(&l), 1);
    blob_destroy(be);
    close(l.fd);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_download),
        cmocka_unit_test(test_s3_endpoint),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
