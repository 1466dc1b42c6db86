/* store_nonce_table: a replay-nonce set shared by every process on a data dir (a mapped file). */
#ifndef REELCUT_STORE_NONCE_TABLE_H
#define REELCUT_STORE_NONCE_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "util/rc.h"

#define STORE_NONCE_KEY_LEN 16

typedef struct store_nonce_table store_nonce_table;

/* Records the nonce in the durable store (called with the nonce's bucket locked, so no other
 * thread or process decides on that bucket meanwhile). Returns 0 if it was new, RC_EEXIST if it is
 * live there, another negative RC_E* on failure. */
typedef int (*store_nonce_spill_fn)(void *ctx);

/* Maps the table file at path (created 0600 with about size_bytes when missing, empty or left
 * half-written by a process that died building it; an existing table keeps its size), or anonymous
 * memory when path is NULL. Every block of the file is allocated (posix_fallocate) before it is
 * mapped, so a full filesystem is an error here and never a SIGBUS later; a new table that does not
 * fit is made smaller, down to about 1 MiB, with a warning. A table created here starts with every
 * bucket's spill mark at spill_until: pass the expiry of the durable store's newest live record (0
 * if none), so records made before the table existed are still found. Returns 0, or RC_EDB (naming
 * the file: a damaged header, no room for even the smallest table) / RC_ENOMEM with err set. */
int store_nonce_table_open(const char *path, size_t size_bytes, int64_t spill_until,
                           store_nonce_table **out, rc_error *err);
/* Unmaps; NULL is a no-op. Records stay in the file. */
void store_nonce_table_close(store_nonce_table *t);

/* The table key of (access_key_id, nonce): the first 16 bytes of SHA-256(id NUL nonce). Returns
 * 0, or RC_EINTERNAL if OpenSSL fails (out of memory). */
int store_nonce_table_key(const char *access_key_id, const char *nonce,
                          unsigned char key[STORE_NONCE_KEY_LEN]);

/* Checks and records key until expires_at (Unix s), atomically across threads and processes:
 * 0 the first time, RC_EEXIST while a record is live (expires_at > now). A record that would be
 * expired already is checked, not kept. When the key's bucket is full of live records, or has
 * spilled before and that spill may still be live, spill(ctx) decides instead and its result is
 * returned. RC_EINTERNAL if the bucket lock fails. */
int store_nonce_table_use(store_nonce_table *t, const unsigned char key[STORE_NONCE_KEY_LEN],
                          int64_t now, int64_t expires_at, store_nonce_spill_fn spill, void *ctx);

/* Forgets every record (tests replaying vectors). Returns 0 or RC_EINTERNAL. */
int store_nonce_table_clear(store_nonce_table *t);

/* How many records fit without spilling (when keys spread evenly). */
size_t store_nonce_table_capacity(const store_nonce_table *t);

#endif
