/* DHCP client (RFC 2131): acquires an IPv4 address, mask, gateway, DNS servers and MTU for an
 * interface (INIT -> SELECTING -> REQUESTING -> BOUND -> RENEWING -> REBINDING), renews at T1,
 * rebinds at T2, drops the address at expiry. Driven by received datagrams on UDP port 68
 * and by kernel/timer.h timers. Also the option parser, exposed for tests. */
#ifndef NET_DHCP_H
#define NET_DHCP_H

#include "net/compiler.h"
#include "net/netdev.h"

#define DHCP_MAX_IF   4
#define DHCP_MAX_DNS  3

enum dhcp_state {
	DHCP_OFF, DHCP_SELECTING, DHCP_REQUESTING, DHCP_BOUND, DHCP_RENEWING, DHCP_REBINDING,
};

/* A parsed DHCP reply (host order). Fields absent from the message are 0. */
struct dhcp_msg {
	uint8_t op, type;               /* BOOTREPLY, DHCPOFFER/ACK/NAK (option 53) */
	uint32_t xid, yiaddr;
	uint8_t chaddr[6];
	uint32_t server_id, mask, router, lease, t1, t2;
	uint32_t dns[DHCP_MAX_DNS];
	uint8_t ndns;
	uint16_t mtu;
	char hostname[64];
};

/* What the client holds: the lease it is bound to (valid from BOUND on). */
struct dhcp_lease {
	uint32_t addr, mask, router, server;
	uint32_t dns[DHCP_MAX_DNS];
	uint8_t ndns, prefix;
	uint16_t mtu;
	uint32_t lease_s, t1_s, t2_s;   /* as granted, seconds */
	uint64_t start_ns;              /* when the REQUEST that got the ACK was sent */
	char hostname[64];
};

struct dhcp_stats {
	uint64_t tx_discover, tx_request, retransmits;
	uint64_t rx_offer, rx_ack, rx_nak;
	uint64_t leases, renewed, expired, restarts;
	/* drops */
	uint64_t short_msg, bad_op, bad_htype, bad_cookie, bad_option, no_end, no_msg_type;
	uint64_t bad_port, wrong_xid, wrong_chaddr, no_client, unexpected, bad_offer;
};
extern struct dhcp_stats dhcp_stats;

/* Called with one line of text (no newline) on lease events, e.g.
 * "dhcp eth0: 10.0.2.15/24 gw 10.0.2.2 dns 10.0.2.3 lease 86400s". May be NULL. */
typedef void (*dhcp_log_fn)(const char *line);

/* Start the client on dev (sends a DISCOVER now). seed feeds the xid/jitter generator: pass
 * something unpredictable (RDRAND, TSC). Returns 0, or -1 when DHCP_MAX_IF clients run or
 * port 68 cannot be bound. The interface must be open (frames are sent at once). */
int dhcp_start(struct netdev *dev, uint32_t seed, dhcp_log_fn log);
/* Stop the client on dev; the address stays as it is. */
void dhcp_stop(struct netdev *dev);
/* Stop every client, unbind port 68, zero dhcp_stats (tests). */
void dhcp_reset(void);
enum dhcp_state dhcp_state(const struct netdev *dev);   /* DHCP_OFF when no client */
const char *dhcp_state_name(enum dhcp_state s);
/* The lease of dev's client when BOUND/RENEWING/REBINDING, else NULL. */
const struct dhcp_lease *dhcp_lease(const struct netdev *dev);

/* Parse a DHCP message (p at the op byte, len bytes). Returns NULL and fills m, or the
 * dhcp_stats counter naming the failed check. Option 52 (overload) is not honoured: options
 * in sname/file are ignored. */
uint64_t *dhcp_parse(const uint8_t *p, size_t len, struct dhcp_msg *m);

#endif
