/* objectkey: the OutputConfig.ObjectKey rules of API.md §4.0 - {index} substitution, the container
 * chosen by extension, and keys that may not escape their bucket. */
#ifndef REELCUT_OBJECTKEY_H
#define REELCUT_OBJECTKEY_H

#include <stddef.h>

#include "util/rc.h"

#define OBJECTKEY_MAX 1023

enum objectkey_container { OBJECTKEY_MP4, OBJECTKEY_MOV, OBJECTKEY_MKV, OBJECTKEY_WEBM };

/* Checks a template: not empty, no NUL/backslash tricks, not absolute, no "." or ".." segment, an
 * extension of .mp4/.mov/.mkv/.webm (any case) or none. `path` names the parameter in messages
 * (e.g. "OutputConfig.ObjectKey"). allow_absolute is for local CLI paths. Returns 0 or RC_EINVAL
 * (InvalidParameter.UnsupportedValue) with err filled. */
int objectkey_validate(const char *tmpl, const char *path, int allow_absolute, rc_error *err);

/* Expands the template for a 1-based index into out (size n): every "{index}" becomes the number;
 * without one, "_{index}" goes before the extension (or at the end). Fails with RC_ERANGE if the
 * result is longer than max_len bytes (OBJECTKEY_MAX for keys). */
int objectkey_expand(const char *tmpl, int index, size_t max_len, char *out, size_t n,
                     const char *path, rc_error *err);

/* Whether some index >= 1 expands the (valid) template tmpl to exactly key: 1 with the index's
 * decimal digits in index (size n, cut to fit), else 0. Any positive number counts, not only those
 * a job could reach, so a "no" is certain: an output of the template can never be key. */
int objectkey_can_produce(const char *tmpl, const char *key, char *index, size_t n);

/* The container for a key or path by its extension; RC_ENOTSUP for an unknown one. */
int objectkey_container(const char *key, enum objectkey_container *out);

#endif
