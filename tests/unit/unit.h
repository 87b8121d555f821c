/* Host unit tests: CUnit suites that register themselves.
 *
 *   static void test_x(void) { CU_ASSERT_EQUAL(...); }
 *   static CU_TestInfo tests[] = { { "x", test_x }, CU_TEST_INFO_NULL };
 *   UNIT_SUITE("net/netbuf", setup, teardown, tests);   // setup/teardown may be NULL
 *
 * After every test's teardown the runner asserts the netbuf pool is full again, so each
 * test is also a leak test. */
#ifndef TESTS_UNIT_H
#define TESTS_UNIT_H

#include <CUnit/CUnit.h>
#include <stdint.h>
#include <stddef.h>

void unit_add_suite(const char *name, void (*setup)(void), void (*teardown)(void), CU_TestInfo *tests);

#define UNIT_SUITE(name, setup, teardown, tests) \
	__attribute__((constructor)) static void unit_reg_##tests(void) \
	{ unit_add_suite(name, setup, teardown, tests); }

/* Fake clock (tests/unit/fakes/clock.c): time_now_ns() returns fake_now. */
extern uint64_t fake_now;
/* Advance the fake clock by ns and run due timers. */
void fake_advance(uint64_t ns);

/* Fake netdev (tests/unit/fakes/netdev.c): records every transmitted frame. */
struct netdev;
struct netbuf;
#define FAKE_TX_MAX 64
struct fake_tx {
	unsigned count;                 /* frames recorded since fake_netdev_reset() */
	struct netbuf *frames[FAKE_TX_MAX]; /* owned by the fake until reset/pop */
	unsigned refuse;                /* refuse this many more xmits, as a full TX ring does */
};
extern struct fake_tx fake_tx;
/* A registered netdev named eth0 with MAC 52:54:00:12:34:56, MTU 1500 (created once). */
struct netdev *fake_netdev(void);
/* Free every recorded frame and zero the count. */
void fake_netdev_reset(void);
/* Take the oldest recorded frame (caller frees), or NULL. */
struct netbuf *fake_tx_pop(void);

/* A netbuf holding a copy of bytes (len), data at the start of the frame. */
struct netbuf *unit_nb_from(const void *bytes, size_t len);

#define UNIT_POOL_BUFS 512

#endif
