/* sign_internal: helpers shared by sign.c (canonical forms, client signing) and sign_verify.c. */
#ifndef REELCUT_API_SIGN_INTERNAL_H
#define REELCUT_API_SIGN_INTERNAL_H

#include <stddef.h>

#include "api/params.h"
#include "api/sign.h"
#include "util/buf.h"

#define API_SHA256_LEN 32
#define API_SHA1_LEN 20

/* Appends the canonical value of header lname (lower-case) to out: every occurrence's value trimmed
 * of outer spaces/tabs, sorted byte-wise, joined with ','. Returns 1 when the header is present, 0
 * when absent (out unchanged), or a negative rc. */
int api_sign_header_value(const api_request_view *req, const char *lname, buf *out);

/* Appends ENC(name)=ENC(value) of items[0..n) sorted by ENC(name) then ENC(value), joined by '&',
 * to out; a parameter named skip (may be NULL) is left out. Returns 0 or a negative rc. */
int api_sign_canonical_params(const api_param *items, size_t n, const char *skip, buf *out);

/* Appends the ACS3 CanonicalRequest for a query already decoded into items[0..n). Returns 0, or a
 * negative rc with err IncompleteSignature when a header of signed_headers is absent. */
int api_sign_acs3_canonical(const api_request_view *req, const api_param *items, size_t n,
                            const char *signed_headers, const char *content_sha256, buf *out,
                            rc_error *err);

/* HEX(HMAC-SHA256(key, data)) into out. Returns 0 or RC_EINTERNAL. */
int api_sign_hmac_sha256_hex(const char *key, const char *data, size_t len,
                             char out[API_SHA256_HEX_LEN + 1]);

#endif
