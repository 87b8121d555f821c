/* Kernel log: levelled, timestamped lines on the console ("[    0.012345] e1000: eth0 up").
 * printf() also works (newlib through kernel/syscalls.c) for unprefixed output. */
#ifndef KERNEL_LOG_H
#define KERNEL_LOG_H

enum log_level { LOG_DEBUG = 0, LOG_INFO = 1, LOG_WARN = 2, LOG_ERR = 3 };

extern enum log_level log_threshold;

__attribute__((format(printf, 2, 3))) void klog(enum log_level lvl, const char *fmt, ...);

#define log_debug(...) klog(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  klog(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  klog(LOG_WARN, __VA_ARGS__)
#define log_err(...)   klog(LOG_ERR, __VA_ARGS__)

#endif
