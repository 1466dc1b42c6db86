#include "cli/cli_config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int cli_engine_limits(engine_limits *out) {
    config cfg;
    rc_error err = {0};
    config_defaults(&cfg);
    if (config_load_env(&cfg, &err)) {
        fprintf(stderr, "%s: %s\n", err.code[0] ? err.code : "InvalidParameter", err.message);
        return 2;
    }
    *out = (engine_limits){.max_pixels = cfg.limits_max_pixels,
                           .codec_threads = cfg.limits_codec_threads};
    return 0;
}

int cli_config_load(int argc, char **argv, const char *usage, config *cfg) {
    static const struct option longopts[] = {{"config", required_argument, NULL, 'c'},
                                             {"data-dir", required_argument, NULL, 'd'},
                                             {"listen", required_argument, NULL, 'l'},
                                             {"workers", required_argument, NULL, 'w'},
                                             {"health-listen", required_argument, NULL, 'H'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *config_file = NULL, *data_dir = NULL, *listen = NULL, *workers = NULL,
               *health = NULL;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            config_file = optarg;
            break;
        case 'd':
            data_dir = optarg;
            break;
        case 'l':
            listen = optarg;
            break;
        case 'w':
            workers = optarg;
            break;
        case 'H':
            health = optarg;
            break;
        case 'h':
            printf("%s", usage);
            return 1;
        default:
            fprintf(stderr, "%s", usage);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "InvalidParameter: unexpected argument \"%s\"\n%s", argv[optind], usage);
        return 2;
    }
    rc_error err = {0};
    config_defaults(cfg);
    int rc = 0;
    if (config_file)
        rc = config_load_file(cfg, config_file, &err);
    else if (access("reelcut.ini", F_OK) == 0)
        rc = config_load_file(cfg, "reelcut.ini", &err);
    if (!rc)
        rc = config_load_env(cfg, &err);
    if (!rc && data_dir)
        rc = config_set(cfg, "server", "data_dir", data_dir, "--data-dir", &err);
    if (!rc && listen)
        rc = config_set(cfg, "server", "listen", listen, "--listen", &err);
    if (!rc && health)
        rc = config_set(cfg, "worker", "listen", health, "--health-listen", &err);
    if (!rc && workers)
        rc = config_set(cfg, "server", "workers", workers, "--workers", &err);
    if (!rc)
        rc = config_finalize(cfg, &err);
    if (rc) {
        fprintf(stderr, "%s: %s\n", err.code[0] ? err.code : "InvalidParameter", err.message);
        return 2;
    }
    return 0;
}
