/* log: leveled, line-atomic logging to stderr. Never pass secrets to it. */
#ifndef REELCUT_LOG_H
#define REELCUT_LOG_H

enum log_level { LOG_DEBUG = 0, LOG_INFO = 1, LOG_WARN = 2, LOG_ERROR = 3, LOG_OFF = 4 };

/* Sets the minimum level written (default LOG_INFO, or REELCUT_LOG=debug|info|warn|error|off). */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/* Writes one line "2026-11-22T02:30:00Z LEVEL message" to stderr with a single write(2). */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
