/* export: writes one time range of a media file to a new file - stream copy where the cut points
 * allow it, frame-accurate smart cut otherwise, full transcode when a size is asked for. */
#ifndef REELCUT_EXPORT_H
#define REELCUT_EXPORT_H

#include "engine/engine.h"

typedef struct engine_export_opts {
    int width;  /* output width in pixels, 0 = follow source / height (API.md §4.0 size rules) */
    int height; /* output height in pixels, 0 = follow source / width */
} engine_export_opts;

/* Writes [in_s, out_s) seconds of src to dst; the container comes from dst's extension (.mp4 also
 * when there is none, .mov, .mkv: H.264 + AAC; .webm: VP9 + Opus). The output starts at time 0,
 * keeps audio in sync, and mp4/mov get faststart. out_s past the end is clamped. On failure no
 * file is left at dst and err names the file or parameter. Returns 0 or a negative RC_E*. */
int engine_export_range(const char *src, double in_s, double out_s, const char *dst,
                        const engine_export_opts *opts, const engine_progress *progress,
                        rc_error *err);

#endif
