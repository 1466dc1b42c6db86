/* cli_config: builds the service configuration for `serve`, `worker` and `keys` from defaults, the
 * --config file (or ./reelcut.ini if present), REELCUT_* variables and flags, in that order. */
#ifndef REELCUT_CLI_CONFIG_H
#define REELCUT_CLI_CONFIG_H

#include "engine/engine.h"
#include "util/config.h"

/* Flags understood: --config FILE, --data-dir DIR, --listen HOST:PORT, --workers N. Unknown
 * flags are an error. Prints `<Code>: <Message>` to stderr and returns 2 on a usage error, else 0
 * with cfg finalised (data dir created). */
int cli_config_load(int argc, char **argv, const char *usage, config *cfg);

/* The engine limits of the local commands (probe, segment, highlights): the [limits] defaults,
 * then REELCUT_LIMITS_* variables (no file, no data folder). Returns 0, or prints `<Code>:
 * <Message>` to stderr and returns 2 for a bad variable. */
int cli_engine_limits(engine_limits *out);

#endif
