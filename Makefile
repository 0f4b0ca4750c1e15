# topo: a plain Makefile. Honours CC, CFLAGS, LDFLAGS, PKG_CONFIG, PREFIX, DESTDIR.
#   make            build ./topo
#   make check      install missing Debian packages, then every test tier
#                   (unit, cases, integration, dashboard) under ASan+UBSan
#   make demo       the embedded demo: a small drifted system on loopback
#   make bench      the benchmark (bench/RESULTS.md)
#   make fuzz       the fuzz targets for FUZZ_SECONDS each

CC		?= cc
PKG_CONFIG	?= pkg-config
PREFIX		?= /usr/local
MANDIR		?= $(PREFIX)/share/man
BASHCOMPDIR	?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR	?= $(PREFIX)/share/zsh/site-functions
WERROR		?= -Werror
# SANITIZE=1 builds into build-asan/ with AddressSanitizer and UBSan.
SANITIZE	?=

PKGS		 = ncursesw libcurl libcjson hiredis yaml-0.1 libpcre2-8 libplist-2.0 libmicrohttpd \
		   libcrypto
WARN		 = -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
		   -Wmissing-prototypes -Wno-unused-parameter $(WERROR)
CFLAGS		?= -O2 -g
TOPO_CFLAGS	 = -std=c11 -D_GNU_SOURCE $(WARN) \
		   $(shell $(PKG_CONFIG) --cflags $(PKGS))
TOPO_LIBS	 = $(shell $(PKG_CONFIG) --libs $(PKGS)) -lpthread -lm

ifeq ($(SANITIZE),1)
BUILD		 = build-asan
SANFLAGS	 = -fsanitize=address,undefined -fno-omit-frame-pointer \
		   -fno-sanitize-recover=undefined
else
BUILD		 = build
SANFLAGS	 =
endif

# Every .c under these folders is part of topo; topo.c holds main().
LIB_SRC		 = $(wildcard util/*.c topology/*.c probes/*.c reports/*.c tui/*.c) \
		   $(wildcard cmd.c cmd-*.c)
LIB_OBJ		 = $(LIB_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC	 = $(wildcard tests/unit/test_*.c)
UNIT_BIN	 = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%) \
		   $(BUILD)/tests/test_poller_poll
HELPER_SRC	 = $(wildcard tests/helpers/*.c)
HELPER_BIN	 = $(HELPER_SRC:tests/helpers/%.c=$(BUILD)/tests/%)

ifeq ($(SANITIZE),1)
all: $(BUILD)/topo $(UNIT_BIN) $(HELPER_BIN)
else
all: topo
# Replaced, not overwritten: a running ./topo keeps its file ("text file busy").
topo: $(BUILD)/topo
	cp $< $@.tmp && mv -f $@.tmp $@
endif

$(BUILD)/topo: $(BUILD)/topo.o $(BUILD)/libtopo.a
	$(CC) $(SANFLAGS) $(LDFLAGS) -o $@ $^ $(TOPO_LIBS)

$(BUILD)/libtopo.a: $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(TOPO_CFLAGS) $(CFLAGS) $(SANFLAGS) -MMD -MP -c -o $@ $<

# Unit tests: one cmocka program per tests/unit/test_*.c, linked with libtopo.
$(BUILD)/tests/test_%: tests/unit/test_%.c $(wildcard tests/unit/*.h) $(BUILD)/libtopo.a
	@mkdir -p $(dir $@)
	$(CC) $(TOPO_CFLAGS) $(CFLAGS) $(SANFLAGS) -o $@ $< $(BUILD)/libtopo.a \
		$(LDFLAGS) $(TOPO_LIBS) $(shell $(PKG_CONFIG) --libs cmocka)

# util/poller.c's poll() version (other systems than Linux), built and
# tested here too so that it keeps compiling and working.
$(BUILD)/tests/test_poller_poll: tests/unit/test_poller.c util/poller.c util/util.c
	@mkdir -p $(dir $@)
	$(CC) $(TOPO_CFLAGS) $(CFLAGS) $(SANFLAGS) -U__linux__ -o $@ $^ \
		$(LDFLAGS) $(shell $(PKG_CONFIG) --libs cmocka)

# Test helpers (loopback fixture servers): plain programs, no libtopo.
$(BUILD)/tests/%: tests/helpers/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra $(WERROR) $(SANFLAGS) \
		-o $@ $< $(LDFLAGS) -lpthread

unit: $(UNIT_BIN)
helpers: $(HELPER_BIN)

check:
	./scripts/test.sh

demo:
	./scripts/demo.sh

bench:
	./bench/run.sh

# The architecture document, generated from the topology (committed; topo stale
# fails a change that touches a watched path without regenerating it).
doc: topo
	./topo doc -f topologies/joelclaw.yaml -o docs/system-architecture.md
.PHONY: doc

fuzz:
	./tests/fuzz/run.sh $(FUZZ_SECONDS)

install: topo
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 755 topo $(DESTDIR)$(PREFIX)/bin/topo
	install -m 644 topo.1 $(DESTDIR)$(MANDIR)/man1/topo.1
	install -m 644 completions/topo.bash $(DESTDIR)$(BASHCOMPDIR)/topo
	install -m 644 completions/_topo $(DESTDIR)$(ZSHCOMPDIR)/_topo

clean:
	rm -rf build build-asan topo

.PHONY: all unit helpers check demo bench fuzz install clean
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
