/* mediainfo_json: renders engine_probe's struct as GetMediaInfo's FileInfoList item (API.md §4.6).
 */
#ifndef REELCUT_MEDIAINFO_JSON_H
#define REELCUT_MEDIAINFO_JSON_H

#include <jansson.h>

#include "engine/probe.h"

/* Where the file came from; NULL fields are omitted. */
typedef struct mediainfo_file {
    const char *file_url;      /* FileUrl (= the InputURL, or the path given on the CLI) */
    const char *create_time;   /* CreateTime, "YYYY-MM-DDTHH:MM:SSZ" */
    const char *modified_time; /* ModifiedTime */
} mediainfo_file;

/* Builds {FileBasicInfo, VideoStreamInfoList, AudioStreamInfoList, SubtitleStreamInfoList} with
 * every value a string: durations and start times with 6 decimals, bitrates in kbit/s with up to
 * 3, unknown values omitted. FileName is the last path segment of file->file_url. Returns a new
 * reference (caller json_decref()s it) or NULL when out of memory. */
json_t *mediainfo_json_file_info(const engine_media_info *info, const mediainfo_file *file);

/* Formats v with at most `decimals` decimals, trailing zeros removed but at least min_decimals
 * kept (e.g. 1132.680 -> "1132.68", fps 24 -> "24.0" with min_decimals 1). */
void mediainfo_json_format_number(double v, int decimals, int min_decimals, char *out, size_t n);

#endif
