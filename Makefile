# The crash pipeline: `make` builds every tool into bin/, `make check` runs
# every test, `make check SANITIZE=1` runs them under ASan and UBSan.

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man
DATADIR = $(PREFIX)/share/crash
SYSCONFDIR ?= /etc
UNITDIR ?= /etc/systemd/system

CC ?= cc
PKGS = jansson libcurl libmicrohttpd zlib libpcre2-8 sqlite3 libpq libcrypto libzip

# A fresh machine gets its dependencies before the first compile.
ifneq ($(MAKECMDGOALS),clean)
ifneq ($(shell pkg-config --exists $(PKGS) && echo ok),ok)
$(info installing missing dependencies with scripts/install-deps)
$(shell scripts/install-deps >&2)
endif
endif

OPT ?= -O2
CFLAGS ?= $(OPT) -g
CFLAGS += -std=c11 -D_GNU_SOURCE -DCRASH_DATADIR='"$(DATADIR)"' -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -Ilib \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# Each tool loads only the libraries it uses (startup time of short commands).
LDFLAGS += -Wl,--as-needed
LDLIBS += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm
ifeq ($(SANITIZE),1)
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
endif

TOOLS = crash-collect crash-submit crash-move crash-stackwalk crash-synth crash-signature crash-process crash-aggregate crash-extract crash-symbols
LIB_SRC = $(wildcard lib/*.c)
LIB_OBJ = $(LIB_SRC:.c=.o)
UNIT_SRC = $(wildcard t/unit/*.c)
UNIT_BIN = $(UNIT_SRC:.c=.test)
BINS = $(addprefix bin/,$(TOOLS))

all: $(BINS) $(UNIT_BIN) bench/jsontime

# Objects are rebuilt when the flags change (SANITIZE=1, another CC).
.flags: FORCE
	@echo '$(CC) $(CFLAGS) $(LDFLAGS)' | cmp -s - $@ || echo '$(CC) $(CFLAGS) $(LDFLAGS)' > $@

%.o: %.c .flags
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

lib/libcrash.a: $(LIB_OBJ)
	$(AR) rcs $@ $^

tool_objs = $(patsubst %.c,%.o,$(wildcard cmd/$(1)/*.c))
.SECONDEXPANSION:
bin/%: $$(call tool_objs,$$*) lib/libcrash.a
	@mkdir -p bin
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

t/unit/%.test: t/unit/%.o lib/libcrash.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# bench/json's timer.
bench/jsontime: bench/jsontime.o lib/libcrash.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The tests see SANITIZE, so that one that runs make builds the same way.
# no-new-faults fails the run if one of our programs crashed meanwhile,
# even where the test that ran it expected it to fail.
check: all
	SANITIZE=$(SANITIZE) scripts/no-new-faults prove -j2 t/*.t $(UNIT_BIN)

# libFuzzer targets; `make fuzz FUZZ_SECONDS=600` runs each for that long.
FUZZ_SECONDS ?= 30
FUZZ_TARGETS = $(patsubst fuzz/%.c,fuzz/%.fuzz,$(wildcard fuzz/*.c))
fuzz/%.fuzz: fuzz/%.c $(LIB_SRC)
	clang -g -O1 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -Ilib \
		$(shell pkg-config --cflags $(PKGS)) -o $@ $< $(LIB_SRC) $(LDLIBS)
fuzz: $(FUZZ_TARGETS)
	scripts/run-fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-build: $(FUZZ_TARGETS)

demo: all
	scripts/demo

bench: all
	bench/collect
	bench/stackwalk
	bench/json
	bench/move
	bench/process
	bench/aggregate
	bench/extract
	bench/load

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(DATADIR)
	install -m 755 $(BINS) $(DESTDIR)$(BINDIR)
	install -m 644 man/*.1 $(DESTDIR)$(MANDIR)/man1
	install -m 644 man/*.5 $(DESTDIR)$(MANDIR)/man5
	install -m 644 man/*.7 $(DESTDIR)$(MANDIR)/man7
	install -m 644 scripts/crash.conf.example scripts/throttle.example $(DESTDIR)$(DATADIR)
	install -d $(DESTDIR)$(DATADIR)/siglists
	install -m 644 siglists/*.txt $(DESTDIR)$(DATADIR)/siglists
	install -m 755 scripts/daily-extract scripts/setup-system $(DESTDIR)$(DATADIR)
	install -m 755 scripts/check-* $(DESTDIR)$(DATADIR)
	install -d $(DESTDIR)$(SYSCONFDIR)/cron.d $(DESTDIR)$(UNITDIR)
	sed 's|@BINDIR@|$(BINDIR)|g; s|@DATADIR@|$(DATADIR)|g' cron.d/crash-pipeline \
		>$(DESTDIR)$(SYSCONFDIR)/cron.d/crash-pipeline
	for u in scripts/systemd/*.service; do \
		sed 's|@BINDIR@|$(BINDIR)|g' $$u >$(DESTDIR)$(UNITDIR)/$${u##*/}; done
	# Installing into / as root: the user, directories and configuration too.
	if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then DATADIR=$(DATADIR) scripts/setup-system; fi

clean:
	rm -rf bin lib/*.o lib/*.d lib/*.a cmd/*/*.o cmd/*/*.d t/unit/*.o t/unit/*.d \
		t/unit/*.test fuzz/*.fuzz .flags t/out bench/jsontime bench/*.o bench/*.d

FORCE:
# Keep objects made through pattern rules; they are not throwaway intermediates.
.SECONDARY:
.PHONY: all check fuzz fuzz-build demo bench install clean FORCE
-include $(wildcard lib/*.d cmd/*/*.d t/unit/*.d bench/*.d)
