/* fdio: whole transfers on file descriptors. */
#ifndef REELCUT_FDIO_H
#define REELCUT_FDIO_H

#include <stddef.h>
#include <sys/types.h>

/* Reads (out 0) or writes (out 1) all n bytes of data at offset `at` of fd (pread/pwrite),
 * or at its current position when at < 0 (read/write), retrying short transfers and EINTR.
 * Returns 0, or -1 with errno set (EIO when the file ends or takes nothing before n bytes). */
int fd_transfer_all(int fd, void *data, size_t n, off_t at, int out);

#endif
