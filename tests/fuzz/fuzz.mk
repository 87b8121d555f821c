# libFuzzer harnesses (clang, ASan + UBSan), included by the top-level Makefile.
#   make fuzz-smoke                 build every harness, run each FUZZ_SMOKE_SECONDS (part of check)
#   make fuzz [FUZZ_SECONDS=600]    run each harness that long; prints execs/s and coverage
#                                   (-j2: two at a time; make fuzz-run-NAME: one harness)
#   make fuzz-build                 just build build/fuzz/fuzz_*
# Seeds: tests/fuzz/corpus/<harness>/ (made by tests/fuzz/mkcorpus.py); what a run finds
# goes to build/fuzz/corpus/<harness>/, crashes to build/fuzz/artifacts/. Any crash fails make.

FUZZ_CC            ?= clang
FUZZ_SECONDS       ?= 600
FUZZ_SMOKE_SECONDS ?= 12
FUZZ_B             := $(B)/fuzz
FUZZ_SAN           := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS        := -std=gnu11 -O1 -g -fno-omit-frame-pointer -I. -Itests/unit -Itests/fuzz \
	-Wall -Wno-unused-parameter -DFUZZ_TEST -MMD -MP $(FUZZ_SAN)

# every tests/fuzz/fuzz_NAME.c but the shared stack set-up is a harness
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(filter-out tests/fuzz/fuzz_stack.c,$(wildcard tests/fuzz/fuzz_*.c)))
# Everything host-compilable that the harnesses exercise: the stack, the echo appliance,
# the config and multiboot parsers, the timer wheel, and the unit tests' clock and panic fakes.
FUZZ_LSRCS := $(wildcard net/*.c) kernel/timer.c kernel/config.c kernel/multiboot.c \
	apps/echo.c apps/lb_conf.c apps/lb_sched.c apps/lb_health.c tests/unit/fakes/clock.c tests/unit/fakes/panic.c tests/fuzz/fuzz_stack.c
FUZZ_LOBJS := $(patsubst %,$(FUZZ_B)/o/%.o,$(FUZZ_LSRCS))
FUZZ_BINS  := $(patsubst %,$(FUZZ_B)/fuzz_%,$(FUZZ_NAMES))

.PHONY: fuzz fuzz-smoke fuzz-build
# keep the objects (they are intermediate to make's pattern rules)
.SECONDARY: $(FUZZ_LOBJS) $(patsubst %,$(FUZZ_B)/o/tests/fuzz/fuzz_%.c.o,$(FUZZ_NAMES))
fuzz-build: $(FUZZ_BINS)

$(FUZZ_B)/o/%.c.o: %.c
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

# Objects, not an archive: ipv4.c refers to tcp_input weakly, which would not pull it out of one.
$(FUZZ_B)/fuzz_%: $(FUZZ_B)/o/tests/fuzz/fuzz_%.c.o $(FUZZ_LOBJS)
	@echo "  FUZZLD  $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^

# $(call fuzz_run,name,seconds): run one harness on its seeds; the last status line carries
# cov: and exec/s. A crash, leak, timeout or OOM makes libFuzzer exit non-zero.
define fuzz_run
	@mkdir -p $(FUZZ_B)/corpus/$(1) $(FUZZ_B)/artifacts
	@echo "  FUZZ    $(1) for $(2) s"
	@$(FUZZ_B)/fuzz_$(1) -max_total_time=$(2) -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
		-print_final_stats=1 -artifact_prefix=$(FUZZ_B)/artifacts/$(1)- \
		$(FUZZ_B)/corpus/$(1) tests/fuzz/corpus/$(1) > $(FUZZ_B)/$(1).log 2>&1 || \
		{ tail -n 60 $(FUZZ_B)/$(1).log; echo "fuzz_$(1): FAILED (log $(FUZZ_B)/$(1).log)"; exit 1; }
	@printf '  %-10s %s\n' $(1) "$$(grep -E '^#[0-9]+[[:space:]]+DONE' $(FUZZ_B)/$(1).log | tail -n 1)"
	@grep -E 'stat::(number_of_executed_units|average_exec_per_sec)' $(FUZZ_B)/$(1).log | sed 's/^/             /'

endef

fuzz-smoke: $(FUZZ_BINS)
	$(foreach h,$(FUZZ_NAMES),$(call fuzz_run,$(h),$(FUZZ_SMOKE_SECONDS)))

# One target per harness, so `make -j2 fuzz` runs two at a time (11 x 600 s in about an hour).
FUZZ_RUNS := $(patsubst %,fuzz-run-%,$(FUZZ_NAMES))
.PHONY: $(FUZZ_RUNS)
$(FUZZ_RUNS): fuzz-run-%: $(FUZZ_B)/fuzz_%
	$(call fuzz_run,$*,$(FUZZ_SECONDS))

fuzz: $(FUZZ_RUNS)

-include $(shell find $(FUZZ_B)/o -name '*.d' 2>/dev/null)
