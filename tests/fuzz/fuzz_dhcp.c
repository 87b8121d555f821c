/* libFuzzer harness: the DHCP client (net/dhcp.c). eth0 starts without an address and the
 * client sends its DISCOVER; records (fuzz_stack.h) are frames into net_rx(), the clock moves
 * between them so retransmission, T1/T2 and expiry fire. Control bit 3 here means "a DHCP
 * reply to us": the harness copies the xid of our last DHCP message and our MAC into the
 * message. Every record's UDP payload also goes to dhcp_parse() on its own. */
#include <stdlib.h>
#include <string.h>
#include "fuzz_stack.h"
#include "net/dhcp.h"
#include "net/net.h"
#include "net/proto/ether.h"
#include "net/proto/dhcp.h"

static struct { bool valid; uint8_t xid[4]; } last;

/* Our DHCP messages: Ethernet, IPv4 (20 bytes, we send no options), UDP 68 -> 67, BOOTP. */
static void note_tx(const uint8_t *f, uint32_t len)
{
	if (len >= ETH_HLEN + 20 + 8 + 8 && f[23] == 17 && f[34] == 0 && f[35] == DHCP_CLIENT_PORT) {
		memcpy(last.xid, f + ETH_HLEN + 28 + 4, 4);
		last.valid = true;
	}
}

/* The UDP payload of an Ethernet + IPv4 + UDP frame, or NULL. */
static uint8_t *udp_payload(uint8_t *f, size_t len, size_t *plen)
{
	if (len < ETH_HLEN + 20 + 8 || f[12] != 0x08 || f[13] != 0x00 || f[ETH_HLEN] >> 4 != 4)
		return NULL;
	size_t hlen = (f[ETH_HLEN] & 0x0f) * 4u;
	if (hlen < 20 || ETH_HLEN + hlen + 8 > len || f[ETH_HLEN + 9] != 17)
		return NULL;
	*plen = len - ETH_HLEN - hlen - 8;
	return f + ETH_HLEN + hlen + 8;
}

static void parse_alone(const uint8_t *p, size_t n)
{
	struct dhcp_msg m;
	uint8_t *copy = malloc(n ? n : 1);   /* exact size: ASan sees a read past the end */
	if (!copy)
		return;
	memcpy(copy, p, n);
	if (!dhcp_parse(copy, n, &m) && (m.ndns > DHCP_MAX_DNS || !memchr(m.hostname, 0, sizeof(m.hostname))))
		abort();
	free(copy);
}

static void one(const struct fz_rec *r)
{
	struct fz_rec plain = *r;
	plain.ctl &= (uint8_t)~(FZ_C_FIXCSUM | FZ_C_SEQACK);
	struct netbuf *nb = fz_frame(&plain, true);
	if (!nb)
		return;
	size_t plen;
	uint8_t *p = udp_payload(nb->data, nb->len, &plen);
	if (p && (r->ctl & FZ_C_SEQACK) && plen >= DHCP_MIN_LEN && last.valid) {
		memcpy(p + 4, last.xid, 4);
		memcpy(p + 28, fz_our_mac, 6);
	}
	if (p)
		parse_alone(p, plen);
	if ((r->ctl & FZ_C_FIXCSUM) && nb->len > ETH_HLEN)
		fz_fix_csums(nb->data + ETH_HLEN, nb->len - ETH_HLEN);
	net_rx(fz_dev, nb);             /* takes ownership */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_rec r;

	fz_tx_hook = note_tx;
	last.valid = false;
	fz_begin(false);
	net_if_set_addr(fz_dev, 0, 0);  /* eth0.ip=dhcp */
	if (dhcp_start(fz_dev, 0x5eed, NULL) != 0)
		abort();
	while (fz_next(&data, &size, &r)) {
		fz_clock(r.ctl);
		one(&r);
	}
	dhcp_reset();                   /* before net_reset() forgets the UDP socket */
	net_if_set_addr(fz_dev, FZ_US, 24);
	fz_dev->mtu = 1500;
	fz_end();
	return 0;
}
