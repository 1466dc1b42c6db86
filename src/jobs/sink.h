/* sink: where a job runner puts the files it exports - one interface for every runner (the
 * segmentation and highlights runners) and every destination (the service's buckets, the CLI's
 * folders). */
#ifndef REELCUT_JOBS_SINK_H
#define REELCUT_JOBS_SINK_H

#include <stddef.h>

#include "util/rc.h"

/* The runner asks path_for for the local file of output `index` (1-based, the AiResult Index),
 * writes the file there, then calls publish. When the run fails, it calls discard for every
 * output it asked a path for, so nothing it exported stays behind. */
typedef struct jobs_output_sink {
    /* Fills path (size n) with where output `index` is written; may create folders. Returns 0 or
     * a negative RC_E* with err naming the parameter or folder. */
    int (*path_for)(void *user, int index, char *path, size_t n, rc_error *err);
    /* The file at path is complete: upload or register it and return *media_url (malloc'd,
     * required) and *media_id (malloc'd, or NULL when not registered). Returns 0 or a negative
     * RC_E* with err filled. */
    int (*publish)(void *user, int index, const char *path, char **media_url, char **media_id,
                   rc_error *err);
    /* Removes output `index`: the local file and anything published. Must not fail loudly.
     * NULL = the runner removes the local file only. */
    void (*discard)(void *user, int index, const char *path);
    /* Fills out (size n) with what messages call output `index` (the service: "OutputConfig.
     * ObjectKey (oss://b/k_1.mp4)"); NULL = its local path. */
    void (*name)(void *user, int index, char *out, size_t n);
    void *user;
} jobs_output_sink;

/* Runs sink->discard for output index at path, or removes the local file when it has none. */
void jobs_output_sink_discard(const jobs_output_sink *sink, int index, const char *path);

#endif
