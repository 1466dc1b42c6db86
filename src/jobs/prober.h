/* prober: probes registered media assets in the background (RegisterMediaInfo answers at once;
 * Status goes Preparing -> Normal, or PrepareFailed when the file cannot be read or decoded). */
#ifndef REELCUT_PROBER_H
#define REELCUT_PROBER_H

#include "blob/blob.h"
#include "store/store.h"
#include "util/config.h"

typedef struct jobs_prober jobs_prober;

/* Starts one probing thread over borrowed cfg, st and blob. Returns 0 or RC_EINTERNAL. */
int jobs_prober_start(const config *cfg, store *st, blob_backend *blob, jobs_prober **out,
                      rc_error *err);
/* Wakes the thread at once (after a registration). NULL-safe. */
void jobs_prober_wake(jobs_prober *p);
/* Stops and joins the thread; an unfinished probe is left for the next start. NULL-safe. */
void jobs_prober_stop(jobs_prober *p);

/* Probes one asset's InputURL now and returns its FileInfoList element as JSON text (malloc'd)
 * and the MediaType ("video" or "audio"). RC_ENOENT / RC_EMEDIA with err on failure. */
int jobs_probe_media(const config *cfg, blob_backend *blob, const store_media *m,
                     const char *tmp_dir, char **probe_json, const char **media_type,
                     rc_error *err);

#endif
