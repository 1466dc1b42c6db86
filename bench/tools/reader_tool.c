/* reader_tool: the S3 ranged reader (blob_open_reader) against a download, timed, for
 * bench/storage/run.sh. Apart from blob_tool so that blob_tool's RSS stays that of the blob layer
 * alone (FFmpeg's libraries are not loaded there).
 *   reader_tool read BUCKET KEY DIR      reads the object through the reader, 64 KB at a time
 *   reader_tool probe BUCKET KEY DIR     probes it (engine_probe) through the reader
 *   reader_tool getprobe BUCKET KEY DIR  downloads it to a temp file in DIR, probes that, removes
 * it The endpoint and keys come from S3_ENDPOINT, S3_REGION, S3_ACCESS_KEY_ID,
 * S3_SECRET_ACCESS_KEY. Prints one line: "<op> <object bytes> <seconds> <bytes fetched> <GETs>
 * <fell back 0/1>". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "blob/s3/blob_s3.h"
#include "engine/probe.h"

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int reader_read_at(void *user, int64_t offset, void *buf, size_t len) {
    return blob_reader_read_at(user, offset, buf, len);
}

/* read / probe through the ranged reader. */
static int ranged(blob_backend *be, const char *op, const char *bucket, const char *key,
                  const char *dir, rc_error *err) {
    double t0 = now_s();
    blob_reader *r = NULL;
    int rc = blob_open_reader(be, bucket, key, dir, &r, err);
    if (rc)
        return rc;
    if (!strcmp(op, "read")) {
        static unsigned char chunk[65536];
        for (int64_t off = 0; off < blob_reader_size(r) && !rc;) {
            int n = blob_reader_read_at(r, off, chunk, sizeof(chunk));
            if (n <= 0)
                rc = n < 0 ? n : RC_EREAD;
            off += n > 0 ? n : 0;
        }
    } else {
        char name[1024];
        snprintf(name, sizeof(name), "oss://%s/%s", bucket, key);
        engine_source src = {
            .path = name, .read_at = reader_read_at, .user = r, .size = blob_reader_size(r)};
        engine_media_info info;
        rc = engine_probe(&src, &info, err);
        engine_media_info_free(&info);
    }
    const rc_error *re = blob_reader_error(r);
    if (re)
        rc = rc_fail(err, re->rc, NULL, "%s", re->message);
    if (!rc) {
        blob_reader_stats st;
        blob_reader_get_stats(r, &st);
        printf("%s %lld %.3f %lld %d %d\n", op, (long long)blob_reader_size(r), now_s() - t0,
               (long long)st.bytes_fetched, st.requests, st.fallback);
    }
    blob_reader_close(r);
    return rc;
}

static int get_probe(blob_backend *be, const char *bucket, const char *key, const char *dir,
                     rc_error *err) {
    double t0 = now_s();
    char *path = NULL;
    int is_temp = 0;
    int rc = blob_get_local(be, bucket, key, dir, &path, &is_temp, err);
    engine_media_info info;
    if (!rc) {
        rc = engine_probe(ENGINE_PATH(path), &info, err);
        if (!rc)
            printf("getprobe %lld %.3f %lld 1 0\n", (long long)info.file_size, now_s() - t0,
                   (long long)info.file_size);
        engine_media_info_free(&info);
    }
    if (path && is_temp)
        unlink(path);
    free(path);
    return rc;
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: reader_tool read|probe|getprobe BUCKET KEY DIR\n");
        return 2;
    }
    engine_global_init();
    blob_s3_options o = {.endpoint = getenv("S3_ENDPOINT"),
                         .region = getenv("S3_REGION"),
                         .access_key_id = getenv("S3_ACCESS_KEY_ID"),
                         .secret_access_key = getenv("S3_SECRET_ACCESS_KEY")};
    blob_backend *be = NULL;
    rc_error err = {0};
    int rc = blob_s3_create(&o, &be, &err);
    if (!rc && !strcmp(argv[1], "getprobe"))
        rc = get_probe(be, argv[2], argv[3], argv[4], &err);
    else if (!rc && (!strcmp(argv[1], "read") || !strcmp(argv[1], "probe")))
        rc = ranged(be, argv[1], argv[2], argv[3], argv[4], &err);
    else if (!rc)
        rc = rc_fail(&err, RC_EINVAL, NULL, "unknown operation %s", argv[1]);
    if (rc)
        fprintf(stderr, "reader_tool: %s\n", err.message[0] ? err.message : rc_strerror(rc));
    blob_destroy(be);
    return rc ? 1 : 0;
}
