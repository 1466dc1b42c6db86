#include "api/sign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "api/errors.h"
#include "api/sign_internal.h"
#include "util/digest.h"
#include "util/ids.h"

#define ACS3_ALGORITHM "ACS3-HMAC-SHA256"

const char *api_header_get(const api_request_view *req, const char *name) {
    for (size_t i = 0; i < req->header_count; i++)
        if (req->headers[i].name && strcasecmp(req->headers[i].name, name) == 0)
            return req->headers[i].value ? req->headers[i].value : "";
    return NULL;
}

int api_sha256_hex(const void *data, size_t len, char out[API_SHA256_HEX_LEN + 1]) {
    unsigned char md[DIGEST_SHA256_LEN];
    if (digest_sha256(data, len, md))
        return RC_EINTERNAL;
    ids_to_hex(md, sizeof(md), out);
    return 0;
}

int api_sign_hmac_sha256_hex(const char *key, const char *data, size_t len,
                             char out[API_SHA256_HEX_LEN + 1]) {
    unsigned char md[API_SHA256_LEN];
    if (digest_hmac_sha256(key, strlen(key), data, len, md))
        return RC_EINTERNAL;
    ids_to_hex(md, sizeof(md), out);
    OPENSSL_cleanse(md, sizeof(md));
    return 0;
}

/* A trimmed header value, for sorting repeated headers. */
typedef struct span {
    const char *p;
    size_t n;
} span;

static int span_cmp(const void *a, const void *b) {
    const span *x = a, *y = b;
    size_t n = x->n < y->n ? x->n : y->n;
    int c = memcmp(x->p, y->p, n);
    if (c)
        return c;
    return x->n < y->n ? -1 : x->n > y->n;
}

static span trim(const char *s) {
    size_t n = strlen(s);
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return (span){s, n};
}

int api_sign_header_value(const api_request_view *req, const char *lname, buf *out) {
    size_t found = 0;
    span one = {0};
    for (size_t i = 0; i < req->header_count; i++) {
        if (req->headers[i].name && strcasecmp(req->headers[i].name, lname) == 0) {
            if (!found)
                one = trim(req->headers[i].value ? req->headers[i].value : "");
            found++;
        }
    }
    if (!found)
        return 0;
    if (found == 1)
        return buf_append(out, one.p, one.n) ? RC_ETOOBIG : 1;
    span *all = calloc(found, sizeof(*all));
    if (!all)
        return RC_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < req->header_count; i++)
        if (req->headers[i].name && strcasecmp(req->headers[i].name, lname) == 0)
            all[k++] = trim(req->headers[i].value ? req->headers[i].value : "");
    if (found > 1)
        qsort(all, found, sizeof(*all), span_cmp);
    int rc = 0;
    for (size_t i = 0; i < found && !rc; i++) {
        rc = i ? buf_append(out, ",", 1) : 0;
        if (!rc)
            rc = buf_append(out, all[i].p, all[i].n);
    }
    free(all);
    return rc ? rc : 1;
}

/* One encoded pair "ENC(name)=ENC(value)"; name_len bytes of text are the encoded name. */
typedef struct enc_pair {
    char *text;
    size_t name_len;
    size_t len;
} enc_pair;

static int pair_cmp(const void *a, const void *b) {
    const enc_pair *x = a, *y = b;
    span xn = {x->text, x->name_len}, yn = {y->text, y->name_len};
    int c = span_cmp(&xn, &yn);
    if (c)
        return c;
    span xv = {x->text + x->name_len + 1, x->len - x->name_len - 1};
    span yv = {y->text + y->name_len + 1, y->len - y->name_len - 1};
    return span_cmp(&xv, &yv);
}

int api_sign_canonical_params(const api_param *items, size_t n, const char *skip, buf *out) {
    int rc = 0;
    size_t count = 0;
    enc_pair *pairs = n ? calloc(n, sizeof(*pairs)) : NULL;
    if (n && !pairs)
        return RC_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (skip && strcmp(items[i].name, skip) == 0 && strlen(skip) == items[i].name_len)
            continue;
        buf b;
        buf_init(&b, out->max);
        rc = api_enc(items[i].name, items[i].name_len, &b);
        size_t name_len = b.len;
        if (!rc)
            rc = buf_append(&b, "=", 1);
        if (!rc)
            rc = api_enc(items[i].value, items[i].value_len, &b);
        pairs[count].name_len = name_len;
        pairs[count].len = b.len;
        pairs[count].text = rc ? NULL : buf_detach(&b);
        buf_free(&b);
        if (!rc && !pairs[count].text)
            rc = RC_ENOMEM;
        if (rc)
            goto out;
        count++;
    }
    if (count > 1)
        qsort(pairs, count, sizeof(*pairs), pair_cmp);
    for (size_t i = 0; i < count && !rc; i++) {
        rc = i ? buf_append(out, "&", 1) : 0;
        if (!rc)
            rc = buf_append(out, pairs[i].text, pairs[i].len);
    }
out:
    for (size_t i = 0; i < count; i++)
        free(pairs[i].text);
    free(pairs);
    return rc;
}

int api_sign_acs3_canonical(const api_request_view *req, const api_param *items, size_t n,
                            const char *signed_headers, const char *content_sha256, buf *out,
                            rc_error *err) {
    /* buf_puts, not buf_printf: this runs on every request, and printf is slow here (libquadmath,
     * loaded through libavfilter, registers printf hooks, sending glibc down its positional path).
     */
    int rc = buf_puts(out, req->method);
    if (!rc)
        rc = buf_append(out, "\n", 1);
    if (!rc)
        rc = buf_puts(out, req->path);
    if (!rc)
        rc = buf_append(out, "\n", 1);
    if (!rc)
        rc = api_sign_canonical_params(items, n, NULL, out);
    if (!rc)
        rc = buf_append(out, "\n", 1);
    const char *p = signed_headers;
    while (!rc && *p) {
        const char *semi = strchr(p, ';');
        size_t len = semi ? (size_t)(semi - p) : strlen(p);
        char lname[128];
        if (len == 0 || len >= sizeof(lname))
            return api_fail(err, API_ERR_INCOMPLETE_SIGNATURE, NULL);
        memcpy(lname, p, len);
        lname[len] = '\0';
        rc = buf_append(out, lname, len);
        if (!rc)
            rc = buf_append(out, ":", 1);
        if (rc)
            break;
        rc = api_sign_header_value(req, lname, out);
        if (rc == 0)
            return api_fail(err, API_ERR_INCOMPLETE_SIGNATURE, NULL);
        rc = rc < 0 ? rc : buf_append(out, "\n", 1);
        p += len + (semi ? 1 : 0);
    }
    if (!rc)
        rc = buf_append(out, "\n", 1);
    if (!rc)
        rc = buf_puts(out, signed_headers);
    if (!rc)
        rc = buf_append(out, "\n", 1);
    if (!rc)
        rc = buf_puts(out, content_sha256);
    if (rc)
        api_fail(err, rc == RC_ETOOBIG ? API_ERR_TOO_LARGE : API_ERR_INTERNAL, NULL);
    return rc;
}

int api_acs3_canonical_request(const api_request_view *req, const char *signed_headers,
                               const char *content_sha256, buf *out, rc_error *err) {
    api_params q;
    api_params_init(&q);
    int rc =
        api_params_parse(req->query ? req->query : "", req->query ? req->query_len : 0, &q, err);
    if (!rc)
        rc = api_sign_acs3_canonical(req, q.items, q.count, signed_headers, content_sha256, out,
                                     err);
    api_params_free(&q);
    return rc;
}

int api_acs3_string_to_sign(const char *canonical_request, size_t len, buf *out) {
    char hex[API_SHA256_HEX_LEN + 1];
    int rc = api_sha256_hex(canonical_request, len, hex);
    if (!rc)
        rc = buf_puts(out, ACS3_ALGORITHM "\n");
    return rc ? rc : buf_puts(out, hex);
}

static int signed_name(const char *name) {
    return strcasecmp(name, "host") == 0 || strcasecmp(name, "content-type") == 0 ||
           strncasecmp(name, "x-acs-", 6) == 0;
}

static int cstr_cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends the lower-cased, sorted, de-duplicated names the official client signs. */
static int build_signed_headers(const api_request_view *req, buf *out) {
    int rc = 0;
    size_t n = 0;
    char **names = calloc(req->header_count ? req->header_count : 1, sizeof(*names));
    if (!names)
        return RC_ENOMEM;
    for (size_t i = 0; i < req->header_count; i++) {
        if (!req->headers[i].name || !signed_name(req->headers[i].name))
            continue;
        names[n] = strdup(req->headers[i].name);
        if (!names[n]) {
            rc = RC_ENOMEM;
            goto out;
        }
        for (char *c = names[n]; *c; c++)
            if (*c >= 'A' && *c <= 'Z')
                *c = (char)(*c - 'A' + 'a');
        n++;
    }
    if (n > 1)
        qsort(names, n, sizeof(*names), cstr_cmp);
    for (size_t i = 0; i < n && !rc; i++) {
        if (i && strcmp(names[i], names[i - 1]) == 0)
            continue;
        rc = out->len ? buf_append(out, ";", 1) : 0;
        if (!rc)
            rc = buf_puts(out, names[i]);
    }
out:
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

void api_acs3_signature_free(api_acs3_signature *s) {
    free(s->signed_headers);
    free(s->canonical_request);
    free(s->string_to_sign);
    free(s->authorization);
    memset(s, 0, sizeof(*s));
}

int api_sign_acs3(const api_request_view *req, const char *access_key_id, const char *secret,
                  api_acs3_signature *out, rc_error *err) {
    memset(out, 0, sizeof(*out));
    buf names, sha, cr, sts, auth;
    buf_init(&names, 0);
    buf_init(&sha, 0);
    buf_init(&cr, 0);
    buf_init(&sts, 0);
    buf_init(&auth, 0);
    int rc = build_signed_headers(req, &names);
    if (rc)
        goto out;
    rc = api_sign_header_value(req, "x-acs-content-sha256", &sha);
    if (rc <= 0) {
        rc = rc ? rc : api_fail(err, API_ERR_INCOMPLETE_SIGNATURE, NULL);
        goto out;
    }
    rc = api_acs3_canonical_request(req, names.data ? names.data : "", sha.data, &cr, err);
    if (!rc)
        rc = api_acs3_string_to_sign(cr.data, cr.len, &sts);
    if (!rc)
        rc = api_sign_hmac_sha256_hex(secret, sts.data, sts.len, out->signature);
    if (!rc)
        rc = buf_printf(&auth, ACS3_ALGORITHM " Credential=%s,SignedHeaders=%s,Signature=%s",
                        access_key_id, names.data ? names.data : "", out->signature);
    if (rc)
        goto out;
    out->signed_headers = buf_detach(&names);
    out->canonical_request = buf_detach(&cr);
    out->string_to_sign = buf_detach(&sts);
    out->authorization = buf_detach(&auth);
    if (!out->signed_headers || !out->canonical_request || !out->string_to_sign ||
        !out->authorization)
        rc = RC_ENOMEM;
out:
    if (rc) {
        api_acs3_signature_free(out);
        api_fail(err, API_ERR_INTERNAL, NULL);
    }
    buf_free(&names);
    buf_free(&sha);
    buf_free(&cr);
    buf_free(&sts);
    buf_free(&auth);
    return rc;
}

int api_rpc_canonicalized(const api_params *params, buf *out) {
    return api_sign_canonical_params(params->items, params->count, "Signature", out);
}

int api_rpc_string_to_sign(const char *method, const api_params *params, buf *out) {
    buf canon;
    buf_init(&canon, out->max);
    int rc = api_rpc_canonicalized(params, &canon);
    if (!rc)
        rc = buf_printf(out, "%s&%%2F&", method);
    if (!rc)
        rc = api_enc(canon.data ? canon.data : "", canon.len, out);
    buf_free(&canon);
    return rc;
}

int api_sign_rpc(const char *method, const api_params *params, const char *secret,
                 char out[API_RPC_SIGNATURE_LEN + 1]) {
    buf sts, key;
    buf_init(&sts, 0);
    buf_init(&key, 0);
    unsigned char md[API_SHA1_LEN];
    unsigned int md_len = 0;
    int rc = api_rpc_string_to_sign(method, params, &sts);
    if (!rc)
        rc = buf_printf(&key, "%s&", secret);
    if (rc)
        goto out;
    if (!HMAC(EVP_sha1(), key.data, (int)key.len, (const unsigned char *)sts.data, sts.len, md,
              &md_len)) {
        rc = RC_EINTERNAL;
        goto out;
    }
    EVP_EncodeBlock((unsigned char *)out, md, (int)md_len);
out:
    if (key.data)
        OPENSSL_cleanse(key.data, key.len);
    buf_free(&key);
    buf_free(&sts);
    return rc;
}
