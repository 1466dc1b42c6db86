/* blob_tool: one blob-layer transfer against S3, timed, for bench/storage/run.sh.
 *   blob_tool put BUCKET KEY FILE   uploads FILE (through a hard link: FILE itself is kept)
 *   blob_tool get BUCKET KEY DIR    downloads into a temp file in DIR, then removes it
 *   blob_tool mkbucket BUCKET
 * The endpoint and keys come from S3_ENDPOINT, S3_REGION, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY;
 * BLOB_PART_MB, BLOB_MULTIPART_THRESHOLD_MB and BLOB_UPLOAD_THREADS override the multipart
 * defaults (16, 64 and 4).
 * Prints one line: "<op> <bytes> <seconds> <MB/s> <peak RSS KiB>". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "blob/s3/blob_s3.h"

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void report(const char *op, long long bytes, double secs) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("%s %lld %.3f %.1f %ld\n", op, bytes, secs, secs > 0 ? (double)bytes / 1e6 / secs : 0.0,
           ru.ru_maxrss);
}

int main(int argc, char **argv) {
    if (argc < 3 || (strcmp(argv[1], "mkbucket") != 0 && argc < 5)) {
        fprintf(stderr, "usage: blob_tool put BUCKET KEY FILE | get BUCKET KEY DIR | mkbucket B\n");
        return 2;
    }
    const char *ep = getenv("S3_ENDPOINT");
    blob_s3_options o = {.endpoint = ep,
                         .region = getenv("S3_REGION"),
                         .access_key_id = getenv("S3_ACCESS_KEY_ID"),
                         .secret_access_key = getenv("S3_SECRET_ACCESS_KEY")};
    const char *part = getenv("BLOB_PART_MB"), *threshold = getenv("BLOB_MULTIPART_THRESHOLD_MB");
    if (part)
        o.part_size = (size_t)atol(part) << 20;
    if (getenv("BLOB_UPLOAD_THREADS"))
        o.upload_threads = atoi(getenv("BLOB_UPLOAD_THREADS"));
    if (threshold)
        o.multipart_threshold = (size_t)atol(threshold) << 20;
    blob_backend *be = NULL;
    rc_error err = {0};
    int rc = blob_s3_create(&o, &be, &err);
    if (rc) {
        fprintf(stderr, "blob_tool: %s\n", err.message);
        return 1;
    }
    double t0 = now_s();
    if (!strcmp(argv[1], "mkbucket")) {
        rc = blob_s3_create_bucket(be, argv[2], &err);
    } else if (!strcmp(argv[1], "put")) {
        char link_path[4096];
        struct stat sb;
        snprintf(link_path, sizeof(link_path), "%s.upload.%d", argv[4], (int)getpid());
        if (stat(argv[4], &sb) != 0 || link(argv[4], link_path) != 0) {
            perror(argv[4]);
            rc = 1;
        } else {
            t0 = now_s();
            rc = blob_put_file(be, argv[2], argv[3], link_path, &err);
            if (!rc)
                report("put", (long long)sb.st_size, now_s() - t0);
        }
    } else if (!strcmp(argv[1], "get")) {
        char *path = NULL;
        int is_temp = 0;
        rc = blob_get_local(be, argv[2], argv[3], argv[4], &path, &is_temp, &err);
        double secs = now_s() - t0;
        struct stat sb;
        if (!rc && stat(path, &sb) == 0)
            report("get", (long long)sb.st_size, secs);
        if (path && is_temp)
            unlink(path);
        free(path);
    } else {
        fprintf(stderr, "blob_tool: unknown operation %s\n", argv[1]);
        rc = 2;
    }
    if (rc && err.message[0])
        fprintf(stderr, "blob_tool: %s\n", err.message);
    blob_destroy(be);
    return rc ? 1 : 0;
}
