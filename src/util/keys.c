#include "util/keys.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/ids.h"

void keys_free(keys_set *set) {
    free(set->items);
    set->items = NULL;
    set->n = 0;
}

const keys_entry *keys_find(const keys_set *set, const char *access_key_id) {
    for (size_t i = 0; i < set->n; i++)
        if (strcmp(set->items[i].access_key_id, access_key_id) == 0)
            return &set->items[i];
    return NULL;
}

static int parse_entry(json_t *obj, keys_entry *e, const char *path, size_t index, rc_error *err) {
    const char *id = json_string_value(json_object_get(obj, "AccessKeyId"));
    const char *secret = json_string_value(json_object_get(obj, "AccessKeySecret"));
    json_t *uid = json_object_get(obj, "UserId");
    json_t *enabled = json_object_get(obj, "Enabled");
    if (!id || !secret || !*id || !*secret || strlen(id) > KEYS_ID_MAX ||
        strlen(secret) > KEYS_SECRET_MAX)
        return rc_fail(err, RC_EINVAL, "InvalidParameter",
                       "%s: entry %zu needs AccessKeyId and AccessKeySecret strings", path, index);
    memset(e, 0, sizeof(*e));
    snprintf(e->access_key_id, sizeof(e->access_key_id), "%s", id);
    snprintf(e->secret, sizeof(e->secret), "%s", secret);
    e->user_id = KEYS_DEFAULT_USER_ID;
    /* UserId 0 owns the service's own sub-tasks (jobs/split.h): no key may act as it */
    if (json_is_integer(uid) && json_integer_value(uid) >= 1)
        e->user_id = (uint64_t)json_integer_value(uid);
    else if (uid && !json_is_null(uid))
        return rc_fail(err, RC_EINVAL, "InvalidParameter",
                       "%s: entry %zu: UserId must be a positive integer (0 is the service's own)",
                       path, index);
    e->enabled = enabled ? json_is_true(enabled) : 1;
    return 0;
}

int keys_load(const char *path, keys_set *out, rc_error *err) {
    out->items = NULL;
    out->n = 0;
    if (access(path, F_OK) != 0)
        return 0;
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return rc_fail(err, RC_EINVAL, "InvalidParameter", "%s:%d: %s", path, jerr.line, jerr.text);
    int rc = 0;
    if (!json_is_array(root)) {
        rc = rc_fail(err, RC_EINVAL, "InvalidParameter", "%s: expected a JSON array of keys", path);
        goto out;
    }
    size_t n = json_array_size(root);
    out->items = calloc(n ? n : 1, sizeof(*out->items));
    if (!out->items) {
        rc = RC_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        rc = parse_entry(json_array_get(root, i), &out->items[i], path, i, err);
        if (rc)
            goto out;
        out->n++;
    }
out:
    json_decref(root);
    if (rc)
        keys_free(out);
    return rc;
}

static void random_base62(char *out, size_t len) {
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    unsigned char raw[64];
    ids_random_bytes(raw, len);
    for (size_t i = 0; i < len; i++)
        out[i] = alphabet[raw[i] % 62];
    out[len] = '\0';
}

int keys_create(const char *path, uint64_t user_id, keys_entry *out, rc_error *err) {
    keys_set set;
    int rc = keys_load(path, &set, err);
    if (rc)
        return rc;
    memset(out, 0, sizeof(*out));
    memcpy(out->access_key_id, "LTRC", 4);
    random_base62(out->access_key_id + 4, 20);
    random_base62(out->secret, 30);
    out->user_id = user_id;
    out->enabled = 1;

    json_t *root = json_array();
    for (size_t i = 0; i < set.n; i++)
        json_array_append_new(
            root, json_pack("{s:s,s:s,s:I,s:b}", "AccessKeyId", set.items[i].access_key_id,
                            "AccessKeySecret", set.items[i].secret, "UserId",
                            (json_int_t)set.items[i].user_id, "Enabled", set.items[i].enabled));
    json_array_append_new(root, json_pack("{s:s,s:s,s:I,s:b}", "AccessKeyId", out->access_key_id,
                                          "AccessKeySecret", out->secret, "UserId",
                                          (json_int_t)user_id, "Enabled", 1));
    keys_free(&set);

    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        rc = rc_fail(err, RC_EWRITE, NULL, "%s: cannot write keys file: %s", path, strerror(errno));
        goto out;
    }
    if (json_dumpfd(root, fd, JSON_INDENT(2)) != 0 || write(fd, "\n", 1) != 1 || fsync(fd) != 0) {
        close(fd);
        unlink(tmp);
        rc = rc_fail(err, RC_EWRITE, NULL, "%s: cannot write keys file", path);
        goto out;
    }
    close(fd);
    if (rename(tmp, path) != 0) {
        unlink(tmp);
        rc = rc_fail(err, RC_EWRITE, NULL, "%s: cannot write keys file: %s", path, strerror(errno));
    }
out:
    json_decref(root);
    return rc;
}
