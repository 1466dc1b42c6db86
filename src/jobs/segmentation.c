#include "jobs/segmentation.h"

#include "engine/thumbs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/export/export.h"
#include "engine/probe.h"
#include "engine/shots/analyze.h"
#include "engine/shots/shots.h"

double segmentation_round_ms(double seconds) {
    return round(seconds * 1000.0) / 1000.0;
}

void segmentation_result_free(segmentation_result *res) {
    if (!res)
        return;
    free(res->segments);
    memset(res, 0, sizeof(*res));
}

static int alloc_segments(segmentation_result *out, size_t count) {
    out->segments = calloc(count ? count : 1, sizeof(*out->segments));
    if (!out->segments)
        return RC_ENOMEM;
    out->count = count;
    for (size_t i = 0; i < count; i++)
        out->segments[i].index = (int)i + 1;
    return 0;
}

/* Where the engine reads the input. */
static engine_source input_of(const segmentation_request *req) {
    return req->input_source ? *req->input_source : engine_source_path(req->input_path);
}

/* UserDefined: only the duration is needed, so a probe (no decode) is enough. */
static int plan_ranges(const segmentation_request *req, const char *name, segmentation_result *out,
                       rc_error *err) {
    engine_media_info info;
    engine_source src = input_of(req);
    int rc = engine_probe(&src, &info, err);
    if (rc)
        goto out;
    int has_video = 0;
    for (int i = 0; i < info.nb_streams; i++)
        has_video |= info.streams[i].kind == ENGINE_STREAM_VIDEO;
    if (!has_video) {
        rc = rc_fail(err, RC_ENOVIDEO, NULL, "%s has no video stream", name);
        goto out;
    }
    if (info.duration <= 0) {
        rc = rc_fail(err, RC_EMEDIA, NULL, "%s: its duration is unknown", name);
        goto out;
    }
    out->duration = segmentation_round_ms(info.duration);
    const char *rname = req->ranges_name ? req->ranges_name : "Ranges";
    rc = alloc_segments(out, req->nb_ranges);
    for (size_t i = 0; !rc && i < req->nb_ranges; i++) {
        const segmentation_range *r = &req->ranges[i];
        if (!(r->in >= 0) || !(segmentation_round_ms(r->out) > segmentation_round_ms(r->in))) {
            rc = rc_fail(err, RC_EINVAL, "InvalidParameter.OutOfRange",
                         "%s[%zu].Out must be greater than %s[%zu].In", rname, i, rname, i);
            break;
        }
        if (segmentation_round_ms(r->in) >= out->duration) {
            rc = rc_fail(err, RC_ERANGE, NULL,
                         "%s[%zu].In (%.3f s) is at or past the end of %s (%.3f s)", rname, i,
                         r->in, name, out->duration);
            break;
        }
        out->segments[i].in = segmentation_round_ms(r->in);
        out->segments[i].out = segmentation_round_ms(fmin(r->out, info.duration));
    }
out:
    engine_media_info_free(&info);
    return rc;
}

/* BasicClipSplit: decode once, find the shots, tile 0..duration with them. */
static int plan_shots(const segmentation_request *req, const char *name,
                      const engine_progress *progress, segmentation_result *out, rc_error *err) {
    engine_feature_track track;
    engine_shot_list shots = {0};
    engine_shot_opts opts;
    engine_shot_opts_default(&opts);
    if (req->min_shot > 0)
        opts.min_shot = req->min_shot;
    rc_error inner;
    rc_error_clear(&inner);
    engine_source src = input_of(req);
    engine_analyze_opts aopts = {.on_frame = req->thumbs ? engine_thumb_sampler_frame : NULL,
                                 .hook_user = req->thumbs,
                                 .spill_dir = req->spill_dir};
    int rc = req->analyze ? req->analyze(req->analyze_user, &src, &aopts, progress, &track, &inner)
                          : engine_analyze(&src, &aopts, progress, &track, &inner);
    if (rc) {
        /* The engine names the path; the job names the input the way the caller knows it. */
        if (req->input_name && rc == RC_ENOVIDEO)
            rc_fail(err, rc, NULL, "%s has no video stream", name);
        else
            rc_fail(err, rc, inner.rc ? inner.code : NULL, "%s",
                    inner.rc ? inner.message : rc_strerror(rc));
        goto out;
    }
    out->damaged = track.decode_errors > 0 || track.truncated;
    rc = engine_detect_shots(&track, &opts, &shots);
    if (rc)
        goto out;
    out->duration = segmentation_round_ms(track.duration);
    rc = alloc_segments(out, shots.count + 1);
    if (rc)
        goto out;
    double prev = 0;
    for (size_t i = 0; i <= shots.count; i++) {
        /* shot times are stream time; segments count from the stream's start, as export does */
        double end = i < shots.count ? segmentation_round_ms(shots.items[i].time - track.origin)
                                     : out->duration;
        out->segments[i].in = prev;
        out->segments[i].out = end;
        prev = end;
    }
out:
    engine_shot_list_free(&shots);
    engine_feature_track_free(&track);
    return rc;
}

static void discard_outputs(const segmentation_request *req, char (*paths)[SEGMENTATION_PATH_MAX],
                            size_t handed_out) {
    for (size_t i = 0; i < handed_out; i++)
        jobs_output_sink_discard(req->exporter, (int)i + 1, paths[i]);
}

/* Publishes segment s's file into its MediaURL / MediaId. */
static int publish(const jobs_output_sink *ex, segmentation_segment *s, const char *path,
                   rc_error *err) {
    char *url = NULL, *id = NULL;
    int rc = ex->publish(ex->user, s->index, path, &url, &id, err);
    if (!rc) {
        snprintf(s->media_url, sizeof(s->media_url), "%s", url ? url : "");
        snprintf(s->media_id, sizeof(s->media_id), "%s", id ? id : "");
    }
    free(url);
    free(id);
    return rc;
}

int segmentation_export_all(const segmentation_request *req, const engine_progress *progress,
                            double lo, segmentation_result *out, rc_error *err) {
    const jobs_output_sink *ex = req->exporter;
    char(*paths)[SEGMENTATION_PATH_MAX] = calloc(out->count, SEGMENTATION_PATH_MAX);
    if (!paths)
        return RC_ENOMEM;
    size_t handed_out = 0;
    int rc = 0;
    engine_export_opts opts = {.width = req->width, .height = req->height};
    char dst_name[SEGMENTATION_URL_MAX + 64];
    for (size_t i = 0; i < out->count && !rc; i++) {
        segmentation_segment *s = &out->segments[i];
        rc = ex->path_for(ex->user, s->index, paths[i], SEGMENTATION_PATH_MAX, err);
        if (rc)
            break;
        if (ex->name) {
            ex->name(ex->user, s->index, dst_name, sizeof(dst_name));
            opts.dst_name = dst_name;
        }
        handed_out = i + 1;
        double span = (1.0 - lo) / (double)out->count;
        engine_progress_span sp;
        engine_progress sub =
            engine_progress_sub(&sp, progress, lo + span * (double)i, lo + span * (double)(i + 1));
        engine_source src = input_of(req);
        rc = engine_export_range(&src, s->in, s->out, paths[i], &opts, &sub, NULL, err);
        if (!rc)
            rc = publish(ex, s, paths[i], err);
    }
    if (rc) {
        discard_outputs(req, paths, handed_out);
        for (size_t i = 0; i < out->count; i++)
            out->segments[i].media_url[0] = out->segments[i].media_id[0] = 0;
    }
    free(paths);
    return rc;
}

int segmentation_run(const segmentation_request *req, const engine_progress *progress,
                     segmentation_result *out, rc_error *err) {
    memset(out, 0, sizeof(*out));
    out->mode = req->mode;
    const char *name = req->input_name ? req->input_name : req->input_path;
    double analysis_share = req->exporter ? 0.3 : 1.0;
    engine_progress_span sp;
    engine_progress sub = engine_progress_sub(&sp, progress, 0, analysis_share);
    int rc;
    if (req->mode == SEGMENTATION_USER_DEFINED) {
        if (!req->ranges || req->nb_ranges == 0)
            return rc_fail(err, RC_EINVAL, "InvalidParameter.EmptyValue",
                           "%s is mandatory for this action.",
                           req->ranges_name ? req->ranges_name : "Ranges");
        rc = plan_ranges(req, name, out, err);
    } else {
        rc = plan_shots(req, name, &sub, out, err);
    }
    if (!rc && req->exporter)
        rc = req->export_all
                 ? req->export_all(req->export_user, req, progress, analysis_share, out, err)
                 : segmentation_export_all(req, progress, analysis_share, out, err);
    if (!rc)
        rc = engine_progress_report(progress, 1);
    if (rc && !err->rc)
        rc_fail(err, rc, NULL, "%s: %s", name, rc_strerror(rc));
    return rc;
}

static int set_real(json_t *o, const char *key, double v) {
    return json_object_set_new(o, key, json_real(segmentation_round_ms(v)));
}

json_t *segmentation_ai_result(const segmentation_result *res) {
    json_t *root = json_object(), *list = json_array();
    int r = !root || !list;
    if (!r) {
        r |= json_object_set_new(
            root, "Mode",
            json_string(res->mode == SEGMENTATION_USER_DEFINED ? "UserDefined" : "BasicClipSplit"));
        r |= set_real(root, "Duration", res->duration);
    }
    for (size_t i = 0; !r && i < res->count; i++) {
        const segmentation_segment *s = &res->segments[i];
        json_t *o = json_object();
        r |= !o || json_array_append_new(list, o);
        if (r)
            break;
        r |= json_object_set_new(o, "Index", json_integer(s->index));
        r |= set_real(o, "In", s->in);
        r |= set_real(o, "Out", s->out);
        r |= set_real(o, "Duration", s->out - s->in);
        if (s->media_url[0])
            r |= json_object_set_new(o, "MediaURL", json_string(s->media_url));
        if (s->media_id[0])
            r |= json_object_set_new(o, "MediaId", json_string(s->media_id));
    }
    if (!r) {
        r = json_object_set_new(root, "Segments", list);
        list = NULL;
    }
    json_decref(list);
    if (r) {
        json_decref(root);
        return NULL;
    }
    return root;
}

char *segmentation_ai_result_dumps(const segmentation_result *res, int indent) {
    json_t *doc = segmentation_ai_result(res);
    if (!doc)
        return NULL;
    size_t flags = JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15);
    flags |= indent > 0 ? JSON_INDENT(indent) : JSON_COMPACT;
    char *s = json_dumps(doc, flags);
    json_decref(doc);
    return s;
}
