/* keys: the access keys the service accepts, kept in a JSON keys file (mode 0600). */
#ifndef REELCUT_KEYS_H
#define REELCUT_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "util/rc.h"

#define KEYS_ID_MAX 64
#define KEYS_SECRET_MAX 128
#define KEYS_DEFAULT_USER_ID 1000

typedef struct keys_entry {
    char access_key_id[KEYS_ID_MAX + 1];
    char secret[KEYS_SECRET_MAX + 1];
    uint64_t user_id;
    int enabled;
} keys_entry;

typedef struct keys_set {
    keys_entry *items;
    size_t n;
} keys_set;

/* Loads the keys file: a JSON array of {"AccessKeyId","AccessKeySecret","UserId","Enabled"}.
 * A missing file gives an empty set (returns 0). Errors name the file. Free with keys_free(). */
int keys_load(const char *path, keys_set *out, rc_error *err);
void keys_free(keys_set *set);

/* Finds a key by id; NULL if unknown. */
const keys_entry *keys_find(const keys_set *set, const char *access_key_id);

/* Makes a new random key pair for user_id, appends it to the file (created with mode 0600,
 * rewritten atomically) and returns it in out. */
int keys_create(const char *path, uint64_t user_id, keys_entry *out, rc_error *err);

#endif
