/* signal_track: the per-input signal track of a highlight job as JSON - what the picker measured,
 * for the dashboard's curves (docs/ui.md): the four reasons' strengths at 2 points a second and the
 * black and frozen stretches it kept clips out of. */
#ifndef REELCUT_JOBS_SIGNAL_TRACK_H
#define REELCUT_JOBS_SIGNAL_TRACK_H

#include "engine/highlights/highlights.h"
#include "util/buf.h"

#define JOBS_SIGNAL_RATE 2.0 /* points a second */

/* Appends the track's JSON to out:
 *   {"Version":1,"Rate":2,"Duration":D,"Loudness":[..],"Speech":[..],"Motion":[..],
 *    "CutRate":[..],"Black":[[In,Out],..],"Frozen":[[In,Out],..]}
 * values in [0,1] with 3 decimals, times in seconds with 3. Returns 0, RC_ENOMEM or RC_ETOOBIG. */
int jobs_signal_track_json(const engine_hl_track *t, buf *out);

#endif
