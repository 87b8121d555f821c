/* struct netbuf: fixed-size packet buffers from one preallocated pool (the sk_buff of Peregrine).
 * Receive: the driver DMAs into nb->data, sets nb->len, hands it to net_rx(); layers nb_pull()
 * their headers. Transmit: reserve headroom, layers nb_push() their headers, no copies.
 * Ownership: one owner at a time. A function taking a netbuf either passes it on or frees it;
 * every such function says which in its header comment. Exhaustion is a counted drop. */
#ifndef NET_NETBUF_H
#define NET_NETBUF_H

#include "net/compiler.h"

#define NB_SIZE      2048u  /* whole buffer including this header struct */
#define NB_HEADROOM  128u   /* reserved at nb_alloc() for Ethernet + IPv4 + TCP + options */

struct netdev;
struct ct_entry;

struct netbuf {
	struct netbuf *next;    /* queue link: free list, ARP pending queue, TCP queues */
	uint8_t *data;          /* first valid byte */
	uint32_t len;           /* valid bytes from data */
	uint16_t l2_off, l3_off, l4_off; /* header offsets from buf[], recorded on receive */
	uint16_t flags;
	struct netdev *dev;     /* receiving device (rx) */
	uint32_t seq;           /* transport use (TCP: sequence number of first byte) */
	uint64_t tstamp;        /* transport use (TCP: time sent, ns) */
	struct ct_entry *ct;    /* conntrack entry while the packet crosses the IPv4 hooks
				 * (net/filter.h); NULL outside that synchronous path */
	uint8_t buf[];          /* NB_SIZE - sizeof(struct netbuf) bytes */
};

#define NB_F_CSUM_OK  0x1   /* L4 checksum already verified (e.g. by hardware) */

#define NB_BUF_SIZE  (NB_SIZE - sizeof(struct netbuf))

struct nb_pool_stats {
	uint64_t allocs, frees, alloc_fail;
};
extern struct nb_pool_stats nb_stats;

/* Carve the pool out of mem (size bytes, 2 KiB aligned preferred). Returns buffers made. */
unsigned nb_pool_init(void *mem, size_t size);
unsigned nb_pool_total(void);
unsigned nb_pool_free(void);

/* A fresh buffer with NB_HEADROOM reserved and len 0, or NULL (counted in nb_stats.alloc_fail). */
struct netbuf *nb_alloc(void);
/* A buffer with no headroom: for receive rings where the device writes at data. */
struct netbuf *nb_alloc_rx(void);
/* Return to the pool. Do not use nb afterwards. NULL is ignored. */
void nb_free(struct netbuf *nb);

static inline uint32_t nb_headroom(const struct netbuf *nb) { return (uint32_t)(nb->data - nb->buf); }
static inline uint32_t nb_tailroom(const struct netbuf *nb)
{
	return (uint32_t)(NB_BUF_SIZE - nb_headroom(nb) - nb->len);
}

/* Prepend n bytes (transmit). Running out of headroom is a programming error: asserts. */
static inline void *nb_push(struct netbuf *nb, uint32_t n)
{
	ASSERT(nb_headroom(nb) >= n);
	nb->data -= n;
	nb->len += n;
	return nb->data;
}

/* Consume n bytes from the front (receive). Returns the old data pointer, or NULL when fewer
 * than n bytes are there (the buffer is unchanged then). */
static inline void *nb_pull(struct netbuf *nb, uint32_t n)
{
	if (unlikely(nb->len < n))
		return NULL;
	void *p = nb->data;
	nb->data += n;
	nb->len -= n;
	return p;
}
#define nb_pull_hdr(nb, type) ((type *)nb_pull((nb), sizeof(type)))

/* Append n bytes at the tail; returns where to write them. Asserts on tailroom. */
static inline void *nb_put(struct netbuf *nb, uint32_t n)
{
	ASSERT(nb_tailroom(nb) >= n);
	void *p = nb->data + nb->len;
	nb->len += n;
	return p;
}

/* Cut the buffer to len bytes (drop trailing padding). len must be <= nb->len. */
static inline void nb_trim(struct netbuf *nb, uint32_t len)
{
	ASSERT(len <= nb->len);
	nb->len = len;
}

static inline uint16_t nb_offset(const struct netbuf *nb) { return (uint16_t)nb_headroom(nb); }
static inline uint8_t *nb_at(struct netbuf *nb, uint16_t off) { return nb->buf + off; }

#endif
