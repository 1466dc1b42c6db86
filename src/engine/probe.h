/* probe: the facts of a media file (container and streams) as a plain struct - no JSON here. */
#ifndef REELCUT_PROBE_H
#define REELCUT_PROBE_H

#include <stdint.h>

#include "engine/engine.h"
#include "util/rc.h"

struct AVFormatContext;

enum engine_stream_kind { ENGINE_STREAM_VIDEO, ENGINE_STREAM_AUDIO, ENGINE_STREAM_SUBTITLE };

/* One stream. Numbers that are unknown are negative (or 0 for rationals' denominators, and ""
 * for strings): renderers omit them. */
typedef struct engine_stream_info {
    int index;
    enum engine_stream_kind kind;
    char codec_name[32];
    char codec_long_name[128];
    uint32_t codec_tag;             /* 0 = none */
    char codec_tag_string[32];      /* fourcc, printable, e.g. "avc1"; "" if none */
    int codec_tb_num, codec_tb_den; /* codec time base, e.g. 1/48; den 0 = unknown */
    char profile[64];
    int level;          /* < 0 unknown */
    int64_t bit_rate;   /* bit/s, < 0 unknown */
    double duration;    /* seconds, < 0 unknown */
    int64_t nb_frames;  /* < 0 unknown */
    double start_time;  /* seconds, < 0 unknown */
    int tb_num, tb_den; /* stream time base */
    char lang[16];      /* "und" when not tagged */
    /* video */
    char pix_fmt[32];
    int width, height;
    int sar_num, sar_den, dar_num, dar_den; /* den 0 = unknown */
    double fps, avg_fps;                    /* r_frame_rate, avg_frame_rate; < 0 unknown */
    int has_b_frames;                       /* < 0 unknown */
    int rotate; /* clockwise degrees to display upright: 0, 90, 180, 270 */
    /* audio */
    char sample_fmt[32];
    int sample_rate, channels; /* < 0 unknown */
    char channel_layout[64];
} engine_stream_info;

typedef struct engine_media_info {
    char format_name[64]; /* e.g. "mov,mp4,m4a,3gp,3g2,mj2" */
    double duration;      /* seconds, < 0 unknown; the readable length when the header claims
                           * more (engine_open_source) */
    int64_t bit_rate;     /* bit/s, < 0 unknown */
    int64_t file_size;    /* bytes, < 0 unknown */
    int width, height;    /* first video stream, 0 if none */
    int nb_streams;
    engine_stream_info *streams; /* video, audio and subtitle streams in file order */
} engine_media_info;

/* Opens src with libavformat and reads stream info, under src->limits. On failure returns
 * RC_ENOENT (missing or unreadable path), RC_EMEDIA (empty, truncated or not media) with err naming
 * the source (engine_source_name), RC_ELIMIT (a video stream over limits.max_pixels, refused before
 * any decoding; err names the size and the limit, not the file); *out is NULL then. A declared
 * duration (fmt->duration) more than ENGINE_DURATION_SLACK past the end of the streams is replaced
 * by that end (engine_readable_duration in limits.h). The caller closes *out with
 * engine_close_media(). */
int engine_open_source(const engine_source *src, struct AVFormatContext **out, rc_error *err);

/* avformat_open_input on src (a path, or an AVIOContext over src->read_at): returns its AVERROR
 * (>= 0 on success). No stream info is read. Close *fmt with engine_close_media(). */
int engine_avio_open(const engine_source *src, struct AVFormatContext **fmt);

/* Closes what engine_open_source / engine_avio_open opened, including a
 * custom AVIOContext, and sets *fmt to NULL. NULL-safe. */
void engine_close_media(struct AVFormatContext **fmt);

/* Rewinds fmt so that the next packet of video stream vi is its first keyframe. MPEG-TS and
 * MPEG-PS find a time by searching timestamps, which lands after a first keyframe whose decoding
 * time runs ahead of the stream's start (B-frames): those go back to their first byte; others
 * seek to the stream's start. Returns >= 0, or an AVERROR when the demuxer cannot seek. */
int engine_seek_start(struct AVFormatContext *fmt, int vi);

/* Fills *info (caller-allocated) with the facts of src (file_size = src->size for callback
 * sources). Fails like engine_open_source, or RC_ENOMEM. Free with engine_media_info_free (also
 * after a failure). */
int engine_probe(const engine_source *src, engine_media_info *info, rc_error *err);

/* Frees what info owns and zeroes it. NULL-safe. */
void engine_media_info_free(engine_media_info *info);

#endif
