/* reelcut keys create: makes an access key pair and stores it where `serve` finds it. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_config.h"
#include "util/keys.h"

static const char keys_usage[] =
    "usage: reelcut keys create [--data-dir DIR] [--config FILE]\n"
    "Creates an access key, stores it in the keys file (mode 0600) and prints\n"
    "{\"AccessKeyId\": \"...\", \"AccessKeySecret\": \"...\"}.\n";

int cli_keys(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "create") != 0) {
        fprintf(stderr, "%s", keys_usage);
        return 2;
    }
    config cfg;
    int st = cli_config_load(argc - 1, argv + 1, keys_usage, &cfg);
    if (st)
        return st == 1 ? 0 : st;
    rc_error err = {0};
    keys_entry key;
    if (keys_create(cfg.keys_file, KEYS_DEFAULT_USER_ID, &key, &err)) {
        fprintf(stderr, "%s: %s\n", err.code, err.message);
        return 1;
    }
    json_t *out =
        json_pack("{s:s,s:s}", "AccessKeyId", key.access_key_id, "AccessKeySecret", key.secret);
    char *text = json_dumps(out, 0);
    printf("%s\n", text);
    free(text);
    json_decref(out);
    return 0;
}
