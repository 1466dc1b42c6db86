/* timeutil: UTC timestamps in the wire format YYYY-MM-DDTHH:MM:SSZ, and monotonic clocks. */
#ifndef REELCUT_TIMEUTIL_H
#define REELCUT_TIMEUTIL_H

#include <stdint.h>
#include <time.h>

#define TIME_ISO_LEN 20

/* Formats t (Unix seconds) as "YYYY-MM-DDTHH:MM:SSZ" into out (>= 21 bytes). */
void time_format_iso(time_t t, char out[TIME_ISO_LEN + 1]);
/* Parses exactly "YYYY-MM-DDTHH:MM:SSZ" (nothing else accepted). Returns 0 or RC_EINVAL. */
int time_parse_iso(const char *s, time_t *out);
/* Milliseconds on a monotonic clock, for durations and deadlines. */
int64_t time_mono_ms(void);
/* Milliseconds since the Unix epoch. */
int64_t time_now_ms(void);

#endif
