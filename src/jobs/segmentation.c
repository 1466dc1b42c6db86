#include "jobs/segmentation.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/analyze.h"
#include "engine/export.h"
#include "engine/probe.h"
#include "engine/shots.h"

double jobs_round_ms(double seconds) {
    return round(seconds * 1000.0) / 1000.0;
}

void jobs_seg_result_free(jobs_seg_result *res) {
    if (!res)
        return;
    for (size_t i = 0; i < res->count; i++)
        free(res->segments[i].media_url);
    free(res->segments);
    memset(res, 0, sizeof(*res));
}

static int add_segment(jobs_seg_result *res, double in, double out) {
    jobs_seg_segment *s = realloc(res->segments, (res->count + 1) * sizeof(*s));
    if (!s)
        return RC_ENOMEM;
    res->segments = s;
    s[res->count].index = (int)res->count + 1;
    s[res->count].in = in;
    s[res->count].out = out;
    s[res->count].media_url = NULL;
    res->count++;
    return 0;
}

/* The facts the runner needs: duration, and the video stream's start (the origin of media time,
 * as export counts it). */
static int probe_input(const jobs_seg_request *req, double *duration, double *origin,
                       rc_error *err) {
    engine_media_info info;
    memset(&info, 0, sizeof(info));
    rc_error perr = {0};
    int rc = engine_probe(req->input_path, &info, &perr);
    if (rc) {
        engine_media_info_free(&info);
        if (rc == RC_ENOENT)
            return rc_fail(err, rc, "InvalidParameter.ResourceNotFound",
                           "%s cannot be read: %s", req->input_param, perr.message);
        return rc_fail(err, rc == RC_ENOMEM ? rc : RC_EMEDIA, "InvalidParameter.ResourceContentBad",
                       "%s is not readable media: %s", req->input_param, perr.message);
    }
    const engine_stream_info *video = NULL;
    for (int i = 0; i < info.nb_streams && !video; i++)
        if (info.streams[i].kind == ENGINE_STREAM_VIDEO)
            video = &info.streams[i];
    if (!video) {
        engine_media_info_free(&info);
        return rc_fail(err, RC_ENOVIDEO, "InvalidParameter.ResourceContentBad",
                       "%s has no video stream", req->input_param);
    }
    *origin = video->start_time > 0 ? video->start_time : 0;
    *duration = info.duration > 0 ? info.duration : video->duration;
    engine_media_info_free(&info);
    if (!(*duration > 0))
        return rc_fail(err, RC_EMEDIA, "InvalidParameter.ResourceContentBad",
                       "%s has no known duration", req->input_param);
    return 0;
}

static int plan_user_defined(const jobs_seg_request *req, jobs_seg_result *res, rc_error *err) {
    for (size_t i = 0; i < req->n_ranges; i++) {
        const jobs_range *r = &req->ranges[i];
        if (r->in >= res->duration)
            return rc_fail(err, RC_ERANGE, "InvalidParameter.OutOfRange",
                           "%s[%zu].In %.3f s is at or past the end of the media (%.3f s)",
                           req->ranges_param, i, r->in, res->duration);
        int rc = add_segment(res, r->in, r->out < res->duration ? r->out : res->duration);
        if (rc)
            return rc;
    }
    return 0;
}

static int plan_shots(const jobs_seg_request *req, double origin, const engine_progress *progress,
                      jobs_seg_result *res, rc_error *err) {
    engine_feature_track track;
    memset(&track, 0, sizeof(track));
    engine_analyze_opts aopts = {ENGINE_ANALYZE_FULL, 0};
    rc_error aerr = {0};
    int rc = engine_analyze(req->input_path, &aopts, progress, &track, &aerr);
    if (rc) {
        engine_feature_track_free(&track);
        if (rc == RC_ECANCELED || rc == RC_ENOMEM)
            return rc_fail(err, rc, NULL, "%s: %s", req->input_param, aerr.message);
        return rc_fail(err, rc == RC_ENOVIDEO ? rc : RC_EMEDIA,
                       "InvalidParameter.ResourceContentBad", "%s cannot be decoded: %s",
                       req->input_param, aerr.message);
    }
    engine_shot_opts sopts;
    engine_shot_opts_default(&sopts);
    if (req->min_shot > 0)
        sopts.min_shot = req->min_shot;
    engine_shot_list shots = {0};
    rc = engine_detect_shots(&track, &sopts, &shots);
    double start = 0;
    for (size_t i = 0; !rc && i < shots.count; i++) {
        double t = jobs_round_ms(shots.items[i].time - origin);
        if (t <= start || t >= res->duration)
            continue;
        rc = add_segment(res, start, t);
        start = t;
    }
    if (!rc)
        rc = add_segment(res, start, res->duration);
    engine_shot_list_free(&shots);
    engine_feature_track_free(&track);
    return rc;
}

static void undo_outputs(const jobs_seg_output *o, int stored) {
    for (int i = 1; i <= stored; i++)
        if (o->undo)
            o->undo(o->user, i);
}

static int export_all(const jobs_seg_request *req, const engine_progress *progress,
                      jobs_seg_result *res, rc_error *err) {
    const jobs_seg_output *o = req->output;
    engine_export_opts eopts = {o->width, o->height};
    int stored = 0, rc = 0;
    double total = 0, done_s = 0;
    for (size_t i = 0; i < res->count; i++)
        total += res->segments[i].out - res->segments[i].in;
    for (size_t i = 0; i < res->count && !rc; i++) {
        jobs_seg_segment *s = &res->segments[i];
        char path[4096];
        rc = o->path_for(o->user, s->index, path, sizeof(path), err);
        if (rc)
            break;
        engine_progress_span span;
        double len = s->out - s->in;
        engine_progress sub = engine_progress_sub(&span, progress, total > 0 ? done_s / total : 0,
                                                  total > 0 ? (done_s + len) / total : 1);
        rc_error xerr = {0};
        rc = engine_export_range(req->input_path, s->in, s->out, path, &eopts, &sub, &xerr);
        if (rc) {
            unlink(path);
            if (rc == RC_ECANCELED || rc == RC_ENOMEM)
                rc = rc_fail(err, rc, NULL, "segment %d: %s", s->index, xerr.message);
            else if (rc == RC_EWRITE)
                rc = rc_fail(err, rc, "OutputWriteFailed", "segment %d: %s", s->index,
                             xerr.message);
            else
                rc = rc_fail(err, RC_EMEDIA, "InvalidParameter.ResourceContentBad",
                             "%s: segment %d [%.3f, %.3f) cannot be exported: %s",
                             req->input_param, s->index, s->in, s->out, xerr.message);
            break;
        }
        rc = o->done(o->user, s->index, path, &s->media_url, err);
        if (rc)
            break;
        stored++;
        done_s += len;
    }
    if (rc)
        undo_outputs(o, stored);
    return rc;
}

int jobs_segmentation_run(const jobs_seg_request *req, const engine_progress *progress,
                          jobs_seg_result *out, rc_error *err) {
    memset(out, 0, sizeof(*out));
    out->mode = req->mode;
    double origin = 0;
    int rc = probe_input(req, &out->duration, &origin, err);
    if (rc)
        goto out;
    /* Analysis takes the first part of the progress bar, exports the rest. */
    double split = req->output ? (req->mode == JOBS_SEG_BASIC_CLIP_SPLIT ? 0.5 : 0.02) : 1.0;
    engine_progress_span span;
    engine_progress first = engine_progress_sub(&span, progress, 0, split);
    if (req->mode == JOBS_SEG_USER_DEFINED)
        rc = plan_user_defined(req, out, err);
    else
        rc = plan_shots(req, origin, &first, out, err);
    if (rc)
        goto out;
    if (req->output) {
        engine_progress_span span2;
        engine_progress second = engine_progress_sub(&span2, progress, split, 1.0);
        rc = export_all(req, &second, out, err);
    }
out:
    if (rc)
        jobs_seg_result_free(out);
    else
        engine_progress_report(progress, 1.0);
    return rc;
}

json_t *jobs_seg_result_json(const jobs_seg_result *res) {
    json_t *segments = json_array();
    for (size_t i = 0; i < res->count; i++) {
        const jobs_seg_segment *s = &res->segments[i];
        double in = jobs_round_ms(s->in), outt = jobs_round_ms(s->out);
        json_t *o = json_pack("{s:i,s:f,s:f,s:f}", "Index", s->index, "In", in, "Out", outt,
                              "Duration", jobs_round_ms(outt - in));
        if (s->media_url)
            json_object_set_new(o, "MediaURL", json_string(s->media_url));
        json_array_append_new(segments, o);
    }
    return json_pack("{s:s,s:f,s:o}", "Mode", jobs_seg_mode_name(res->mode), "Duration",
                     jobs_round_ms(res->duration), "Segments", segments);
}
