/* reelcut segment FILE [...]: local SubmitSegmentationJob; prints the AiResult JSON on stdout. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavutil/log.h>

#include "cli/cli.h"
#include "cli/cli_config.h"
#include "cli/report.h"
#include "engine/thumbs.h"
#include "jobs/artefacts.h"
#include "jobs/objectkey.h"
#include "jobs/segmentation.h"
#include "util/rc.h"

#define MAX_RANGES 100

typedef struct segment_args {
    const char *input;
    const char *output; /* template, NULL = no export */
    const char *report; /* --report FILE.html, NULL = none */
    segmentation_range ranges[MAX_RANGES];
    size_t nb_ranges;
    int user_defined;
    double min_shot;
    int width, height;
} segment_args;

static void segment_usage(FILE *out) {
    fprintf(out,
            "usage: reelcut segment FILE [--ranges IN-OUT,IN-OUT...] [--output TEMPLATE]\n"
            "                            [--width W] [--height H] [--min-shot SECONDS]\n"
            "                            [--report FILE.html]\n"
            "Without --ranges: one segment per shot (BasicClipSplit); with them: UserDefined.\n"
            "--output writes each segment to TEMPLATE with {index} = 1, 2, ... (ObjectKey rules).\n"
            "--report writes the job page (timeline, thumbnails, players) as one HTML file.\n"
            "Prints the AiResult JSON on stdout. Exit status: docs/cli.md.\n");
}

static int parse_number(const char *s, const char *end, double *out) {
    char tmp[64];
    size_t n = (size_t)(end - s);
    if (n == 0 || n >= sizeof(tmp))
        return -1;
    memcpy(tmp, s, n);
    tmp[n] = 0;
    char *stop;
    errno = 0;
    double v = strtod(tmp, &stop);
    if (*stop || errno || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

/* "IN-OUT,IN-OUT": seconds, In >= 0, Out > In, at most MAX_RANGES. */
static int parse_ranges(const char *spec, segment_args *a, rc_error *err) {
    const char *p = spec;
    while (*p) {
        if (a->nb_ranges == MAX_RANGES)
            return rc_fail(err, RC_EINVAL, "InvalidParameter.OutOfRange",
                           "--ranges must have at most %d items", MAX_RANGES);
        const char *comma = strchr(p, ',');
        const char *end = comma ? comma : p + strlen(p);
        const char *dash = memchr(p + 1, '-', (size_t)(end - p - (end > p ? 1 : 0)));
        segmentation_range *r = &a->ranges[a->nb_ranges];
        size_t i = a->nb_ranges;
        if (!dash || parse_number(p, dash, &r->in) || parse_number(dash + 1, end, &r->out))
            return rc_fail(err, RC_EINVAL, "InvalidParameter.TypeMismatch",
                           "--ranges[%zu] must be IN-OUT in seconds, e.g. 0-10.5", i);
        if (r->in < 0)
            return rc_fail(err, RC_EINVAL, "InvalidParameter.OutOfRange",
                           "--ranges[%zu].In must be >= 0", i);
        if (!(r->out > r->in))
            return rc_fail(err, RC_EINVAL, "InvalidParameter.OutOfRange",
                           "--ranges[%zu].Out must be greater than --ranges[%zu].In", i, i);
        a->nb_ranges++;
        p = comma ? comma + 1 : end;
    }
    if (a->nb_ranges == 0)
        return rc_fail(err, RC_EINVAL, "InvalidParameter.EmptyValue",
                       "--ranges is mandatory for this action.");
    return 0;
}

static int parse_size(const char *name, const char *v, int *out, rc_error *err) {
    char *stop;
    errno = 0;
    long n = strtol(v, &stop, 10);
    if (*stop || errno || stop == v)
        return rc_fail(err, RC_EINVAL, "InvalidParameter.TypeMismatch", "%s must be an integer",
                       name);
    if (n < 64 || n > 7680)
        return rc_fail(err, RC_EINVAL, "InvalidParameter.OutOfRange", "%s must be in [64,7680]",
                       name);
    *out = (int)((n + 1) & ~1L);
    return 0;
}

static int parse_args(int argc, char **argv, segment_args *a, rc_error *err) {
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        int has_value = i + 1 < argc;
        if (opt[0] != '-' && !a->input) {
            a->input = opt;
        } else if (strcmp(opt, "--ranges") == 0 && has_value) {
            a->user_defined = 1;
            int rc = parse_ranges(argv[++i], a, err);
            if (rc)
                return rc;
        } else if (strcmp(opt, "--output") == 0 && has_value) {
            a->output = argv[++i];
            int rc = objectkey_validate(a->output, "--output", 1, err);
            if (rc)
                return RC_EINVAL;
        } else if ((strcmp(opt, "--width") == 0 || strcmp(opt, "--height") == 0) && has_value) {
            int rc = parse_size(opt, argv[++i], opt[2] == 'w' ? &a->width : &a->height, err);
            if (rc)
                return rc;
        } else if (strcmp(opt, "--report") == 0 && has_value) {
            a->report = argv[++i];
        } else if (strcmp(opt, "--min-shot") == 0 && has_value) {
            double v;
            const char *s = argv[++i];
            if (parse_number(s, s + strlen(s), &v) || v < 0 || v > 3600)
                return rc_fail(err, RC_EINVAL, "InvalidParameter.OutOfRange",
                               "--min-shot must be in [0,3600]");
            a->min_shot = v > 0 ? v : 1e-6;
        } else {
            return rc_fail(err, RC_EINVAL, "InvalidParameter", "unknown or incomplete option %s",
                           opt);
        }
    }
    if (!a->input)
        return rc_fail(err, RC_EINVAL, "MissingParameter", "FILE is mandatory for this action.");
    return 0;
}

/* Local export: {index} expanded into a path; folders made as needed; MediaURL = that path. */
static int make_parents(const char *path, rc_error *err) {
    char dir[SEGMENTATION_PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof(dir), ".");
    else if (slash == dir)
        dir[1] = 0;
    else
        *slash = 0;
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(dir, 0777) != 0 && errno != EEXIST)
            break;
        *p = '/';
    }
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return rc_fail(err, RC_EWRITE, NULL, "--output folder %s cannot be created: %s", dir,
                       strerror(errno));
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return rc_fail(err, RC_EWRITE, NULL, "--output folder %s is not a folder", dir);
    if (access(dir, W_OK) != 0)
        return rc_fail(err, RC_EWRITE, NULL, "--output folder %s is not writable: %s", dir,
                       strerror(errno));
    return 0;
}

static int local_path(void *user, int index, char *path, size_t n, rc_error *err) {
    const segment_args *a = user;
    int rc = objectkey_expand(a->output, index, PATH_MAX - 1, path, n, "--output", err);
    if (rc)
        return rc;
    return make_parents(path, err);
}

static int local_publish(void *user, int index, const char *path, char **media_url, char **media_id,
                         rc_error *err) {
    (void)user, (void)index;
    *media_id = NULL;
    *media_url = strdup(path);
    return *media_url ? 0 : rc_fail(err, RC_ENOMEM, NULL, "out of memory");
}

static void local_discard(void *user, int index, const char *path) {
    (void)user, (void)index;
    if (path[0])
        unlink(path);
}

static int show_progress(void *user, double fraction) {
    int *last = user;
    int pct = (int)(fraction * 100);
    if (pct != *last) {
        *last = pct;
        fprintf(stderr, "\rsegment: %3d%%", pct);
        fflush(stderr);
    }
    return 0;
}

int cli_segment(int argc, char **argv) {
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            segment_usage(stdout);
            return 0;
        }
    av_log_set_level(AV_LOG_QUIET); /* errors reach the user as one line of ours */
    rc_error err;
    rc_error_clear(&err);
    segment_args args;
    memset(&args, 0, sizeof(args));
    segmentation_result res;
    memset(&res, 0, sizeof(res));
    char *json = NULL;
    engine_thumb_sampler *sampler = NULL;
    int rc = parse_args(argc, argv, &args, &err);
    if (rc) {
        fprintf(stderr, "%s: %s\n", err.code, err.message);
        return 2;
    }
    engine_limits limits;
    if (cli_engine_limits(&limits))
        return 2;
    const char *path = strncmp(args.input, "file://", 7) == 0 ? args.input + 7 : args.input;
    engine_source source = engine_source_path(path);
    source.limits = &limits;
    jobs_output_sink exporter = {local_path, local_publish, local_discard, NULL, &args};
    if (args.output) {
        /* Fail before decoding anything if the first output cannot be placed. */
        char first[SEGMENTATION_PATH_MAX];
        rc = local_path(&args, 1, first, sizeof(first), &err);
        if (rc)
            goto out;
    }
    segmentation_request req = {
        .input_path = path,
        .input_source = &source,
        .input_name = args.input,
        .mode = args.user_defined ? SEGMENTATION_USER_DEFINED : SEGMENTATION_BASIC_CLIP_SPLIT,
        .ranges = args.ranges,
        .nb_ranges = args.nb_ranges,
        .ranges_name = "--ranges",
        .min_shot = args.min_shot,
        .width = args.width,
        .height = args.height,
        .exporter = args.output ? &exporter : NULL,
    };
    if (args.report && !args.user_defined &&
        engine_thumb_sampler_new(JOBS_THUMB_EVERY_S, JOBS_THUMB_SAMPLES, 0, &sampler) == 0)
        req.thumbs = sampler; /* the report's thumbnails from the analysis pass's frames */
    int last = -1;
    engine_progress progress = {isatty(STDERR_FILENO) ? show_progress : NULL, &last};
    rc = segmentation_run(&req, &progress, &res, &err);
    if (last >= 0)
        fputc('\n', stderr);
    if (rc)
        goto out;
    json = segmentation_ai_result_dumps(&res, 2);
    if (!json) {
        rc = rc_fail(&err, RC_ENOMEM, NULL, "out of memory rendering the result");
        goto out;
    }
    if (puts(json) == EOF || fflush(stdout) != 0) {
        rc = rc_fail(&err, RC_EWRITE, NULL, "cannot write to standard output");
        goto out;
    }
    if (args.report) {
        cli_report_input in = {args.input, path};
        cli_report r = {"Segmentation", &in, 1, json, &limits, NULL, sampler};
        rc = cli_report_write(args.report, &r, &err);
    }
out:
    engine_thumb_sampler_free(&sampler);
    free(json);
    segmentation_result_free(&res);
    if (rc) {
        fprintf(stderr, "%s: %s\n", err.code, err.message);
        return rc_exit_status(rc);
    }
    return 0;
}
