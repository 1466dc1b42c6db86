/* blob: where bytes live - buckets behind one interface (local folders now, S3 later). Jobs read
 * inputs as local files (read in place where possible) and write outputs by handing over a
 * finished local file. */
#ifndef REELCUT_BLOB_H
#define REELCUT_BLOB_H

#include <stddef.h>

#include "util/rc.h"

typedef struct blob_backend blob_backend;

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
} blob_ops;

struct blob_backend {
    const blob_ops *ops;
};

/* A backend serving local buckets as folders DIR/<bucket>/<key>. A bucket exists when its folder
 * does (the embedded default creates none; `mkdir DATA_DIR/buckets/NAME` makes one). */
int blob_fs_create(const char *root, blob_backend **out, rc_error *err);

/* Convenience wrappers over be->ops. */
int blob_get_local(blob_backend *be, const char *bucket, const char *key, const char *tmp_dir,
                   char **local_path, int *is_temp, rc_error *err);
int blob_put_file(blob_backend *be, const char *bucket, const char *key, const char *local_path,
                  rc_error *err);
int blob_delete_object(blob_backend *be, const char *bucket, const char *key, rc_error *err);
int blob_bucket_exists(blob_backend *be, const char *bucket, rc_error *err);
void blob_destroy(blob_backend *be);

/* Checks a bucket name: 3-63 of [a-z0-9.-], alphanumeric at both ends. */
int blob_bucket_name_valid(const char *bucket);

#endif
