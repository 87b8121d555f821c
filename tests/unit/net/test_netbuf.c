/* net/netbuf.c and the inline helpers of net/netbuf.h: headroom at allocation, push/pull/
 * put/trim arithmetic, pull failing without side effects, pool exhaustion and recovery. */
#include <stdlib.h>
#include <string.h>
#include "unit.h"
#include "net/netbuf.h"

static void test_alloc_layout(void)
{
	struct netbuf *nb = nb_alloc();
	CU_ASSERT_PTR_NOT_NULL_FATAL(nb);
	CU_ASSERT_EQUAL(nb_headroom(nb), NB_HEADROOM);
	CU_ASSERT_EQUAL(nb->len, 0);
	CU_ASSERT_EQUAL(nb_tailroom(nb), NB_BUF_SIZE - NB_HEADROOM);
	CU_ASSERT_PTR_NULL(nb->next);
	struct netbuf *rx = nb_alloc_rx();
	CU_ASSERT_PTR_NOT_NULL_FATAL(rx);
	CU_ASSERT_EQUAL(nb_headroom(rx), 0);
	CU_ASSERT_EQUAL(nb_tailroom(rx), NB_BUF_SIZE);
	CU_ASSERT_PTR_NOT_EQUAL(nb, rx);
	nb_free(nb);
	nb_free(rx);
	nb_free(NULL);                  /* ignored */
}

static void test_push_pull_put_trim(void)
{
	struct netbuf *nb = nb_alloc();
	uint8_t *p = nb_put(nb, 10);
	memcpy(p, "0123456789", 10);
	CU_ASSERT_EQUAL(nb->len, 10);
	uint8_t *h = nb_push(nb, 4);
	memcpy(h, "HDR:", 4);
	CU_ASSERT_PTR_EQUAL(h, p - 4);
	CU_ASSERT_EQUAL(nb->len, 14);
	CU_ASSERT_EQUAL(nb_headroom(nb), NB_HEADROOM - 4);
	CU_ASSERT_EQUAL(memcmp(nb->data, "HDR:0123456789", 14), 0);
	CU_ASSERT_PTR_EQUAL(nb_pull(nb, 4), h);
	CU_ASSERT_PTR_EQUAL(nb->data, p);
	/* Pull fails: not enough bytes, buffer unchanged. */
	CU_ASSERT_PTR_NULL(nb_pull(nb, 11));
	CU_ASSERT_PTR_EQUAL(nb->data, p);
	CU_ASSERT_EQUAL(nb->len, 10);
	CU_ASSERT_PTR_EQUAL(nb_pull(nb, 10), p);     /* exactly all of it */
	CU_ASSERT_EQUAL(nb->len, 0);
	nb->data = p;
	nb->len = 10;
	nb_trim(nb, 3);
	CU_ASSERT_EQUAL(nb->len, 3);
	CU_ASSERT_EQUAL(nb_offset(nb), NB_HEADROOM);
	CU_ASSERT_PTR_EQUAL(nb_at(nb, NB_HEADROOM), p);
	nb_free(nb);
}

static void test_pull_hdr(void)
{
	struct hdr { uint32_t a, b; };
	struct netbuf *nb = nb_alloc();
	nb_put(nb, 7);
	CU_ASSERT_PTR_NULL(nb_pull_hdr(nb, struct hdr));
	CU_ASSERT_EQUAL(nb->len, 7);
	nb_put(nb, 1);
	CU_ASSERT_PTR_NOT_NULL(nb_pull_hdr(nb, struct hdr));
	CU_ASSERT_EQUAL(nb->len, 0);
	nb_free(nb);
}

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(void *const *)a, y = (uintptr_t)*(void *const *)b;
	return x < y ? -1 : x > y;
}

static void test_pool_exhaustion(void)
{
	static struct netbuf *all[UNIT_POOL_BUFS + 1];
	unsigned total = nb_pool_total(), n = 0;
	CU_ASSERT_EQUAL_FATAL(nb_pool_free(), total);
	CU_ASSERT_TRUE(total > 0 && total <= UNIT_POOL_BUFS);
	uint64_t fails = nb_stats.alloc_fail, allocs = nb_stats.allocs;
	while (n <= UNIT_POOL_BUFS && (all[n] = nb_alloc()) != NULL)
		n++;
	CU_ASSERT_EQUAL(n, total);
	CU_ASSERT_EQUAL(nb_pool_free(), 0);
	CU_ASSERT_EQUAL(nb_stats.alloc_fail, fails + 1);
	CU_ASSERT_EQUAL(nb_stats.allocs, allocs + total);
	CU_ASSERT_PTR_NULL(nb_alloc_rx());
	CU_ASSERT_EQUAL(nb_stats.alloc_fail, fails + 2);
	/* Every buffer distinct: sorted by address, neighbours are exactly NB_SIZE apart. */
	static struct netbuf *sorted[UNIT_POOL_BUFS];
	memcpy(sorted, all, n * sizeof(all[0]));
	qsort(sorted, n, sizeof(sorted[0]), cmp_ptr);
	for (unsigned i = 1; i < n; i++)
		CU_ASSERT_EQUAL((uint8_t *)sorted[i] - (uint8_t *)sorted[i - 1], NB_SIZE);
	nb_free(all[0]);
	CU_ASSERT_EQUAL(nb_pool_free(), 1);
	CU_ASSERT_PTR_EQUAL(nb_alloc(), all[0]);     /* LIFO: the buffer just freed */
	for (unsigned i = 0; i < n; i++)
		nb_free(all[i]);
	CU_ASSERT_EQUAL(nb_pool_free(), total);
}

static CU_TestInfo tests[] = {
	{ "alloc layout", test_alloc_layout },
	{ "push/pull/put/trim", test_push_pull_put_trim },
	{ "pull_hdr fails on short", test_pull_hdr },
	{ "pool exhaustion and recovery", test_pool_exhaustion },
	CU_TEST_INFO_NULL,
};

UNIT_SUITE("net/netbuf", NULL, NULL, tests);
