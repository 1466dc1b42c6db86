/* store_sqlite_ckpt: WAL checkpoints on a background thread instead of inside the committing
 * request.
 *
 * SQLite's automatic checkpoint runs in whichever connection's COMMIT pushes the WAL past 1000
 * pages: that request then copies the WAL into the database and fdatasync()s it (milliseconds), and
 * under load every other writer queues behind it - it made most of the API's p99 latency. Here each
 * connection's WAL hook only wakes a thread that checkpoints on its own connection (PASSIVE, then a
 * short RESTART so the WAL file is reused). If that thread falls far behind, the committing
 * connection checkpoints inline as before, so the WAL stays bounded. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/sqlite/store_sqlite_int.h"
#include "util/log.h"

#define CKPT_WAKE_FRAMES 1000    /* the SQLite default auto-checkpoint threshold */
#define CKPT_INLINE_FRAMES 10000 /* about 40 MB of WAL: checkpoint in the committer after all */
#define CKPT_MIN_GAP_MS 50       /* between two background checkpoints */
#define CKPT_IDLE_MS 1000        /* checkpoint at least this often while frames are pending */
#define CKPT_RESTART_TRIES 40    /* busy retries of RESTART, 50 us apart */

struct sq_checkpointer {
    sqlite3 *db;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    atomic_int pending;
    int stop;
    sq_tick_fn tick; /* NULL: none */
    void *tick_ctx;
    int idle_ticks; /* sweeps since the last checkpoint */
};

static void deadline_in(struct timespec *ts, long ms) {
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* The checkpointer's busy handler: RESTART waits for the writer lock and then for readers to move
 * on, holding off new writers meanwhile, so it may wait only briefly (40 x 50 us). */
static int brief_wait(void *ctx, int count) {
    (void)ctx;
    if (count >= CKPT_RESTART_TRIES)
        return 0;
    struct timespec ts = {0, 50 * 1000L};
    nanosleep(&ts, NULL);
    return 1;
}

static void *checkpoint_loop(void *arg) {
    sq_checkpointer *c = arg;
    pthread_mutex_lock(&c->mu);
    while (!c->stop) {
        struct timespec ts;
        deadline_in(&ts, c->tick ? SQ_SNAPSHOT_MAX_MS : CKPT_IDLE_MS);
        while (!c->stop && !atomic_load(&c->pending))
            if (pthread_cond_timedwait(&c->cv, &c->mu, &ts) != 0)
                break;
        if (c->stop)
            break;
        if (!atomic_load(&c->pending) && c->tick) { /* a sweep only: nothing to checkpoint yet */
            pthread_mutex_unlock(&c->mu);
            c->tick(c->tick_ctx, 0);
            pthread_mutex_lock(&c->mu);
            if (++c->idle_ticks * SQ_SNAPSHOT_MAX_MS < CKPT_IDLE_MS)
                continue;
        }
        c->idle_ticks = 0;
        atomic_store(&c->pending, 0);
        pthread_mutex_unlock(&c->mu);
        if (c->tick) /* idle snapshots of this process would hold the RESTART back */
            c->tick(c->tick_ctx, 1);
        /* PASSIVE copies the bulk without blocking anyone; but the WAL only restarts from the top
         * once it was copied completely, which never happens while writes keep coming, so RESTART
         * then copies the few frames left, holding off writers for that short moment only (it
         * gives up after about 2 ms of waiting and tries again later). */
        int rc = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        if (rc == SQLITE_OK)
            rc = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_RESTART, NULL, NULL);
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
            atomic_store(&c->pending, 1); /* try again after the gap */
        else if (rc != SQLITE_OK)
            log_warn("job store: background checkpoint failed: %s", sqlite3_errmsg(c->db));
        struct timespec gap = {0, CKPT_MIN_GAP_MS * 1000000L};
        nanosleep(&gap, NULL);
        pthread_mutex_lock(&c->mu);
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

int store_sq_checkpointer_start(const char *path, sq_tick_fn tick, void *tick_ctx,
                                sq_checkpointer **out, rc_error *err) {
    *out = NULL;
    sq_checkpointer *c = calloc(1, sizeof(*c));
    if (!c)
        return rc_fail(err, RC_ENOMEM, NULL, "job store: out of memory");
    c->tick = tick;
    c->tick_ctx = tick_ctx;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &c->db, flags, NULL) != SQLITE_OK) {
        int rc = rc_fail(err, RC_EDB, "InternalError", "job store: cannot open \"%s\": %s", path,
                         c->db ? sqlite3_errmsg(c->db) : "out of memory");
        sqlite3_close(c->db);
        free(c);
        return rc;
    }
    /* This connection never writes rows: no automatic checkpoint of its own. It must have read the
     * database once to know it is in WAL mode, else checkpoints are silent no-ops. */
    sqlite3_wal_autocheckpoint(c->db, 0);
    sqlite3_busy_handler(c->db, brief_wait, NULL);
    if (sqlite3_exec(c->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL) != SQLITE_OK) {
        int rc = rc_fail(err, RC_EDB, "InternalError", "job store: cannot open \"%s\": %s", path,
                         sqlite3_errmsg(c->db));
        sqlite3_close(c->db);
        free(c);
        return rc;
    }
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    atomic_init(&c->pending, 0);
    if (pthread_create(&c->thread, NULL, checkpoint_loop, c) != 0) {
        pthread_mutex_destroy(&c->mu);
        pthread_cond_destroy(&c->cv);
        sqlite3_close(c->db);
        free(c);
        return rc_fail(err, RC_EINTERNAL, "InternalError",
                       "job store: cannot start the checkpoint thread");
    }
    *out = c;
    return 0;
}

/* The WAL hook: runs after each commit of an attached connection, with the WAL size in frames. */
static int on_wal_commit(void *ctx, sqlite3 *db, const char *name, int frames) {
    sq_checkpointer *c = ctx;
    if (frames >= CKPT_INLINE_FRAMES) {
        sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        return SQLITE_OK;
    }
    if (frames >= CKPT_WAKE_FRAMES && !atomic_exchange(&c->pending, 1)) {
        pthread_mutex_lock(&c->mu);
        pthread_cond_signal(&c->cv);
        pthread_mutex_unlock(&c->mu);
    }
    return SQLITE_OK;
}

void store_sq_checkpointer_attach(sq_checkpointer *c, sqlite3 *db) {
    if (c)
        sqlite3_wal_hook(db, on_wal_commit, c);
}

void store_sq_checkpointer_stop(sq_checkpointer *c) {
    if (!c)
        return;
    pthread_mutex_lock(&c->mu);
    c->stop = 1;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->thread, NULL);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    sqlite3_close(c->db);
    free(c);
}
