/* artefacts: what a job keeps for people to look at (docs/ui.md) - a thumbnail per segment or
 * clip and a signal track per highlight input - stored with the job (store_artefact_put) and named
 * in its AiResult by [ext] keys "~jobs/<JobId>/<name>", which the dashboard reads through signed
 * /media/~jobs/... URLs. They never fail a job: what cannot be made is logged and left out. */
#ifndef REELCUT_JOBS_ARTEFACTS_H
#define REELCUT_JOBS_ARTEFACTS_H

#include <jansson.h>
#include <stddef.h>

#include "engine/engine.h"
#include "store/store.h"

#define JOBS_ARTEFACT_PREFIX "~jobs/"
/* The analysis pass's thumbnail samples (engine_thumb_sampler): one a second, at most 4096 (a
 * longer input samples less often), ~3 KB each. */
#define JOBS_THUMB_EVERY_S 1.0
#define JOBS_THUMB_SAMPLES 4096

/* Thumbnails of items[i] (AiResult objects with In and Out, seconds) - the sampler's where it
 * has one (NULL = none), else made from src - stored as "<prefix>/<i + 1>.jpg"; each item that got
 * one gains "ThumbnailKey". */
struct engine_thumb_sampler;
void jobs_artefact_thumbs(store *st, const char *job_id, const engine_source *src,
                          const struct engine_thumb_sampler *sampler, json_t **items, size_t n,
                          const char *prefix);

/* Stores the text under name (its extension says its type) and sets obj[field] to its key. */
void jobs_artefact_text(store *st, const char *job_id, const char *name, const char *text,
                        json_t *obj, const char *field);

#endif
