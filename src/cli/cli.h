/* cli: the reelcut command line - one file per command, dispatched from main.c. */
#ifndef REELCUT_CLI_H
#define REELCUT_CLI_H

/* Each command gets argv with argv[0] = the command name; returns the process exit status:
 * 0 finished, 2 usage or validation error, 1 or 3-6 a failed job (docs/cli.md). */
int cli_probe(int argc, char **argv);
int cli_segment(int argc, char **argv);
int cli_highlights(int argc, char **argv);
int cli_serve(int argc, char **argv);
int cli_worker(int argc, char **argv);
int cli_keys(int argc, char **argv);

#endif
