#include "jobs/mediainfo_json.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"

void mediainfo_json_format_number(double v, int decimals, int min_decimals, char *out, size_t n) {
    snprintf(out, n, "%.*f", decimals, v);
    char *dot = strchr(out, '.');
    if (!dot)
        return;
    char *end = out + strlen(out) - 1;
    char *keep = dot + min_decimals;
    while (end > keep && *end == '0')
        *end-- = 0;
    if (end == dot)
        *end = 0;
}

/* A JSON string of v. Some values come from the file's own tags (a stream's language), which may
 * hold any bytes, and JSON strings must be UTF-8: invalid bytes become '?'. NULL only when out of
 * memory. */
static json_t *text(const char *v) {
    size_t n = strlen(v);
    if (jsonx_utf8_valid(v, n))
        return json_string(v);
    char *copy = malloc(n + 1);
    if (!copy)
        return NULL;
    size_t i = 0;
    while (i < n) {
        size_t len = 1;
        while (len <= 4 && !(i + len <= n && jsonx_utf8_valid(v + i, len)))
            len++;
        if (len > 4) {
            copy[i++] = '?';
            continue;
        }
        memcpy(copy + i, v + i, len);
        i += len;
    }
    copy[n] = '\0';
    json_t *j = json_string(copy);
    free(copy);
    return j;
}

/* Every setter below stores a string; a failed allocation makes the whole render fail. */
static int set_str(json_t *o, const char *key, const char *v) {
    return json_object_set_new(o, key, text(v));
}

static int set_int(json_t *o, const char *key, int64_t v) {
    char s[32];
    snprintf(s, sizeof(s), "%" PRId64, v);
    return set_str(o, key, s);
}

static int set_num(json_t *o, const char *key, double v, int decimals, int min_decimals) {
    char s[64];
    mediainfo_json_format_number(v, decimals, min_decimals, s, sizeof(s));
    return set_str(o, key, s);
}

static int set_ratio(json_t *o, const char *key, int num, int den, char sep) {
    char s[48];
    snprintf(s, sizeof(s), "%d%c%d", num, sep, den);
    return set_str(o, key, s);
}

static int stream_common(json_t *o, const engine_stream_info *s) {
    int r = set_int(o, "Index", s->index);
    r |= set_str(o, "CodecName", s->codec_name);
    if (s->codec_long_name[0])
        r |= set_str(o, "CodecLongName", s->codec_long_name);
    char tag[16];
    snprintf(tag, sizeof(tag), "0x%08" PRIx32, s->codec_tag);
    r |= set_str(o, "CodecTag", tag);
    if (s->codec_tag_string[0])
        r |= set_str(o, "CodecTagString", s->codec_tag_string);
    if (s->codec_tb_den > 0)
        r |= set_ratio(o, "CodecTimeBase", s->codec_tb_num, s->codec_tb_den, '/');
    if (s->duration >= 0)
        r |= set_num(o, "Duration", s->duration, 6, 6);
    if (s->start_time >= 0)
        r |= set_num(o, "StartTime", s->start_time, 6, 6);
    if (s->tb_den > 0)
        r |= set_ratio(o, "Timebase", s->tb_num, s->tb_den, '/');
    r |= set_str(o, "Lang", s->lang);
    return r;
}

static int stream_av(json_t *o, const engine_stream_info *s) {
    int r = 0;
    if (s->profile[0])
        r |= set_str(o, "Profile", s->profile);
    if (s->bit_rate > 0)
        r |= set_num(o, "Bitrate", s->bit_rate / 1000.0, 3, 0);
    if (s->nb_frames >= 0)
        r |= set_int(o, "NumFrames", s->nb_frames);
    return r;
}

static json_t *video_stream(const engine_stream_info *s) {
    json_t *o = json_object();
    if (!o)
        return NULL;
    int r = stream_common(o, s) | stream_av(o, s);
    if (s->level >= 0)
        r |= set_int(o, "Level", s->level);
    if (s->pix_fmt[0])
        r |= set_str(o, "PixFmt", s->pix_fmt);
    r |= set_int(o, "Width", s->width);
    r |= set_int(o, "Height", s->height);
    if (s->dar_den > 0)
        r |= set_ratio(o, "Dar", s->dar_num, s->dar_den, ':');
    if (s->sar_den > 0)
        r |= set_ratio(o, "Sar", s->sar_num, s->sar_den, ':');
    if (s->fps > 0)
        r |= set_num(o, "Fps", s->fps, 3, 1);
    if (s->avg_fps > 0)
        r |= set_num(o, "AvgFPS", s->avg_fps, 3, 1);
    if (s->nb_frames >= 0)
        r |= set_int(o, "Nb_frames", s->nb_frames);
    if (s->has_b_frames >= 0)
        r |= set_int(o, "HasBFrames", s->has_b_frames);
    r |= set_int(o, "Rotate", s->rotate);
    if (r) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *audio_stream(const engine_stream_info *s) {
    json_t *o = json_object();
    if (!o)
        return NULL;
    int r = stream_common(o, s) | stream_av(o, s);
    if (s->sample_fmt[0])
        r |= set_str(o, "SampleFmt", s->sample_fmt);
    if (s->sample_rate > 0)
        r |= set_int(o, "SampleRate", s->sample_rate);
    if (s->channels > 0)
        r |= set_int(o, "Channels", s->channels);
    if (s->channel_layout[0])
        r |= set_str(o, "ChannelLayout", s->channel_layout);
    if (r) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *subtitle_stream(const engine_stream_info *s) {
    json_t *o = json_object();
    if (o && stream_common(o, s)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *basic_info(const engine_media_info *info, const mediainfo_file *file) {
    json_t *o = json_object();
    if (!o)
        return NULL;
    int r = 0;
    const char *url = file && file->file_url ? file->file_url : NULL;
    if (url) {
        const char *slash = strrchr(url, '/');
        r |= set_str(o, "FileName", slash ? slash + 1 : url);
        r |= set_str(o, "FileUrl", url);
    }
    if (info->file_size >= 0)
        r |= set_int(o, "FileSize", info->file_size);
    r |= set_str(o, "FileStatus", "Normal");
    r |= set_str(o, "FileType", "source_file");
    r |= set_str(o, "FormatName", info->format_name);
    if (info->duration >= 0)
        r |= set_num(o, "Duration", info->duration, 6, 6);
    if (info->bit_rate > 0)
        r |= set_num(o, "Bitrate", info->bit_rate / 1000.0, 3, 0);
    if (info->width > 0) {
        r |= set_int(o, "Width", info->width);
        r |= set_int(o, "Height", info->height);
    }
    if (file && file->create_time)
        r |= set_str(o, "CreateTime", file->create_time);
    if (file && file->modified_time)
        r |= set_str(o, "ModifiedTime", file->modified_time);
    if (r) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *mediainfo_json_file_info(const engine_media_info *info, const mediainfo_file *file) {
    json_t *root = json_object();
    json_t *lists[3] = {json_array(), json_array(), json_array()};
    json_t *basic = basic_info(info, file);
    int ok = root && basic && lists[0] && lists[1] && lists[2];
    for (int i = 0; ok && i < info->nb_streams; i++) {
        const engine_stream_info *s = &info->streams[i];
        json_t *item = s->kind == ENGINE_STREAM_VIDEO   ? video_stream(s)
                       : s->kind == ENGINE_STREAM_AUDIO ? audio_stream(s)
                                                        : subtitle_stream(s);
        ok = item && json_array_append_new(lists[s->kind], item) == 0;
    }
    if (ok)
        ok = json_object_set_new(root, "FileBasicInfo", basic) == 0;
    else
        json_decref(basic);
    static const char *names[3] = {"VideoStreamInfoList", "AudioStreamInfoList",
                                   "SubtitleStreamInfoList"};
    for (int i = 0; i < 3; i++) {
        if (ok)
            ok = json_object_set_new(root, names[i], lists[i]) == 0;
        else
            json_decref(lists[i]);
    }
    if (!ok) {
        json_decref(root);
        return NULL;
    }
    return root;
}
