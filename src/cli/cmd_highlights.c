/* reelcut highlights FILE... : the local equivalent of SubmitHighlightExtractionJob; prints the
 * AiResult JSON. Flags are turned into the job's InputConfig and validated by the same parser as
 * the API, so the messages are the same. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libavutil/log.h>

#include "cli/cli.h"
#include "cli/cli_config.h"
#include "cli/report.h"
#include "jobs/highlights.h"
#include "jobs/objectkey.h"
#include "jobs/spec.h"
#include "util/rc.h"

#define MAX_ARG_FILES 64

typedef struct hl_cli {
    const char *files[MAX_ARG_FILES];
    int n_files;
    const char *count, *clip_duration, *output, *width, *height, *input_config, *report;
} hl_cli;

static void hl_usage(FILE *out) {
    fprintf(
        out,
        "usage: reelcut highlights FILE... [--count N] [--clip-duration D] [--output TEMPLATE]\n"
        "                          [--width W] [--height H] [--input-config JSON|@FILE]\n"
        "                          [--report FILE.html]\n"
        "Picks up to N clips (1-10, default 5) of about D seconds (3-60, default 15) per input\n"
        "and prints the AiResult JSON. --output writes each clip to TEMPLATE, where {index}\n"
        "is the clip's Index (without it, _{index} goes before the extension). --report writes\n"
        "the job page (timelines, thumbnails, signal curves, players) as one HTML file.\n");
}

static int usage_error(const char *fmt, const char *arg) {
    fprintf(stderr, "InvalidParameter: ");
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    return 2;
}

static int parse_args(int argc, char **argv, hl_cli *cli) {
    memset(cli, 0, sizeof(*cli));
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        if (strcmp(a, "--count") == 0)
            slot = &cli->count;
        else if (strcmp(a, "--clip-duration") == 0)
            slot = &cli->clip_duration;
        else if (strcmp(a, "--output") == 0)
            slot = &cli->output;
        else if (strcmp(a, "--width") == 0)
            slot = &cli->width;
        else if (strcmp(a, "--height") == 0)
            slot = &cli->height;
        else if (strcmp(a, "--input-config") == 0)
            slot = &cli->input_config;
        else if (strcmp(a, "--report") == 0)
            slot = &cli->report;
        if (slot) {
            if (i + 1 >= argc)
                return usage_error("%s needs a value", a);
            *slot = argv[++i];
            continue;
        }
        if (a[0] == '-' && a[1] != '\0')
            return usage_error("unknown option %s", a);
        if (cli->n_files == MAX_ARG_FILES)
            return usage_error("at most %s input files", "64");
        cli->files[cli->n_files++] = a;
    }
    if (cli->n_files == 0 && !cli->input_config)
        return usage_error("%s", "no input file given");
    if (cli->n_files && cli->input_config)
        return usage_error("%s", "give input files or --input-config, not both");
    return 0;
}

/* file:// URL of a local path, percent-encoding what is not a plain path character. */
static char *file_url(const char *arg) {
    char *abs = NULL;
    if (strncmp(arg, "file://", 7) == 0)
        return strdup(arg);
    if (arg[0] != '/') {
        abs = realpath(arg, NULL);
        if (!abs)
            return NULL;
        arg = abs;
    }
    size_t n = strlen(arg);
    char *url = malloc(7 + 3 * n + 1);
    if (url) {
        char *p = url + sprintf(url, "file://");
        for (const unsigned char *s = (const unsigned char *)arg; *s; s++) {
            if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
                strchr("/-._~", *s))
                *p++ = (char)*s;
            else
                p += sprintf(p, "%%%02X", *s);
        }
        *p = '\0';
    }
    free(abs);
    return url;
}

/* Reads "@file" arguments; anything else is the JSON itself. Returns malloc'd text or NULL. */
static char *arg_text(const char *arg) {
    if (arg[0] != '@')
        return strdup(arg);
    FILE *f = fopen(arg + 1, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(1 << 20);
    size_t n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
    fclose(f);
    if (buf)
        buf[n] = '\0';
    return buf;
}

/* Builds the InputConfig JSON from the flags; the numbers are passed through as typed so the
 * spec parser judges them (a non-number becomes a string and fails as a type mismatch). */
static char *input_config_from_flags(const hl_cli *cli) {
    json_t *root = json_object(), *arr = json_array(), *strategy = json_object();
    char *text = NULL;
    if (!root || !arr || !strategy)
        goto out;
    for (int i = 0; i < cli->n_files; i++) {
        char *url = file_url(cli->files[i]);
        json_t *item = json_object();
        json_object_set_new(item, "MediaURL", json_string(url ? url : cli->files[i]));
        json_array_append_new(arr, item);
        free(url);
    }
    json_object_set(root, "MediaArray", arr);
    const char *nums[2] = {cli->count, cli->clip_duration};
    const char *keys[2] = {"Count", "ClipDuration"};
    for (int k = 0; k < 2; k++) {
        if (!nums[k])
            continue;
        json_error_t jerr;
        json_t *v = json_loads(nums[k], JSON_DECODE_ANY, &jerr);
        if (!v || !json_is_number(v)) {
            json_decref(v);
            v = json_string(nums[k]);
        }
        json_object_set_new(strategy, keys[k], v);
    }
    json_object_set(root, "Strategy", strategy);
    text = json_dumps(root, JSON_COMPACT);
out:
    json_decref(root);
    json_decref(arr);
    json_decref(strategy);
    return text;
}

static int parse_size(const char *arg, const char *name, int *out) {
    *out = 0;
    if (!arg)
        return 0;
    char *end;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (errno || *end || end == arg || v < 64 || v > 7680) {
        fprintf(stderr, "InvalidParameter.OutOfRange: %s must be an integer in [64,7680]\n", name);
        return 2;
    }
    *out = (int)(v + (v & 1));
    return 0;
}

static int local_output_path(void *user, int index, char *path, size_t n, rc_error *err) {
    return objectkey_expand((const char *)user, index, n - 1, path, n, "--output", err);
}

static int local_publish(void *user, int index, const char *path, char **media_url, char **media_id,
                         rc_error *err) {
    (void)user;
    (void)index;
    *media_id = NULL;
    *media_url = strdup(path);
    return *media_url ? 0 : rc_fail(err, RC_ENOMEM, NULL, "out of memory");
}

int cli_highlights(int argc, char **argv) {
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        hl_usage(stdout);
        return 0;
    }
    hl_cli cli;
    int status = parse_args(argc, argv, &cli);
    if (status) {
        hl_usage(stderr);
        return status;
    }
    av_log_set_level(AV_LOG_QUIET); /* errors reach the user as one line of ours (as probe) */
    rc_error err;
    rc_error_clear(&err);
    jobs_hl_spec spec;
    memset(&spec, 0, sizeof(spec));
    jobs_hl_result res;
    memset(&res, 0, sizeof(res));
    jobs_hl_input *inputs = NULL;
    engine_source *sources = NULL;
    engine_limits limits;
    json_t *doc = NULL;
    jobs_policy policy;
    memset(&policy, 0, sizeof(policy));
    policy.allow_local_paths = 1;
    char *input_config =
        cli.input_config ? arg_text(cli.input_config) : input_config_from_flags(&cli);
    int width = 0, height = 0;
    if (!input_config) {
        status = usage_error("cannot read %s", cli.input_config ? cli.input_config : "arguments");
        goto out;
    }
    status = parse_size(cli.width, "--width", &width);
    if (!status)
        status = parse_size(cli.height, "--height", &height);
    if (!status)
        status = cli_engine_limits(&limits);
    if (status)
        goto out;
    int rc = jobs_hl_spec_parse(input_config, NULL, NULL, &policy, &spec, &err);
    if (!rc && cli.output)
        rc = objectkey_validate(cli.output, "--output", 1, &err);
    if (rc) {
        fprintf(stderr, "%s: %s\n", err.code, err.message);
        status = 2;
        goto out;
    }
    inputs = calloc(spec.n_media, sizeof(*inputs));
    sources = calloc(spec.n_media, sizeof(*sources));
    if (!inputs || !sources) {
        rc = rc_fail(&err, RC_ENOMEM, NULL, "out of memory");
        goto failed;
    }
    for (size_t i = 0; i < spec.n_media; i++) {
        if (spec.media[i].media_id || spec.media[i].url.kind != JOBS_LOC_FILE) {
            fprintf(stderr,
                    "InvalidParameter.UnsupportedValue: InputConfig.MediaArray[%zu] must "
                    "be a local file for reelcut highlights\n",
                    i);
            status = 2;
            goto out;
        }
        inputs[i].path = spec.media[i].url.key;
        sources[i] = engine_source_path(inputs[i].path);
        sources[i].limits = &limits;
        inputs[i].source = &sources[i];
        inputs[i].media_url = cli.n_files ? cli.files[i] : spec.media[i].url.raw;
    }
    jobs_output_sink ex = {local_output_path, local_publish, NULL, NULL, (void *)cli.output};
    jobs_hl_request req = {.inputs = inputs,
                           .n_inputs = spec.n_media,
                           .count = spec.count,
                           .clip_duration = spec.clip_duration,
                           .exporter = cli.output ? &ex : NULL,
                           .width = width,
                           .height = height};
    rc = jobs_hl_run(&req, NULL, &res, &err);
    if (rc)
        goto failed;
    doc = jobs_hl_result_json(&res);
    if (!doc) {
        rc = rc_fail(&err, RC_ENOMEM, NULL, "out of memory rendering the result");
        goto failed;
    }
    if (json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10)) ||
        puts("") == EOF || fflush(stdout) != 0) {
        rc = rc_fail(&err, RC_EWRITE, NULL, "cannot write to standard output");
        goto failed;
    }
    if (cli.report) {
        cli_report_input *rin = calloc(spec.n_media, sizeof(*rin));
        char *ai = json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(10));
        for (size_t i = 0; rin && i < spec.n_media; i++)
            rin[i] = (cli_report_input){inputs[i].media_url, inputs[i].path};
        cli_report r = {"HighlightExtraction", rin, spec.n_media, ai, &limits, &res, NULL};
        rc = rin && ai ? cli_report_write(cli.report, &r, &err)
                       : rc_fail(&err, RC_ENOMEM, NULL, "out of memory");
        free(rin);
        free(ai);
        if (rc)
            goto failed;
    }
    status = 0;
    goto out;
failed:
    fprintf(stderr, "%s: %s\n", err.code[0] ? err.code : rc_ims_code(rc), err.message);
    status = rc_exit_status(rc);
out:
    json_decref(doc);
    jobs_hl_result_free(&res);
    free(inputs);
    free(sources);
    jobs_hl_spec_free(&spec);
    free(input_config);
    return status;
}
