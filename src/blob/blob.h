/* blob: where bytes live - buckets behind one interface: local folders (blob_fs.c), S3-compatible
 * servers (s3/), several by bucket name (blob_router.c). Jobs read inputs through a random-access
 * reader (or as local files) and write outputs by handing over a finished local file. */
#ifndef REELCUT_BLOB_H
#define REELCUT_BLOB_H

#include <stddef.h>
#include <stdint.h>

#include "util/rc.h"

typedef struct blob_backend blob_backend;
typedef struct blob_reader blob_reader;

/* One backend's operations (curl vtls-style). Every function returns 0 or a negative RC_E*, with
 * err naming the bucket and key; errors never contain credentials. */
typedef struct blob_ops {
    const char *name;
    /* Makes the object available as a local file. *local_path (malloc'd, caller frees) is either
     * the object itself (*is_temp = 0) or a temp file in tmp_dir the caller removes (*is_temp = 1).
     * RC_ENOENT if the bucket or object does not exist, RC_EREAD on storage errors. */
    int (*get_local)(blob_backend *be, const char *bucket, const char *key, const char *tmp_dir,
                     char **local_path, int *is_temp, rc_error *err);
    /* Stores the finished local file at bucket/key, replacing any object there; on failure no
     * partial object is left. The local file is consumed (moved or deleted). RC_EWRITE. */
    int (*put_file)(blob_backend *be, const char *bucket, const char *key, const char *local_path,
                    rc_error *err);
    /* Removes bucket/key; a missing object is not an error. */
    int (*delete_object)(blob_backend *be, const char *bucket, const char *key, rc_error *err);
    /* Whether the bucket exists (0) or not (RC_ENOENT). */
    int (*bucket_exists)(blob_backend *be, const char *bucket, rc_error *err);
    void (*destroy)(blob_backend *be);
    /* Opens bucket/key for random access (see blob_open_reader); NULL = not supported. */
    int (*open_reader)(blob_backend *be, const char *bucket, const char *key, const char *tmp_dir,
                       blob_reader **out, rc_error *err);
    /* The exactly-once support of retried jobs (blob_put_file_tagged, blob_stat_tag,
     * blob_abort_uploads); NULL = not supported. */
    int (*put_file_tagged)(blob_backend *be, const char *bucket, const char *key,
                           const char *local_path, const char *tag, rc_error *err);
    int (*stat_tag)(blob_backend *be, const char *bucket, const char *key, int64_t *size, char *tag,
                    size_t tag_size, rc_error *err);
    int (*abort_uploads)(blob_backend *be, const char *bucket, const char *key, rc_error *err);
} blob_ops;

struct blob_backend {
    const blob_ops *ops;
};

/* What a reader did so far (for tests, logs and benchmarks). */
typedef struct blob_reader_stats {
    int64_t bytes_fetched; /* bytes received from storage (ranged GETs and any fallback download) */
    int64_t bytes_wasted;  /* of those, read ahead and never used (dropped at a seek) */
    int requests;          /* GET requests started (retries included) */
    int fallback;          /* 1 once the reader switched to a temp-file download */
    const char *fallback_reason; /* why ("range ignored", "too many re-reads"), or NULL */
} blob_reader_stats;

/* One open object; implementations embed it first. */
typedef struct blob_reader_ops {
    /* Up to len bytes at offset into buf: returns the count (0 only at or past the end) or a
     * negative RC_E* (then the reader's error holds the message). */
    int (*read_at)(blob_reader *r, int64_t offset, void *buf, size_t len);
    void (*close)(blob_reader *r);
} blob_reader_ops;

struct blob_reader {
    const blob_reader_ops *ops;
    int64_t size; /* object size in bytes, fixed at open */
    rc_error err; /* the first read failure (sticky), code "" */
    int failed;   /* 1 once a read failed: every later read fails the same way */
    blob_reader_stats stats;
};

/* A backend serving local buckets as folders DIR/<bucket>/<key>. A bucket exists when its folder
 * does (the embedded default creates none; `mkdir DATA_DIR/buckets/NAME` makes one). Below DIR no
 * symbolic link is followed - not as a bucket folder, not as a folder on a key's way, not as the
 * object: every operation refuses them (reads RC_ENOENT, writes and deletes RC_EWRITE, naming
 * oss://bucket/key). Keys with an empty name ("a//b", "a/") are refused too: they would alias
 * other keys. get_local gives a copy in tmp_dir (a path into the bucket could be re-resolved
 * through a link swapped in later); read objects with blob_open_reader, which reads the file
 * opened by the walk. */
int blob_fs_create(const char *root, blob_backend **out, rc_error *err);

/* Convenience wrappers over be->ops. */
int blob_get_local(blob_backend *be, const char *bucket, const char *key, const char *tmp_dir,
                   char **local_path, int *is_temp, rc_error *err);
int blob_put_file(blob_backend *be, const char *bucket, const char *key, const char *local_path,
                  rc_error *err);
/* blob_put_file storing tag (1-BLOB_TAG_MAX of [A-Za-z0-9._:-], e.g. the JobId) with the object
 * (S3: x-amz-meta-reelcut-tag); backends without tags store the file untagged. */
#define BLOB_TAG_MAX 64
int blob_put_file_tagged(blob_backend *be, const char *bucket, const char *key,
                         const char *local_path, const char *tag, rc_error *err);
/* The object's size and the tag it was stored with ("" if none) into tag (tag_size bytes).
 * RC_ENOENT if there is no such object, RC_ENOTSUP if the backend keeps no tags, RC_EREAD. */
int blob_stat_tag(blob_backend *be, const char *bucket, const char *key, int64_t *size, char *tag,
                  size_t tag_size, rc_error *err);
/* Aborts the incomplete multipart uploads of exactly bucket/key (left by a writer that died), so
 * their parts do not linger; 0 when there were none or the backend has no such thing. */
int blob_abort_uploads(blob_backend *be, const char *bucket, const char *key, rc_error *err);
int blob_delete_object(blob_backend *be, const char *bucket, const char *key, rc_error *err);
int blob_bucket_exists(blob_backend *be, const char *bucket, rc_error *err);
void blob_destroy(blob_backend *be);

/* Opens bucket/key for reads at any offset without downloading it first (S3: ranged GETs through
 * a read-ahead window, falling back by itself to a temp file in tmp_dir when the server ignores
 * Range or seeks would re-read the object too often; fs: the file itself). The object must not
 * change while open: a change is a read error naming oss://bucket/key. Returns 0, RC_ENOENT (bucket
 * or object missing, err names it), RC_EREAD, RC_ENOTSUP (this backend has no reader: use
 * blob_get_local), RC_ENOMEM. Close *out with blob_reader_close. */
int blob_open_reader(blob_backend *be, const char *bucket, const char *key, const char *tmp_dir,
                     blob_reader **out, rc_error *err);

/* Reads up to len bytes at offset (see blob_reader_ops.read_at). After a failure every call fails
 * with the same rc and blob_reader_error() says why. */
int blob_reader_read_at(blob_reader *r, int64_t offset, void *buf, size_t len);

/* The object size in bytes. */
int64_t blob_reader_size(const blob_reader *r);

/* The first read failure (message names oss://bucket/key), or NULL if none. */
const rc_error *blob_reader_error(const blob_reader *r);

/* Copies the reader's counters into *st. */
void blob_reader_get_stats(const blob_reader *r, blob_reader_stats *st);

/* Closes r and removes any temp file it made. NULL-safe. */
void blob_reader_close(blob_reader *r);

/* Records the first failure of r (later ones keep the first message) and returns rc. For reader
 * implementations. */
int blob_reader_fail(blob_reader *r, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Creates tmp_dir/<prefix>-XXXXXX[.ext] with the key's extension (FFmpeg probes better with it),
 * mode 0600: returns the open fd and *path (malloc'd, the caller frees and removes it), or -1 with
 * errno set and *path NULL. For backends. */
int blob_make_temp(const char *tmp_dir, const char *prefix, const char *key, char **path);

/* Checks a bucket name: 3-63 of [a-z0-9.-], alphanumeric at both ends. */
int blob_bucket_name_valid(const char *bucket);

#endif
