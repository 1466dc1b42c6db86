/* ids: random identifiers - JobId/MediaId (32 lowercase hex) and RequestId (upper-case UUID). */
#ifndef REELCUT_IDS_H
#define REELCUT_IDS_H

#include <stddef.h>
#include <stdint.h>

#define IDS_HEX_LEN 32
#define IDS_UUID_LEN 36

/* Fills out (>= 33 bytes) with 128 random bits as lowercase hex. Returns 0 or RC_EINTERNAL. */
int ids_hex128(char out[IDS_HEX_LEN + 1]);
/* Like ids_hex128, but the first 12 digits are unix_ms (48 bits) and the other 20 random (80
 * bits), as in a UUIDv7: ids made later sort later, so a database index of them grows at its end
 * (one page touched per batch of new jobs) instead of at a random page per id. */
int ids_hex128_ordered(int64_t unix_ms, char out[IDS_HEX_LEN + 1]);
/* Fills out (>= 37 bytes) with a random RFC 4122 version-4 UUID in upper case. */
int ids_uuid(char out[IDS_UUID_LEN + 1]);
/* Fills buf with n cryptographically random bytes from the kernel's getrandom(), buffered per
 * thread (forks start afresh). Returns 0; the int stays for callers written against getrandom(). */
int ids_random_bytes(void *buf, size_t n);
/* The value of one hex digit (either case), or -1 for any other character. */
int ids_hex_value(unsigned char c);
/* Lowercase hex of n bytes into out (2n+1 bytes). */
void ids_to_hex(const unsigned char *in, size_t n, char *out);

#endif
