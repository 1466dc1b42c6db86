/* blob_fs: local buckets as folders under one root. Every object is reached from the bucket
 * folder's fd through blob_fs_walk, which follows no symbolic link: a link planted in a bucket
 * (to a file, to a folder, as a folder on the way, dangling) is refused by every operation, so a
 * job can neither read nor write outside its bucket. The root (DATA_DIR/buckets) is the operator's
 * configured path and is resolved normally; below it nothing is followed, bucket folders
 * included. No operation hands a path of the bucket to anyone: get_local copies. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blob/blob.h"
#include "blob/blob_fs_walk.h"
#include "util/fdio.h"
#include "util/log.h"

typedef struct fs_backend {
    blob_backend base;
    char root[PATH_MAX];
    enum blob_walk_mode walk;
    atomic_uint serial; /* makes the temp names of concurrent cross-device puts differ */
} fs_backend;

static const char LINK_REFUSED[] = "it or a folder on its path is a symbolic link, which local "
                                   "buckets do not follow";

/* Opens the folder of bucket (O_PATH). Returns the fd or a negative errno (-ELOOP: the bucket
 * folder is a link). */
static int open_bucket(const fs_backend *fs, const char *bucket) {
    if (!blob_bucket_name_valid(bucket))
        return -EINVAL;
    int root = open(fs->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0)
        return -errno;
    int fd = blob_walk_open(root, bucket, O_PATH | O_DIRECTORY, 0, fs->walk);
    close(root);
    if (fd == -ELOOP)
        log_warn("local bucket \"%s\": its folder is a symbolic link, which is not followed: the "
                 "bucket is not served",
                 bucket);
    return fd;
}

static int no_bucket(rc_error *err, const char *bucket) {
    return rc_fail(err, RC_ENOENT, NULL, "bucket \"%s\" does not exist", bucket);
}

static int fs_bucket_exists(blob_backend *be, const char *bucket, rc_error *err) {
    int fd = open_bucket((fs_backend *)be, bucket);
    if (fd < 0)
        return no_bucket(err, bucket);
    close(fd);
    return 0;
}

/* Opens bucket/key for reading: a regular file reached without a link. *fd and *sb on success;
 * RC_ENOENT (missing, not a file, a link, an invalid key) or RC_EREAD with err naming
 * oss://bucket/key. */
static int open_object(fs_backend *fs, const char *bucket, const char *key, int *fd,
                       struct stat *sb, rc_error *err) {
    int dir = open_bucket(fs, bucket);
    if (dir < 0)
        return no_bucket(err, bucket);
    /* O_NONBLOCK: a FIFO planted in a bucket must not hang the job (it is refused below). */
    int f = blob_walk_open(dir, key, O_RDONLY | O_NONBLOCK, 0, fs->walk);
    close(dir);
    if (f == -ELOOP)
        return rc_fail(err, RC_ENOENT, NULL, "object oss://%s/%s is not readable: %s", bucket, key,
                       LINK_REFUSED);
    if (f == -EINVAL)
        return rc_fail(err, RC_ENOENT, NULL,
                       "object oss://%s/%s does not exist (not a valid key for a local bucket)",
                       bucket, key);
    if (f == -ENOENT || f == -ENOTDIR || f == -ENAMETOOLONG)
        return rc_fail(err, RC_ENOENT, NULL, "object oss://%s/%s does not exist", bucket, key);
    if (f < 0)
        return rc_fail(err, RC_EREAD, NULL, "cannot read oss://%s/%s: %s", bucket, key,
                       strerror(-f));
    if (fstat(f, sb) != 0 || !S_ISREG(sb->st_mode)) {
        close(f);
        return rc_fail(err, RC_ENOENT, NULL, "object oss://%s/%s does not exist", bucket, key);
    }
    *fd = f;
    return 0;
}

/* Copies the rest of `in` into `out`. Returns 0 or -1 with errno set. */
static int copy_fd(int in, int out) {
    char block[1 << 16];
    for (;;) {
        ssize_t n = read(in, block, sizeof(block));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -1 : 0;
        if (fd_transfer_all(out, block, (size_t)n, -1, 1))
            return -1;
    }
}

/* A copy in tmp_dir, not the object's path: a path would be resolved again by whoever opens it,
 * after a link could have been swapped in. Jobs read local buckets through open_reader instead
 * (no copy). */
static int fs_get_local(blob_backend *be, const char *bucket, const char *key, const char *tmp_dir,
                        char **local_path, int *is_temp, rc_error *err) {
    struct stat sb;
    int in = -1;
    int rc = open_object((fs_backend *)be, bucket, key, &in, &sb, err);
    if (rc)
        return rc;
    char *path = NULL;
    int out = blob_make_temp(tmp_dir ? tmp_dir : "/tmp", "fs", key, &path);
    if (out < 0) {
        rc = errno == ENOMEM
                 ? RC_ENOMEM
                 : rc_fail(err, RC_EREAD, NULL, "cannot read oss://%s/%s: temp file: %s", bucket,
                           key, strerror(errno));
        close(in);
        return rc;
    }
    if (copy_fd(in, out) != 0 || close(out) != 0) {
        rc = rc_fail(err, RC_EREAD, NULL, "cannot read oss://%s/%s: copying to a temp file: %s",
                     bucket, key, strerror(errno));
        out = -1;
    }
    close(in);
    if (rc) {
        unlink(path);
        free(path);
        return rc;
    }
    *local_path = path;
    *is_temp = 1;
    return 0;
}

/* Copies local_path to a new file `name` in folder dir (never through a link: O_EXCL). */
static int copy_into(const char *local_path, int dir, const char *name) {
    int in = open(local_path, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return -1;
    int out = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (out < 0) {
        int e = errno;
        close(in);
        errno = e;
        return -1;
    }
    int rc = copy_fd(in, out);
    if (rc == 0 && fsync(out) != 0)
        rc = -1;
    int e = errno;
    close(in);
    if (close(out) != 0 && rc == 0) {
        rc = -1;
        e = errno;
    }
    errno = e;
    return rc;
}

static int write_failed(rc_error *err, const char *bucket, const char *key, int e) {
    if (e == ELOOP)
        return rc_fail(err, RC_EWRITE, NULL, "cannot write oss://%s/%s: %s", bucket, key,
                       LINK_REFUSED);
    if (e == EINVAL)
        return rc_fail(err, RC_EWRITE, NULL, "cannot write oss://%s/%s: invalid key", bucket, key);
    return rc_fail(err, RC_EWRITE, NULL, "cannot write oss://%s/%s: %s", bucket, key, strerror(e));
}

/* Moves the file into place with renameat relative to the folder's fd (rename never follows a
 * link at its target: it would replace the link, but a link there is refused first so that
 * nothing of a link's making stays in doubt). */
static int place_file(fs_backend *fs, int parent, const char *leaf, const char *local_path) {
    struct stat sb;
    if (fstatat(parent, leaf, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(sb.st_mode))
        return ELOOP;
    if (renameat(AT_FDCWD, local_path, parent, leaf) == 0)
        return 0;
    if (errno != EXDEV)
        return errno;
    /* Another file system: copy to a temp name beside the target, then rename. */
    char tmp[NAME_MAX + 1];
    snprintf(tmp, sizeof(tmp), ".%.200s.part.%d.%u", leaf, (int)getpid(),
             atomic_fetch_add(&fs->serial, 1));
    if (copy_into(local_path, parent, tmp) != 0 || renameat(parent, tmp, parent, leaf) != 0) {
        int e = errno;
        unlinkat(parent, tmp, 0);
        return e;
    }
    return 0;
}

static int fs_put_file(blob_backend *be, const char *bucket, const char *key,
                       const char *local_path, rc_error *err) {
    fs_backend *fs = (fs_backend *)be;
    int rc = 0, parent = -1, dir = open_bucket(fs, bucket);
    if (dir < 0) {
        rc = no_bucket(err, bucket);
        goto out;
    }
    const char *leaf = NULL;
    parent = blob_walk_parent(dir, key, 1, fs->walk, &leaf);
    if (parent < 0) {
        rc = write_failed(err, bucket, key, -parent);
        goto out;
    }
    int e = place_file(fs, parent, leaf, local_path);
    if (e)
        rc = write_failed(err, bucket, key, e);
out:
    if (parent >= 0)
        close(parent);
    if (dir >= 0)
        close(dir);
    unlink(local_path);
    return rc;
}

static int fs_delete_object(blob_backend *be, const char *bucket, const char *key, rc_error *err) {
    fs_backend *fs = (fs_backend *)be;
    int dir = open_bucket(fs, bucket);
    if (dir < 0)
        return dir == -ENOENT ? 0 : no_bucket(err, bucket);
    const char *leaf = NULL;
    int parent = blob_walk_parent(dir, key, 0, fs->walk, &leaf);
    close(dir);
    int e = parent < 0 ? -parent : 0;
    struct stat sb;
    if (!e && fstatat(parent, leaf, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(sb.st_mode))
        e = ELOOP;
    else if (!e && unlinkat(parent, leaf, 0) != 0)
        e = errno;
    if (parent >= 0)
        close(parent);
    if (e == 0 || e == ENOENT || e == ENOTDIR)
        return 0;
    if (e == ELOOP)
        return rc_fail(err, RC_EWRITE, NULL, "cannot delete oss://%s/%s: %s", bucket, key,
                       LINK_REFUSED);
    if (e == EINVAL)
        return rc_fail(err, RC_EINVAL, NULL, "invalid object oss://%s/%s", bucket, key);
    return rc_fail(err, RC_EWRITE, NULL, "cannot delete oss://%s/%s: %s", bucket, key, strerror(e));
}

static void fs_destroy(blob_backend *be) {
    free(be);
}

/* A reader over the object's file, opened by the walk: plain pread on that fd. */
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
    (void)tmp_dir;
    struct stat sb;
    int fd = -1;
    int rc = open_object((fs_backend *)be, bucket, key, &fd, &sb, err);
    if (rc)
        return rc;
    fs_reader *r = calloc(1, sizeof(*r));
    if (!r) {
        close(fd);
        return RC_ENOMEM;
    }
    r->base.ops = &fs_reader_ops;
    r->base.size = sb.st_size;
    r->fd = fd;
    snprintf(r->name, sizeof(r->name), "oss://%s/%s", bucket, key);
    *out = &r->base;
    return 0;
}

static const blob_ops fs_ops = {
    "fs", fs_get_local, fs_put_file, fs_delete_object, fs_bucket_exists, fs_destroy, fs_open_reader,
    NULL, NULL,         NULL};

int blob_fs_create_with(const char *root, enum blob_walk_mode how, blob_backend **out,
                        rc_error *err) {
    fs_backend *fs = calloc(1, sizeof(*fs));
    if (!fs)
        return RC_ENOMEM;
    if (snprintf(fs->root, sizeof(fs->root), "%s", root) >= (int)sizeof(fs->root)) {
        free(fs);
        return rc_fail(err, RC_EINVAL, NULL, "%s: path too long", root);
    }
    fs->walk = how;
    fs->base.ops = &fs_ops;
    *out = &fs->base;
    return 0;
}

int blob_fs_create(const char *root, blob_backend **out, rc_error *err) {
    return blob_fs_create_with(root, BLOB_WALK_OPENAT2, out, err);
}
