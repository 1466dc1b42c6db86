/* blob_fs_walk: the no-symlink resolver of blob_fs. glibc 2.36 has no openat2() wrapper, so the
 * system call is made directly; kernels before 5.6 (or seccomp filters that do not know it)
 * answer ENOSYS/EPERM, and then the same path is walked one name at a time with O_NOFOLLOW. */
#include "blob/blob_fs_walk.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define OPENAT2_ATTEMPTS                                                                           \
    8 /* EAGAIN: a rename somewhere raced the lookup; the kernel asks to retry */

int blob_walk_path_valid(const char *rel) {
    if (!rel || !*rel || rel[0] == '/' || strlen(rel) >= PATH_MAX)
        return 0;
    for (const char *seg = rel;;) {
        const char *end = strchr(seg, '/');
        size_t len = end ? (size_t)(end - seg) : strlen(seg);
        if (len == 0 || (len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.'))
            return 0;
        if (!end)
            return 1;
        seg = end + 1;
    }
}

/* An O_PATH | O_NOFOLLOW open of a link gives the link itself: refuse it like any other link. */
static int refuse_link(int fd, int flags) {
    if (fd < 0 || !(flags & O_PATH))
        return fd;
    struct stat sb;
    int e = fstat(fd, &sb) != 0 ? errno : (S_ISLNK(sb.st_mode) ? ELOOP : 0);
    if (e) {
        close(fd);
        return -e;
    }
    return fd;
}

/* One openat2 below dirfd that refuses every link. Returns the fd or -errno (-ENOSYS/-EPERM when
 * the system call is not available). */
static int openat2_beneath(int dirfd, const char *rel, int flags, mode_t mode) {
    struct open_how how;
    memset(&how, 0, sizeof(how));
    /* No O_NOFOLLOW: with it, a link as the last name would be opened itself (O_PATH) or answer
     * ENOTDIR (O_DIRECTORY); without it RESOLVE_NO_SYMLINKS answers ELOOP for any link. */
    how.flags = (uint64_t)(flags | O_CLOEXEC);
    how.mode = (flags & O_CREAT) ? mode : 0;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    for (int i = 0; i < OPENAT2_ATTEMPTS; i++) {
        long fd = syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));
        if (fd >= 0)
            return refuse_link((int)fd, flags);
        if (errno != EAGAIN)
            return -errno;
    }
    return -EAGAIN;
}

static int openat2_missing(int rc) {
    return rc == -ENOSYS || rc == -EPERM;
}

/* Opens the single name `name` below dirfd, never through a link. */
static int open_name(int dirfd, const char *name, int flags, mode_t mode) {
    int fd = openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd >= 0)
        return refuse_link(fd, flags);
    int e = errno;
    struct stat sb;
    /* O_DIRECTORY | O_NOFOLLOW on a link answers ENOTDIR: report it as the link it is. */
    if (e == ENOTDIR && fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(sb.st_mode))
        e = ELOOP;
    return -e;
}

/* Walks the folders of rel (all names but the last) one at a time from dirfd, making missing ones
 * with `create`. Returns an O_PATH fd of the last folder, *leaf = the last name. */
static int descend(int dirfd, const char *rel, int create, const char **leaf) {
    char name[NAME_MAX + 1];
    int cur = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
    if (cur < 0)
        return -errno;
    const char *seg = rel;
    const char *end = strchr(seg, '/');
    while (end) {
        size_t len = (size_t)(end - seg);
        int next = -ENAMETOOLONG;
        if (len <= NAME_MAX) {
            memcpy(name, seg, len);
            name[len] = '\0';
            /* mkdirat never follows a link at its last name (a link there is EEXIST), and the
             * open below refuses it. */
            if (create && mkdirat(cur, name, 0755) != 0 && errno != EEXIST)
                next = -errno;
            else
                next = open_name(cur, name, O_PATH | O_DIRECTORY, 0);
        }
        close(cur);
        if (next < 0)
            return next;
        cur = next;
        seg = end + 1;
        end = strchr(seg, '/');
    }
    *leaf = seg;
    return cur;
}

int blob_walk_open(int dirfd, const char *rel, int flags, mode_t mode, enum blob_walk_mode how) {
    if (!blob_walk_path_valid(rel))
        return -EINVAL;
    if (how == BLOB_WALK_OPENAT2) {
        int fd = openat2_beneath(dirfd, rel, flags, mode);
        if (!openat2_missing(fd))
            return fd;
    }
    const char *leaf = NULL;
    int parent = descend(dirfd, rel, 0, &leaf);
    if (parent < 0)
        return parent;
    int fd = open_name(parent, leaf, flags, mode);
    close(parent);
    return fd;
}

int blob_walk_parent(int dirfd, const char *rel, int create, enum blob_walk_mode how,
                     const char **leaf) {
    if (!blob_walk_path_valid(rel))
        return -EINVAL;
    const char *slash = strrchr(rel, '/');
    if (!create && slash && how == BLOB_WALK_OPENAT2) {
        char dir[PATH_MAX];
        memcpy(dir, rel, (size_t)(slash - rel));
        dir[slash - rel] = '\0';
        int fd = openat2_beneath(dirfd, dir, O_PATH | O_DIRECTORY, 0);
        if (!openat2_missing(fd)) {
            if (fd >= 0)
                *leaf = slash + 1;
            return fd;
        }
    }
    return descend(dirfd, rel, create, leaf);
}
