/* The netbuf pool: NB_SIZE buffers carved once from a memory block into a LIFO free list
 * (the most recently freed buffer is the one still warm in cache). O(1) alloc and free,
 * no malloc on the packet path; an empty pool is a counted failure (nb_stats.alloc_fail). */
#include <string.h>
#include "net/netbuf.h"

struct nb_pool_stats nb_stats;

static struct netbuf *free_list;
static unsigned pool_total, pool_free;
static uint8_t *pool_lo, *pool_hi;   /* bounds, to catch frees of foreign pointers */

unsigned nb_pool_init(void *mem, size_t size)
{
	uintptr_t start = ((uintptr_t)mem + 63) & ~(uintptr_t)63;   /* cache-line align */
	uintptr_t end = (uintptr_t)mem + size;

	free_list = NULL;
	pool_total = pool_free = 0;
	if (end < start)
		return 0;
	unsigned n = (unsigned)((end - start) / NB_SIZE);
	pool_lo = (uint8_t *)start;
	pool_hi = pool_lo + (size_t)n * NB_SIZE;
	/* Push in reverse so the first allocation is the lowest buffer. */
	for (unsigned i = n; i-- > 0;) {
		struct netbuf *nb = (struct netbuf *)(pool_lo + (size_t)i * NB_SIZE);
		nb->next = free_list;
		free_list = nb;
	}
	pool_total = pool_free = n;
	return n;
}

unsigned nb_pool_total(void) { return pool_total; }
unsigned nb_pool_free(void) { return pool_free; }

static struct netbuf *take(uint32_t headroom)
{
	struct netbuf *nb = free_list;
	if (unlikely(!nb)) {
		nb_stats.alloc_fail++;
		return NULL;
	}
	free_list = nb->next;
	pool_free--;
	nb_stats.allocs++;
	nb->next = NULL;
	nb->data = nb->buf + headroom;
	nb->len = 0;
	nb->l2_off = nb->l3_off = nb->l4_off = 0;
	nb->flags = 0;
	nb->dev = NULL;
	nb->seq = 0;
	nb->tstamp = 0;
	nb->ct = NULL;
	return nb;
}

struct netbuf *nb_alloc(void) { return take(NB_HEADROOM); }
struct netbuf *nb_alloc_rx(void) { return take(0); }

void nb_free(struct netbuf *nb)
{
	if (!nb)
		return;
	/* A pointer outside the pool, or not at a buffer boundary, is memory corruption. */
	ASSERT((uint8_t *)nb >= pool_lo && (uint8_t *)nb < pool_hi);
	ASSERT(((uint8_t *)nb - pool_lo) % NB_SIZE == 0);
	ASSERT(pool_free < pool_total);
	nb->next = free_list;
	free_list = nb;
	pool_free++;
	nb_stats.frees++;
}
