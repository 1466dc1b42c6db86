/* store_nonce_table: the replay-nonce set of the SQLite backend, as a hash table in a file that
 * every process on the data dir maps (MAP_SHARED), in front of the nonce database.
 *
 * Why: recording a nonce as an SQLite write transaction cost ~20 us and serialised the HTTP
 * threads on one write lock, on every signed request (bench/api/README.md). A record here is one
 * SHA-256, one uncontended futex lock and a 512-byte bucket scan.
 *
 * Layout: a 4 KiB header, then nbuckets buckets of 512 bytes (one lock, a spill mark, 14 slots).
 * A slot holds the first 16 bytes of SHA-256(AccessKeyId NUL nonce) and its expiry; a slot whose
 * expiry has passed is free. A key belongs to exactly one bucket (no probing), so the bucket's
 * lock makes check-and-record atomic across threads and processes. The locks are robust
 * process-shared mutexes: a process killed while holding one (kill -9) hands it on to the next
 * locker. The header keeps the boot id: after a reboot no lock can still be held, so the first
 * opener re-initialises them (a lock word left "held" by a pre-reboot process would deadlock).
 *
 * A full bucket spills to the caller's durable store (the nonce database): the bucket's spill mark
 * is raised to the spilled nonce's expiry, and while it lies in the future every use of that bucket
 * goes to the durable store under the bucket's lock. So a live nonce is always either in its
 * bucket or in the durable store with the bucket marked, and a replay is found either way.
 *
 * Durability: the file is written back by the kernel; a record survives a crash of reelcut at once
 * (the pages belong to the kernel), and a power cut may forget the last seconds of records - the
 * same exposure as the SQLite store's synchronous=NORMAL commits (docs/DESIGN.md, Persistence). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "store/store_nonce_table.h"
#include "util/digest.h"
#include "util/log.h"

#define NT_MAGIC "RCNONCE1"
#define NT_HEADER 4096
#define NT_BUCKET 512
#define NT_SLOTS 14
#define NT_BOOT_ID 64

typedef struct {
    unsigned char key[16];
    int64_t expires_at; /* Unix s; <= now: free */
    int64_t reserved;
} nt_slot;

typedef struct {
    pthread_mutex_t mu;
    int64_t spill_until; /* a nonce of this bucket may be in the durable store until then */
    unsigned char pad[64 - sizeof(pthread_mutex_t) - sizeof(int64_t)];
    nt_slot slot[NT_SLOTS];
} nt_bucket;

typedef struct {
    char magic[8];
    uint32_t version, bucket_size;
    uint64_t nbuckets;
    char boot_id[NT_BOOT_ID]; /* of the boot whose processes initialised the locks */
} nt_header;

_Static_assert(sizeof(nt_bucket) == NT_BUCKET, "a bucket is 512 bytes");
_Static_assert(sizeof(nt_header) <= NT_HEADER, "the header fits its page");

struct store_nonce_table {
    unsigned char *map;
    size_t map_len;
    uint64_t nbuckets;
};

/* The kernel's id of this boot, or "" if unknown (then locks are never re-initialised). */
static void read_boot_id(char out[NT_BOOT_ID]) {
    memset(out, 0, NT_BOOT_ID);
    FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
    if (!f)
        return;
    if (!fgets(out, NT_BOOT_ID, f))
        out[0] = '\0';
    fclose(f);
    out[strcspn(out, "\n")] = '\0';
}

static int init_lock(pthread_mutex_t *mu) {
    pthread_mutexattr_t a;
    int rc = pthread_mutexattr_init(&a);
    if (rc == 0)
        rc = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    if (rc == 0)
        rc = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    if (rc == 0)
        rc = pthread_mutex_init(mu, &a);
    pthread_mutexattr_destroy(&a);
    return rc;
}

static nt_bucket *bucket_at(const store_nonce_table *t, uint64_t i) {
    return (nt_bucket *)(t->map + NT_HEADER + i * NT_BUCKET);
}

/* Sets up a fresh or post-reboot table (caller holds the file's flock). fresh: empty slots, and
 * spill marks at spill_until (the durable store's newest live record, so none is missed). */
static int init_table(store_nonce_table *t, nt_header *h, const char *boot_id, int fresh,
                      int64_t spill_until) {
    for (uint64_t i = 0; i < t->nbuckets; i++) {
        nt_bucket *b = bucket_at(t, i);
        if (fresh) {
            memset(b, 0, sizeof(*b));
            b->spill_until = spill_until;
        }
        if (init_lock(&b->mu))
            return -1;
    }
    memcpy(h->boot_id, boot_id, NT_BOOT_ID);
    if (fresh) {
        h->version = 1;
        h->bucket_size = NT_BUCKET;
        h->nbuckets = t->nbuckets;
        atomic_thread_fence(memory_order_release);
        memcpy(h->magic, NT_MAGIC, sizeof(h->magic));
    }
    return msync(t->map, NT_HEADER, MS_SYNC);
}

#define NT_MIN_BUCKETS 2040 /* about 1 MiB: the smallest table worth having (28k live nonces) */

/* Gives the file real blocks for its first len bytes. A store through a shared mapping into a hole
 * that the filesystem cannot fill is a SIGBUS, not an error: so every block the table will ever
 * write is allocated here, where running out of space is an errno. Returns 0 or an errno. */
static int reserve_blocks(int fd, size_t len) {
    int e = posix_fallocate(fd, 0, (off_t)len);
    return e == EINTR ? posix_fallocate(fd, 0, (off_t)len) : e;
}

/* Sizes a fresh table (caller holds the flock; no process uses the file): *nbuckets if it takes at
 * most a quarter of the filesystem's free space and the blocks can be had, else halves it down to
 * NT_MIN_BUCKETS (the table is a cache in
 * front of the nonce database: a smaller one only spills sooner). Returns 0 or RC_EDB with a
 * message saying how much room there was. */
static int reserve_fresh(int fd, const char *path, uint64_t *nbuckets, rc_error *err) {
    uint64_t n = *nbuckets;
    struct statvfs vfs;
    /* (at most a quarter of the free space: the job and nonce databases live beside it) */
    if (fstatvfs(fd, &vfs) == 0)
        while (n > NT_MIN_BUCKETS &&
               NT_HEADER + n * NT_BUCKET > (uint64_t)vfs.f_bavail * vfs.f_frsize / 4)
            n = n / 2 > NT_MIN_BUCKETS ? n / 2 : NT_MIN_BUCKETS;
    for (;;) {
        /* (a half-written file's blocks and content go first: it is rebuilt from nothing) */
        if (ftruncate(fd, 0) != 0)
            return rc_fail(err, RC_EDB, "InternalError", "job store: nonce table \"%s\": size: %s",
                           path, strerror(errno));
        int e = reserve_blocks(fd, NT_HEADER + n * NT_BUCKET);
        if (e == 0)
            break;
        if ((e != ENOSPC && e != EDQUOT) || n <= NT_MIN_BUCKETS) {
            unsigned long long free_mb =
                fstatvfs(fd, &vfs) == 0 ? (unsigned long long)vfs.f_bavail * vfs.f_frsize >> 20 : 0;
            ftruncate(fd, 0);
            return rc_fail(err, RC_EDB, "InternalError",
                           "job store: cannot reserve %llu MiB for the nonce table \"%s\" (%s; %llu"
                           " MiB free there): free some space or lower store.nonce_table_mb",
                           (unsigned long long)((NT_HEADER + n * NT_BUCKET) >> 20), path,
                           strerror(e), free_mb);
        }
        n = n / 2 > NT_MIN_BUCKETS ? n / 2 : NT_MIN_BUCKETS;
    }
    if (n != *nbuckets)
        log_warn("job store: too little free space for a %llu MiB nonce table: \"%s\" is %llu MiB",
                 (unsigned long long)((NT_HEADER + *nbuckets * NT_BUCKET) >> 20), path,
                 (unsigned long long)((NT_HEADER + n * NT_BUCKET) >> 20));
    *nbuckets = n;
    return 0;
}

int store_nonce_table_open(const char *path, size_t size_bytes, int64_t spill_until,
                           store_nonce_table **out, rc_error *err) {
    *out = NULL;
    store_nonce_table *t = calloc(1, sizeof(*t));
    if (!t)
        return rc_fail(err, RC_ENOMEM, NULL, "job store: out of memory");
    uint64_t want = size_bytes > NT_HEADER + NT_BUCKET ? (size_bytes - NT_HEADER) / NT_BUCKET : 1;
    char boot_id[NT_BOOT_ID];
    read_boot_id(boot_id);
    int fd = -1, rc = 0;
    const char *what = "map";
    if (!path) {
        t->nbuckets = want;
        t->map_len = NT_HEADER + want * NT_BUCKET;
        t->map = mmap(NULL, t->map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (t->map == MAP_FAILED) {
            t->map = NULL;
            goto fail;
        }
        if (init_table(t, (nt_header *)t->map, boot_id, 1, spill_until))
            goto fail;
        *out = t;
        return 0;
    }
    what = "open";
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        goto fail;
    what = "lock";
    if (flock(fd, LOCK_EX) != 0)
        goto fail;
    struct stat sb;
    what = "stat";
    if (fstat(fd, &sb) != 0)
        goto fail;
    nt_header hdr;
    memset(&hdr, 0, sizeof(hdr));
    int fresh = 1;
    if (sb.st_size >= NT_HEADER) {
        what = "read";
        if (pread(fd, &hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr))
            goto fail;
        fresh = memcmp(hdr.magic, NT_MAGIC, sizeof(hdr.magic)) != 0;
        if (!fresh && (hdr.version != 1 || hdr.bucket_size != NT_BUCKET || hdr.nbuckets == 0 ||
                       (uint64_t)sb.st_size < NT_HEADER + hdr.nbuckets * NT_BUCKET)) {
            rc = rc_fail(err, RC_EDB, "InternalError",
                         "job store: nonce table \"%s\" is damaged (move it away while reelcut"
                         " is stopped)",
                         path);
            goto out;
        }
    }
    if (!fresh && hdr.nbuckets != want)
        log_info("job store: nonce table \"%s\" keeps its size of %llu MiB", path,
                 (unsigned long long)((NT_HEADER + hdr.nbuckets * NT_BUCKET) >> 20));
    t->nbuckets = fresh ? want : hdr.nbuckets;
    if (fresh) {
        /* (no magic: new, or its maker died before finishing it - either way built anew) */
        rc = reserve_fresh(fd, path, &t->nbuckets, err);
        if (rc)
            goto out;
    }
    t->map_len = NT_HEADER + t->nbuckets * NT_BUCKET;
    if (!fresh) { /* (a complete table has its blocks; one copied sparse gets them now) */
        int e = reserve_blocks(fd, t->map_len);
        if (e) {
            rc = rc_fail(err, RC_EDB, "InternalError",
                         "job store: nonce table \"%s\": cannot reserve its %llu MiB: %s", path,
                         (unsigned long long)(t->map_len >> 20), strerror(e));
            goto out;
        }
    }
    what = "map";
    t->map = mmap(NULL, t->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (t->map == MAP_FAILED) {
        t->map = NULL;
        goto fail;
    }
    what = "initialise";
    /* (an unknown boot id never resets locks another process may hold) */
    if ((fresh || (boot_id[0] && strcmp(hdr.boot_id, boot_id) != 0)) &&
        init_table(t, (nt_header *)t->map, boot_id, fresh, spill_until))
        goto fail;
    goto out;
fail:
    rc = rc_fail(err, RC_EDB, "InternalError", "job store: nonce table \"%s\": %s: %s",
                 path ? path : "(memory)", what, strerror(errno));
out:
    if (fd >= 0) { /* the mapping keeps the open file, and with it the flock: unlock first */
        flock(fd, LOCK_UN);
        close(fd);
    }
    if (rc) {
        store_nonce_table_close(t);
        return rc;
    }
    *out = t;
    return 0;
}

void store_nonce_table_close(store_nonce_table *t) {
    if (!t)
        return;
    if (t->map)
        munmap(t->map, t->map_len);
    free(t);
}

static int lock_bucket(nt_bucket *b) {
    int rc = pthread_mutex_lock(&b->mu);
    if (rc == EOWNERDEAD) { /* its holder died mid-update: at worst one slot is half-written */
        log_warn("job store: a process died holding a nonce table lock; recovered");
        rc = pthread_mutex_consistent(&b->mu);
        if (rc)
            pthread_mutex_unlock(&b->mu);
    }
    return rc;
}

int store_nonce_table_key(const char *access_key_id, const char *nonce,
                          unsigned char key[STORE_NONCE_KEY_LEN]) {
    unsigned char md[DIGEST_SHA256_LEN];
    digest_sha256_ctx c;
    digest_sha256_init(&c);
    digest_sha256_update(&c, access_key_id, strlen(access_key_id) + 1); /* + NUL */
    digest_sha256_update(&c, nonce, strlen(nonce));
    if (digest_sha256_final(&c, md))
        return RC_EINTERNAL;
    memcpy(key, md, STORE_NONCE_KEY_LEN);
    return 0;
}

int store_nonce_table_use(store_nonce_table *t, const unsigned char key[STORE_NONCE_KEY_LEN],
                          int64_t now, int64_t expires_at, store_nonce_spill_fn spill, void *ctx) {
    uint64_t h;
    memcpy(&h, key, sizeof(h));
    nt_bucket *b = bucket_at(t, h % t->nbuckets);
    if (lock_bucket(b))
        return RC_EINTERNAL;
    int rc = 0;
    nt_slot *free_slot = NULL;
    for (int i = 0; i < NT_SLOTS; i++) {
        nt_slot *s = &b->slot[i];
        if (s->expires_at <= now) {
            if (!free_slot)
                free_slot = s;
        } else if (memcmp(s->key, key, STORE_NONCE_KEY_LEN) == 0) {
            rc = RC_EEXIST;
            goto out;
        }
    }
    /* Past the mark, the durable store may hold this bucket's nonces: it decides (and records). */
    if (b->spill_until > now || (!free_slot && expires_at > now)) {
        rc = spill(ctx);
        if (rc == 0 && b->spill_until < expires_at)
            b->spill_until = expires_at;
        goto out;
    }
    if (expires_at <= now) /* already expired: checked, not kept */
        goto out;
    free_slot->expires_at = 0; /* a half-written slot must not look live */
    memcpy(free_slot->key, key, STORE_NONCE_KEY_LEN);
    free_slot->expires_at = expires_at;
out:
    pthread_mutex_unlock(&b->mu);
    return rc;
}

int store_nonce_table_clear(store_nonce_table *t) {
    for (uint64_t i = 0; i < t->nbuckets; i++) {
        nt_bucket *b = bucket_at(t, i);
        if (lock_bucket(b))
            return RC_EINTERNAL;
        memset(b->slot, 0, sizeof(b->slot));
        b->spill_until = 0;
        pthread_mutex_unlock(&b->mu);
    }
    return 0;
}

size_t store_nonce_table_capacity(const store_nonce_table *t) {
    return (size_t)t->nbuckets * NT_SLOTS;
}
