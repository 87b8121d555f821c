/* Packet capture to COM2 (0x2F8) in the libpcap file format: a 24-byte global header once,
 * then per frame a 16-byte record header (seconds, microseconds from time_now_ns(), captured
 * and original length) and the frame. Installed as net/netdev.h's netdev_capture_hook.
 * The UART is written with a bounded spin: a record that cannot start is dropped and counted. */
#include <string.h>
#include "kernel/capture.h"
#include "kernel/time.h"
#include "arch/x86_64/io.h"
#include "net/netdev.h"
#include "net/netbuf.h"
#include "net/byteorder.h"
#include "net/proto/ether.h"
#include "net/proto/ipv4.h"

#define COM2           0x2F8
#define UART_LSR       5
#define UART_LSR_THRE  0x20      /* PC16550D: transmit holding register / FIFO empty */
#define UART_FIFO      16        /* bytes the FIFO takes once THRE is seen */
#define START_SPIN     2000      /* polls of LSR before a record is given up */
#define BYTE_SPIN      100000    /* polls of LSR inside a record before writing anyway */

/* pcap file format (tcpdump.org "pcap-savefile"): native byte order, microseconds. */
#define PCAP_MAGIC     0xa1b2c3d4u
#define LINKTYPE_ETHERNET 1
#define SNAPLEN        65535u

struct pcap_file_hdr {
	uint32_t magic;
	uint16_t version_major, version_minor;
	int32_t thiszone;
	uint32_t sigfigs, snaplen, linktype;
} __attribute__((packed));

struct pcap_rec_hdr {
	uint32_t ts_sec, ts_usec, incl_len, orig_len;
} __attribute__((packed));

struct capture_stats capture_stats;
static bool uart_ok, header_done, active;
static struct netdev *only;       /* NULL: every interface */
static enum capture_filter filter;
static unsigned fifo_room;        /* bytes we may write before polling LSR again */

static void uart_init(void)
{
	outb(COM2 + 1, 0x00);         /* IER: no interrupts, we only transmit */
	outb(COM2 + 3, 0x80);         /* LCR: DLAB */
	outb(COM2 + 0, 0x01);         /* divisor 1: 115200 baud */
	outb(COM2 + 1, 0x00);
	outb(COM2 + 3, 0x03);         /* 8N1 */
	outb(COM2 + 2, 0xC7);         /* FCR: enable and clear FIFOs */
	outb(COM2 + 4, 0x03);         /* MCR: DTR, RTS; OUT2 off (no IRQ) */
	uart_ok = inb(COM2 + UART_LSR) != 0xFF;   /* absent UART reads 0xFF */
}

static bool wait_thre(unsigned spins)
{
	for (unsigned i = 0; i < spins; i++)
		if (inb(COM2 + UART_LSR) & UART_LSR_THRE) {
			fifo_room = UART_FIFO;
			return true;
		}
	return false;
}

static void put(const void *p, uint32_t n)
{
	const uint8_t *b = p;
	for (uint32_t i = 0; i < n; i++) {
		if (!fifo_room && !wait_thre(BYTE_SPIN)) {
			capture_stats.uart_timeouts++;
			fifo_room = 1;    /* write anyway: skipping a byte would corrupt the stream */
		}
		outb(COM2, b[i]);
		fifo_room--;
	}
}

static bool wanted(const struct netbuf *nb)
{
	if (filter == CAP_ALL)
		return true;
	if (nb->len < ETH_HLEN)
		return false;
	const struct ether_hdr *eh = (const struct ether_hdr *)nb->data;
	uint16_t type = ntohs(eh->type);
	if (filter == CAP_ARP)
		return type == ETH_P_ARP;
	if (type != ETH_P_IP)
		return false;
	if (filter == CAP_IP)
		return true;
	if (nb->len < ETH_HLEN + IPV4_HLEN_MIN)
		return false;
	uint8_t proto = ((const struct ipv4_hdr *)(nb->data + ETH_HLEN))->proto;
	return proto == (filter == CAP_ICMP ? IP_PROTO_ICMP : filter == CAP_UDP ? IP_PROTO_UDP
	                                                                        : IP_PROTO_TCP);
}

/* netdev_capture_hook: one record per frame; nb is only read. */
static void hook(struct netdev *dev, const struct netbuf *nb, bool tx)
{
	if (only && dev != only)
		return;
	if (!wanted(nb)) {
		capture_stats.filtered++;
		return;
	}
	if (!fifo_room && !wait_thre(START_SPIN)) {
		capture_stats.dropped++;
		return;
	}
	uint64_t now = time_now_ns();
	struct pcap_rec_hdr r = {
		.ts_sec = (uint32_t)(now / NS_PER_S),
		.ts_usec = (uint32_t)(now % NS_PER_S / NS_PER_US),
		.incl_len = nb->len,
		.orig_len = nb->len,
	};
	put(&r, sizeof(r));
	put(nb->data, nb->len);
	capture_stats.frames++;
	capture_stats.bytes += nb->len;
}

int capture_start(struct netdev *dev, enum capture_filter f)
{
	if (!uart_ok)
		uart_init();
	if (!uart_ok)
		return -1;
	if (!header_done) {
		struct pcap_file_hdr h = {
			.magic = PCAP_MAGIC, .version_major = 2, .version_minor = 4,
			.snaplen = SNAPLEN, .linktype = LINKTYPE_ETHERNET,
		};
		put(&h, sizeof(h));
		header_done = true;
	}
	only = dev;
	filter = f;
	active = true;
	netdev_capture_hook = hook;
	return 0;
}

void capture_stop(void)
{
	netdev_capture_hook = NULL;
	active = false;
}

bool capture_active(void) { return active; }

int capture_parse_filter(const char *w, enum capture_filter *f)
{
	static const char *const names[] = { "all", "arp", "ip", "icmp", "udp", "tcp" };
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(w, names[i])) {
			*f = (enum capture_filter)i;
			return 0;
		}
	return -1;
}
