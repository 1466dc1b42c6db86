/* metrics: request counters and latency histograms for GET /metrics (Prometheus text 0.0.4). */
#ifndef REELCUT_METRICS_H
#define REELCUT_METRICS_H

#include <stdint.h>

#include "store/store.h"
#include "util/buf.h"

typedef struct api_metrics api_metrics;

api_metrics *api_metrics_create(void);
void api_metrics_destroy(api_metrics *m);

/* Counts one answered request: action ("" for none) and the IMS Code ("" = success). */
void api_metrics_observe(api_metrics *m, const char *action, const char *code, double seconds);

/* Appends the exposition text to out: request counters and durations, and from the store the
 * queued/executing jobs, completed jobs by type and state, and pending callbacks. */
int api_metrics_render(api_metrics *m, store *st, buf *out);

#endif
