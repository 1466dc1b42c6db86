/* export_tool [--reencode] SRC IN OUT DST [W H]: runs engine_export_range once and prints the
 * result as "method=copy frames=N encoded=N width=W height=H audio=0|1 in=S duration=S". Exit
 * status is the rc's CLI status; the error goes to stderr as "CODE: message". Test and benchmark
 * helper. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/export/export.h"
#include "util/log.h"

int main(int argc, char **argv) {
    engine_export_opts opts = {0, 0, 0, NULL};
    if (argc > 1 && strcmp(argv[1], "--reencode") == 0) {
        opts.reencode = 1;
        argv++;
        argc--;
    }
    if (argc != 5 && argc != 7) {
        fprintf(stderr, "usage: export_tool [--reencode] SRC IN OUT DST [WIDTH HEIGHT]\n");
        return 2;
    }
    engine_global_init();
    if (!getenv("REELCUT_LOG"))
        log_set_level(LOG_WARN);
    if (argc == 7) {
        opts.width = atoi(argv[5]);
        opts.height = atoi(argv[6]);
    }
    engine_export_result res;
    rc_error err;
    rc_error_clear(&err);
    int rc = engine_export_range(ENGINE_PATH(argv[1]), strtod(argv[2], NULL), strtod(argv[3], NULL),
                                 argv[4], &opts, NULL, &res, &err);
    if (rc) {
        fprintf(stderr, "%s: %s\n", err.code[0] ? err.code : rc_ims_code(rc),
                err.message[0] ? err.message : rc_strerror(rc));
        return rc_exit_status(rc);
    }
    printf("method=%s frames=%d encoded=%d width=%d height=%d audio=%d in=%.6f duration=%.6f\n",
           engine_export_method_name(res.method), res.frames, res.encoded_frames, res.width,
           res.height, res.has_audio, res.src_in_s, res.duration_s);
    return 0;
}
