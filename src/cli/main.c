/* reelcut: self-hosted highlight extraction and segmentation, IMS-compatible. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "engine/engine.h"

/* Commands not yet built are NULL: they answer a clear error, never a fake result. */
static const struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"probe", cli_probe, "print a media file's facts as JSON (GetMediaInfo FileInfoList item)"},
    {"segment", cli_segment, "split a video at given ranges or at every shot change"},
    {"highlights", cli_highlights, "pick the clips worth watching from one or more videos"},
    {"serve", cli_serve, "run the IMS-compatible HTTP API with workers"},
    {"worker", cli_worker, "run job workers only"},
    {"keys", cli_keys, "manage access keys (keys create)"},
};

static void usage(FILE *out) {
    fprintf(out, "usage: reelcut <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-11s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nreelcut <command> --help shows a command's options.\n");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("reelcut %s\n", REELCUT_VERSION);
        return 0;
    }
    engine_global_init();
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[1], commands[i].name) != 0)
            continue;
        if (!commands[i].run) {
            fprintf(stderr, "reelcut: command '%s' is not available in this build yet\n", argv[1]);
            return 2;
        }
        return commands[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "reelcut: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
