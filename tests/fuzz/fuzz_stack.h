/* Shared support for the libFuzzer harnesses: a configured stack (eth0 10.0.0.2/24, gateway
 * 10.0.0.1 with a known MAC, the echo appliance on port 7, conntrack, NAT and a filter rule
 * set, forwarding on), a fake netdev that frees what it transmits, and the record format
 * that splits one fuzz input into several frames.
 * Not CUnit-based: the unit-test fakes for netdev need CUnit, these do not. */
#ifndef TESTS_FUZZ_STACK_H
#define TESTS_FUZZ_STACK_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "net/netbuf.h"
#include "net/netdev.h"

#define FZ_US      0x0a000002u   /* 10.0.0.2 */
#define FZ_PEER    0x0a000001u   /* 10.0.0.1, also the gateway */
#define FZ_PORT    7

extern struct netdev *fz_dev;
extern const uint8_t fz_our_mac[6], fz_peer_mac[6];

/* Per-record control byte (after the 2-byte big-endian length):
 *   bit 0  mark the frame NB_F_CSUM_OK (checksums "verified by hardware")
 *   bit 1  recompute the IPv4 header and the TCP/UDP/ICMP checksums before delivery
 *   bit 2  the record holds an IPv4 datagram: the harness prepends our Ethernet header
 *   bit 3  TCP: overwrite seq/ack with what our last transmitted segment expects
 *   bits 4-6  advance the fake clock before the frame (0, 1 ms, 50 ms, 200 ms, 1 s, 5 s,
 *             30 s, 130 s), running due timers
 *   bit 7  receive into a buffer without headroom (like a NIC ring), else nb_alloc(); for
 *          records below L2 the headroom is exactly the Ethernet header a NIC frame had */
#define FZ_C_CSUM_OK   0x01
#define FZ_C_FIXCSUM   0x02
#define FZ_C_ETHER     0x04
#define FZ_C_SEQACK    0x08
#define FZ_C_CLOCK(c)  (((c) >> 4) & 7)
#define FZ_C_NOHEAD    0x80

struct fz_rec {
	uint8_t ctl;
	const uint8_t *p;
	size_t len;
};

/* Called with every frame the stack transmits, before it is freed (NULL: none). */
extern void (*fz_tx_hook)(const uint8_t *frame, uint32_t len);

/* Next record from (*in, *left); false when the input is used up. */
bool fz_next(const uint8_t **in, size_t *left, struct fz_rec *r);

/* Once per process: netbuf pool, eth0 registered and addressed. */
void fz_init(void);
/* Before each input: a clean stack at a fixed time, gateway + ARP entry, TCP secret,
 * conntrack (256 entries), the filter and nat rule set of fuzz_stack.c, forwarding on, and
 * (when app is true) the echo appliance started on FZ_PORT, a discard listener on port 9
 * with backlog 1, and an active open to 10.0.0.1:80 (its SYN already sent). */
void fz_begin(bool app);
/* After each input: tear everything down and abort() unless the netbuf pool is full again. */
void fz_end(void);
/* Advance the fake clock per the control byte. */
void fz_clock(uint8_t ctl);

/* A receive buffer holding frame (len bytes, truncated to what fits), with the Ethernet
 * header prepended when FZ_C_ETHER, fields/checksums fixed per ctl, flags set. NULL when
 * the pool is empty (the caller just skips the record). The caller owns the result. */
struct netbuf *fz_frame(const struct fz_rec *r, bool ether);

/* Recompute the IPv4 header checksum and the L4 checksum of the datagram at ip (len bytes
 * there) as far as the bytes allow. */
void fz_fix_csums(uint8_t *ip, size_t len);

#endif
