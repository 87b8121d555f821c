/* Prometheus text exposition (format 0.0.4) of every counter: per-device counters with a
 * dev/driver label, the netbuf pool, and every protocol counter. Plain C: host-tested. */
#ifndef NET_METRICS_H
#define NET_METRICS_H

#include <stddef.h>

/* Write the exposition into buf (cap bytes, NUL-terminated when cap > 0). Returns the length
 * the whole text needs: a result >= cap means it was cut and a larger buffer is needed. */
size_t metrics_render(char *buf, size_t cap);

#endif
