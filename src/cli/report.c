/* report: see report.h. The page is ui/'s own code (job.js, timeline.js, dom.js, style.css)
 * with report.js in place of the dashboard's app.js and report_api.js in place of api.js; the data
 * and the modules travel in the file as JSON (report_loader.js starts them). */
#include "cli/report.h"

#include <errno.h>
#include <jansson.h>
#include <libavutil/base64.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/web.h"
#include "engine/highlights/highlights.h"
#include "engine/thumbs.h"
#include "jobs/highlights.h"
#include "jobs/signal_track.h"
#include "util/buf.h"
#include "util/timeutil.h"

static const api_web_asset *asset(const char *name) {
    for (size_t i = 0; i < api_web_assets_count; i++)
        if (strcmp(api_web_assets[i].name, name) == 0)
            return &api_web_assets[i];
    return NULL;
}

/* A data: URL of bytes of type. NULL when out of memory. */
static json_t *data_url(const char *type, const void *bytes, size_t n) {
    if (n > (size_t)INT_MAX / 2)
        return NULL;
    size_t len = AV_BASE64_SIZE(n);
    buf b;
    buf_init(&b, 0);
    char *enc = malloc(len);
    json_t *out = NULL;
    if (enc && av_base64_encode(enc, (int)len, bytes, (int)n) &&
        buf_printf(&b, "data:%s;base64,%s", type, enc) == 0)
        out = json_stringn(b.data, b.len);
    free(enc);
    buf_free(&b);
    return out;
}

/* The URL of the local file `target` relative to the folder dir (both absolute, resolved):
 * "../clips/a%20b.mp4". */
static json_t *relative_url(const char *dir, const char *target) {
    buf d, b;
    buf_init(&d, 0);
    buf_init(&b, 0);
    int rc = buf_puts(&d, dir);
    if (!rc && (d.len == 0 || d.data[d.len - 1] != '/'))
        rc = buf_puts(&d, "/");
    size_t common = 0; /* just after the last '/' dir (with a final '/') and target share */
    for (size_t i = 0; !rc && d.data[i] && d.data[i] == target[i]; i++)
        if (d.data[i] == '/')
            common = i + 1;
    for (size_t i = common; !rc && i < d.len; i++)
        if (d.data[i] == '/')
            rc = buf_puts(&b, "../"); /* one per folder of dir below the shared part */
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)target + common; *p && !rc; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-_.~/", *p))
            rc = buf_append(&b, p, 1);
        else
            rc = buf_printf(&b, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
    }
    json_t *out = rc ? NULL : json_stringn(b.data ? b.data : "", b.len);
    buf_free(&d);
    buf_free(&b);
    return out;
}

typedef struct report_job {
    const cli_report *r;
    char dir[PATH_MAX];
    json_t *objects;
    rc_error *err;
} report_job;

/* objects[location] = the URL of the local file path (when it exists). */
static int add_file(report_job *j, const char *location, const char *path) {
    char real[PATH_MAX];
    if (!location || !path || !realpath(path, real))
        return 0; /* gone or not a file: the page says it cannot play it */
    json_t *u = relative_url(j->dir, real);
    if (!u || json_object_set_new(j->objects, location, u))
        return RC_ENOMEM;
    return 0;
}

/* Thumbnails of items[i] (objects with In and Out) - the sampler's where it has one, else made
 * from the input src: ThumbnailKey per item. */
static int add_thumbs(report_job *j, const engine_source *src,
                      const struct engine_thumb_sampler *sampler, json_t **items, size_t n,
                      const char *prefix) {
    if (n == 0)
        return 0;
    engine_thumb_range *ranges = calloc(n, sizeof(*ranges));
    engine_thumb *decoded = calloc(n, sizeof(*decoded));
    const engine_thumb **use = calloc(n, sizeof(*use));
    int rc = RC_ENOMEM;
    if (!ranges || !decoded || !use)
        goto out;
    for (size_t i = 0; i < n; i++) {
        ranges[i].start = json_number_value(json_object_get(items[i], "In"));
        ranges[i].end = json_number_value(json_object_get(items[i], "Out"));
        if (!(ranges[i].end > ranges[i].start) || ranges[i].start < 0)
            ranges[i] = (engine_thumb_range){0, 1e-3}; /* (not from reelcut: a first frame) */
    }
    rc = engine_thumbs_sampled(src, sampler, ranges, n, decoded, use, j->err);
    for (size_t i = 0; !rc && i < n; i++) {
        if (!use[i])
            continue;
        char key[64];
        snprintf(key, sizeof(key), "%s/%zu.jpg", prefix, i + 1);
        json_t *u = data_url("image/jpeg", use[i]->jpeg, use[i]->size);
        if (!u || json_object_set_new(j->objects, key, u) ||
            json_object_set_new(items[i], "ThumbnailKey", json_string(key)))
            rc = RC_ENOMEM;
    }
    engine_thumbs_free(decoded, n);
out:
    free(ranges);
    free(decoded);
    free(use);
    return rc;
}

static engine_source source_of(const report_job *j, size_t i) {
    engine_source s = engine_source_path(j->r->inputs[i].path);
    s.name = j->r->inputs[i].name;
    s.limits = j->r->limits;
    return s;
}

static int segmentation(report_job *j, json_t *ai) {
    json_t *segs = json_object_get(ai, "Segments");
    size_t n = json_array_size(segs);
    json_t **items = calloc(n ? n : 1, sizeof(*items));
    if (!items)
        return RC_ENOMEM;
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        items[i] = json_array_get(segs, i);
        const char *url = json_string_value(json_object_get(items[i], "MediaURL"));
        rc = add_file(j, url, url);
    }
    engine_source src = source_of(j, 0);
    if (!rc)
        rc = add_thumbs(j, &src, j->r->thumbs, items, n, "thumb");
    free(items);
    return rc;
}

/* One source of a highlight job: its signal track, shots and duration in Sources[], its clips'
 * thumbnails. */
static int highlight_source(report_job *j, json_t *ai, size_t s) {
    engine_source src = source_of(j, s);
    engine_hl_track t;
    memset(&t, 0, sizeof(t));
    buf track;
    buf_init(&track, 0);
    int rc = 0;
    const jobs_hl_source *kept = j->r->hl && s < j->r->hl->n_sources ? &j->r->hl->sources[s] : NULL;
    if (kept && kept->signal_track) { /* the run's own: no second analysis */
        t.duration = kept->duration;
        t.cut_times = kept->shots;
        t.n_cut_times = kept->n_shots;
        rc = buf_puts(&track, kept->signal_track);
    } else {
        rc = engine_hl_analyze(&src, NULL, &t, j->err);
    }
    char key[64];
    snprintf(key, sizeof(key), "track/%zu.json", s + 1);
    json_t *shots = json_array(), *o = json_object();
    if (!rc && (!shots || !o))
        rc = RC_ENOMEM;
    for (size_t i = 0; !rc && i < t.n_cut_times; i++)
        if (json_array_append_new(shots, json_real(t.cut_times[i])))
            rc = RC_ENOMEM;
    if (!rc && !kept)
        rc = jobs_signal_track_json(&t, &track);
    if (!rc) {
        json_t *u = data_url("application/json", track.data, track.len);
        if (!u || json_object_set_new(j->objects, key, u))
            rc = RC_ENOMEM;
    }
    if (!rc && (json_object_set_new(o, "SourceIndex", json_integer((json_int_t)s)) ||
                json_object_set_new(o, "Duration", json_real(t.duration)) ||
                json_object_set(o, "Shots", shots) ||
                json_object_set_new(o, "SignalTrackKey", json_string(key)) ||
                json_array_append(json_object_get(ai, "Sources"), o)))
        rc = RC_ENOMEM;
    buf_free(&track);
    json_decref(shots);
    json_decref(o);
    if (kept && kept->signal_track)
        memset(&t, 0, sizeof(t)); /* (borrowed from the run) */
    engine_hl_track_free(&t);
    if (rc)
        return rc;
    /* the clips of this source */
    json_t *hl = json_object_get(ai, "Highlights");
    size_t n = json_array_size(hl), k = 0;
    json_t **items = calloc(n ? n : 1, sizeof(*items));
    if (!items)
        return RC_ENOMEM;
    for (size_t i = 0; i < n && !rc; i++) {
        json_t *c = json_array_get(hl, i);
        if ((size_t)json_integer_value(json_object_get(c, "SourceIndex")) != s)
            continue;
        items[k++] = c;
        const char *url = json_string_value(json_object_get(c, "MediaURL"));
        rc = add_file(j, url, url);
    }
    char prefix[32];
    snprintf(prefix, sizeof(prefix), "thumb/%zu", s + 1);
    if (!rc)
        rc = add_thumbs(j, &src, NULL, items, k, prefix);
    free(items);
    return rc;
}

static int highlights(report_job *j, json_t *ai) {
    if (json_object_set_new(ai, "Sources", json_array()))
        return RC_ENOMEM;
    int rc = 0;
    for (size_t s = 0; s < j->r->n_inputs && !rc; s++)
        rc = highlight_source(j, ai, s);
    return rc;
}

/* JSON for a <script type="application/json">: every '<' escaped, so no "</script>" or "<!--"
 * inside can end or bend the element. */
static int put_json(buf *out, const json_t *v) {
    char *s = json_dumps(v, JSON_COMPACT);
    if (!s)
        return RC_ENOMEM;
    int rc = 0;
    for (const char *p = s; *p && !rc; p++)
        rc = *p == '<' ? buf_puts(out, "\\u003c") : buf_append(out, p, 1);
    free(s);
    return rc;
}

static int put_html_text(buf *out, const char *s) {
    int rc = 0;
    for (; *s && !rc; s++) {
        switch (*s) {
        case '<':
            rc = buf_puts(out, "&lt;");
            break;
        case '>':
            rc = buf_puts(out, "&gt;");
            break;
        case '&':
            rc = buf_puts(out, "&amp;");
            break;
        case '"':
            rc = buf_puts(out, "&quot;");
            break;
        default:
            rc = buf_append(out, s, 1);
        }
    }
    return rc;
}

static int render(report_job *j, json_t *ai, buf *out) {
    static const char *const modules[] = {"dom.js", "report_api.js", "timeline.js", "job.js",
                                          "report.js"};
    const api_web_asset *css = asset("style.css"), *loader = asset("report_loader.js");
    json_t *mods = json_object(), *data = json_object(), *names = json_array();
    int rc = RC_ENOMEM;
    if (!mods || !data || !names || !css || !loader)
        goto out;
    for (size_t i = 0; i < sizeof(modules) / sizeof(modules[0]); i++) {
        const api_web_asset *a = asset(modules[i]);
        if (!a ||
            json_object_set_new(mods, modules[i], json_stringn((const char *)a->data, a->len)))
            goto out;
    }
    for (size_t i = 0; i < j->r->n_inputs; i++)
        if (json_array_append_new(names, json_string(j->r->inputs[i].name)))
            goto out;
    char created[TIME_ISO_LEN + 1];
    time_format_iso(time(NULL), created);
    char *ai_text = json_dumps(ai, JSON_COMPACT);
    if (!ai_text ||
        json_object_set_new(data, "Generator", json_string("reelcut " REELCUT_VERSION)) ||
        json_object_set_new(data, "Created", json_string(created)) ||
        json_object_set_new(data, "JobType", json_string(j->r->job_type)) ||
        json_object_set_new(data, "Input", json_string(j->r->inputs[0].name)) ||
        json_object_set(data, "Inputs", names) ||
        json_object_set_new(data, "AiResult", json_string(ai_text)) ||
        json_object_set(data, "Objects", j->objects)) {
        free(ai_text);
        goto out;
    }
    free(ai_text);
    rc = buf_puts(out, "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                       "<meta name=\"referrer\" content=\"no-referrer\">\n<title>reelcut: ");
    if (!rc)
        rc = put_html_text(out, j->r->job_type);
    if (!rc)
        rc = buf_puts(out, " of ");
    if (!rc)
        rc = put_html_text(out, j->r->inputs[0].name);
    if (!rc)
        rc = buf_puts(out, "</title>\n<style>\n");
    if (!rc)
        rc = buf_append(out, css->data, css->len);
    if (!rc)
        rc = buf_puts(out, "</style>\n</head>\n<body>\n<header id=\"top\"><span class=\"brand\">"
                           "reelcut</span></header>\n<main id=\"main\"><noscript>This report needs "
                           "JavaScript.</noscript></main>\n"
                           "<script type=\"application/json\" id=\"reelcut-data\">");
    if (!rc)
        rc = put_json(out, data);
    if (!rc)
        rc = buf_puts(out, "</script>\n<script type=\"application/json\" id=\"reelcut-modules\">");
    if (!rc)
        rc = put_json(out, mods);
    if (!rc)
        rc = buf_puts(out, "</script>\n<script>\n");
    if (!rc)
        rc = buf_append(out, loader->data, loader->len);
    if (!rc)
        rc = buf_puts(out, "</script>\n</body>\n</html>\n");
out:
    json_decref(mods);
    json_decref(data);
    json_decref(names);
    return rc;
}

/* The absolute folder of path (which need not exist yet; its folder must). */
static int folder_of(const char *path, char out[PATH_MAX], rc_error *err) {
    char tmp[PATH_MAX];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(tmp, sizeof(tmp), ".");
    else if (slash == path)
        snprintf(tmp, sizeof(tmp), "/");
    else
        snprintf(tmp, sizeof(tmp), "%.*s", (int)(slash - path), path);
    if (!realpath(tmp, out))
        return rc_fail(err, RC_EWRITE, NULL, "--report folder %s: %s", tmp, strerror(errno));
    return 0;
}

int cli_report_write(const char *path, const cli_report *r, rc_error *err) {
    report_job j = {.r = r, .err = err};
    if (r->n_inputs == 0)
        return rc_fail(err, RC_EINVAL, NULL, "--report: no input");
    int rc = folder_of(path, j.dir, err);
    if (rc)
        return rc;
    json_error_t jerr;
    json_t *ai = json_loads(r->ai_result, 0, &jerr);
    j.objects = json_object();
    buf html;
    buf_init(&html, 256u << 20);
    char *tmp = NULL;
    if (!ai || !j.objects) {
        rc = ai ? RC_ENOMEM : rc_fail(err, RC_EINVAL, NULL, "--report: the result is no JSON");
        goto out;
    }
    for (size_t i = 0; i < r->n_inputs && !rc; i++)
        rc = add_file(&j, r->inputs[i].name, r->inputs[i].path);
    if (!rc)
        rc = strcmp(r->job_type, "Segmentation") == 0 ? segmentation(&j, ai) : highlights(&j, ai);
    if (!rc)
        rc = render(&j, ai, &html);
    if (rc)
        goto out;
    if (asprintf(&tmp, "%s.tmp%ld", path, (long)getpid()) < 0) {
        tmp = NULL;
        rc = RC_ENOMEM;
        goto out;
    }
    FILE *f = fopen(tmp, "wb");
    int ok = f && fwrite(html.data, 1, html.len, f) == html.len;
    int e = errno;
    if (f && fclose(f) != 0 && ok) {
        ok = 0;
        e = errno;
    }
    if (!ok) {
        unlink(tmp);
        rc = rc_fail(err, RC_EWRITE, NULL, "--report %s cannot be written: %s", path, strerror(e));
        goto out;
    }
    if (rename(tmp, path) != 0) {
        unlink(tmp);
        rc = rc_fail(err, RC_EWRITE, NULL, "--report %s cannot be written: %s", path,
                     strerror(errno));
    }
out:
    if (rc == RC_ENOMEM)
        rc_fail(err, rc, NULL, "out of memory writing --report");
    free(tmp);
    buf_free(&html);
    json_decref(ai);
    json_decref(j.objects);
    return rc;
}
