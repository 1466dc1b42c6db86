/* report: `reelcut segment|highlights ... --report FILE` - the dashboard's job page for a CLI run
 * as one self-contained HTML file (docs/cli.md): the timeline of every input with a thumbnail per
 * segment or clip (inline JPEGs), the highlight picker's signal curves, players for the input and
 * the exported clips (paths relative to the report), the reasons and the raw AiResult. */
#ifndef REELCUT_CLI_REPORT_H
#define REELCUT_CLI_REPORT_H

#include <stddef.h>

#include "engine/engine.h"
#include "util/rc.h"

typedef struct cli_report_input {
    const char *name; /* as the user gave it (what the AiResult calls it) */
    const char *path; /* the local file */
} cli_report_input;

typedef struct cli_report {
    const char *job_type; /* "Segmentation" or "HighlightExtraction" */
    const cli_report_input *inputs;
    size_t n_inputs;
    const char *ai_result;       /* the AiResult JSON the command printed */
    const engine_limits *limits; /* for the media it reads again (thumbnails, signals) */
    /* Highlights: the run's result, whose sources carry the signal tracks and shots (NULL: the
     * inputs are analysed again for them). */
    const struct jobs_hl_result *hl;
    /* Segmentation: the analysis pass's thumbnail samples (NULL: every range is decoded). */
    const struct engine_thumb_sampler *thumbs;
} cli_report;

/* Writes the report to path (through a temporary file beside it, renamed at the end). Returns 0,
 * or an RC_E* with err naming --report or the input it could not read. */
int cli_report_write(const char *path, const cli_report *r, rc_error *err);

#endif
