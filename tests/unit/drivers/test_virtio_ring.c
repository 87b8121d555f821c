/* Unit tests for the split virtqueue driver side (drivers/net/virtio_ring.c, virtio 1.2 §2.7):
 * layout, add/publish/get, notification and interrupt suppression with and without
 * EVENT_IDX, untrusted used ids, index wrap-around. The test plays the device by writing
 * the used ring and reading the available ring directly. */
#include <stdlib.h>
#include <string.h>
#include "unit.h"
#include "drivers/net/virtio_ring.h"   /* compiled for the host by virtio_ring_host.c */

static struct virtq vq;
static void *mem;

static void setup_q(uint16_t size, bool event_idx)
{
	size_t n = virtq_mem_size(size);
	mem = aligned_alloc(4096, n);
	memset(mem, 0, n);
	virtq_init(&vq, 3, size, mem, 0x100000, event_idx);
}

static void teardown(void)
{
	free(mem);
	mem = NULL;
}

static uint16_t *used_event(void) { return &vq.avail->ring[vq.size]; }
static uint16_t *avail_event(void) { return (uint16_t *)&vq.used->ring[vq.size]; }

/* The device consumes avail entry i and returns it with len. */
static void dev_use(uint32_t id, uint32_t len)
{
	vq.used->ring[vq.used->idx & (vq.size - 1)] = (struct virtq_used_elem){ id, len };
	vq.used->idx++;
}

static void test_layout(void)
{
	setup_q(256, false);
	/* §2.7 legacy layout: 16*256 desc + 6+2*256 avail -> 8192; used 6+8*256 -> 4096 */
	CU_ASSERT_EQUAL(virtq_mem_size(256), 12288);
	CU_ASSERT_EQUAL(virtq_mem_size(1024), 16384 + 4096 + 12288); /* used: 6+8192 -> 3 pages */
	CU_ASSERT_PTR_EQUAL((uint8_t *)vq.avail, (uint8_t *)mem + 4096);
	CU_ASSERT_PTR_EQUAL((uint8_t *)vq.used, (uint8_t *)mem + 8192);
	CU_ASSERT_EQUAL(vq.desc_pa, 0x100000);
	CU_ASSERT_EQUAL(vq.avail_pa, 0x101000);
	CU_ASSERT_EQUAL(vq.used_pa, 0x102000);
	CU_ASSERT_EQUAL(vq.num_free, 256);
	CU_ASSERT_EQUAL(vq.index, 3);
	teardown();
	setup_q(4, false);
	CU_ASSERT_EQUAL(virtq_mem_size(4), 8192);
	CU_ASSERT_PTR_EQUAL((uint8_t *)vq.avail, (uint8_t *)mem + 64);
	CU_ASSERT_PTR_EQUAL((uint8_t *)vq.used, (uint8_t *)mem + 4096);
	teardown();
}

static void test_add_publish_get(void)
{
	int c[3];
	uint32_t len = 0;

	setup_q(8, false);
	CU_ASSERT_TRUE(virtq_add(&vq, 0x5000, 1992, true, &c[0]));
	CU_ASSERT_TRUE(virtq_add(&vq, 0x6000, 60, false, &c[1]));
	CU_ASSERT_TRUE(virtq_add(&vq, 0x7000, 1992, true, &c[2]));
	CU_ASSERT_EQUAL(vq.avail->idx, 0);               /* not visible before publish */
	CU_ASSERT_TRUE(virtq_publish(&vq));
	CU_ASSERT_EQUAL(vq.avail->idx, 3);
	CU_ASSERT_FALSE(virtq_publish(&vq));             /* nothing new: no notification */
	for (int i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(vq.avail->ring[i], i);
	CU_ASSERT_EQUAL(vq.desc[0].addr, 0x5000);
	CU_ASSERT_EQUAL(vq.desc[0].len, 1992);
	CU_ASSERT_EQUAL(vq.desc[0].flags, VIRTQ_DESC_F_WRITE);
	CU_ASSERT_EQUAL(vq.desc[1].flags, 0);
	CU_ASSERT_EQUAL(vq.desc[1].len, 60);
	CU_ASSERT_EQUAL(vq.num_free, 5);

	CU_ASSERT_PTR_NULL(virtq_get(&vq, &len));
	dev_use(1, 60);                                  /* out of order is allowed */
	CU_ASSERT_TRUE(virtq_has_used(&vq));
	CU_ASSERT_PTR_EQUAL(virtq_get(&vq, &len), &c[1]);
	CU_ASSERT_EQUAL(len, 60);
	CU_ASSERT_EQUAL(vq.num_free, 6);
	CU_ASSERT_EQUAL(vq.free_head, 1);                /* freed descriptor is reused first */
	CU_ASSERT_PTR_NULL(virtq_get(&vq, &len));
	CU_ASSERT_FALSE(virtq_has_used(&vq));

	CU_ASSERT_TRUE(virtq_add(&vq, 0x8000, 10, false, &c[1]));
	CU_ASSERT_TRUE(virtq_publish(&vq));
	CU_ASSERT_EQUAL(vq.avail->ring[3], 1);
	CU_ASSERT_EQUAL(vq.desc[1].addr, 0x8000);
	teardown();
}

static void test_ring_full(void)
{
	int c;
	setup_q(4, false);
	for (int i = 0; i < 4; i++)
		CU_ASSERT_TRUE(virtq_add(&vq, 0x1000u * i, 100, true, &c));
	CU_ASSERT_FALSE(virtq_add(&vq, 0x9000, 100, true, &c));
	CU_ASSERT_EQUAL(vq.num_free, 0);
	teardown();
}

static void test_no_notify_flag(void)
{
	int c;
	setup_q(8, false);
	vq.used->flags = VIRTQ_USED_F_NO_NOTIFY;         /* §2.7.7: device is polling */
	virtq_add(&vq, 0x1000, 100, true, &c);
	CU_ASSERT_FALSE(virtq_publish(&vq));
	CU_ASSERT_EQUAL(vq.avail->idx, 1);
	vq.used->flags = 0;
	virtq_add(&vq, 0x2000, 100, true, &c);
	CU_ASSERT_TRUE(virtq_publish(&vq));
	teardown();
}

static void test_need_event(void)
{
	/* §2.7.10: notify when the idx moved past event, i.e. event in [old, new) */
	CU_ASSERT_TRUE(virtq_need_event(0, 1, 0));
	CU_ASSERT_FALSE(virtq_need_event(1, 1, 0));
	CU_ASSERT_TRUE(virtq_need_event(5, 8, 4));
	CU_ASSERT_TRUE(virtq_need_event(4, 8, 4));
	CU_ASSERT_FALSE(virtq_need_event(3, 8, 4));
	CU_ASSERT_FALSE(virtq_need_event(8, 8, 4));
	CU_ASSERT_TRUE(virtq_need_event(0xffff, 2, 0xfffe));   /* across the 16-bit wrap */
	CU_ASSERT_FALSE(virtq_need_event(2, 2, 0xfffe));
}

static void test_event_idx_notify(void)
{
	int c;
	setup_q(8, true);
	*avail_event() = 0;
	virtq_add(&vq, 0x1000, 100, true, &c);
	CU_ASSERT_TRUE(virtq_publish(&vq));              /* 0 -> 1 crosses 0 */
	*avail_event() = 4;                              /* device: wake me after entry 4 */
	virtq_add(&vq, 0x1000, 100, true, &c);
	virtq_add(&vq, 0x1000, 100, true, &c);
	CU_ASSERT_FALSE(virtq_publish(&vq));             /* 1 -> 3 */
	virtq_add(&vq, 0x1000, 100, true, &c);
	virtq_add(&vq, 0x1000, 100, true, &c);
	CU_ASSERT_TRUE(virtq_publish(&vq));              /* 3 -> 5 crosses 4: one batch, one kick */
	CU_ASSERT_EQUAL(vq.avail->idx, 5);
	CU_ASSERT_EQUAL(vq.avail->flags, 0);             /* §2.7.7.1: flags 0 with EVENT_IDX */
	teardown();
}

static void test_interrupt_suppression_flags(void)
{
	int c;
	uint32_t len;
	setup_q(8, false);
	virtq_add(&vq, 0x1000, 100, true, &c);
	virtq_publish(&vq);
	virtq_disable_cb(&vq);
	CU_ASSERT_EQUAL(vq.avail->flags, VIRTQ_AVAIL_F_NO_INTERRUPT);
	CU_ASSERT_FALSE(virtq_enable_cb(&vq));
	CU_ASSERT_EQUAL(vq.avail->flags, 0);
	virtq_disable_cb(&vq);
	dev_use(0, 42);                                  /* arrives while suppressed */
	CU_ASSERT_TRUE(virtq_enable_cb(&vq));            /* the race is reported ... */
	CU_ASSERT_EQUAL(vq.avail->flags, VIRTQ_AVAIL_F_NO_INTERRUPT); /* ... and stays masked */
	CU_ASSERT_PTR_EQUAL(virtq_get(&vq, &len), &c);
	CU_ASSERT_FALSE(virtq_enable_cb(&vq));
	teardown();
}

static void test_interrupt_suppression_event_idx(void)
{
	int c;
	uint32_t len;
	setup_q(8, true);
	for (int i = 0; i < 3; i++)
		virtq_add(&vq, 0x1000, 100, true, &c);
	virtq_publish(&vq);
	dev_use(0, 1);
	dev_use(1, 1);
	virtq_get(&vq, &len);
	virtq_get(&vq, &len);
	CU_ASSERT_EQUAL(vq.last_used, 2);
	virtq_disable_cb(&vq);
	CU_ASSERT_EQUAL(*used_event(), 1);               /* behind: never crossed */
	CU_ASSERT_EQUAL(vq.avail->flags, 0);
	/* the device decides with need_event(used_event, new, old): no interrupt for 2 -> 3 */
	CU_ASSERT_FALSE(virtq_need_event(*used_event(), 3, 2));
	CU_ASSERT_FALSE(virtq_enable_cb(&vq));
	CU_ASSERT_EQUAL(*used_event(), 2);               /* interrupt at the next used entry */
	CU_ASSERT_TRUE(virtq_need_event(*used_event(), 3, 2));
	dev_use(2, 1);
	CU_ASSERT_TRUE(virtq_enable_cb(&vq));
	CU_ASSERT_EQUAL(*used_event(), 1);               /* re-suppressed */
	CU_ASSERT_PTR_EQUAL(virtq_get(&vq, &len), &c);
	teardown();
}

static void test_bad_used_ids(void)
{
	int c[2];
	uint32_t len = 0;
	setup_q(4, false);
	virtq_add(&vq, 0x1000, 100, true, &c[0]);
	virtq_add(&vq, 0x2000, 100, true, &c[1]);
	virtq_publish(&vq);
	dev_use(7, 10);          /* id beyond the ring */
	dev_use(3, 10);          /* id in range but never made available */
	dev_use(0, 33);
	dev_use(0, 33);          /* the same buffer twice */
	CU_ASSERT_PTR_EQUAL(virtq_get(&vq, &len), &c[0]);
	CU_ASSERT_EQUAL(len, 33);
	CU_ASSERT_EQUAL(vq.bad_used, 2);
	CU_ASSERT_PTR_NULL(virtq_get(&vq, &len));
	CU_ASSERT_EQUAL(vq.bad_used, 3);
	CU_ASSERT_EQUAL(vq.num_free, 3);                 /* the double return freed nothing */
	teardown();
}

static void test_wraparound(void)
{
	uintptr_t cookie;
	uint32_t len;
	int bad = 0;
	setup_q(4, true);
	/* 70000 buffers through a 4-entry ring: both 16-bit indexes wrap. */
	for (uintptr_t i = 1; i <= 70000; i++) {
		if (!virtq_add(&vq, i << 12, 64, false, (void *)i))
			bad++;
		virtq_publish(&vq);
		uint16_t id = vq.avail->ring[(uint16_t)(vq.avail->idx - 1) & 3];
		dev_use(id, (uint32_t)i);
		cookie = (uintptr_t)virtq_get(&vq, &len);
		if (cookie != i || len != (uint32_t)i)
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(vq.avail->idx, (uint16_t)70000);
	CU_ASSERT_EQUAL(vq.last_used, (uint16_t)70000);
	CU_ASSERT_EQUAL(vq.num_free, 4);
	teardown();
}

static CU_TestInfo tests[] = {
	{ "layout", test_layout },
	{ "add_publish_get", test_add_publish_get },
	{ "ring_full", test_ring_full },
	{ "no_notify_flag", test_no_notify_flag },
	{ "need_event", test_need_event },
	{ "event_idx_notify", test_event_idx_notify },
	{ "irq_suppression_flags", test_interrupt_suppression_flags },
	{ "irq_suppression_event_idx", test_interrupt_suppression_event_idx },
	{ "bad_used_ids", test_bad_used_ids },
	{ "wraparound", test_wraparound },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE("drivers/virtio_ring", NULL, NULL, tests);
