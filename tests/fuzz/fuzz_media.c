/* fuzz_media: the media engine on arbitrary bytes - the probe (and its GetMediaInfo rendering),
 * the decode pass with shot detection, thumbnails of time ranges, and the highlight analysis with
 * clip selection - read
 * through an in-memory engine_source (engine.h read_at: libavformat sees a seekable AVIOContext).
 *
 * Input: byte 0 picks the work (low 2 bits: 0 probe, 1 full decode + shots, 2 thumbnails of
 * three ranges (the other bits place them), 3 highlight analysis + selection), byte 1 the file name
 * the source reports (its extension hints the container to libavformat), the rest is the file. What
 * it costs is bounded: the reader serves at most READ_BUDGET bytes per input (then fails like a
 * broken network read, which the engine must handle as truncated input), decoding is
 * single-threaded, and libFuzzer's -max_len (tests/fuzz/fuzz_media.options) keeps files small,
 * hence the number of packets and frames.
 *
 * FFmpeg itself is Debian's (not instrumented): coverage counts reelcut's engine only, and a crash
 * inside libav* is reported with its stack like any other. */
#include <math.h>

#include <libavutil/log.h>

#include "engine/highlights/highlights.h"
#include "engine/probe.h"
#include "engine/shots/analyze.h"
#include "engine/shots/shots.h"
#include "engine/thumbs.h"
#include "fuzz_common.h"
#include "jobs/mediainfo_json.h"
#include "util/log.h"

#define READ_BUDGET (4 << 20)

typedef struct mem_file {
    const uint8_t *data;
    size_t size;
    size_t served; /* bytes handed out so far */
} mem_file;

static int mem_read_at(void *user, int64_t offset, void *buf, size_t len) {
    mem_file *m = user;
    if (offset < 0)
        return RC_EINVAL;
    if (m->served >= READ_BUDGET)
        return RC_EREAD;
    if ((uint64_t)offset >= m->size)
        return 0;
    size_t n = m->size - (size_t)offset;
    if (n > len)
        n = len;
    if (n > READ_BUDGET - m->served)
        n = READ_BUDGET - m->served;
    memcpy(buf, m->data + offset, n);
    m->served += n;
    return (int)n;
}

static void fuzz_probe(const engine_source *src) {
    engine_media_info info;
    rc_error err = {0};
    int rc = engine_probe(src, &info, &err);
    if (rc) {
        fuzz_check_failure(rc, &err);
        engine_media_info_free(&info);
        return;
    }
    fuzz_check_success(&err);
    FUZZ_CHECK(info.nb_streams >= 0);
    for (int i = 0; i < info.nb_streams; i++) {
        const engine_stream_info *s = &info.streams[i];
        FUZZ_CHECK(s->rotate == 0 || s->rotate == 90 || s->rotate == 180 || s->rotate == 270);
    }
    mediainfo_file file = {.file_url = src->path,
                           .create_time = "2024-01-01T00:00:00Z",
                           .modified_time = "2024-01-01T00:00:00Z"};
    json_t *j = mediainfo_json_file_info(&info, &file);
    FUZZ_CHECK(j != NULL);
    char *text = json_dumps(j, JSON_COMPACT);
    FUZZ_CHECK(text != NULL); /* (every value is a valid UTF-8 string, or dumping fails) */
    free(text);
    json_decref(j);
    engine_media_info_free(&info);
}

/* Thumbnails of three ranges the input's first byte spreads over the first ~16 s. */
static void fuzz_thumbs(const engine_source *src, unsigned seed) {
    engine_thumb_range r[3] = {{0, 0.5 + (seed & 3)}, {(seed >> 2 & 3) * 0.7, 6}, {5, 16}};
    engine_thumb t[3];
    rc_error err = {0};
    if (engine_thumbs(src, r, 3, 0, t, NULL, &err) == 0)
        engine_thumbs_free(t, 3);
}

static void fuzz_shots(const engine_source *src) {
    engine_analyze_opts opts = {.threads = 1};
    engine_feature_track track;
    rc_error err = {0};
    int rc = engine_analyze(src, &opts, NULL, &track, &err);
    if (rc) {
        fuzz_check_failure(rc, &err);
        engine_feature_track_free(&track);
        return;
    }
    fuzz_check_success(&err);
    FUZZ_CHECK(track.nb_frames > 0);
    engine_shot_list shots;
    rc = engine_detect_shots(&track, NULL, &shots);
    FUZZ_CHECK(rc == 0);
    for (size_t i = 0; i < shots.count; i++) {
        FUZZ_CHECK(shots.items[i].frame < track.nb_frames);
        FUZZ_CHECK(i == 0 || shots.items[i].frame > shots.items[i - 1].frame);
    }
    engine_shot_list_free(&shots);
    engine_feature_track_free(&track);
}

static void fuzz_highlights(const engine_source *src, int count, double clip) {
    engine_hl_track t;
    rc_error err = {0};
    int rc = engine_hl_analyze(src, NULL, &t, &err);
    if (rc) {
        fuzz_check_failure(rc, &err);
        engine_hl_track_free(&t);
        return;
    }
    fuzz_check_success(&err);
    FUZZ_CHECK(t.n > 0 && t.duration > 0);
    engine_hl_selection sel;
    rc = engine_hl_select(&t, count, clip, &sel);
    FUZZ_CHECK(rc == 0);
    FUZZ_CHECK(sel.n >= 0 && sel.n <= count);
    for (int i = 0; i < sel.n; i++) {
        const engine_hl_clip *c = &sel.clips[i];
        if (getenv("FUZZ_VERBOSE"))
            fprintf(stderr, "clip %d: [%g, %g] score %g rank %d (duration %g, %zu ticks)\n", i,
                    c->in, c->out, c->score, c->rank, t.duration, t.n);
        FUZZ_CHECK(c->in >= 0 && c->out > c->in && c->out <= t.duration + 1e-6);
        FUZZ_CHECK(i == 0 || c->in >= sel.clips[i - 1].out - 1e-9);
        FUZZ_CHECK(c->score >= 0 && c->score <= 1);
    }
    engine_hl_track_free(&t);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    engine_global_init();
    av_log_set_level(AV_LOG_QUIET); /* (FFmpeg's complaints about damaged input are noise here) */
    log_set_level(LOG_ERROR);       /* (damaged input is the normal case here: no warnings) */
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char *const names[] = {"in.mp4", "in.mkv", "in.ts",  "in.webm", "in.mov",
                                        "in.avi", "in.flv", "in.wav", "in.y4m",  "in"};
    if (size < 3)
        return 0;
    mem_file m = {.data = data + 2, .size = size - 2};
    engine_source src = {.path = names[data[1] % (sizeof(names) / sizeof(names[0]))],
                         .read_at = mem_read_at,
                         .user = &m,
                         .size = (int64_t)m.size};
    switch (data[0] & 3) {
    case 0:
        fuzz_probe(&src);
        break;
    case 1:
        fuzz_shots(&src);
        break;
    case 2:
        fuzz_thumbs(&src, data[0] >> 2);
        break;
    default:
        fuzz_highlights(&src, 1 + (data[0] >> 2) % ENGINE_HL_MAX_CLIPS, 3 + (data[0] >> 2) % 58);
        break;
    }
    return 0;
}
