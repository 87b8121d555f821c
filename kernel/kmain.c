/* kmain: from the boot stub to the running appliance. Order matters: console first (so every
 * later failure is visible), descriptors, memory, interrupts and time, configuration, the
 * banner, then the network and the app, and finally the loop. */
#include <stdio.h>
#include <string.h>
#include "kernel/arch.h"
#include "kernel/bootinfo.h"
#include "kernel/config.h"
#include "kernel/console.h"
#include "kernel/log.h"
#include "kernel/loop.h"
#include "kernel/mem.h"
#include "kernel/panic.h"
#include "kernel/time.h"
#include "kernel/kmain.h"
#include "kernel/kaslr.h"
#include "kernel/shell.h"
#include "kernel/ssp.h"
#include "arch/x86_64/io.h"

extern uint32_t boot_tsc_lo, boot_tsc_hi;
extern char _kernel_start[];
/* Parsed by kmain_early() before KASLR's copy, so in .data: the copy carries it. */
static struct boot_info bi __attribute__((section(".data")));
static int bi_status __attribute__((section(".data"))) = -1;

static const char *const mmap_type[] = { "?", "usable", "reserved", "ACPI", "ACPI NVS", "bad" };

static void print_banner(void)
{
	char cpu[256];
	struct mem_info mi;
	uint64_t boot_tsc = (uint64_t)boot_tsc_hi << 32 | boot_tsc_lo;
	uint64_t hz = arch_tsc_hz();
	uint64_t since_entry_us = hz ? (rdtsc() - boot_tsc) * 1000000ull / hz : 0;

	arch_cpu_describe(cpu, sizeof(cpu));
	mem_get_info(&mi);
	printf("\nPeregrine %s (multiboot%d%s%s)\n", PEREGRINE_VERSION, bi.protocol,
	       bi.loader[0] ? ", " : "", bi.loader);
	printf("cpu: %s\n", cpu);
	printf("tsc: %llu.%03llu MHz\n", (unsigned long long)(hz / 1000000),
	       (unsigned long long)(hz / 1000 % 1000));
	printf("memory map:\n");
	for (unsigned i = 0; i < bi.mmap_count; i++) {
		const struct boot_mmap *m = &bi.mmap[i];
		printf("  [0x%012llx-0x%012llx] %s\n", (unsigned long long)m->base,
		       (unsigned long long)(m->base + m->len - 1), mmap_type[m->type <= 5 ? m->type : 0]);
	}
	printf("memory: %llu KiB usable, kernel %llu KiB, %llu KiB free\n",
	       (unsigned long long)(mi.total >> 10), (unsigned long long)(mi.kernel >> 10),
	       (unsigned long long)(mi.free >> 10));
	if (bi.has_fb)
		printf("framebuffer: %ux%u %ubpp type %u at 0x%llx\n", bi.fb.width, bi.fb.height,
		       bi.fb.bpp, bi.fb.type, (unsigned long long)bi.fb.addr);
	for (unsigned i = 0; i < bi.mod_count; i++)
		printf("module: %s (%llu bytes)\n", bi.mods[i].name,
		       (unsigned long long)(bi.mods[i].end - bi.mods[i].start));
	printf("cmdline: %s\n", bi.cmdline);
	if (kaslr_state == KASLR_ON)
		printf("kaslr: image at 0x%llx (link address + 0x%llx, one of %u places)\n",
		       (unsigned long long)(uintptr_t)_kernel_start, (unsigned long long)kaslr_offset,
		       kaslr_slots);
	else
		printf("kaslr: %s, image at 0x%llx\n", kaslr_describe(kaslr_state),
		       (unsigned long long)(uintptr_t)_kernel_start);
	printf("boot: %llu us from entry to banner\n", (unsigned long long)since_entry_us);
}

static void apply_log_level(void)
{
	const char *lvl = config_get(&kconfig, "log");
	if (!lvl)
		return;
	if (!strcmp(lvl, "debug"))
		log_threshold = LOG_DEBUG;
	else if (!strcmp(lvl, "info"))
		log_threshold = LOG_INFO;
	else if (!strcmp(lvl, "warn"))
		log_threshold = LOG_WARN;
	else
		boot_fail("log=%s: expected debug, info or warn", lvl);
}

void boot_fail(const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("\nboot stopped: %s\n", msg);
	machine_exit(4);
}

/* kaslr= takes effect in boot.S's first call, from the command line; here it is checked. */
static void check_kaslr_key(void)
{
	const char *v = config_get(&kconfig, "kaslr");
	if (v && strcmp(v, "on") && strcmp(v, "off"))
		boot_fail("kaslr=%s: expected on or off", v);
	if (v && !strcmp(v, "off") && kaslr_state == KASLR_ON)
		log_warn("kaslr=off only works on the boot command line, not in a configuration file");
}

/* A text screen exists when we came through BIOS (multiboot1, or a multiboot2 EGA-text tag). */
static bool vga_text_available(void)
{
	if (bi.has_fb)
		return bi.fb.type == 2;
	return bi.protocol == 1;
}

/* The configuration file is the module named by config= (or the only module). The command
 * line is applied on top of it, so single keys can be overridden at the boot prompt. */
static void load_config(void)
{
	static struct config merged;
	char err[200];
	const char *want = config_get(&kconfig, "config");
	const struct boot_module *m = NULL;

	for (unsigned i = 0; i < bi.mod_count && !m; i++) {
		const char *n = bi.mods[i].name;
		size_t nl = strlen(n), wl = want ? strlen(want) : 0;
		if (!want || (nl >= wl && !strcmp(n + nl - wl, want)))
			m = &bi.mods[i];
	}
	if (!m) {
		if (want)
			boot_fail("config=%s: no boot module by that name", want);
		return;
	}
	const char *name = m->name[0] ? m->name : "config";
	if (config_parse_text(&merged, (const char *)(uintptr_t)m->start, (unsigned long)(m->end - m->start),
			      name, err, sizeof(err)) < 0)
		boot_fail("%s", err);
	if (config_parse_cmdline(&merged, bi.cmdline, err, sizeof(err)) < 0)
		boot_fail("command line: %s", err);
	kconfig = merged;
	log_info("config: %s (%llu bytes)", name, (unsigned long long)(m->end - m->start));
}

/* Called by boot.S before kmain, with nothing set up: parse the boot information (strings
 * and the memory map are copied into bi) and move the image to a random address. Returns the
 * distance moved, 0 when the image stays. */
int64_t kmain_early(uint32_t magic, uint32_t info)
{
	bi_status = multiboot_parse(magic, (const void *)(uintptr_t)info, &bi);
	if (bi_status < 0) {
		kaslr_state = KASLR_OFF_BOOT_INFO;
		return 0;
	}
	return kernel_relocate(&bi);
}

/* No canary in kmain's own frame: ssp_init() changes the guard while this frame is live. */
__attribute__((no_stack_protector)) void kmain(uint32_t magic, uint32_t info)
{
	char err[160];

	ssp_init();
	console_init(false);
	arch_init_early();
	if (bi_status < 0)
		panic("boot: not started by a multiboot loader (magic 0x%x) or bad boot information", magic);
	console_init(vga_text_available());
	mem_init(&bi);
	setvbuf(stdout, NULL, _IONBF, 0);
	arch_init(&bi);
	arch_protect_kernel(&bi);
	if (config_parse_cmdline(&kconfig, bi.cmdline, err, sizeof(err)) < 0)
		boot_fail("command line: %s", err);
	load_config();
	apply_log_level();
	check_kaslr_key();
	print_banner();
	run_test_hooks(config_get(&kconfig, "test"));
	net_bringup(&kconfig);
	shell_init();
	loop_run();
}
