/* store_sqlite_walmark: tells, without a lock or a system call, whether anything was committed to a
 * WAL-mode database since an earlier look.
 *
 * Every commit rewrites the wal-index header at the start of "<db>-shm", the file SQLite's unix VFS
 * maps into every process that has the database open (format:
 * https://www.sqlite.org/walformat.html, "The WAL-Index Header"): two copies of a 48-byte struct
 * (version 3007000, a change counter incremented by each transaction, the last valid frame, the WAL
 * salts, a checksum over all of it). The writer stores the second copy, then a barrier, then the
 * first; readers compare the two. We read the same page and do the same: equal copies
 * taken before and after mean no transaction committed in between, in this process or any other,
 * whoever wrote it (an operator's sqlite3 shell too). The store uses it to keep a read transaction
 * open across requests while nothing changed (store_sq_reader_get in store_sqlite.c).
 *
 * The page is SQLite's own mapping of "<db>-shm", borrowed through its VFS (xShmMap on a connection
 * of the map's own, kept open until store_sq_walmap_close: the mapping lives while a connection of
 * this process has the database open). Never open the -shm file with a descriptor of our own:
 * closing it would drop every POSIX lock this process holds on the file, SQLite's included (locks
 * belong to the process, not the descriptor). The next process to open the database then finds
 * nobody holding the "dead man switch" lock, takes itself for the first user and truncates the
 * -shm file - and the pages this process has mapped raise SIGBUS. A server read the job store
 * through such a mapping and died that way as soon as a worker process started. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/store_sqlite_int.h"

#define WAL_INDEX_VERSION 3007000u
#define WAL_HDR_WORDS 12       /* 48 bytes */
#define WAL_INDEX_REGION 32768 /* the unix VFS maps the wal-index in regions of this size */

_Static_assert(sizeof(sq_walmark) == WAL_HDR_WORDS * sizeof(uint32_t), "a mark is one header");

struct sq_walmap {
    sqlite3 *pin;                 /* keeps SQLite's mapping alive; never used after open */
    const volatile uint32_t *hdr; /* two copies of the header, WAL_HDR_WORDS words each */
};

int store_sq_walmap_open(store *st, const char *path, sq_walmap **out) {
    *out = NULL;
    sq_walmap *m = calloc(1, sizeof(*m));
    if (!m)
        return RC_ENOMEM;
    /* A read maps the wal-index (region 0 holds the header); xShmMap without extending then hands
     * back that region. */
    sqlite3_file *f = NULL;
    volatile void *region = NULL;
    if (store_sq_open_file(st, path, &m->pin, NULL) != 0 ||
        sqlite3_exec(m->pin, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_file_control(m->pin, "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK || !f ||
        !f->pMethods || f->pMethods->iVersion < 2 || !f->pMethods->xShmMap ||
        f->pMethods->xShmMap(f, 0, WAL_INDEX_REGION, 0, &region) != SQLITE_OK || !region) {
        store_sq_walmap_close(m);
        return RC_ENOENT;
    }
    m->hdr = (const volatile uint32_t *)region;
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
    sqlite3_close(m->pin); /* (SQLite unmaps the wal-index with the process's last connection) */
    free(m);
}
