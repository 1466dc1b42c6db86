#include "api/params.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/errors.h"
#include "util/buf.h"
#include "util/ids.h"

/* Longest raw name quoted in an error message. */
#define PARAMS_QUOTE_MAX 64

static const char HEX_UPPER[] = "0123456789ABCDEF";

static int is_unreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

int api_enc(const char *in, size_t len, buf *out) {
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (is_unreserved(c))
            continue;
        int rc = buf_append(out, in + start, i - start);
        if (rc)
            return rc;
        char esc[3] = {'%', HEX_UPPER[c >> 4], HEX_UPPER[c & 15]};
        rc = buf_append(out, esc, 3);
        if (rc)
            return rc;
        start = i + 1;
    }
    return buf_append(out, in + start, len - start);
}

int api_dec(const char *in, size_t len, buf *out) {
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        if (c != '+' && c != '%')
            continue;
        int rc = buf_append(out, in + start, i - start);
        if (rc)
            return rc;
        char byte = ' ';
        if (c == '%') {
            int hi = i + 1 < len ? ids_hex_value((unsigned char)in[i + 1]) : -1;
            int lo = i + 2 < len ? ids_hex_value((unsigned char)in[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return RC_EINVAL;
            byte = (char)(hi << 4 | lo);
            i += 2;
        }
        rc = buf_append(out, &byte, 1);
        if (rc)
            return rc;
        start = i + 1;
    }
    return buf_append(out, in + start, len - start);
}

void api_params_init(api_params *p) {
    memset(p, 0, sizeof(*p));
}

void api_params_free(api_params *p) {
    for (size_t i = 0; i < p->count; i++) {
        free(p->items[i].name);
        free(p->items[i].value);
    }
    free(p->items);
    free(p->slots);
    api_params_init(p);
}

/* FNV-1a over the name bytes. */
static size_t name_hash(const char *name, size_t len) {
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)name[i];
        h *= 1099511628211ULL;
    }
    return (size_t)h;
}

/* Returns the slot holding name, or the empty slot where it would go. slot_count is a power of two
 * and the table is at most half full, so the probe always ends. */
static size_t find_slot(const api_params *p, const char *name, size_t len) {
    size_t mask = p->slot_count - 1;
    size_t s = name_hash(name, len) & mask;
    while (p->slots[s]) {
        const api_param *it = &p->items[p->slots[s] - 1];
        if (it->name_len == len && memcmp(it->name, name, len) == 0)
            return s;
        s = (s + 1) & mask;
    }
    return s;
}

static int rebuild_index(api_params *p, size_t slot_count) {
    size_t *slots = calloc(slot_count, sizeof(*slots));
    if (!slots)
        return RC_ENOMEM;
    free(p->slots);
    p->slots = slots;
    p->slot_count = slot_count;
    for (size_t i = 0; i < p->count; i++)
        p->slots[find_slot(p, p->items[i].name, p->items[i].name_len)] = i + 1;
    return 0;
}

const api_param *api_params_find(const api_params *p, const char *name) {
    if (!p->slot_count || !name)
        return NULL;
    size_t s = find_slot(p, name, strlen(name));
    return p->slots[s] ? &p->items[p->slots[s] - 1] : NULL;
}

const char *api_params_get(const api_params *p, const char *name) {
    const api_param *it = api_params_find(p, name);
    return it && it->value_len ? it->value : NULL;
}

static char *dup_bytes(const char *s, size_t len) {
    char *d = malloc(len + 1);
    if (!d)
        return NULL;
    if (len)
        memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

/* Takes ownership of name and value (freed on failure too). */
static int add_owned(api_params *p, char *name, size_t name_len, char *value, size_t value_len) {
    int rc = 0;
    if ((p->count + 1) * 2 > p->slot_count) {
        rc = rebuild_index(p, p->slot_count ? p->slot_count * 2 : 32);
        if (rc)
            goto fail;
    }
    size_t s = find_slot(p, name, name_len);
    if (p->slots[s]) {
        rc = RC_EEXIST;
        goto fail;
    }
    api_param *items = buf_array_room(p->items, &p->cap, p->count, sizeof(*items), 16);
    if (!items) {
        rc = RC_ENOMEM;
        goto fail;
    }
    p->items = items;
    p->items[p->count] =
        (api_param){.name = name, .name_len = name_len, .value = value, .value_len = value_len};
    p->count++;
    p->slots[s] = p->count;
    return 0;
fail:
    free(name);
    free(value);
    return rc;
}

int api_params_add(api_params *into, const char *name, size_t name_len, const char *value,
                   size_t value_len) {
    char *n = dup_bytes(name, name_len);
    char *v = dup_bytes(value, value_len);
    if (!n || !v) {
        free(n);
        free(v);
        return RC_ENOMEM;
    }
    return add_owned(into, n, name_len, v, value_len);
}

/* Copies s into a message-safe form: at most PARAMS_QUOTE_MAX bytes, NUL bytes as '?'. */
static void quote_name(const char *s, size_t len, char out[PARAMS_QUOTE_MAX + 1]) {
    size_t n = len < PARAMS_QUOTE_MAX ? len : PARAMS_QUOTE_MAX;
    for (size_t i = 0; i < n; i++)
        out[i] = s[i] ? s[i] : '?';
    out[n] = '\0';
}

static int parse_item(const char *item, size_t len, api_params *into, rc_error *err) {
    const char *eq = memchr(item, '=', len);
    size_t raw_name_len = eq ? (size_t)(eq - item) : len;
    char quoted[PARAMS_QUOTE_MAX + 1];
    buf name, value;
    buf_init(&name, len + 1);
    buf_init(&value, len + 1);
    int rc = api_dec(item, raw_name_len, &name);
    if (!rc && eq)
        rc = api_dec(eq + 1, len - raw_name_len - 1, &value);
    if (rc == RC_EINVAL) {
        quote_name(item, raw_name_len, quoted);
        rc = api_fail(err, API_ERR_INVALID_PARAMETER,
                      "Parameter \"%s\" contains a malformed percent escape", quoted);
        goto out;
    }
    if (rc)
        goto out;
    if (memchr(name.data ? name.data : "", '\0', name.len) ||
        memchr(value.data ? value.data : "", '\0', value.len)) {
        /* (C strings end at a NUL: two different nonces, keys or values would read as one) */
        quote_name(name.data ? name.data : "", name.len, quoted);
        rc = api_fail(err, API_ERR_INVALID_PARAMETER, "Parameter \"%s\" contains a NUL byte (%%00)",
                      quoted);
        goto out;
    }
    size_t name_len = name.len, value_len = value.len;
    char *n = buf_detach(&name);
    char *v = buf_detach(&value);
    if (!n || !v) {
        free(n);
        free(v);
        rc = RC_ENOMEM;
        goto out;
    }
    quote_name(n, name_len, quoted);
    rc = add_owned(into, n, name_len, v, value_len);
    if (rc == RC_EEXIST)
        rc = api_fail(err, API_ERR_INVALID_PARAMETER,
                      "Parameter \"%s\" is specified more than once", quoted);
out:
    buf_free(&name);
    buf_free(&value);
    if (rc == RC_ENOMEM)
        api_fail(err, API_ERR_INTERNAL, NULL);
    return rc;
}

int api_params_parse(const char *raw, size_t len, api_params *into, rc_error *err) {
    size_t pos = 0;
    while (pos < len) {
        const char *amp = memchr(raw + pos, '&', len - pos);
        size_t end = amp ? (size_t)(amp - raw) : len;
        if (end > pos) {
            if (into->count >= API_PARAMS_MAX)
                return api_fail(err, API_ERR_INVALID_PARAMETER,
                                "The request has more than %d parameters", API_PARAMS_MAX);
            int rc = parse_item(raw + pos, end - pos, into, err);
            if (rc)
                return rc;
        }
        pos = end + 1;
    }
    return 0;
}

int api_params_encode(const api_params *p, buf *out) {
    for (size_t i = 0; i < p->count; i++) {
        int rc = i ? buf_append(out, "&", 1) : 0;
        if (!rc)
            rc = api_enc(p->items[i].name, p->items[i].name_len, out);
        if (!rc)
            rc = buf_append(out, "=", 1);
        if (!rc)
            rc = api_enc(p->items[i].value, p->items[i].value_len, out);
        if (rc)
            return rc;
    }
    return 0;
}
