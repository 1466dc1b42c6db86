/* export_int: state shared by the export files (export.c plans, export_write.c writes,
 * export_h264.c rewrites H.264 parameter sets, export_av.c builds codecs and filters). Not a public
 * header. */
#ifndef REELCUT_EXPORT_INT_H
#define REELCUT_EXPORT_INT_H

#include <stdint.h>

#include <libavcodec/avcodec.h>
#include <libavfilter/avfilter.h>
#include <libavformat/avformat.h>

#include "engine/export/export.h"
#include "engine/limits.h"

enum engine_export_container { EXPORT_MP4, EXPORT_MOV, EXPORT_MKV, EXPORT_WEBM };

/* One source video packet as the scan saw it, in decode order from the seek landing point. */
typedef struct engine_export_vframe {
    int64_t pts, dts, duration; /* stream time base */
    int key;                    /* demuxer keyframe flag */
    int cut_ok;                 /* a clean start: key, IDR for H.264, no leading pictures */
} engine_export_vframe;

typedef struct engine_export_job {
    const char *src;       /* what messages call the source (engine_source_name) */
    const char *dst, *tmp; /* the output path and its temp file */
    const char *dst_name;  /* what messages call the output (opts->dst_name, else dst) */
    enum engine_export_container container;
    const engine_progress *progress;
    rc_error *err;
    int want_w, want_h; /* requested size after rounding odd values up, 0 = not given */
    int reencode;       /* opts->reencode: never copy */
    engine_limits limits;
    engine_picture_guard guard; /* of the video decoder (one at a time) */

    AVFormatContext *ic;
    int vidx, aidx; /* aidx -1 = no audio */
    AVRational vtb;
    int rotation;        /* display rotation, clockwise degrees: 0, 90, 180, 270 */
    int64_t seek_target; /* where both passes seek, stream time base; INT64_MIN = file start */

    engine_export_vframe *frames; /* scan, decode order */
    int nframes, frames_cap;

    enum engine_export_method method;
    int64_t in_ts, out_ts;      /* frames with pts in [in_ts, out_ts) are exported */
    int64_t first_pts, end_pts; /* output window: first frame pts, last frame pts + duration */
    int nout;                   /* frames in the window */
    int idx_k0;                 /* first packet decoded (head or transcode) */
    int idx_k1;                 /* first copied packet */
    int idx_copy_end;           /* first packet after the copied ones (start of the tail) */
    int idx_last;               /* last packet needed */
    int has_head, has_tail;
    int64_t k1_pts, k2_pts;   /* copy start and tail start */
    int64_t delay1, delay2;   /* pts - dts of the source at k1 and k2 */
    int out_w, out_h;         /* output coded size */
    int content_w, content_h; /* picture inside it (smaller when padded) */

    engine_export_result result;
} engine_export_job;

/* --- export_h264.c --- */

/* NAL length size (1, 2 or 4) of an avcC record, or 0 if extradata is not a usable avcC. */
int engine_export_avcc_nal_length(const uint8_t *avcc, int size);

/* 1 if a length-prefixed H.264 access unit contains an IDR slice, else 0. */
int engine_export_h264_has_idr(const uint8_t *data, int size, int nal_len);

/* Smallest SPS/PPS id >= 1 used by neither the avcC nor `taken` (a bit set of ids 0..31).
 * Returns the id or RC_ENOTSUP when none is free. */
int engine_export_avcc_free_id(const uint8_t *avcc, int size, uint32_t taken);

/* Builds a new avcC holding the source's parameter sets plus those of each encoder's Annex B
 * extradata (enc[i], enc_size[i], n of them). *out is av_malloc'ed with padding; caller frees
 * it with av_free. Returns 0, RC_ENOMEM or RC_ENOTSUP (too many sets, malformed input). */
int engine_export_avcc_merge(const uint8_t *avcc, int size, const uint8_t *const *enc,
                             const int *enc_size, int n, uint8_t **out, int *out_size);

/* Rewrites an Annex B packet from libx264 into length-prefixed NAL units of nal_len bytes,
 * prefixed by the SPS/PPS of ps (Annex B extradata, may be NULL) when it is an IDR. Replaces the
 * payload of pkt, keeping its properties. Returns 0, RC_ENOMEM or RC_ENOTSUP (NAL too long). */
int engine_export_annexb_to_avcc(AVPacket *pkt, int nal_len, const uint8_t *ps, int ps_size);

/* --- export_av.c --- */

/* Opens a decoder for stream idx of ic with limits.codec_threads threads; a video decoder gets
 * job->guard (limits.max_pixels). Returns 0 or RC_EMEDIA naming src. */
int engine_export_open_decoder(engine_export_job *job, int idx, AVCodecContext **out);

/* Opens the smart-cut encoder matching the source stream: H.264 (size, profile, level, SAR,
 * colours) with SPS/PPS id sps_id and its headers in extradata, or VP9 at the source size with
 * one visible frame per packet. Returns 0 or a negative RC_E*. */
int engine_export_open_smart_encoder(engine_export_job *job, int sps_id, AVCodecContext **out);

/* Opens the transcode encoder for the container (H.264 or VP9) at job->out_w x out_h. */
int engine_export_open_video_encoder(engine_export_job *job, int global_header,
                                     AVCodecContext **out);

/* Opens the audio encoder for the container (AAC or Opus) fitting decoder dec. */
int engine_export_open_audio_encoder(engine_export_job *job, const AVCodecContext *dec,
                                     int global_header, AVCodecContext **out);

/* A one-input one-output filter graph. */
typedef struct engine_export_graph {
    AVFilterGraph *graph;
    AVFilterContext *src, *sink;
} engine_export_graph;

/* Video: rotate per the display matrix, scale to content size, pad to out size, yuv420p. */
int engine_export_video_graph(engine_export_job *job, const AVCodecContext *dec,
                              engine_export_graph *g);

/* Audio: keep samples in [start_s, end_s) (seconds on the audio stream's timeline), convert to
 * the encoder's format with timestamps in 1/rate, cut into frames of the encoder's frame size. */
int engine_export_audio_graph(engine_export_job *job, const AVCodecContext *dec,
                              const AVCodecContext *enc, double start_s, double end_s,
                              engine_export_graph *g);

void engine_export_graph_free(engine_export_graph *g);

/* --- export.c --- */

/* Seeks so the next video packet is a keyframe at or before target (INT64_MIN = file start). */
int engine_export_seek(engine_export_job *job, int64_t target);

/* --- export_write.c --- */

/* Second pass: reads the planned packets again and writes job->tmp. Returns 0 or RC_E*. */
int engine_export_write(engine_export_job *job);

#endif
