# topo: a plain Makefile. Honours CC, CPPFLAGS, CFLAGS, LDFLAGS, PKG_CONFIG,
# PREFIX, MANDIR, BASHCOMPDIR, ZSHCOMPDIR and DESTDIR.
#   make            build ./topo
#   make check      install missing Debian packages, then every test tier
#                   (unit, cases, integration, dashboard) under ASan+UBSan
#   make install    ./topo, topo.1 and the bash and zsh completions
#   make uninstall  removes exactly what make install put (no directory)
#   make dist       topo-VERSION.tar.gz (in DISTDIR, default .): the files
#                   git tracks, as they are in the working tree, plus the
#                   .tarball marker; reproducible (SOURCE_DATE_EPOCH, by
#                   default the last commit's time)
#   make version-check  topo.1's .TH names the version cmd.h defines
#   make demo       the embedded demo: a small drifted system on loopback
#   make bench      the benchmark (bench/RESULTS.md)
#   make fuzz       the fuzz targets for FUZZ_SECONDS each
#
# Warnings are errors (WERROR=-Werror) in a git checkout and always in
# make check (scripts/test.sh passes WERROR=-Werror), but not in a release
# tarball (the .tarball file make dist adds): a newer compiler's new warning
# must not stop a distribution's build. WERROR=-Werror or WERROR= overrides.
#
# The version is defined in one place, TOPO_VERSION in cmd.h: topo version,
# the JSON and JUnit reports and the tarball's name take it from there, and
# version-check (run by make dist and tests/integration/packaging.sh) holds
# topo.1 to it.

CC		?= cc
PKG_CONFIG	?= pkg-config
PREFIX		?= /usr/local
MANDIR		?= $(PREFIX)/share/man
BASHCOMPDIR	?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR	?= $(PREFIX)/share/zsh/site-functions
WERROR		?= $(if $(wildcard .tarball),,-Werror)
DISTDIR		?= .
# SANITIZE=1 builds into build-asan/ with AddressSanitizer and UBSan.
SANITIZE	?=
# PORTABLE=1 builds into build-posix/ with only POSIX.1-2008 visible and
# __linux__ undefined: the code paths of other systems (macOS), poll()
# instead of epoll, pipe() and fork instead of pipe2 and closefrom
# (tests/integration/portable.sh runs tiers of the suite on it).
PORTABLE	?=

VERSION		:= $(shell sed -n 's/^[#]define TOPO_VERSION "\(.*\)"$$/\1/p' cmd.h)
DISTNAME	 = topo-$(VERSION)
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)

PKGS		 = ncursesw libcurl libcjson hiredis yaml-0.1 libpcre2-8 libplist-2.0 libmicrohttpd \
		   libcrypto
WARN		 = -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
		   -Wmissing-prototypes -Wno-unused-parameter $(WERROR)
CFLAGS		?= -O2 -g
ifeq ($(PORTABLE),1)
FEATURES	 = -D_POSIX_C_SOURCE=200809L -U__linux__
else
FEATURES	 = -D_GNU_SOURCE
endif
TOPO_CFLAGS	 = -std=c11 $(FEATURES) $(WARN) \
		   $(shell $(PKG_CONFIG) --cflags $(PKGS))
TOPO_LIBS	 = $(shell $(PKG_CONFIG) --libs $(PKGS)) -lpthread -lm

ifeq ($(PORTABLE),1)
BUILD		 = build-posix
SANFLAGS	 =
else ifeq ($(SANITIZE),1)
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

ifneq ($(SANITIZE)$(PORTABLE),)
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
	$(CC) $(CPPFLAGS) $(TOPO_CFLAGS) $(CFLAGS) $(SANFLAGS) -MMD -MP -c -o $@ $<

# Unit tests: one cmocka program per tests/unit/test_*.c, linked with libtopo.
$(BUILD)/tests/test_%: tests/unit/test_%.c $(wildcard tests/unit/*.h) $(BUILD)/libtopo.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(TOPO_CFLAGS) $(CFLAGS) $(SANFLAGS) -o $@ $< $(BUILD)/libtopo.a \
		$(LDFLAGS) $(TOPO_LIBS) $(shell $(PKG_CONFIG) --libs cmocka)

# util/poller.c's poll() version (other systems than Linux), built and
# tested here too so that it keeps compiling and working.
$(BUILD)/tests/test_poller_poll: tests/unit/test_poller.c util/poller.c util/util.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(TOPO_CFLAGS) $(CFLAGS) $(SANFLAGS) -U__linux__ -o $@ $^ \
		$(LDFLAGS) $(shell $(PKG_CONFIG) --libs cmocka)

# Test helpers (loopback fixture servers): plain programs, no libtopo.
$(BUILD)/tests/%: tests/helpers/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra $(WERROR) $(SANFLAGS) \
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

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/topo $(DESTDIR)$(MANDIR)/man1/topo.1 \
	    $(DESTDIR)$(BASHCOMPDIR)/topo $(DESTDIR)$(ZSHCOMPDIR)/_topo

version-check:
	@th=$$(sed -n 's/^\.TH TOPO 1 [^ ]* "topo \([^"]*\)".*/\1/p' topo.1); \
	if [ -z "$(VERSION)" ] || [ "$$th" != "$(VERSION)" ]; then \
		echo "topo.1's .TH says topo '$$th', cmd.h's TOPO_VERSION '$(VERSION)'" >&2; \
		exit 1; \
	fi

print-version:
	@echo $(VERSION)

# The tracked files as they are now (an uncommitted change is in, an
# untracked file is not), under topo-VERSION/, with .tarball; owners,
# order and times fixed so that the same tree gives the same bytes.
dist: version-check
	@git rev-parse --git-dir >/dev/null 2>&1 || \
	    { echo "make dist: needs a git checkout" >&2; exit 1; }
	rm -rf $(BUILD)/dist
	mkdir -p $(BUILD)/dist/$(DISTNAME)
	git ls-files -z | tar --null -T - -cf - | tar -xf - -C $(BUILD)/dist/$(DISTNAME)
	echo "topo $(VERSION): a release tarball (make dist); WERROR defaults to empty" \
	    >$(BUILD)/dist/$(DISTNAME)/.tarball
	tar -C $(BUILD)/dist --sort=name --owner=0 --group=0 --numeric-owner \
	    --mtime=@$(SOURCE_DATE_EPOCH) --format=gnu -cf - $(DISTNAME) | \
	    gzip -9n >$(DISTDIR)/$(DISTNAME).tar.gz
	rm -rf $(BUILD)/dist
	@echo "$(DISTDIR)/$(DISTNAME).tar.gz"

clean:
	rm -rf build build-asan build-posix topo

.PHONY: all unit helpers check demo bench fuzz install uninstall version-check \
	print-version dist clean
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
