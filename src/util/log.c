#include "util/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

/* The level is process configuration set once in main; atomic so worker threads read it safely. */
static _Atomic int current_level = -1;

static int level_from_env(void) {
    const char *v = getenv("REELCUT_LOG");
    static const char *names[] = {"debug", "info", "warn", "error", "off"};
    if (v)
        for (int i = 0; i < 5; i++)
            if (strcasecmp(v, names[i]) == 0)
                return i;
    return LOG_INFO;
}

void log_set_level(enum log_level level) {
    atomic_store(&current_level, (int)level);
}

enum log_level log_get_level(void) {
    int level = atomic_load(&current_level);
    if (level < 0) {
        level = level_from_env();
        atomic_store(&current_level, level);
    }
    return (enum log_level)level;
}

void log_msg(enum log_level level, const char *fmt, ...) {
    static const char *tags[] = {"DEBUG", "INFO", "WARN", "ERROR"};
    if (level < log_get_level() || level >= LOG_OFF)
        return;
    char line[2048];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    size_t n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%SZ ", &tm);
    n += (size_t)snprintf(line + n, sizeof(line) - n, "%-5s ", tags[level]);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
    va_end(ap);
    if (m < 0)
        return;
    n = n + (size_t)m < sizeof(line) - 1 ? n + (size_t)m : sizeof(line) - 2;
    line[n++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, n);
    (void)w;
}
