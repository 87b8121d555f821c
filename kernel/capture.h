/* Packet capture to the second serial port (COM2) as a pcap stream: `capture on [IFACE]
 * [arp|ip|icmp|udp|tcp]` from the shell; every frame received or sent on the interface(s)
 * becomes one pcap record (LINKTYPE_ETHERNET), the global header is written once per boot. */
#ifndef KERNEL_CAPTURE_H
#define KERNEL_CAPTURE_H

#include <stdint.h>
#include <stdbool.h>

struct netdev;

enum capture_filter { CAP_ALL, CAP_ARP, CAP_IP, CAP_ICMP, CAP_UDP, CAP_TCP };

struct capture_stats {
	uint64_t frames, bytes;       /* records written */
	uint64_t filtered;            /* frames the filter left out */
	uint64_t dropped;             /* the UART was not ready at the start of a record */
	uint64_t uart_timeouts;       /* a byte written after the bounded spin ran out */
};
extern struct capture_stats capture_stats;

/* Start capturing on dev (NULL = every interface). Returns 0, or -1 when COM2 is absent. */
int capture_start(struct netdev *dev, enum capture_filter f);
void capture_stop(void);
bool capture_active(void);
/* "arp", "ip", "icmp", "udp", "tcp" -> the filter; returns -1 for other words. */
int capture_parse_filter(const char *word, enum capture_filter *f);

#endif
