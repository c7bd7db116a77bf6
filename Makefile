# sluice - build, test, install.
#
#   make            build/libsluice.a, build/libsluice.so, build/sluice
#   make check      unit and command-line tests, under AddressSanitizer
#                   and UndefinedBehaviorSanitizer too, on both cores
#   make check-tsan the threaded tests under ThreadSanitizer
#   make check-zlib the gzip tests of the build without ISA-L (build/zlib)
#   make demo       a short pipeline over ~200 MB generated on the fly
#   make install    PREFIX=/usr/local (DESTDIR honoured)
#   make deps       install the Debian packages the build needs
#   make fuzz       each libFuzzer harness FUZZ_SECONDS (10) on its seeds
#   make ISAL=0     without ISA-L: gzip in and out through zlib alone

VERSION = 0.1.0
SOVERSION = 0

CC ?= cc
CFLAGS ?= -O2 -g
WARN = -std=c11 -Wall -Wextra -Werror
CPPFLAGS += -D_GNU_SOURCE -Iinclude
LIBS = -ljansson -lz -lbz2 -llzma -lzstd -lpthread -lm
PREFIX ?= /usr/local

# ISA-L's igzip inflates all gzip input and deflates output at levels 1-3
# (README: Dependencies); ISAL=0 leaves zlib to do all of it.
ISAL ?= 1
ifeq ($(ISAL),1)
CPPFLAGS += -DSL_HAVE_ISAL
LIBS += -lisal
endif

# B is the build folder; SAN=1 builds the sanitizer variant into build/san.
B ?= build
ifeq ($(SAN),1)
B = build/san
SANFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all \
	   -fno-omit-frame-pointer
endif
# TSAN=1 builds the ThreadSanitizer variant into build/tsan.
ifeq ($(TSAN),1)
B = build/tsan
SANFLAGS = -fsanitize=thread -fno-omit-frame-pointer
endif
ALL_CFLAGS = $(WARN) $(CFLAGS) $(SANFLAGS) -fPIC
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS)

LIB_SRC = lib/ctx.c lib/mem.c lib/tmpfile.c lib/source.c lib/sink.c \
	  lib/pgzip.c lib/blocks.c lib/lines.c lib/reader.c lib/csv.c \
	  lib/tsv.c lib/jsonl.c lib/writer.c lib/expr.c lib/spill.c lib/sort.c
LIB_SRC += lib/agg.c lib/agg_acc.c lib/agg_state.c
LIB_SRC += lib/num.c
LIB_SRC += lib/sketch.c
LIB_SRC += lib/format.c lib/text.c lib/lines_format.c
LIB_SRC += lib/iter.c lib/iter_read.c lib/iter_pass.c lib/iter_sort.c lib/iter_uniq.c
LIB_SRC += lib/iter_join.c lib/iter_fields.c lib/iter_agg.c lib/iter_headers.c \
	   lib/iter_reshape.c
LIB_SRC += lib/rng.c lib/iter_hold.c lib/iter_gen.c
LIB_SRC += lib/split.c lib/count.c lib/reader_par.c lib/parts.c lib/json_array.c
LIB_SRC += lib/table.c
LIB_HDR = include/sluice.h lib/sluice_int.h
LIB_HDR += lib/sketch.h lib/iter.h lib/agg.h lib/writer.h

# every verb is a file of its own in cli/ (doc/layers.md)
CLI_SRC = $(sort $(wildcard cli/*.c))

UNIT_TESTS = test_mem test_source test_sink test_lines test_reader \
	     test_writer test_expr test_sort
UNIT_TESTS += test_sketch test_agg
UNIT_TESTS += test_fuzz_regress
UNIT_TESTS += test_num
UNIT_TESTS += test_gen
UNIT_TESTS += test_iter
UNIT_TESTS += test_stage_group
UNIT_TESTS += test_stage_fields
UNIT_TESTS += test_stage_hold
UNIT_TESTS += test_split
TEST_TOOLS = maxrss
EXAMPLES = longest sumcol wordfreq stage pipeline

LIB_OBJ = $(LIB_SRC:%.c=$(B)/%.o)
CLI_OBJ = $(CLI_SRC:%.c=$(B)/%.o)
UNIT_BIN = $(UNIT_TESTS:%=$(B)/tests/%)
TOOL_BIN = $(TEST_TOOLS:%=$(B)/tests/%)
TOOL_BIN += $(B)/tests/faultshim.so
EXAMPLE_BIN = $(EXAMPLES:%=$(B)/examples/%)

DEB_PKGS = zlib1g-dev libbz2-dev liblzma-dev libzstd-dev libjansson-dev libcmocka-dev \
	   pigz python3 python3-distributed parallel openssh-server pkgconf \
	   groff-base man-db bzip2 xz-utils zstd
ifeq ($(ISAL),1)
DEB_PKGS += libisal-dev
endif

all: $(B)/libsluice.a $(B)/libsluice.so $(B)/sluice $(B)/sluice.1

# What the objects are built with: when it changes (ISAL=0 in a folder
# built with ISA-L, or back), they are built again.
BUILD_FLAGS = $(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(LIBS)

$(B)/.flags: FORCE
	@mkdir -p $(dir $@)
	@echo '$(BUILD_FLAGS)' | cmp -s - $@ || echo '$(BUILD_FLAGS)' >$@

$(B)/%.o: %.c $(LIB_HDR) cli/cli.h $(B)/.flags
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(B)/libsluice.a: $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

# Export exactly the functions sluice.h declares.
$(B)/sluice.map: include/sluice.h
	@mkdir -p $(dir $@)
	{ echo '{ global:'; \
	  sed -n 's/^[a-z].*[ *]\(sl_[a-z0-9_]*\)(.*/\1;/p' $<; \
	  echo 'local: *; };'; } > $@

# -Bsymbolic-functions: the library's calls to its own public functions
# stay direct, as in the static library.
$(B)/libsluice.so: $(LIB_OBJ) $(B)/sluice.map
	$(CC) $(ALL_LDFLAGS) -shared -Wl,-soname,libsluice.so.$(SOVERSION) \
		-Wl,-Bsymbolic-functions \
		-Wl,--version-script=$(B)/sluice.map -o $@ $(LIB_OBJ) $(LIBS)

$(B)/libsluice.so.$(SOVERSION): $(B)/libsluice.so
	ln -sf libsluice.so $@

# The command is a user of the shared library like any other: sluice.h
# alone.  It finds the library next to it (the build folder) or in
# ../lib (an installed tree).
$(B)/sluice: $(CLI_OBJ) $(B)/libsluice.so $(B)/libsluice.so.$(SOVERSION)
	$(CC) $(ALL_LDFLAGS) -o $@ $(CLI_OBJ) -L$(B) -lsluice \
		-Wl,-rpath,'$$ORIGIN:$$ORIGIN/../lib'

$(B)/tests/test_%: tests/test_%.c tests/testutil.h $(B)/libsluice.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Ilib $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< \
		$(B)/libsluice.a -lcmocka $(LIBS)

# It includes the fuzz harnesses to replay testdata/fuzz/.
$(B)/tests/test_fuzz_regress: $(wildcard tests/fuzz/*.c tests/fuzz/*.h)

# The manual page, put together from the verbs' --help texts.
$(B)/sluice.1: $(B)/sluice doc/mkman.sh
	sh doc/mkman.sh $(B)/sluice > $@.tmp && mv $@.tmp $@

$(B)/tests/maxrss: tests/maxrss.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $<

# LD_PRELOAD'ed by tests/cli/t_faults.sh; never sanitized itself, since
# libasan must come first in the process.
$(B)/tests/faultshim.so: tests/faultshim.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -fPIC -shared -o $@ $< -ldl

# The examples are built as a user builds them: against the library
# installed under $(B)/inst, with the flags pkg-config gives.
INST = $(abspath $(B))/inst
PKG = PKG_CONFIG_PATH=$(INST)/lib/pkgconfig pkg-config

$(B)/inst/.stamp: $(B)/libsluice.a $(B)/libsluice.so $(B)/sluice $(B)/sluice.1 \
		  sluice.pc.in
	$(MAKE) install B=$(B) SAN=$(SAN) PREFIX=$(INST)
	touch $@

$(B)/examples/%: examples/%.c $(B)/inst/.stamp
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(SANFLAGS) $$($(PKG) --cflags sluice) \
		-o $@ $< $$($(PKG) --libs sluice) -Wl,-rpath,$(INST)/lib

# ---- tests -------------------------------------------------------------

test-build: $(B)/sluice $(B)/sluice.1 $(UNIT_BIN) $(TOOL_BIN) $(EXAMPLE_BIN)

test-run: test-units test-cli

test-units: test-build
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; \
		(cd tests && ../$$t); done

# CEILINGS=1 and PART=K/N choose among the tests (tests/cli/run.sh)
test-cli: test-build
	SLUICE=$(B)/sluice MAXRSS=$(B)/tests/maxrss EXAMPLES=$(B)/examples \
		FAULTSHIM=$(B)/tests/faultshim.so \
		SAN=$(SAN) CEILINGS=$(CEILINGS) PART=$(PART) ONLY="$(ONLY)" \
		SKIP="$(SKIP)" bash tests/cli/run.sh

# The threaded code under ThreadSanitizer: the unit tests of TSAN_UNITS
# whose names say thread (the others run threaded in make check's jobs,
# below, but ThreadSanitizer takes a minute over them), and the
# command-line tests named in TSAN_CLI, at -j 1, 2 and 8.  Any report
# fails the run (halt_on_error).
TSAN_UNITS = test_mem test_source test_sink test_sort test_reader \
	test_stage_group
TSAN_CLI = threads_same_output_and_ceiling count_in_parts uniq_in_parts \
	   count_jsonl_in_parts
check-tsan:
	$(MAKE) -j2 TSAN=1 build/tsan/sluice build/tsan/tests/maxrss \
		$(TSAN_UNITS:%=build/tsan/tests/%)
	@set -e; export TSAN_OPTIONS="halt_on_error=1 exitcode=66"; \
	for t in $(TSAN_UNITS); do echo "== tsan $$t"; \
		(cd tests && TU_TEST_FILTER='*thread*' \
		 ../build/tsan/tests/$$t); done; \
	SLUICE=build/tsan/sluice MAXRSS=build/tsan/tests/maxrss \
		EXAMPLES=build/tsan/examples SAN=1 TSAN=1 ONLY="$(TSAN_CLI)" \
		bash tests/cli/run.sh

# make check runs the unit tests in the normal build and in the
# sanitizers' (build/san), every command-line test under the sanitizers,
# and in the normal build the command-line tests that measure peak RSS,
# which a sanitizer's build cannot judge (tests/cli/run.sh: CEILINGS),
# and those of sluice under the engines (run.sh: run_plain).  These are
# jobs of a minute or so (the sanitizer pass's command-line tests in
# SAN_PARTS parts: twelve, so that the last to end keeps a core alone
# for less time) that make -j2 starts as a core comes free;
# each writes build/check/JOB.log, all shown when all are done.  Run side
# by side as two whole passes, each test in both, they took 12 minutes.
# check-tsan and check-zlib are targets of their own, which .ci/run runs
# after this one.
SAN_PARTS = 1 2 3 4 5 6 7 8 9 10 11 12
CHECK_JOBS = san-faults ceilings units-san $(SAN_PARTS:%=san-%) units

check: deps
	$(MAKE) -j2 test-build
	@rm -rf build/check; mkdir -p build/check; \
	$(MAKE) -j2 -k --no-print-directory check-san-build \
		$(CHECK_JOBS:%=check-job-%); st=$$?; \
	for j in $(CHECK_JOBS); do echo "== $$j (build/check/$$j.log)"; \
		cat build/check/$$j.log; done; \
	echo "== command-line tests, all jobs:"; \
	cat build/check/*.log | awk '/^[0-9]+ passed, [0-9]+ failed$$/ \
		{ p += $$1; f += $$3 } END { print p " passed, " f " failed" }'; \
	[ $$st = 0 ] || echo "make check: a job failed (its log says which)"; \
	exit $$st

check-san-build:
	@$(MAKE) --no-print-directory test-build SAN=1 \
		>build/check/san-build.log 2>&1 || \
		{ cat build/check/san-build.log; exit 1; }
check-job-units:
	@$(MAKE) --no-print-directory test-units >build/check/units.log 2>&1
check-job-ceilings:
	@$(MAKE) --no-print-directory test-cli CEILINGS=1 \
		>build/check/ceilings.log 2>&1
check-job-units-san: check-san-build
	@$(MAKE) --no-print-directory test-units SAN=1 \
		>build/check/units-san.log 2>&1
# the faults suite, two minutes under the sanitizers, is a job of its
# own and starts first: the parts then even out the end
check-job-san-faults: check-san-build
	@$(MAKE) --no-print-directory test-cli SAN=1 ONLY=faults \
		>build/check/san-faults.log 2>&1
check-job-san-%: check-san-build
	@$(MAKE) --no-print-directory test-cli SAN=1 SKIP=faults \
		PART=$*/$(words $(SAN_PARTS)) >build/check/san-$*.log 2>&1

# The build without ISA-L, in build/zlib: the source and sink unit tests
# and the command-line tests of gzip, which zlib passes as igzip does in
# the main build (half a minute, the build included; make -j2 check-zlib
# builds on both cores).
ZLIB_B = build/zlib
ZLIB_CLI_TESTS = count_gzip count_every_chunk_size bad_gzip cat_roundtrip \
		 cat_output_file chunk_sizes_same_output mem_report \
		 gzip_levels_read_back gzip_damage_located split_blocks \
		 split_blocks_only_its_members

check-zlib:
	$(MAKE) ISAL=0 B=$(ZLIB_B) $(ZLIB_B)/sluice \
		$(ZLIB_B)/tests/test_source $(ZLIB_B)/tests/test_sink \
		$(ZLIB_B)/tests/maxrss
	@set -e; for t in test_source test_sink; do \
		echo "== $(ZLIB_B)/tests/$$t"; \
		(cd tests && ../$(ZLIB_B)/tests/$$t); done
	SLUICE=$(ZLIB_B)/sluice MAXRSS=$(ZLIB_B)/tests/maxrss \
		EXAMPLES=$(ZLIB_B)/examples ONLY="$(ZLIB_CLI_TESTS)" \
		bash tests/cli/run.sh

# ---- demo, install -----------------------------------------------------

demo: deps
	$(MAKE) $(B)/sluice
	bash bench/demo.sh $(B)/sluice

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib \
		$(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include
	install -m 755 $(B)/sluice $(DESTDIR)$(PREFIX)/bin/sluice
	install -m 644 $(B)/libsluice.a $(DESTDIR)$(PREFIX)/lib/libsluice.a
	install -m 755 $(B)/libsluice.so \
		$(DESTDIR)$(PREFIX)/lib/libsluice.so.$(VERSION)
	ln -sf libsluice.so.$(VERSION) \
		$(DESTDIR)$(PREFIX)/lib/libsluice.so.$(SOVERSION)
	ln -sf libsluice.so.$(SOVERSION) $(DESTDIR)$(PREFIX)/lib/libsluice.so
	install -m 644 include/sluice.h $(DESTDIR)$(PREFIX)/include/sluice.h
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 644 $(B)/sluice.1 $(DESTDIR)$(PREFIX)/share/man/man1/sluice.1
	install -m 644 completion/sluice.bash \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/sluice
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' \
		-e 's|@ISAL_LIBS@|$(if $(filter 1,$(ISAL)), -lisal)|' \
		sluice.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/sluice.pc

deps:
	@missing=; \
	for p in $(DEB_PKGS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | \
			grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq --no-install-recommends $$missing; \
	else \
		echo "sluice needs these Debian packages; run:"; \
		echo "  sudo apt-get install -y$$missing"; \
		exit 1; \
	fi

# Peers for bench/ (not needed by make check); libcsv is measured alone
# by bench/records.sh as a bound for CSV parsing.
BENCH_PKGS = miller datamash bc time gnuplot-nox jq csvkit pigz gzip \
	     libcsv-dev

deps-bench:
	$(MAKE) deps DEB_PKGS="$(BENCH_PKGS)"

bench-records: $(B)/sluice
	bash bench/records.sh $(B)/sluice

bench-sort: $(B)/sluice
	bash bench/sort.sh $(B)/sluice

bench-stats: $(B)/sluice
	bash bench/stats.sh $(B)/sluice

# The whole memory-ceiling suite (an hour or more on 2 cores; BENCH_BIG=1
# adds 4 GB), and a version of it in a few minutes.  Results in
# bench/results/suite.* (bench-quick: suite-quick.*).
bench: $(B)/sluice
	bash bench/suite.sh $(B)/sluice

bench-quick: $(B)/sluice
	BENCH_QUICK=1 bash bench/suite.sh $(B)/sluice

# ---- fuzzing -----------------------------------------------------------
# libFuzzer harnesses in tests/fuzz/, linked with the library built by
# clang with sanitizers into $(B)/fuzz, apart from the normal build.
# `make fuzz FUZZ_SECONDS=N` runs each harness N seconds on its seeds
# (testdata/fuzz/NAME, read only; the corpus grows in a temporary folder)
# and fails on any finding, whose input is kept in $(B)/fuzz/artifacts.
FUZZ_CC = clang
FUZZ_SECONDS = 10
FUZZ_TARGETS = source lines csv tsv jsonl expr spill
FUZZ_CFLAGS = -std=c11 -Wall -Wextra -g -O1 -fno-omit-frame-pointer \
	      -fno-sanitize-recover=all
FUZZ_PKGS = clang libclang-rt-14-dev
FUZZ_LIB_OBJ = $(LIB_SRC:%.c=$(B)/fuzz/%.o)
FUZZ_BIN = $(FUZZ_TARGETS:%=$(B)/fuzz/fuzz_%)

$(B)/fuzz/lib/%.o: lib/%.c $(LIB_HDR)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) \
		-fsanitize=fuzzer-no-link,address,undefined -c -o $@ $<

$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h \
		  tests/fuzz/reader_body.h $(FUZZ_LIB_OBJ)
	$(FUZZ_CC) $(CPPFLAGS) -Ilib $(FUZZ_CFLAGS) -Werror \
		-fsanitize=fuzzer,address,undefined -o $@ $< \
		$(FUZZ_LIB_OBJ) $(LIBS)

fuzz-build: $(FUZZ_LIB_OBJ) $(FUZZ_BIN)

fuzz: deps-fuzz
	$(MAKE) fuzz-build
	bash tests/fuzz/run.sh $(B)/fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

deps-fuzz:
	$(MAKE) deps DEB_PKGS="$(DEB_PKGS) $(FUZZ_PKGS)"

# ---- valgrind ----------------------------------------------------------
# `make check-valgrind`: the unit tests and the command-line tests under
# memcheck, run.sh at its VALGRIND=1 sizes (SAN=1's, fewer differential
# cases, no peak-RSS checks: the RSS would be valgrind's).  SLUICE is a
# small program that runs the real sluice under valgrind, or runs it
# directly when a test preloads tests/faultshim.so, whose faults
# valgrind's launcher would meet itself (as would a shell reading a
# wrapper script).  Findings go to $(B)/valgrind/*.log: any log that is
# not empty fails the target.
#
# Valgrind emulates x87 long double at double precision and converts
# __int128 to long double wrongly (-15916 becomes -16384).  Unit tests
# that meet either may fail their own assertions: those in VALGRIND_X87
# are run for memory errors only (a failed assertion also leaks its
# test's context).  None is listed since the mean of stats comes from its
# exact sum by integer division.  The CLI tests in VALGRIND_SKIP, which
# compare with a run outside valgrind, are not run.
VALGRIND_OPTS = -q --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect --error-exitcode=99
VALGRIND_X87 =
VALGRIND_SKIP = faults
VG_DIR = $(abspath $(B))/valgrind

define VG_WRAPPER
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static char *opts[] = { VG_OPTS };
	size_t nopts = sizeof(opts) / sizeof(opts[0]), k = 0;
	const char *pre = getenv("LD_PRELOAD");
	char **v = calloc(nopts + (size_t)argc + 4, sizeof(*v));
	int i;

	if (!v || (pre && strstr(pre, "faultshim"))) {
		argv[0] = REAL;
		execv(REAL, argv);
		return 127;
	}
	v[k++] = "valgrind";
	for (i = 0; i < (int)nopts; i++)
		v[k++] = opts[i];
	v[k++] = LOG;
	v[k++] = REAL;
	for (i = 1; i < argc; i++)
		v[k++] = argv[i];
	execvp("valgrind", v);
	return 127;
}
endef
export VG_WRAPPER

$(B)/valgrind/sluice: $(B)/sluice
	@mkdir -p $(dir $@)
	printf '%s\n' "$$VG_WRAPPER" | $(CC) $(WARN) -O1 -x c -o $@ \
		-DREAL='"$(abspath $(B))/sluice"' \
		-DLOG='"--log-file=$(VG_DIR)/sluice.%p.log"' \
		-DVG_OPTS='$(foreach o,$(VALGRIND_OPTS),"$(o)",)' -
	ln -sf $(abspath $(B))/sluice.1 $(dir $@)sluice.1

check-valgrind: deps deps-valgrind
	$(MAKE) test-build $(B)/valgrind/sluice
	@rm -f $(VG_DIR)/*.log
	@for t in $(abspath $(UNIT_BIN)); do echo "== valgrind $$t"; \
		case " $(VALGRIND_X87) " in \
		*" $${t##*/} "*) x87="--leak-check=no --error-exitcode=98" ;; \
		*) x87= ;; esac; \
		(cd tests && valgrind $(VALGRIND_OPTS) $$x87 \
			--log-file=$(VG_DIR)/$${t##*/}.%p.log $$t); st=$$?; \
		if [ $$st != 0 ] && [ -n "$$x87" ] && [ $$st != 98 ]; then \
			echo "(a failed assertion, in VALGRIND_X87: ignored)"; \
		elif [ $$st != 0 ]; then exit $$st; fi; done
	@SLUICE=$(VG_DIR)/sluice MAXRSS=$(B)/tests/maxrss \
		EXAMPLES=$(B)/examples FAULTSHIM=$(B)/tests/faultshim.so \
		VALGRIND=1 SKIP="$(VALGRIND_SKIP)" bash tests/cli/run.sh; \
	status=$$?; \
	found=$$(find $(VG_DIR) -name '*.log' -size +0c); \
	if [ -n "$$found" ]; then head -n 50 $$found; \
		echo "valgrind found errors: see $$found"; exit 1; fi; \
	exit $$status

deps-valgrind:
	$(MAKE) deps DEB_PKGS="valgrind"

clean:
	rm -rf build

.PHONY: all check check-tsan check-zlib test-build test-run test-units \
	test-cli check-san-build demo install \
	deps deps-bench bench-records bench-sort bench-stats bench \
	bench-quick clean fuzz fuzz-build deps-fuzz check-valgrind \
	deps-valgrind FORCE
