#include "util/fdio.h"

#include <errno.h>
#include <unistd.h>

int fd_transfer_all(int fd, void *data, size_t n, off_t at, int out) {
    unsigned char *p = data;
    while (n > 0) {
        ssize_t got = out ? (at < 0 ? write(fd, p, n) : pwrite(fd, p, n, at))
                          : (at < 0 ? read(fd, p, n) : pread(fd, p, n, at));
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            if (got == 0)
                errno = EIO;
            return -1;
        }
        p += got;
        n -= (size_t)got;
        if (at >= 0)
            at += got;
    }
    return 0;
}
