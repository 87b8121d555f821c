# Peregrine build. `make run` and `make check` are all a new user needs; both install what is
# missing first (tools/deps.sh). Targets and variables are listed in README.md.

APP     ?= echo
NIC     ?= e1000
NET     ?= user
ACCEL   ?= tcg
CONFIG  ?=
MEM     ?= 128M
CMDLINE ?=

B       := build
CC      := gcc
LD      := ld
LDFLAGS := -n -T linker.ld -z noexecstack --no-warn-rwx-segments
OBJCOPY := objcopy
NEWLIB  := $(B)/newlib
GCCINC  := $(shell $(CC) -print-file-name=include)
LIBGCC  := $(shell $(CC) -print-libgcc-file-name)
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

# ---- kernel ---------------------------------------------------------------------------
KCFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Wno-unused-parameter -Werror=implicit-function-declaration \
	-ffreestanding -fno-pic -fno-pie -mno-red-zone -mcmodel=small -fstack-protector-strong -mstack-protector-guard=global -D_FORTIFY_SOURCE=2 \
	-fno-omit-frame-pointer -fno-common -nostdinc -isystem $(NEWLIB)/include -isystem $(GCCINC) \
	-I. -DPEREGRINE_VERSION='"$(VERSION)"' -MMD -MP
KASFLAGS := $(filter-out -std=gnu11,$(KCFLAGS)) -D__ASSEMBLY__

KSRCS := $(wildcard boot/*.S arch/x86_64/*.S arch/x86_64/*.c kernel/*.c drivers/*/*.c drivers/*.c net/*.c apps/*.c)
KOBJS := $(patsubst %,$(B)/k/%.o,$(KSRCS))
KLIBS := $(NEWLIB)/lib/libc.a $(NEWLIB)/lib/libm.a $(LIBGCC)

.PHONY: all kernel run check unit itest iso bench fuzz debug clean deps layering
all: kernel

kernel: $(B)/peregrine.elf $(B)/peregrine-qemu.elf

# One script makes both archives: a grouped target, so that make -j runs it once.
$(NEWLIB)/lib/libc.a $(NEWLIB)/lib/libm.a &: tools/build-newlib.sh
	@sh tools/build-newlib.sh $(NEWLIB)

$(B)/k/%.c.o: %.c | $(NEWLIB)/lib/libc.a
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(KCFLAGS) -c $< -o $@

$(B)/k/%.S.o: %.S | $(NEWLIB)/lib/libc.a
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC) $(KASFLAGS) -c $< -o $@

# Three-pass link. Pass 1 gives the symbol table the exception dump uses for backtraces
# (tools/mksyms.sh writes it as a data section); pass 2 carries it and, linked with
# --emit-relocs, gives KASLR's relocation table (tools/mkrelocs.py, kernel/kaslr.h); pass 3
# carries both. Both tables sit after .data, so no pass moves code or data the earlier ones saw.
$(B)/peregrine.elf: $(KOBJS) $(KLIBS) linker.ld tools/mksyms.sh tools/mkrelocs.py
	@echo "  LD      $@"
	@sh tools/mksyms.sh /dev/null > $(B)/ksyms0.S
	@python3 tools/mkrelocs.py /dev/null > $(B)/kreloc0.S
	@$(CC) $(KASFLAGS) -c $(B)/ksyms0.S -o $(B)/ksyms0.o
	@$(CC) $(KASFLAGS) -c $(B)/kreloc0.S -o $(B)/kreloc0.o
	@$(LD) $(LDFLAGS) -o $(B)/pass1.elf $(KOBJS) $(B)/ksyms0.o $(B)/kreloc0.o --start-group $(KLIBS) --end-group
	@sh tools/mksyms.sh $(B)/pass1.elf > $(B)/ksyms.S
	@$(CC) $(KASFLAGS) -c $(B)/ksyms.S -o $(B)/ksyms.o
	@$(LD) $(LDFLAGS) --emit-relocs -o $(B)/pass2.elf $(KOBJS) $(B)/ksyms.o $(B)/kreloc0.o --start-group $(KLIBS) --end-group
	@python3 tools/mkrelocs.py $(B)/pass2.elf > $(B)/kreloc.S
	@$(CC) $(KASFLAGS) -c $(B)/kreloc.S -o $(B)/kreloc.o
	@$(LD) $(LDFLAGS) -Map=$(B)/peregrine.map -o $@ $(KOBJS) $(B)/ksyms.o $(B)/kreloc.o --start-group $(KLIBS) --end-group
	@sh tools/mksyms.sh $@ > $(B)/ksyms2.S; cmp -s $(B)/ksyms.S $(B)/ksyms2.S || \
		{ echo "symbol table moved between link passes"; exit 1; }
	@objdump -h $(B)/pass2.elf | awk '$$2 ~ /^\.(text|rodata|data|ksyms)$$/' > $(B)/layout2.txt
	@objdump -h $@ | awk '$$2 ~ /^\.(text|rodata|data|ksyms)$$/' > $(B)/layout3.txt
	@cmp -s $(B)/layout2.txt $(B)/layout3.txt || \
		{ echo "code or data moved between link passes: the relocation table is stale"; exit 1; }

# QEMU's multiboot1 loader takes only 32-bit ELF: the same image, relabelled.
$(B)/peregrine-qemu.elf: $(B)/peregrine.elf
	@echo "  OBJCOPY $@"
	@$(OBJCOPY) -O elf32-i386 $< $@

# ---- ISO (GRUB, BIOS + UEFI) ----------------------------------------------------------
iso: $(B)/peregrine.iso
$(B)/peregrine.iso: $(B)/peregrine.elf tools/mkiso.sh $(CONFIG)
	@sh tools/mkiso.sh $@ $(B)/peregrine.elf "$(CMDLINE)" "$(CONFIG)"

# ---- host unit tests (CUnit) ----------------------------------------------------------
UCFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Wno-unused-parameter -I. -Itests/unit \
	-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -DUNIT_TEST -MMD -MP
# kernel/ files that are plain C and tested on the host:
UNIT_KSRCS := kernel/timer.c $(wildcard kernel/cmdline.c kernel/multiboot.c kernel/pmm.c kernel/config.c kernel/kaslr.c)
# apps/ files that are plain C (no kernel calls): the load balancer's config, scheduler, health
UNIT_ASRCS := $(wildcard apps/lb_conf.c apps/lb_sched.c apps/lb_health.c)
USRCS := $(wildcard net/*.c) $(UNIT_KSRCS) $(UNIT_ASRCS) $(wildcard tests/unit/*.c tests/unit/*/*.c tests/unit/*/*/*.c)
UOBJS := $(patsubst %,$(B)/u/%.o,$(USRCS))

$(B)/u/%.c.o: %.c
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	@$(CC) $(UCFLAGS) -c $< -o $@

$(B)/unit-tests: $(UOBJS)
	@$(CC) $(UCFLAGS) -o $@ $(UOBJS) -lcunit

unit: deps $(B)/unit-tests
	@$(B)/unit-tests

# ---- host tools -----------------------------------------------------------------------
$(B)/loadgen: tools/loadgen/loadgen.c
	@mkdir -p $(B)
	@echo "  HOSTCC  $<"
	@$(CC) -O2 -Wall -Wextra -o $@ $<

$(B)/udprate: tools/loadgen/udprate.c
	@mkdir -p $(B)
	@echo "  HOSTCC  $<"
	@$(CC) -O2 -Wall -Wextra -o $@ $<

# ---- benchmarks: Peregrine side by side with a Linux guest (issue #8) -------------------
# Root, unattended, < 30 min: table on stdout, $(B)/bench/results.json and one SVG per workload.
bench: kernel $(B)/loadgen $(B)/udprate
	@sh tools/bench/deps.sh
	@mkdir -p $(B)/bench
	@$(CC) -O2 -Wall -Wextra -static -o $(B)/bench/echod tools/bench/echod.c
	@sh tools/bench/selftest.sh $(B)
	@python3 tools/bench/bench.py --build $(B) --out $(B)/bench

# ---- integration tests (real image in QEMU) --------------------------------------------
itest: deps kernel iso $(B)/loadgen $(B)/udprate
	@UDPRATE=$(abspath $(B))/udprate sh tests/integration/run.sh

layering:
	@sh tools/check-layers.sh

# Fuzzing (clang + libFuzzer): targets `fuzz` (each harness for FUZZ_SECONDS) and
# `fuzz-smoke` (each harness briefly, part of `check`), defined in tests/fuzz/fuzz.mk.
-include tests/fuzz/fuzz.mk

check: deps layering
	@$(MAKE) --no-print-directory kernel iso $(B)/unit-tests $(B)/loadgen $(B)/udprate
	@$(B)/unit-tests
	@if [ -f tests/fuzz/fuzz.mk ]; then $(MAKE) --no-print-directory fuzz-smoke; fi
	@UDPRATE=$(abspath $(B))/udprate sh tests/integration/run.sh

deps:
	@sh tools/deps.sh

run: deps kernel
	@sh tools/run.sh

debug: deps kernel
	@sh tools/run.sh --debug

clean:
	rm -rf $(B)/k $(B)/u $(B)/fuzz $(B)/itest $(B)/*.elf $(B)/*.o $(B)/*.S $(B)/*.iso $(B)/unit-tests $(B)/peregrine.map

# Flags live here: objects are rebuilt when this file changes.
$(KOBJS) $(UOBJS): Makefile

-include $(shell find $(B)/k $(B)/u -name '*.d' 2>/dev/null)
