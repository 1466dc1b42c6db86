/* reelcut probe FILE: prints the GetMediaInfo FileInfoList item of a local file. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <libavutil/log.h>

#include "cli/cli.h"
#include "cli/cli_config.h"
#include "engine/probe.h"
#include "jobs/mediainfo_json.h"
#include "util/rc.h"
#include "util/timeutil.h"

static void probe_usage(FILE *out) {
    fprintf(out, "usage: reelcut probe FILE\n"
                 "Prints the media's facts as JSON (the FileInfoList item of GetMediaInfo).\n");
}

/* Accepts a plain path or a file:// URL; returns the local path inside arg. */
static const char *local_path(const char *arg) {
    if (strncmp(arg, "file://", 7) == 0)
        return arg + 7;
    return arg;
}

int cli_probe(int argc, char **argv) {
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        probe_usage(stdout);
        return 0;
    }
    if (argc != 2 || argv[1][0] == '-') {
        probe_usage(stderr);
        return 2;
    }
    av_log_set_level(AV_LOG_QUIET); /* errors reach the user as one line of ours */
    engine_limits limits;
    if (cli_engine_limits(&limits))
        return 2;
    const char *path = local_path(argv[1]);
    rc_error err;
    rc_error_clear(&err);
    engine_media_info info;
    json_t *doc = NULL;
    engine_source src = engine_source_path(path);
    src.limits = &limits;
    int rc = engine_probe(&src, &info, &err);
    if (rc)
        goto out;
    char mtime[TIME_ISO_LEN + 1];
    struct stat sb;
    mediainfo_file file = {argv[1], NULL, NULL};
    if (stat(path, &sb) == 0) {
        time_format_iso(sb.st_mtime, mtime);
        file.create_time = mtime;
        file.modified_time = mtime;
    }
    doc = mediainfo_json_file_info(&info, &file);
    if (!doc) {
        rc = rc_fail(&err, RC_ENOMEM, NULL, "out of memory rendering %s", path);
        goto out;
    }
    if (json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 || puts("") == EOF) {
        rc = rc_fail(&err, RC_EWRITE, NULL, "cannot write to standard output");
        goto out;
    }
out:
    json_decref(doc);
    engine_media_info_free(&info);
    if (rc) {
        if (!err.rc)
            rc_fail(&err, rc, NULL, "%s: %s", path, rc_strerror(rc));
        fprintf(stderr, "%s: %s\n", err.code, err.message);
        return rc_exit_status(rc);
    }
    return 0;
}
