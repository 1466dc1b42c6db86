/* highlights (jobs): the highlight extraction runner and its AiResult rendering. */
#include "jobs/highlights.h"

#include "jobs/signal_track.h"
#include "util/buf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/export/export.h"
#include "engine/probe.h"
#include "util/log.h"

#define EXPORT_SHARE 0.3 /* progress share of exporting, when exporting */

void jobs_hl_result_free(jobs_hl_result *res) {
    if (!res)
        return;
    for (size_t i = 0; i < res->n_clips; i++) {
        free(res->clips[i].media_url);
        free(res->clips[i].media_id);
    }
    free(res->clips);
    for (size_t i = 0; i < res->n_sources; i++) {
        free(res->sources[i].media_id);
        free(res->sources[i].media_url);
        free(res->sources[i].signal_track);
        free(res->sources[i].shots);
    }
    free(res->sources);
    memset(res, 0, sizeof(*res));
}

/* Where the engine reads an input. */
static engine_source source_of(const jobs_hl_input *in) {
    return in->source ? *in->source : engine_source_path(in->path);
}

static const char *echo_name(const jobs_hl_input *in) {
    if (in->media_id && in->media_id[0])
        return in->media_id;
    return in->media_url ? in->media_url : in->path;
}

/* Re-states an engine failure of input i with its parameter path and echo name. */
static int input_failure(rc_error *err, int rc, const rc_error *inner, size_t i,
                         const jobs_hl_input *in) {
    const char *why = rc_strerror(rc);
    if (rc == RC_ENOENT)
        why = "not found";
    else if (rc == RC_EMEDIA)
        why = "unreadable or not media";
    else if (rc == RC_ELIMIT && inner && inner->message[0])
        why = inner->message; /* the engine names the size and the limit, never a path */
    if (inner && inner->message[0])
        log_warn("highlights: input %zu: %s", i, inner->message);
    return rc_fail(err, rc, NULL, "InputConfig.MediaArray[%zu] (%s): %s", i, echo_name(in), why);
}

static int probe_inputs(const jobs_hl_request *req, jobs_hl_result *out, rc_error *err) {
    for (size_t i = 0; i < req->n_inputs; i++) {
        const jobs_hl_input *in = &req->inputs[i];
        jobs_hl_source *src = &out->sources[i];
        if (in->media_id && in->media_id[0])
            src->media_id = strdup(in->media_id);
        else
            src->media_url = strdup(in->media_url ? in->media_url : in->path);
        if (!src->media_id && !src->media_url)
            return RC_ENOMEM;
        engine_media_info info;
        rc_error inner;
        rc_error_clear(&inner);
        engine_source source = source_of(in);
        int rc = engine_probe(&source, &info, &inner);
        int has_video = 0;
        for (int k = 0; !rc && k < info.nb_streams; k++)
            has_video |= info.streams[k].kind == ENGINE_STREAM_VIDEO;
        if (!rc && !has_video)
            rc = RC_ENOVIDEO;
        src->duration = rc ? 0 : info.duration;
        engine_media_info_free(&info);
        if (rc)
            return input_failure(err, rc, &inner, i, in);
        if (src->duration > 0)
            out->total_duration += src->duration;
    }
    if (out->total_duration > JOBS_HL_MAX_TOTAL_S)
        return rc_fail(err, RC_ERANGE, NULL,
                       "InputConfig.MediaArray total duration %.3f s exceeds %.0f s",
                       out->total_duration, JOBS_HL_MAX_TOTAL_S);
    return 0;
}

static int append_clips(jobs_hl_result *out, size_t source, const engine_hl_selection *sel) {
    if (sel->n == 0)
        return 0;
    jobs_hl_clip *p = realloc(out->clips, (out->n_clips + (size_t)sel->n) * sizeof(*p));
    if (!p)
        return RC_ENOMEM;
    out->clips = p;
    for (int k = 0; k < sel->n; k++) {
        jobs_hl_clip *c = &out->clips[out->n_clips++];
        memset(c, 0, sizeof(*c));
        c->index = (int)out->n_clips;
        c->source_index = source;
        c->clip = sel->clips[k];
    }
    return 0;
}

/* What the dashboard shows of an input's analysis: its signal track and shot changes. */
static int keep_signals(const engine_hl_track *t, jobs_hl_source *src) {
    buf b;
    buf_init(&b, 0);
    int rc = jobs_signal_track_json(t, &b);
    if (!rc) {
        src->signal_track = buf_detach(&b);
        if (!src->signal_track)
            rc = RC_ENOMEM;
    }
    buf_free(&b);
    if (!rc && t->n_cut_times) {
        src->shots = malloc(t->n_cut_times * sizeof(double));
        if (!src->shots)
            return RC_ENOMEM;
        memcpy(src->shots, t->cut_times, t->n_cut_times * sizeof(double));
        src->n_shots = t->n_cut_times;
    }
    return rc;
}

int jobs_hl_analyze_input(const jobs_hl_input *in, size_t i, const engine_progress *progress,
                          engine_hl_track *track, rc_error *err) {
    rc_error inner;
    rc_error_clear(&inner);
    engine_source source = source_of(in);
    int rc = engine_hl_analyze(&source, progress, track, &inner);
    if (rc)
        engine_hl_track_free(track);
    if (rc == RC_ECANCELED || rc == RC_ENOMEM)
        return rc_fail(err, rc, NULL, "InputConfig.MediaArray[%zu] (%s): %s", i, echo_name(in),
                       rc_strerror(rc));
    return rc ? input_failure(err, rc, &inner, i, in) : 0;
}

/* Every input's track, analysed by req->analyze_all when it takes them all (*all then owns
 * them), else NULL. */
static int analyse_ahead(const jobs_hl_request *req, const engine_progress *progress, double share,
                         const jobs_hl_result *out, engine_hl_track **all, rc_error *err) {
    *all = NULL;
    if (!req->analyze_all)
        return 0;
    double *durations = calloc(req->n_inputs, sizeof(*durations));
    engine_hl_track *tracks = calloc(req->n_inputs, sizeof(*tracks));
    int done = 0, rc = durations && tracks ? 0 : RC_ENOMEM;
    for (size_t i = 0; !rc && i < req->n_inputs; i++)
        durations[i] = out->sources[i].duration;
    engine_progress_span span;
    engine_progress sub = engine_progress_sub(&span, progress, 0, share);
    if (!rc)
        rc = req->analyze_all(req->analyze_user, durations, &sub, tracks, &done, err);
    free(durations);
    if (rc || !done) {
        for (size_t i = 0; tracks && i < req->n_inputs; i++)
            engine_hl_track_free(&tracks[i]);
        free(tracks);
        return rc;
    }
    *all = tracks;
    return 0;
}

static int analyse_all(const jobs_hl_request *req, const engine_progress *progress, double share,
                       jobs_hl_result *out, rc_error *err) {
    double done = 0, total = out->total_duration > 0 ? out->total_duration : 1;
    engine_hl_track *all;
    int rc = analyse_ahead(req, progress, share, out, &all, err);
    for (size_t i = 0; !rc && i < req->n_inputs; i++) {
        const jobs_hl_input *in = &req->inputs[i];
        double len = out->sources[i].duration > 0 ? out->sources[i].duration : 0;
        engine_progress_span span;
        engine_progress sub = engine_progress_sub(&span, progress, share * done / total,
                                                  share * fmin(1, (done + len) / total));
        engine_hl_track track;
        if (all) {
            track = all[i];
            memset(&all[i], 0, sizeof(all[i]));
        } else {
            rc = jobs_hl_analyze_input(in, i, &sub, &track, err);
            if (rc)
                break;
        }
        engine_hl_selection sel;
        rc = engine_hl_select(&track, req->count, req->clip_duration, &sel);
        if (!rc)
            rc = keep_signals(&track, &out->sources[i]);
        engine_hl_track_free(&track);
        if (rc) {
            rc = rc_fail(err, rc, NULL, "highlight selection of InputConfig.MediaArray[%zu]: %s", i,
                         rc_strerror(rc));
            break;
        }
        out->sources[i].notes = sel.notes;
        rc = append_clips(out, i, &sel);
        if (rc) {
            rc = rc_fail(err, rc, NULL, "out of memory");
            break;
        }
        done += len;
        log_debug("highlights: input %zu: %d clips, notes 0x%x", i, sel.n, sel.notes);
    }
    for (size_t i = 0; all && i < req->n_inputs; i++)
        engine_hl_track_free(&all[i]);
    free(all);
    return rc;
}

static int export_all(const jobs_hl_request *req, const engine_progress *progress, double from,
                      jobs_hl_result *out, rc_error *err) {
    const jobs_output_sink *ex = req->exporter;
    char **handed = calloc(out->n_clips ? out->n_clips : 1, sizeof(char *));
    if (!handed)
        return rc_fail(err, RC_ENOMEM, NULL, "out of memory");
    int rc = 0;
    engine_export_opts opts = {.width = req->width, .height = req->height};
    char dst_name[4096];
    for (size_t k = 0; k < out->n_clips && !rc; k++) {
        jobs_hl_clip *c = &out->clips[k];
        char path[4096];
        rc = ex->path_for(ex->user, c->index, path, sizeof(path), err);
        if (rc)
            break;
        if (!(handed[k] = strdup(path))) {
            rc = rc_fail(err, RC_ENOMEM, NULL, "out of memory");
            break;
        }
        if (ex->name) {
            ex->name(ex->user, c->index, dst_name, sizeof(dst_name));
            opts.dst_name = dst_name;
        }
        double lo = from + (1 - from) * (double)k / (double)out->n_clips;
        double hi = from + (1 - from) * (double)(k + 1) / (double)out->n_clips;
        engine_progress_span span;
        engine_progress sub = engine_progress_sub(&span, progress, lo, hi);
        engine_source source = source_of(&req->inputs[c->source_index]);
        rc = engine_export_range(&source, c->clip.in, c->clip.out, path, &opts, &sub, NULL, err);
        if (!rc)
            rc = ex->publish(ex->user, c->index, path, &c->media_url, &c->media_id, err);
    }
    for (size_t k = 0; k < out->n_clips; k++) {
        if (rc && handed[k])
            jobs_output_sink_discard(ex, out->clips[k].index, handed[k]);
        free(handed[k]);
    }
    free(handed);
    return rc;
}

int jobs_hl_run(const jobs_hl_request *req, const engine_progress *progress, jobs_hl_result *out,
                rc_error *err) {
    memset(out, 0, sizeof(*out));
    if (!req || !req->inputs || req->n_inputs == 0 || req->count < 1 ||
        req->count > ENGINE_HL_MAX_CLIPS || !(req->clip_duration > 0))
        return rc_fail(err, RC_EINVAL, NULL, "invalid highlight request");
    out->sources = calloc(req->n_inputs, sizeof(*out->sources));
    if (!out->sources)
        return rc_fail(err, RC_ENOMEM, NULL, "out of memory");
    out->n_sources = req->n_inputs;
    int rc = engine_progress_report(progress, 0);
    if (!rc)
        rc = probe_inputs(req, out, err);
    double share = req->exporter ? 1 - EXPORT_SHARE : 1;
    if (!rc)
        rc = analyse_all(req, progress, share, out, err);
    if (!rc && req->exporter)
        rc = export_all(req, progress, share, out, err);
    if (!rc)
        rc = engine_progress_report(progress, 1);
    if (rc && !err->rc)
        rc_fail(err, rc, NULL, "highlight extraction failed: %s", rc_strerror(rc));
    return rc;
}

static json_t *ms(double t) {
    return json_real(round(t * 1000.0) / 1000.0);
}

static json_t *clip_json(const jobs_hl_result *res, const jobs_hl_clip *c) {
    const jobs_hl_source *src = &res->sources[c->source_index];
    json_t *o = json_object();
    json_t *reasons = json_object();
    if (!o || !reasons) {
        json_decref(o);
        json_decref(reasons);
        return NULL;
    }
    json_object_set_new(reasons, "Speech", ms(c->clip.speech));
    json_object_set_new(reasons, "Loudness", ms(c->clip.loudness));
    json_object_set_new(reasons, "Motion", ms(c->clip.motion));
    json_object_set_new(reasons, "CutRate", ms(c->clip.cut_rate));
    json_object_set_new(o, "Index", json_integer(c->index));
    json_object_set_new(o, "SourceIndex", json_integer((json_int_t)c->source_index));
    if (src->media_id)
        json_object_set_new(o, "SourceMediaId", json_string(src->media_id));
    else
        json_object_set_new(o, "SourceMediaURL", json_string(src->media_url));
    json_object_set_new(o, "In", ms(c->clip.in));
    json_object_set_new(o, "Out", ms(c->clip.out));
    json_object_set_new(o, "Duration",
                        ms(round(c->clip.out * 1000) / 1000 - round(c->clip.in * 1000) / 1000));
    json_object_set_new(o, "Score", ms(c->clip.score));
    json_object_set_new(o, "Rank", json_integer(c->clip.rank));
    json_object_set_new(o, "Reasons", reasons);
    if (c->media_url)
        json_object_set_new(o, "MediaURL", json_string(c->media_url));
    if (c->media_id)
        json_object_set_new(o, "MediaId", json_string(c->media_id));
    return o;
}

json_t *jobs_hl_result_json(const jobs_hl_result *res) {
    json_t *root = json_object(), *list = json_array(), *notes = json_array();
    if (!root || !list || !notes)
        goto fail;
    json_object_set_new(root, "Highlights", list);
    for (size_t i = 0; i < res->n_clips; i++) {
        json_t *c = clip_json(res, &res->clips[i]);
        if (!c || json_array_append_new(list, c))
            goto fail_notes;
    }
    for (size_t i = 0; i < res->n_sources; i++) {
        for (unsigned bit = 1; bit <= ENGINE_HL_NOTE_NO_USABLE; bit <<= 1) {
            if (!(res->sources[i].notes & bit))
                continue;
            json_t *n = json_object();
            if (!n)
                goto fail_notes;
            json_object_set_new(n, "SourceIndex", json_integer((json_int_t)i));
            json_object_set_new(n, "Code", json_string(engine_hl_note_name(bit)));
            json_object_set_new(n, "Message", json_string(engine_hl_note_text(bit)));
            json_array_append_new(notes, n);
        }
    }
    if (json_array_size(notes))
        json_object_set_new(root, "Notes", notes);
    else
        json_decref(notes);
    return root;
fail_notes:
    json_decref(notes);
    json_decref(root);
    return NULL;
fail:
    json_decref(root);
    json_decref(list);
    json_decref(notes);
    return NULL;
}
