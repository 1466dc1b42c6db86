/* blob_fs_walk: opening paths below a folder without following symbolic links - the one resolver
 * every operation of the local-folder backend (blob_fs) goes through, so that a link planted in a
 * bucket can never make a job read or write outside it. */
#ifndef REELCUT_BLOB_FS_WALK_H
#define REELCUT_BLOB_FS_WALK_H

#include <sys/types.h>

#include "blob/blob.h"

/* How paths are resolved. BLOB_WALK_OPENAT2: one openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)
 * call, falling back by itself to the component walk where the kernel (or a seccomp filter) has
 * no openat2. BLOB_WALK_COMPONENTS: always the walk - openat(O_NOFOLLOW) one name at a time. Both
 * give the same answers; the second exists so tests can prove the fallback on any kernel. */
enum blob_walk_mode { BLOB_WALK_OPENAT2, BLOB_WALK_COMPONENTS };

/* 1 if rel is a path the walk accepts: relative, names separated by single "/", no name empty,
 * "." or "..", shorter than PATH_MAX. */
int blob_walk_path_valid(const char *rel);

/* Opens rel below the folder dirfd with open(2) flags `flags` (O_CLOEXEC and O_NOFOLLOW are
 * added; mode is used with O_CREAT) without following a symbolic link anywhere, the last name
 * included. Returns the new fd, or a negative errno: -ELOOP when rel or a folder on its way is a
 * symbolic link (also with O_PATH), -ENOENT, -ENOTDIR (a folder on the way is a file), -EINVAL (rel
 * not valid), or what open(2) failed with. */
int blob_walk_open(int dirfd, const char *rel, int flags, mode_t mode, enum blob_walk_mode how);

/* Opens (O_PATH) the folder holding the last name of rel, below dirfd, as blob_walk_open does;
 * with `create`, missing folders are made (mode 0755) one at a time, each made where the walk
 * stands, never through a link. *leaf points at the last name inside rel. Returns the fd (the
 * caller closes it) or a negative errno as blob_walk_open. */
int blob_walk_parent(int dirfd, const char *rel, int create, enum blob_walk_mode how,
                     const char **leaf);

/* blob_fs_create with a chosen resolver (blob_fs_create uses BLOB_WALK_OPENAT2). */
int blob_fs_create_with(const char *root, enum blob_walk_mode how, blob_backend **out,
                        rc_error *err);

#endif
