/* The server side of sign.h: api_authenticate() and its checks, in the order of API.md §2.5. */
#include "api/sign.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "api/errors.h"
#include "api/sign_internal.h"
#include "util/timeutil.h"

#define ACS3_ALGORITHM "ACS3-HMAC-SHA256"
#define FORM_TYPE "application/x-www-form-urlencoded"
#define SIGNED_HEADERS_MAX 4096

/* The parsed Authorization header and the canonical values of the headers the checks need. */
typedef struct acs3_request {
    char algorithm[32];
    buf credential;
    buf signed_headers;
    char signature[API_SHA256_HEX_LEN + 1];
    buf action, version, date, nonce, content_sha256;
} acs3_request;

void api_auth_result_init(api_auth_result *r) {
    memset(r, 0, sizeof(*r));
    api_params_init(&r->params);
}

void api_auth_result_free(api_auth_result *r) {
    api_params_free(&r->params);
    api_auth_result_init(r);
}

/* True when the content type is x-www-form-urlencoded, with optional parameters (charset...). */
static bool is_form_type(const char *ct) {
    while (*ct == ' ' || *ct == '\t')
        ct++;
    size_t n = strlen(FORM_TYPE);
    if (strncasecmp(ct, FORM_TYPE, n) != 0)
        return false;
    ct += n;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    return *ct == '\0' || *ct == ';';
}

/* Step 3: query, then body, into out->params. */
static int parse_params(const api_request_view *req, api_auth_result *out, rc_error *err) {
    int rc = api_params_parse(req->query ? req->query : "", req->query ? req->query_len : 0,
                              &out->params, err);
    if (rc)
        return rc;
    out->query_count = out->params.count;
    if (req->body_len == 0)
        return 0;
    const char *ct = api_header_get(req, "content-type");
    if (!ct || !is_form_type(ct)) {
        char shown[65];
        snprintf(shown, sizeof(shown), "%s", ct ? ct : "");
        return api_fail(err, API_ERR_INVALID_PARAMETER,
                        "Content-Type \"%s\" is not supported for a request body: use " FORM_TYPE,
                        shown);
    }
    return api_params_parse(req->body, req->body_len, &out->params, err);
}

static int copy_limited(char *dst, size_t cap, const char *src, size_t len) {
    if (len >= cap)
        return -1;
    memcpy(dst, src, len);
    dst[len] = '\0';
    return 0;
}

static bool is_lower_hex(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

/* Parses "<alg> Credential=..,SignedHeaders=..,Signature=.." (spaces after commas tolerated).
 * Returns 0 or -1 when malformed. */
static int parse_authorization(const char *value, acs3_request *a) {
    while (*value == ' ')
        value++;
    const char *sp = strchr(value, ' ');
    if (!sp || copy_limited(a->algorithm, sizeof(a->algorithm), value, (size_t)(sp - value)))
        return -1;
    const char *p = sp + 1;
    bool have_sig = false;
    while (*p) {
        while (*p == ' ')
            p++;
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        while (len && p[len - 1] == ' ')
            len--;
        const char *eq = memchr(p, '=', len);
        if (!eq)
            return -1;
        size_t klen = (size_t)(eq - p), vlen = len - klen - 1;
        const char *v = eq + 1;
        if (vlen == 0)
            return -1;
        if (klen == 10 && memcmp(p, "Credential", 10) == 0 && !a->credential.len) {
            if (buf_append(&a->credential, v, vlen))
                return -1;
        } else if (klen == 13 && memcmp(p, "SignedHeaders", 13) == 0 && !a->signed_headers.len) {
            if (buf_append(&a->signed_headers, v, vlen))
                return -1;
        } else if (klen == 9 && memcmp(p, "Signature", 9) == 0 && !have_sig) {
            if (vlen != API_SHA256_HEX_LEN || !is_lower_hex(v, vlen))
                return -1;
            memcpy(a->signature, v, vlen);
            a->signature[vlen] = '\0';
            have_sig = true;
        } else {
            return -1;
        }
        if (!comma)
            break;
        p = comma + 1;
    }
    return a->credential.len && a->signed_headers.len && have_sig ? 0 : -1;
}

/* True when ';'-separated list contains name exactly. */
static bool list_has(const char *list, const char *name, size_t name_len) {
    const char *p = list;
    while (*p) {
        const char *semi = strchr(p, ';');
        size_t len = semi ? (size_t)(semi - p) : strlen(p);
        if (len == name_len && strncasecmp(p, name, len) == 0)
            return true;
        if (!semi)
            break;
        p = semi + 1;
    }
    return false;
}

/* Step 4 for ACS3: SignedHeaders well-formed, complete, and naming only present headers. */
static int check_signed_headers(const api_request_view *req, const char *list) {
    static const char *const required[] = {
        "host",       "x-acs-action",          "x-acs-version",
        "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"};
    for (const char *c = list; *c; c++)
        if ((*c >= 'A' && *c <= 'Z') || *c == ' ' ||
            (*c == ';' && (c == list || c[1] == ';' || c[1] == '\0')))
            return -1;
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
        if (!list_has(list, required[i], strlen(required[i])))
            return -1;
    for (size_t i = 0; i < req->header_count; i++) {
        const char *name = req->headers[i].name;
        if (!name)
            continue;
        bool must = strncasecmp(name, "x-acs-", 6) == 0 || strcasecmp(name, "content-type") == 0;
        if (must && !list_has(list, name, strlen(name)))
            return -1;
    }
    const char *p = list;
    while (*p) {
        const char *semi = strchr(p, ';');
        size_t len = semi ? (size_t)(semi - p) : strlen(p);
        bool present = false;
        for (size_t i = 0; i < req->header_count && !present; i++)
            present = req->headers[i].name && strlen(req->headers[i].name) == len &&
                      strncasecmp(req->headers[i].name, p, len) == 0;
        if (!present)
            return -1;
        if (!semi)
            break;
        p = semi + 1;
    }
    return 0;
}

static void acs3_init(acs3_request *a) {
    memset(a, 0, sizeof(*a));
    buf_init(&a->credential, API_ACCESS_KEY_ID_MAX * 4);
    buf_init(&a->signed_headers, SIGNED_HEADERS_MAX);
    buf_init(&a->action, 4096);
    buf_init(&a->version, 4096);
    buf_init(&a->date, 4096);
    buf_init(&a->nonce, 4096);
    buf_init(&a->content_sha256, 4096);
}

static void acs3_free(acs3_request *a) {
    buf_free(&a->credential);
    buf_free(&a->signed_headers);
    buf_free(&a->action);
    buf_free(&a->version);
    buf_free(&a->date);
    buf_free(&a->nonce);
    buf_free(&a->content_sha256);
}

/* Reads header lname's canonical value into b; missing and oversized both count as incomplete. */
static int read_header(const api_request_view *req, const char *lname, buf *b) {
    int rc = api_sign_header_value(req, lname, b);
    return rc == 1 ? 0 : -1;
}

/* Steps 6-8, shared by both styles: action/version, timestamp, key. */
static int check_common(const api_auth_config *cfg, const char *action, const char *version,
                        const char *date, time_t now, const char *key_id, api_auth_result *out,
                        api_key_info *key, rc_error *err) {
    if (!action || !*action ||
        copy_limited(out->action, sizeof(out->action), action, strlen(action)) ||
        !cfg->action_known || !cfg->action_known(cfg->action_ctx, action))
        return api_fail(err, API_ERR_API_NOT_FOUND, NULL);
    if (!version || strcmp(version, API_VERSION) != 0)
        return api_fail(err, API_ERR_VERSION, NULL);
    snprintf(out->version, sizeof(out->version), "%s", version);
    if (time_parse_iso(date, &out->timestamp))
        return api_fail(err, API_ERR_TIMESTAMP_FORMAT, NULL);
    long long skew = (long long)now - (long long)out->timestamp;
    if (skew > API_MAX_SKEW_SECONDS || skew < -API_MAX_SKEW_SECONDS)
        return api_fail(err, API_ERR_TIMESTAMP_EXPIRED, NULL);
    if (copy_limited(out->access_key_id, sizeof(out->access_key_id), key_id, strlen(key_id)))
        return api_fail(err, API_ERR_KEY_NOT_FOUND, NULL);
    int rc = cfg->lookup_key ? cfg->lookup_key(cfg->key_ctx, key_id, key) : RC_ENOENT;
    if (rc == RC_ENOENT)
        return api_fail(err, API_ERR_KEY_NOT_FOUND, NULL);
    if (rc)
        return api_fail(err, rc == RC_EDB ? API_ERR_UNAVAILABLE : API_ERR_INTERNAL, NULL);
    if (!key->enabled)
        return api_fail(err, API_ERR_KEY_INACTIVE, NULL);
    out->user_id = key->user_id;
    return 0;
}

static int mismatch(const api_auth_config *cfg, rc_error *err, const char *what, const char *view) {
    const char *base = api_error_by_id(API_ERR_SIGNATURE_MISMATCH)->message;
    if (!cfg->explain_mismatch)
        return api_fail(err, API_ERR_SIGNATURE_MISMATCH, NULL);
    return api_fail(err, API_ERR_SIGNATURE_MISMATCH, "%s%s%s", base, what, view);
}

/* An ACS3 parameter (Action/Version) must not contradict its header. */
static int check_param_matches(const api_params *p, const char *name, const char *header,
                               const char *value, rc_error *err) {
    const char *given = api_params_get(p, name);
    if (given && strcmp(given, value) != 0)
        return api_fail(err, API_ERR_INVALID_PARAMETER, "Parameter \"%s\" does not match header %s",
                        name, header);
    return 0;
}

static int auth_acs3(const api_request_view *req, const char *authorization, time_t now,
                     const api_auth_config *cfg, api_auth_result *out, rc_error *err) {
    acs3_request a;
    acs3_init(&a);
    api_key_info key = {0};
    buf cr, sts;
    buf_init(&cr, 0);
    buf_init(&sts, 0);
    char hex[API_SHA256_HEX_LEN + 1];
    int rc = 0;
    out->style = API_STYLE_ACS3;
    if (parse_authorization(authorization, &a) ||
        check_signed_headers(req, a.signed_headers.data) ||
        read_header(req, "x-acs-action", &a.action) ||
        read_header(req, "x-acs-version", &a.version) || read_header(req, "x-acs-date", &a.date) ||
        read_header(req, "x-acs-signature-nonce", &a.nonce) ||
        read_header(req, "x-acs-content-sha256", &a.content_sha256) || a.nonce.len == 0 ||
        copy_limited(out->nonce, sizeof(out->nonce), a.nonce.data, a.nonce.len)) {
        rc = api_fail(err, API_ERR_INCOMPLETE_SIGNATURE, NULL);
        goto out;
    }
    if (strcmp(a.algorithm, ACS3_ALGORITHM) != 0) {
        rc = api_fail(err, API_ERR_SIGNATURE_METHOD, NULL);
        goto out;
    }
    rc = check_param_matches(&out->params, "Action", "x-acs-action", a.action.data, err);
    if (!rc)
        rc = check_param_matches(&out->params, "Version", "x-acs-version", a.version.data, err);
    if (!rc)
        rc = check_common(cfg, a.action.data, a.version.data, a.date.data, now, a.credential.data,
                          out, &key, err);
    if (rc)
        goto out;
    rc = api_sha256_hex(req->body, req->body_len, hex);
    if (rc) {
        rc = api_fail(err, API_ERR_INTERNAL, NULL);
        goto out;
    }
    if (a.content_sha256.len != API_SHA256_HEX_LEN ||
        CRYPTO_memcmp(hex, a.content_sha256.data, API_SHA256_HEX_LEN) != 0) {
        rc = mismatch(cfg, err, " x-acs-content-sha256 does not match the request body.", "");
        goto out;
    }
    rc = api_sign_acs3_canonical(req, out->params.items, out->query_count, a.signed_headers.data,
                                 hex, &cr, err);
    if (!rc)
        rc = api_acs3_string_to_sign(cr.data, cr.len, &sts);
    if (!rc)
        rc = api_sign_hmac_sha256_hex(key.secret, sts.data, sts.len, hex);
    if (rc) {
        rc = api_fail(err, API_ERR_INTERNAL, NULL);
        goto out;
    }
    if (CRYPTO_memcmp(hex, a.signature, API_SHA256_HEX_LEN) != 0)
        rc = mismatch(cfg, err, " server canonical request is:", cr.data);
out:
    OPENSSL_cleanse(&key, sizeof(key));
    OPENSSL_cleanse(hex, sizeof(hex));
    acs3_free(&a);
    buf_free(&cr);
    buf_free(&sts);
    return rc;
}

static int auth_rpc(const api_request_view *req, time_t now, const api_auth_config *cfg,
                    api_auth_result *out, rc_error *err) {
    const api_params *p = &out->params;
    const char *key_id = api_params_get(p, "AccessKeyId");
    const char *nonce = api_params_get(p, "SignatureNonce");
    const char *stamp = api_params_get(p, "Timestamp");
    const char *method = api_params_get(p, "SignatureMethod");
    const char *sig_version = api_params_get(p, "SignatureVersion");
    const api_param *signature = api_params_find(p, "Signature");
    api_key_info key = {0};
    buf sts;
    buf_init(&sts, 0);
    int rc = 0;
    out->style = API_STYLE_RPC;
    if (!key_id || !nonce || !stamp || !method || !sig_version || !signature->value_len ||
        copy_limited(out->nonce, sizeof(out->nonce), nonce, strlen(nonce))) {
        rc = api_fail(err, API_ERR_INCOMPLETE_SIGNATURE, NULL);
        goto out;
    }
    if (strcmp(method, "HMAC-SHA1") != 0 || strcmp(sig_version, "1.0") != 0) {
        rc = api_fail(err, API_ERR_SIGNATURE_METHOD, NULL);
        goto out;
    }
    rc = check_common(cfg, api_params_get(p, "Action"), api_params_get(p, "Version"), stamp, now,
                      key_id, out, &key, err);
    if (rc)
        goto out;
    char expected[API_RPC_SIGNATURE_LEN + 1];
    rc = api_sign_rpc(req->method, p, key.secret, expected);
    if (rc) {
        rc = api_fail(err, API_ERR_INTERNAL, NULL);
        goto out;
    }
    if (signature->value_len != API_RPC_SIGNATURE_LEN ||
        CRYPTO_memcmp(expected, signature->value, API_RPC_SIGNATURE_LEN) != 0) {
        rc = api_rpc_string_to_sign(req->method, p, &sts);
        rc = mismatch(cfg, err, " server string to sign is:", rc ? "" : sts.data);
    }
out:
    OPENSSL_cleanse(&key, sizeof(key));
    buf_free(&sts);
    return rc;
}

int api_authenticate(const api_request_view *req, time_t now, const api_auth_config *cfg,
                     api_auth_result *out, rc_error *err) {
    api_auth_result_init(out);
    rc_error_clear(err);
    int rc = parse_params(req, out, err);
    if (rc)
        return rc;
    const char *authorization = api_header_get(req, "authorization");
    if (authorization)
        return auth_acs3(req, authorization, now, cfg, out, err);
    if (api_params_find(&out->params, "Signature"))
        return auth_rpc(req, now, cfg, out, err);
    return api_fail(err, API_ERR_INCOMPLETE_SIGNATURE, NULL);
}
