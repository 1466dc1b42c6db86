/* execute_int: what the executor shares with the per-type runners (exec_*.c) and the bucket sink
 * (sink.c); private to src/jobs. */
#ifndef REELCUT_EXECUTE_INT_H
#define REELCUT_EXECUTE_INT_H

#include "jobs/execute.h"
#include "jobs/sink.h"

struct jobs_executor {
    const config *cfg;
    store *st;
    blob_backend *blob;
    jobs_policy policy;
    engine_limits limits;
};

/* Resolves loc (named `param` in messages) to something the engine reads, under the executor's
 * limits, named for messages by param and the location; MediaIds resolve through the store for
 * the job's user. Returns 0 (free *out with jobs_object_input_free) or a negative rc with err. */
int jobs_resolve_input(jobs_executor *ex, const store_job *job, const jobs_location *loc,
                       const char *param, const char *work_dir, jobs_object_input *out,
                       rc_error *err);

/* Replaces a job failure (or success) by the input reader's failure, if it had one: the engine
 * sees a failed read as damaged or truncated media. Returns the rc to report. */
int jobs_input_read_failure(const jobs_object_input *in, const char *param, int rc, rc_error *err);

/* Fails before any work is done when some output of the template would be one of the n inputs. */
int jobs_outputs_spare_inputs(const jobs_output_spec *out, const jobs_object_input *in, size_t n,
                              rc_error *err);

/* The service's output sink: outputs are written in the job's folder, then stored in
 * OutputConfig.Bucket (through the bucket's backend, or OutputConfig.Endpoint's) under the
 * expanded ObjectKey, and registered as media with ExportAsNewMedia. No output replaces one of
 * the job's inputs. */
typedef struct jobs_bucket_sink {
    jobs_executor *ex;
    const char *work_dir;
    const jobs_output_spec *spec;
    const store_job *job;    /* ExportAsNewMedia registers outputs for the job's user */
    blob_backend *target;    /* the bucket's backend, or OutputConfig.Endpoint's */
    blob_backend *owned;     /* the Endpoint's backend, destroyed by close */
    unsigned char *uploaded; /* uploaded[index] = 1 once stored in the bucket */
    size_t n_uploaded;
    const jobs_object_input *inputs; /* which no output may replace */
    size_t n_inputs;
    jobs_output_sink sink; /* the interface the runners get */
} jobs_bucket_sink;

/* Sets b up for the job's outputs (opening OutputConfig.Endpoint's backend when there is one).
 * Returns 0 or RC_EWRITE (OutputWriteFailed) with err; close b either way. */
int jobs_bucket_sink_open(jobs_bucket_sink *b, jobs_executor *ex, const jobs_task *task,
                          const jobs_output_spec *spec, const jobs_object_input *inputs,
                          size_t n_inputs, rc_error *err);
/* Makes output `index`, stored by another worker for this job (an export part, split.h), one
 * of this sink's: undone with the rest. */
void jobs_bucket_sink_adopt(jobs_bucket_sink *b, int index);
/* Deletes every object this sink stored (a job that fails after its outputs were published). */
void jobs_bucket_sink_undo(jobs_bucket_sink *b);
void jobs_bucket_sink_close(jobs_bucket_sink *b);

/* The runners of the job types (jobtype.c's table): spec is the type's parsed spec. */
int jobs_seg_execute(jobs_executor *ex, const jobs_task *task, const void *spec, jobs_outcome *out,
                     rc_error *err);
int jobs_hl_execute(jobs_executor *ex, const jobs_task *task, const void *spec, jobs_outcome *out,
                    rc_error *err);

#endif
