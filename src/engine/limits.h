/* limits: keeps what one input can make FFmpeg allocate within its engine_limits - picture sizes
 * checked on the stream parameters before any decoding and on every picture a decoder allocates
 * (a stream may grow mid-way), codec thread counts - and keeps a declared duration from claiming
 * more than the file holds. Not a public header: the engine's own files use it. */
#ifndef REELCUT_LIMITS_H
#define REELCUT_LIMITS_H

#include <stdatomic.h>
#include <stdint.h>

#include "engine/engine.h"

struct AVCodecContext;
struct AVCodecParserContext;
struct AVFormatContext;
struct AVFrame;
struct AVPacket;

/* A declared duration this much (s) past the end of what can be read is not believed. Container
 * durations and stream ends agree to a few ms in sound files (audio priming, edit lists). */
#define ENGINE_DURATION_SLACK 0.5

/* The limits of src (NULL = none given) with the defaults filled in. */
engine_limits engine_limits_of(const engine_source *src);

/* Threads for one codec: what FFmpeg would pick by itself (CPUs + 1), at most l->codec_threads. */
int engine_codec_threads(const engine_limits *l);

/* avformat_find_stream_info under l: a video stream the container header already shows over
 * l->max_pixels is refused before anything is decoded, the decoders FFmpeg opens to measure the
 * streams cannot allocate a larger picture, and the measured sizes are checked again. A declared
 * duration that claims more than engine_readable_duration() is then replaced by it (a warning
 * naming `name` is logged). Returns 0; RC_ELIMIT with err naming the stream's size and the limit
 * (never the file); RC_ENOMEM; or RC_EMEDIA with err untouched and *av_ret the FFmpeg error, for
 * the caller to word. */
int engine_read_stream_info(struct AVFormatContext *fmt, const engine_limits *l, const char *name,
                            int *av_ret, rc_error *err);

/* The duration (s, from the format's start) the audio and video streams of fmt can back up, or -1
 * when unknown: the latest stream end as FFmpeg measured it (MP4/MOV from the sample tables,
 * MPEG-TS from the last timestamps). Unknown when a stream has no measured duration (Matroska/WebM
 * declare one only in the header: the analysis passes, which read every packet, judge those). */
double engine_readable_duration(struct AVFormatContext *fmt);

/* Keeps one decoder from pictures over max_pixels when a stream grows mid-way: a parser reads the
 * size each packet announces before the decoder sees it (a decoder sets up per-size tables, once
 * per frame thread, before it asks for a picture), and a picture over the limit that a decoder
 * still asks for is refused (the decode fails) with its size remembered - so the caller fails with
 * a clear message instead of counting damaged packets. Caller-allocated; must outlive the decoder
 * (dec->opaque points at it). */
typedef struct engine_picture_guard {
    int64_t max_pixels;
    atomic_llong refused; /* width << 32 | height of the first refused picture, 0 = none */
    struct AVCodecParserContext *parser; /* NULL: FFmpeg has no parser for the codec */
    struct AVCodecContext *parser_ctx;
} engine_picture_guard;

/* Installs g on dec (after avcodec_parameters_to_context, before avcodec_open2): sets its
 * get_buffer2 and opaque, and opens the codec's parser. Returns 0 or RC_ENOMEM; free g with
 * engine_guard_free either way. */
int engine_guard_decoder(struct AVCodecContext *dec, engine_picture_guard *g,
                         const engine_limits *l);

/* Frees the parser of g (the decoder is the caller's). NULL-safe, idempotent. */
void engine_guard_free(engine_picture_guard *g);

/* Before sending pkt to the guarded decoder: RC_ELIMIT with err giving the size and the limit if
 * the packet announces a picture over the limit, else 0. */
int engine_guard_packet(engine_picture_guard *g, const struct AVPacket *pkt, rc_error *err);

/* After a decode call: RC_ELIMIT with err giving the size and the limit if g refused a picture or
 * frame (NULL = none) is over the limit, else 0. */
int engine_guard_check(engine_picture_guard *g, const struct AVFrame *frame, rc_error *err);

#endif
