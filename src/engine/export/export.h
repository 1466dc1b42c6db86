/* export: writes one time range of a media file to a new file - stream copy where the cut points
 * allow it, frame-accurate smart cut otherwise, full transcode when a size is asked for. */
#ifndef REELCUT_EXPORT_H
#define REELCUT_EXPORT_H

#include "engine/engine.h"

typedef struct engine_export_opts {
    int width;    /* output width in pixels, 0 = follow source / height (API.md §4.0 size rules) */
    int height;   /* output height in pixels, 0 = follow source / width */
    int reencode; /* 1 = decode and encode the whole range even where packets could be copied */
    /* What messages call the output (e.g. "OutputConfig.ObjectKey (oss://b/k_1.mp4)"); NULL = dst.
     * With it and a named source, no message holds a local path. */
    const char *dst_name;
} engine_export_opts;

/* How the video of a range was written. Audio is handled apart: AAC into mp4/mov is copied packet
 * by packet (one packet of decoder pre-roll, the edit list trims to the exact first sample, the
 * end within half a packet); everything else is decoded, trimmed to the exact samples of the
 * video span and encoded (AAC or Opus). No source audio, no audio track. */
enum engine_export_method {
    /* Both ends on clean keyframes, no resize: packets copied. */
    ENGINE_EXPORT_COPY = 1,
    /* Partial GOPs at the ends re-encoded, the middle copied (H.264 into mp4/mov/mkv, VP9 into
     * webm). */
    ENGINE_EXPORT_SMARTCUT,
    /* Everything decoded and encoded: resize, codec change, open GOPs, no keyframe inside. */
    ENGINE_EXPORT_TRANSCODE,
};

typedef struct engine_export_result {
    enum engine_export_method method;
    int frames;         /* video frames written */
    int encoded_frames; /* of those, how many were encoded (the rest were copied) */
    int width, height;  /* coded size of the output video */
    int has_audio;      /* 1 if an audio track was written */
    double src_in_s;    /* source time of the first frame written (s, from the video start) */
    double duration_s;  /* video duration of the output (s) */
} engine_export_result;

/* Writes [in_s, out_s) seconds of src to dst; the container comes from dst's extension (.mp4 also
 * when there is none, .mov, .mkv: H.264 + AAC; .webm: VP9 + Opus). Times count from the first
 * video frame of src; the output holds exactly the source frames whose timestamps fall in the
 * range. The output starts at time 0, keeps audio in sync, and mp4/mov get faststart. out_s past
 * the end is clamped. On failure no file is left at dst and err names the file or parameter.
 * Returns 0 or a negative RC_E*: RC_ENOENT / RC_EMEDIA / RC_ENOVIDEO for the source, RC_ERANGE for
 * in_s >= out_s, in_s < 0 or in_s at or past the end, RC_EWRITE for the destination,
 * RC_ENOTSUP for an unknown extension, RC_ECANCELED when progress asked to stop. */
int engine_export_range(const engine_source *src, double in_s, double out_s, const char *dst,
                        const engine_export_opts *opts, const engine_progress *progress,
                        engine_export_result *result, rc_error *err);

/* "copy", "smartcut" or "transcode". */
const char *engine_export_method_name(enum engine_export_method method);

#endif
