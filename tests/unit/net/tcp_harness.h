/* Packetdrill-style helpers for the TCP unit tests: inject a segment as a full Ethernet/IPv4
 * frame through net_rx() (checksums computed), pop what the stack transmitted and decode it,
 * and a recording app (accept/recv/sent/closed) plus handshake shortcuts.
 * Peer 10.0.0.1 (02:00:00:00:00:01) port TH_PPORT; us 10.0.0.2 port TH_LPORT. */
#ifndef TESTS_TCP_HARNESS_H
#define TESTS_TCP_HARNESS_H

#include "unit.h"
#include "net/netbuf.h"
#include "net/socket.h"
#include "net/tcp.h"
#include "net/tcp_priv.h"
#include "net/proto/ipv4.h"

#pragma GCC diagnostic ignored "-Woverride-init"

#define TH_PEER   IPV4_ADDR(10, 0, 0, 1)
#define TH_US     IPV4_ADDR(10, 0, 0, 2)
#define TH_PPORT  40000
#define TH_LPORT  7

struct th_in {                   /* a segment to inject */
	uint16_t sport, dport;       /* 0: TH_PPORT / TH_LPORT */
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	const uint8_t *opt;
	unsigned optlen;             /* multiple of 4 */
	const void *data;
	unsigned len;
	bool bad_csum;
};

struct th_out {                  /* a transmitted segment, decoded */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	uint8_t opt[40];
	unsigned optlen;
	uint8_t data[1600];
	unsigned len;
	uint8_t ttl, tos;
	uint32_t src, dst;
};

/* Inject with defaults (ports, window 65535) that the named fields override. */
#define TH_SEG(...) th_inject(&(struct th_in){ .win = 65535, __VA_ARGS__ })
void th_inject(const struct th_in *in);
/* Pop the next transmitted TCP segment (ARP frames are skipped and freed); asserts the IPv4
 * and TCP checksums. Returns false when nothing was sent. */
bool th_pop(struct th_out *out);
/* Assert nothing (TCP) is waiting to be popped. */
void th_expect_none(void);
/* Advance the fake clock (running timers), keeping the peer's ARP entry fresh. */
void th_advance_ms(uint64_t ms);

/* The recording app */
struct th_app {
	struct tcp_conn *conn;       /* last accepted/connected */
	int accepts, connects, connect_err;
	uint8_t rx[65536 * 2];
	unsigned rx_len;
	int fins, sents, closes, close_reason;
	bool hold;                   /* manual window: keep received bytes (do not tcp_recved) */
	unsigned held;
	bool echo;                   /* send received data back */
	bool close_on_fin;
};
extern struct th_app th_app;
extern const struct tcp_callbacks th_cbs;
void th_accept(struct tcp_conn *c, void *arg);
void th_connected(struct tcp_conn *c, int err, void *arg);

void th_setup(void);
void th_teardown(void);

/* Listen on TH_LPORT, run a passive handshake with the given SYN options, and return the
 * established connection. *iss gets our ISS; peer ISS is piss. The SYN-ACK is returned in
 * synack when not NULL. */
struct tcp_conn *th_open(uint32_t piss, const uint8_t *opt, unsigned optlen, uint32_t *iss,
			 struct th_out *synack);
/* Standard SYN options: MSS 1460 only. */
extern const uint8_t th_opt_mss1460[4];

#endif
