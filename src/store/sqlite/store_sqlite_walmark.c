/* store_sqlite_walmark: tells, without a lock or a system call, whether anything was committed to a
 * WAL-mode database since an earlier look.
 *
 * Every commit rewrites the wal-index header at the start of "<db>-shm", the file SQLite's unix VFS
 * maps into every process that has the database open (format:
 * https://www.sqlite.org/walformat.html, "The WAL-Index Header"): two copies of a 48-byte struct
 * (version 3007000, a change counter incremented by each transaction, the last valid frame, the WAL
 * salts, a checksum over all of it). The writer stores the second copy, then a barrier, then the
 * first; readers compare the two. We map the same page read-only and do the same: equal copies
 * taken before and after mean no transaction committed in between, in this process or any other,
 * whoever wrote it (an operator's sqlite3 shell too). The store uses it to keep a read transaction
 * open across requests while nothing changed (store_sq_reader_get in store_sqlite.c).
 *
 * SQLite never removes the -shm file while a connection of ours has the database open (the last
 * connection to close deletes it), and the store keeps its pool open until store_close. */
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/sqlite/store_sqlite_int.h"

#define WAL_INDEX_VERSION 3007000u
#define WAL_HDR_WORDS 12 /* 48 bytes */
#define WAL_MAP_BYTES 4096

_Static_assert(sizeof(sq_walmark) == WAL_HDR_WORDS * sizeof(uint32_t), "a mark is one header");

struct sq_walmap {
    const volatile uint32_t *hdr; /* two copies of the header, WAL_HDR_WORDS words each */
};

int store_sq_walmap_open(sqlite3 *db, sq_walmap **out) {
    *out = NULL;
    const char *main_path = sqlite3_db_filename(db, "main");
    if (!main_path || !*main_path)
        return RC_ENOENT;
    size_t n = strlen(main_path);
    char *path = malloc(n + sizeof("-shm"));
    if (!path)
        return RC_ENOMEM;
    memcpy(path, main_path, n);
    memcpy(path + n, "-shm", sizeof("-shm"));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    free(path);
    if (fd < 0)
        return RC_ENOENT;
    struct stat sb;
    void *map = MAP_FAILED;
    if (fstat(fd, &sb) == 0 && sb.st_size >= WAL_MAP_BYTES)
        map = mmap(NULL, WAL_MAP_BYTES, PROT_READ, MAP_SHARED, fd, 0);
    close(fd); /* the mapping keeps the file */
    if (map == MAP_FAILED)
        return RC_ENOENT;
    sq_walmap *m = calloc(1, sizeof(*m));
    if (!m) {
        munmap(map, WAL_MAP_BYTES);
        return RC_ENOMEM;
    }
    m->hdr = map;
    sq_walmark mark;
    /* iVersion (word 0) and isInit (the byte at offset 12) */
    if (!store_sq_walmark_read(m, &mark) || mark.w[0] != WAL_INDEX_VERSION ||
        ((const unsigned char *)&mark.w[3])[0] != 1) {
        store_sq_walmap_close(m);
        return RC_ENOENT;
    }
    *out = m;
    return 0;
}

int store_sq_walmark_read(const sq_walmap *m, sq_walmark *out) {
    uint32_t second[WAL_HDR_WORDS];
    for (int i = 0; i < WAL_HDR_WORDS; i++)
        out->w[i] = m->hdr[i];
    atomic_thread_fence(memory_order_acquire);
    for (int i = 0; i < WAL_HDR_WORDS; i++)
        second[i] = m->hdr[WAL_HDR_WORDS + i];
    return memcmp(out->w, second, sizeof(second)) == 0;
}

void store_sq_walmap_close(sq_walmap *m) {
    if (!m)
        return;
    munmap((void *)m->hdr, WAL_MAP_BYTES);
    free(m);
}
