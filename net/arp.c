/* ARP for IPv4 over Ethernet (RFC 826): a fixed table of ARP_TABLE_SIZE entries hashed by
 * address, request retries on a per-entry timer, a bounded queue of frames per unresolved
 * entry, replies to requests for our addresses, and gratuitous announcements.
 * Policy against cache poisoning: replies only refresh entries we created by asking;
 * requests addressed to us may create the sender's entry (RFC 826 "merge" rule). */
#include <stdio.h>
#include <string.h>
#include "net/arp.h"
#include "net/ether.h"
#include "net/stats.h"
#include "net/byteorder.h"
#include "net/proto/arp.h"
#include "net/proto/ipv4.h"
#include "kernel/time.h"
#include "kernel/timer.h"

enum arp_state { ARP_FREE, ARP_INCOMPLETE, ARP_REACHABLE };

struct arp_entry {
	struct arp_entry *hnext;       /* hash chain, or free list */
	uint32_t ip;                   /* host order */
	uint8_t mac[ETH_ALEN];
	uint8_t state;
	uint8_t tries;                 /* requests sent in the current resolution */
	struct netdev *dev;
	uint64_t expires;              /* REACHABLE until (ns) */
	struct netbuf *qhead, *qtail;  /* frames waiting (INCOMPLETE), IPv4 header first */
	unsigned qlen;
	struct timer timer;            /* request retransmission */
};

static struct arp_entry table[ARP_TABLE_SIZE];
static struct arp_entry *buckets[ARP_HASH_BUCKETS];
static struct arp_entry *free_entries;
static unsigned queued_total;
static bool ready;

static void arp_timer_fn(struct timer *t);

static unsigned hash(uint32_t ip)
{
	return (ip * 2654435761u) >> 26;   /* Knuth multiplicative: top 6 bits for 64 buckets */
}
_Static_assert(ARP_HASH_BUCKETS == 64, "hash() returns 6 bits");

static void table_init(void)
{
	free_entries = NULL;
	memset(buckets, 0, sizeof(buckets));
	for (unsigned i = ARP_TABLE_SIZE; i-- > 0;) {
		memset(&table[i], 0, sizeof(table[i]));
		timer_init(&table[i].timer, arp_timer_fn);
		table[i].hnext = free_entries;
		free_entries = &table[i];
	}
	queued_total = 0;
	ready = true;
}

static struct arp_entry *find(uint32_t ip)
{
	for (struct arp_entry *e = buckets[hash(ip)]; e; e = e->hnext)
		if (e->ip == ip)
			return e;
	return NULL;
}

/* Free the frames queued on e, bumping *counter once per frame. */
static void drop_queue(struct arp_entry *e, uint64_t *counter)
{
	struct netbuf *nb = e->qhead;
	while (nb) {
		struct netbuf *next = nb->next;
		nb_free(nb);
		(*counter)++;
		nb = next;
	}
	queued_total -= e->qlen;
	e->qhead = e->qtail = NULL;
	e->qlen = 0;
}

static void remove_entry(struct arp_entry *e, uint64_t *counter)
{
	struct arp_entry **pp = &buckets[hash(e->ip)];
	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	timer_cancel(&e->timer);
	drop_queue(e, counter);
	e->state = ARP_FREE;
	e->hnext = free_entries;
	free_entries = e;
}

/* The resolved entry confirmed longest ago: the one to recycle when the table is full.
 * Entries still resolving are never evicted (their frames would be lost). */
static struct arp_entry *victim(void)
{
	struct arp_entry *best = NULL;
	for (unsigned i = 0; i < ARP_TABLE_SIZE; i++)
		if (table[i].state == ARP_REACHABLE && (!best || table[i].expires < best->expires))
			best = &table[i];
	return best;
}

static struct arp_entry *create(struct netdev *dev, uint32_t ip)
{
	if (!ready)
		table_init();
	if (!free_entries) {
		struct arp_entry *v = victim();
		if (!v) {
			net_stats.arp.table_full++;
			return NULL;
		}
		remove_entry(v, &net_stats.arp.flushed);
	}
	struct arp_entry *e = free_entries;
	free_entries = e->hnext;
	e->ip = ip;
	e->dev = dev;
	e->state = ARP_INCOMPLETE;
	e->tries = 0;
	e->expires = 0;
	unsigned h = hash(ip);
	e->hnext = buckets[h];
	buckets[h] = e;
	return e;
}

/* An answer (or a merge, RFC 826) for e: record the MAC and send what was waiting. */
static void resolve(struct arp_entry *e, struct netdev *dev, const uint8_t mac[ETH_ALEN])
{
	if (e->state != ARP_REACHABLE)
		net_stats.arp.learned++;
	memcpy(e->mac, mac, ETH_ALEN);
	e->dev = dev;
	e->state = ARP_REACHABLE;
	e->expires = time_now_ns() + ARP_REACHABLE_NS;
	e->tries = 0;
	timer_cancel(&e->timer);
	struct netbuf *nb = e->qhead;
	queued_total -= e->qlen;
	e->qhead = e->qtail = NULL;
	e->qlen = 0;
	while (nb) {
		struct netbuf *next = nb->next;
		nb->next = NULL;
		ether_output(dev, nb, e->mac, ETH_P_IP);
		nb = next;
	}
}

/* Retransmission timer: resend up to ARP_MAX_TRIES requests ARP_RETRY_NS apart, then give
 * up: the entry goes and its queued frames are freed and counted. */
static void arp_timer_fn(struct timer *t)
{
	struct arp_entry *e = container_of(t, struct arp_entry, timer);
	if (e->tries >= ARP_MAX_TRIES) {
		net_stats.arp.resolve_failed++;
		remove_entry(e, &net_stats.arp.dropped_unresolved);
		return;
	}
	e->tries++;
	arp_send_request(e->dev, e->ip);
	timer_arm(&e->timer, ARP_RETRY_NS);
}

static void start_resolution(struct arp_entry *e)
{
	e->tries = 1;
	arp_send_request(e->dev, e->ip);
	timer_arm(&e->timer, ARP_RETRY_NS);
}

static bool is_bcast(const struct netdev *dev, uint32_t ip)
{
	return ip == IPV4_BROADCAST ||
	       (dev->ip.addr && dev->ip.mask != 0xffffffffu && ip == (dev->ip.addr | ~dev->ip.mask));
}

/* Takes ownership of nb: sent, queued on the entry, or freed and counted. */
int arp_output(struct netdev *dev, struct netbuf *nb, uint32_t nh)
{
	if (is_bcast(dev, nh))
		return ether_output(dev, nb, ether_broadcast, ETH_P_IP);
	if (ipv4_is_multicast(nh)) {
		/* RFC 1112 §6.4: 01:00:5e + low 23 bits of the group address. */
		uint8_t mac[ETH_ALEN] = { 0x01, 0x00, 0x5e, (nh >> 16) & 0x7f, (nh >> 8) & 0xff, nh & 0xff };
		return ether_output(dev, nb, mac, ETH_P_IP);
	}
	struct arp_entry *e = find(nh);
	if (e && e->state == ARP_REACHABLE) {
		/* Stale: keep using the old MAC while asking again (like Linux's STALE/PROBE);
		 * no answer after ARP_MAX_TRIES removes the entry. */
		if (time_now_ns() >= e->expires && !timer_pending(&e->timer))
			start_resolution(e);
		return ether_output(dev, nb, e->mac, ETH_P_IP);
	}
	uint64_t *drop;
	if (!e) {
		/* A request needs our address as ar$spa (RFC 826); unconfigured: nothing to ask. */
		CHECK(dev->ip.addr, drop = &net_stats.arp.no_addr; goto drop);
		e = create(dev, nh);
		CHECK(e, goto drop_nocount);
		start_resolution(e);
	}
	CHECK(e->qlen < ARP_QUEUE_PER_ENTRY && queued_total < ARP_QUEUE_TOTAL,
	      drop = &net_stats.arp.queue_full; goto drop);
	nb->next = NULL;
	if (e->qtail)
		e->qtail->next = nb;
	else
		e->qhead = nb;
	e->qtail = nb;
	e->qlen++;
	queued_total++;
	net_stats.arp.queued++;
	return 0;
drop:
	(*drop)++;
drop_nocount:               /* create() counted table_full itself */
	nb_free(nb);
	return -1;
}

void arp_learn(struct netdev *dev, uint32_t ip, const uint8_t mac[6])
{
	struct arp_entry *e = find(ip);
	if (!e)
		e = create(dev, ip);
	if (e)
		resolve(e, dev, mac);
}

bool arp_lookup(uint32_t ip, uint8_t mac[6])
{
	struct arp_entry *e = find(ip);
	if (!e || e->state != ARP_REACHABLE || time_now_ns() >= e->expires)
		return false;
	memcpy(mac, e->mac, ETH_ALEN);
	return true;
}

static void send_arp(struct netdev *dev, uint16_t op, const uint8_t *dst_mac, const uint8_t *tha,
		     uint32_t tpa)
{
	struct netbuf *nb = nb_alloc();
	if (!nb)
		return;             /* counted in nb_stats.alloc_fail; the retry timer tries again */
	struct arp_hdr *ah = nb_put(nb, sizeof(*ah));
	ah->htype = htons(ARP_HTYPE_ETHER);
	ah->ptype = htons(ETH_P_IP);
	ah->hlen = ETH_ALEN;
	ah->plen = 4;
	ah->op = htons(op);
	memcpy(ah->sha, dev->mac, ETH_ALEN);
	ah->spa = htonl(dev->ip.addr);
	memcpy(ah->tha, tha, ETH_ALEN);
	ah->tpa = htonl(tpa);
	ether_output(dev, nb, dst_mac, ETH_P_ARP);
}

static const uint8_t zero_mac[ETH_ALEN];

void arp_send_request(struct netdev *dev, uint32_t ip)
{
	net_stats.arp.requests_out++;
	send_arp(dev, ARP_OP_REQUEST, ether_broadcast, zero_mac, ip);
}

/* RFC 5227 §2.3: an announcement is a request with sender and target IP both ours. */
void arp_announce(struct netdev *dev)
{
	if (!dev->ip.addr)
		return;
	net_stats.arp.announces_out++;
	send_arp(dev, ARP_OP_REQUEST, ether_broadcast, zero_mac, dev->ip.addr);
}

/* Sender fields that must never enter the cache: group or zero MACs, our own MAC (a looped
 * frame), group addresses; a sender claiming our address is a conflict (RFC 5227 §2.4). */
static bool bad_sender(const struct netdev *dev, const struct arp_hdr *ah, uint32_t spa)
{
	return (ah->sha[0] & 1) || memcmp(ah->sha, zero_mac, ETH_ALEN) == 0 ||
	       memcmp(ah->sha, dev->mac, ETH_ALEN) == 0 || spa == IPV4_BROADCAST ||
	       ipv4_is_multicast(spa) || (spa && spa == dev->ip.addr);
}

/* Turn the request in nb into our reply in place (RFC 826 "swap fields, put in the local
 * hardware and protocol addresses, set ar$op to reply") and send it. Takes ownership. */
static void reply(struct netdev *dev, struct netbuf *nb, struct arp_hdr *ah)
{
	nb->data = (uint8_t *)ah;
	nb->len = sizeof(*ah);              /* drop the Ethernet padding */
	memcpy(ah->tha, ah->sha, ETH_ALEN);
	ah->tpa = ah->spa;
	memcpy(ah->sha, dev->mac, ETH_ALEN);
	ah->spa = htonl(dev->ip.addr);
	ah->op = htons(ARP_OP_REPLY);
	net_stats.arp.replies_out++;
	ether_output(dev, nb, ah->tha, ETH_P_ARP);
}

/* Takes ownership of nb: answered in place, or freed (counted when dropped). */
void arp_input(struct netdev *dev, struct netbuf *nb)
{
	uint64_t *drop;

	net_stats.arp.in_pkts++;
	nb->l3_off = nb_offset(nb);
	struct arp_hdr *ah = nb_pull_hdr(nb, struct arp_hdr);
	CHECK(ah, drop = &net_stats.arp.short_pkt; goto drop);
	CHECK(ah->htype == htons(ARP_HTYPE_ETHER), drop = &net_stats.arp.bad_htype; goto drop);
	CHECK(ah->ptype == htons(ETH_P_IP), drop = &net_stats.arp.bad_ptype; goto drop);
	CHECK(ah->hlen == ETH_ALEN, drop = &net_stats.arp.bad_hlen; goto drop);
	CHECK(ah->plen == 4, drop = &net_stats.arp.bad_plen; goto drop);
	uint16_t op = ntohs(ah->op);
	CHECK(op == ARP_OP_REQUEST || op == ARP_OP_REPLY, drop = &net_stats.arp.bad_op; goto drop);
	uint32_t spa = ntohl(ah->spa), tpa = ntohl(ah->tpa);
	CHECK(!bad_sender(dev, ah, spa), drop = &net_stats.arp.bad_sender; goto drop);

	/* RFC 826 merge: an entry we already hold for the sender is updated by any packet. */
	struct arp_entry *e = spa ? find(spa) : NULL;
	if (e)
		resolve(e, dev, ah->sha);
	if (op == ARP_OP_REPLY) {
		CHECK(e, drop = &net_stats.arp.unsolicited; goto drop);
		net_stats.arp.replies_in++;
		nb_free(nb);
		return;
	}
	CHECK(dev->ip.addr && tpa == dev->ip.addr, drop = &net_stats.arp.not_for_us; goto drop);
	net_stats.arp.requests_in++;
	/* RFC 826: "if the merge flag is false, add the triplet" - only when we are the target.
	 * An RFC 5227 probe (spa 0) gets a reply but creates nothing. */
	if (!e && spa) {
		e = create(dev, spa);
		if (e)
			resolve(e, dev, ah->sha);
	}
	reply(dev, nb, ah);
	return;
drop:
	(*drop)++;
	nb_free(nb);
}

void arp_flush(void)
{
	if (!ready) {
		table_init();
		return;
	}
	for (unsigned i = 0; i < ARP_TABLE_SIZE; i++)
		if (table[i].state != ARP_FREE)
			remove_entry(&table[i], &net_stats.arp.flushed);
}

void arp_print(void)
{
	uint64_t now = time_now_ns();
	for (unsigned i = 0; i < ARP_TABLE_SIZE; i++) {
		const struct arp_entry *e = &table[i];
		if (e->state == ARP_FREE)
			continue;
		printf("%u.%u.%u.%u dev %s ", e->ip >> 24, (e->ip >> 16) & 0xff, (e->ip >> 8) & 0xff,
		       e->ip & 0xff, e->dev ? e->dev->name : "?");
		if (e->state == ARP_INCOMPLETE)
			printf("INCOMPLETE queued %u\n", e->qlen);
		else
			printf("lladdr %02x:%02x:%02x:%02x:%02x:%02x %s\n", e->mac[0], e->mac[1],
			       e->mac[2], e->mac[3], e->mac[4], e->mac[5],
			       now < e->expires ? "REACHABLE" : "STALE");
	}
}
