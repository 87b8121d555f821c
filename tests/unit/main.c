/* Runner for the host unit tests: collects the self-registered suites, runs them with the
 * CUnit basic interface, and checks the netbuf pool after every test. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/Basic.h>
#include "unit.h"
#include "net/netbuf.h"

#define MAX_SUITES 128

struct unit_suite {
	const char *name;
	void (*setup)(void);
	void (*teardown)(void);
	CU_TestInfo *tests;
};

static struct unit_suite suites[MAX_SUITES];
static unsigned nsuites;
static _Alignas(4096) uint8_t pool_mem[UNIT_POOL_BUFS * NB_SIZE];

void unit_add_suite(const char *name, void (*setup)(void), void (*teardown)(void), CU_TestInfo *tests)
{
	if (nsuites == MAX_SUITES) {
		fprintf(stderr, "too many suites\n");
		exit(2);
	}
	suites[nsuites++] = (struct unit_suite){ name, setup, teardown, tests };
}

static struct unit_suite *current(void)
{
	CU_pSuite s = CU_get_current_suite();
	for (unsigned i = 0; s && i < nsuites; i++)
		if (strcmp(suites[i].name, s->pName) == 0)
			return &suites[i];
	return NULL;
}

static void setup_wrap(void)
{
	struct unit_suite *s = current();
	if (s && s->setup)
		s->setup();
}

static void teardown_wrap(void)
{
	struct unit_suite *s = current();
	if (s && s->teardown)
		s->teardown();
	/* Not _FATAL: a longjmp from teardown (outside any test) would never return to CUnit. */
	CU_ASSERT_EQUAL(nb_pool_free(), nb_pool_total());
}

static int cmp_suite(const void *a, const void *b)
{
	return strcmp(((const struct unit_suite *)a)->name, ((const struct unit_suite *)b)->name);
}

int main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;

	if (nb_pool_init(pool_mem, sizeof(pool_mem)) == 0) {
		fprintf(stderr, "netbuf pool init failed\n");
		return 2;
	}
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	qsort(suites, nsuites, sizeof(suites[0]), cmp_suite);
	for (unsigned i = 0; i < nsuites; i++) {
		if (only && strncmp(suites[i].name, only, strlen(only)) != 0)
			continue;
		CU_pSuite s = CU_add_suite_with_setup_and_teardown(suites[i].name, NULL, NULL,
								   setup_wrap, teardown_wrap);
		for (CU_TestInfo *t = suites[i].tests; s && t->pName; t++)
			CU_add_test(s, t->pName, t->pTestFunc);
	}
	CU_basic_set_mode(CU_BRM_NORMAL);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	unsigned ran = CU_get_number_of_tests_run();
	CU_cleanup_registry();
	if (ran == 0) {
		fprintf(stderr, "no unit test ran\n");
		return 1;
	}
	return failed ? 1 : 0;
}
