/* blob_fs: local buckets as folders under one root. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blob/blob.h"

typedef struct fs_backend {
    blob_backend base;
    char root[PATH_MAX];
} fs_backend;

/* Keys were validated at submission (no "..", not absolute); check again, cheaply, here. */
static int key_safe(const char *key) {
    if (!*key || key[0] == '/' || strstr(key, "\\"))
        return 0;
    for (const char *seg = key; seg;) {
        const char *end = strchr(seg, '/');
        size_t len = end ? (size_t)(end - seg) : strlen(seg);
        if ((len == 2 && seg[0] == '.' && seg[1] == '.') || (len == 1 && seg[0] == '.'))
            return 0;
        seg = end ? end + 1 : NULL;
    }
    return 1;
}

static int object_path(fs_backend *fs, const char *bucket, const char *key, char *out, size_t n) {
    if (!blob_bucket_name_valid(bucket) || !key_safe(key))
        return RC_EINVAL;
    if (snprintf(out, n, "%s/%s/%s", fs->root, bucket, key) >= (int)n)
        return RC_ETOOBIG;
    return 0;
}

static int fs_bucket_exists(blob_backend *be, const char *bucket, rc_error *err) {
    fs_backend *fs = (fs_backend *)be;
    char path[PATH_MAX];
    struct stat sb;
    if (!blob_bucket_name_valid(bucket) ||
        snprintf(path, sizeof(path), "%s/%s", fs->root, bucket) >= (int)sizeof(path) ||
        stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return rc_fail(err, RC_ENOENT, NULL, "bucket \"%s\" does not exist", bucket);
    return 0;
}

static int fs_get_local(blob_backend *be, const char *bucket, const char *key, const char *tmp_dir,
                        char **local_path, int *is_temp, rc_error *err) {
    (void)tmp_dir;
    fs_backend *fs = (fs_backend *)be;
    char path[PATH_MAX];
    int rc = fs_bucket_exists(be, bucket, err);
    if (rc)
        return rc;
    if (object_path(fs, bucket, key, path, sizeof(path)))
        return rc_fail(err, RC_ENOENT, NULL, "object oss://%s/%s does not exist", bucket, key);
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
        return rc_fail(err, RC_ENOENT, NULL, "object oss://%s/%s does not exist", bucket, key);
    *local_path = strdup(path);
    *is_temp = 0;
    return *local_path ? 0 : RC_ENOMEM;
}

/* mkdir -p for the folders of path (not its last segment), below the bucket folder. */
static int make_parents(char *path) {
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int r = mkdir(path, 0755);
        *p = '/';
        if (r != 0 && errno != EEXIST)
            return -1;
    }
    return 0;
}

static int copy_file(const char *from, const char *to) {
    int in = open(from, O_RDONLY);
    if (in < 0)
        return -1;
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0) {
        close(in);
        return -1;
    }
    char block[1 << 16];
    ssize_t n;
    int rc = 0;
    while ((n = read(in, block, sizeof(block))) > 0) {
        if (write(out, block, (size_t)n) != n) {
            rc = -1;
            break;
        }
    }
    if (n < 0 || fsync(out) != 0)
        rc = -1;
    close(in);
    if (close(out) != 0)
        rc = -1;
    return rc;
}

static int fs_put_file(blob_backend *be, const char *bucket, const char *key,
                       const char *local_path, rc_error *err) {
    fs_backend *fs = (fs_backend *)be;
    char path[PATH_MAX], tmp[PATH_MAX + 32];
    int rc = fs_bucket_exists(be, bucket, err);
    if (rc)
        goto out;
    if (object_path(fs, bucket, key, path, sizeof(path))) {
        rc = rc_fail(err, RC_EWRITE, NULL, "cannot write oss://%s/%s: invalid key", bucket, key);
        goto out;
    }
    if (make_parents(path) != 0) {
        rc = rc_fail(err, RC_EWRITE, NULL, "cannot write oss://%s/%s: %s", bucket, key,
                     strerror(errno));
        goto out;
    }
    /* Same file system: an atomic rename. Otherwise copy to a temp name, then rename. */
    if (rename(local_path, path) == 0)
        return 0;
    snprintf(tmp, sizeof(tmp), "%s.part.%d", path, (int)getpid());
    if (copy_file(local_path, tmp) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        rc = rc_fail(err, RC_EWRITE, NULL, "cannot write oss://%s/%s: %s", bucket, key,
                     strerror(errno));
    }
out:
    unlink(local_path);
    return rc;
}

static int fs_delete_object(blob_backend *be, const char *bucket, const char *key,
                            rc_error *err) {
    fs_backend *fs = (fs_backend *)be;
    char path[PATH_MAX];
    if (object_path(fs, bucket, key, path, sizeof(path)))
        return rc_fail(err, RC_EINVAL, NULL, "invalid object oss://%s/%s", bucket, key);
    if (unlink(path) != 0 && errno != ENOENT)
        return rc_fail(err, RC_EWRITE, NULL, "cannot delete oss://%s/%s: %s", bucket, key,
                       strerror(errno));
    return 0;
}

static void fs_destroy(blob_backend *be) {
    free(be);
}

/* A reader over the object's file: plain pread. */
typedef struct fs_reader {
    blob_reader base;
    int fd;
    char name[512]; /* oss://bucket/key for messages */
} fs_reader;

static int fs_read_at(blob_reader *base, int64_t off, void *buf, size_t len) {
    fs_reader *r = (fs_reader *)base;
    ssize_t got;
    do
        got = pread(r->fd, buf, len, (off_t)off);
    while (got < 0 && errno == EINTR);
    if (got < 0)
        return blob_reader_fail(base, RC_EREAD, "cannot read %s: %s", r->name, strerror(errno));
    return (int)got;
}

static void fs_reader_close(blob_reader *base) {
    fs_reader *r = (fs_reader *)base;
    close(r->fd);
    free(r);
}

static const blob_reader_ops fs_reader_ops = {fs_read_at, fs_reader_close};

static int fs_open_reader(blob_backend *be, const char *bucket, const char *key,
                          const char *tmp_dir, blob_reader **out, rc_error *err) {
    char *path = NULL;
    int is_temp = 0;
    int rc = fs_get_local(be, bucket, key, tmp_dir, &path, &is_temp, err);
    if (rc)
        return rc;
    fs_reader *r = calloc(1, sizeof(*r));
    struct stat sb;
    int fd = r ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    if (!r || fd < 0 || fstat(fd, &sb) != 0) {
        rc = r ? rc_fail(err, RC_EREAD, NULL, "cannot read oss://%s/%s: %s", bucket, key,
                         strerror(errno))
               : RC_ENOMEM;
        if (fd >= 0)
            close(fd);
        free(r);
        free(path);
        return rc;
    }
    free(path);
    r->base.ops = &fs_reader_ops;
    r->base.size = sb.st_size;
    r->fd = fd;
    snprintf(r->name, sizeof(r->name), "oss://%s/%s", bucket, key);
    *out = &r->base;
    return 0;
}

static const blob_ops fs_ops = {"fs",          fs_get_local,     fs_put_file,
                                fs_delete_object, fs_bucket_exists, fs_destroy,
                                fs_open_reader};

int blob_fs_create(const char *root, blob_backend **out, rc_error *err) {
    fs_backend *fs = calloc(1, sizeof(*fs));
    if (!fs)
        return RC_ENOMEM;
    if (snprintf(fs->root, sizeof(fs->root), "%s", root) >= (int)sizeof(fs->root)) {
        free(fs);
        return rc_fail(err, RC_EINVAL, NULL, "%s: path too long", root);
    }
    fs->base.ops = &fs_ops;
    *out = &fs->base;
    return 0;
}
