#!/usr/bin/env bash
# tests/integration/packaging.sh: what a distribution does with topo. The
# version is defined once (cmd.h) and topo version, topo.1's .TH, the JSON
# and JUnit reports and make agree; make dist makes topo-VERSION.tar.gz
# (every tracked file, the .tarball marker, the same bytes twice); the
# tarball builds with plain make, with Debian's CPPFLAGS
# (-D_FORTIFY_SOURCE=2) on every compile line and without -Werror, while a
# git checkout (and make check) keeps -Werror; make install with DESTDIR
# puts exactly the binary, the man page and the completions, and make
# uninstall removes exactly them.
: "${ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
. "$ROOT/tests/lib.sh"

jobs=$(nproc 2>/dev/null || echo 2)
# Not the caller's: the tests choose what the Makefile is given.
unset CPPFLAGS CFLAGS LDFLAGS WERROR PREFIX DESTDIR MANDIR BASHCOMPDIR ZSHCOMPDIR DISTDIR

# ---- the version, from one place
VERSION=$(make -s -C "$ROOT" print-version)
CMD_H=$(sed -n 's/^#define TOPO_VERSION "\(.*\)"$/\1/p' "$ROOT/cmd.h")
t_eq "make's VERSION is cmd.h's TOPO_VERSION" "$CMD_H" "$VERSION"
[[ "$VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]] && t_pass "the version looks like one ($VERSION)" ||
	t_fail "the version looks like one" "$VERSION"
t_eq "topo version says it" "topo $VERSION" "$("$TOPO" version | awk '{print $1, $2}')"
t_eq "topo.1's .TH says it" "$VERSION" \
	"$(sed -n 's/^\.TH TOPO 1 [^ ]* "topo \([^"]*\)".*/\1/p' "$ROOT/topo.1")"
t_exit "make version-check" 0 make -s -C "$ROOT" version-check
printf 'version: 1\nsystem: packaging\nfiles:\n  - %s\n' "$ROOT/Makefile" >"$TMPDIR/t.yaml"
"$TOPO" check -f "$TMPDIR/t.yaml" --format json -o "$TMPDIR/r.json"
t_eq "the JSON report's topo_version says it" "$VERSION" "$(t_jq "$TMPDIR/r.json" .topo_version)"
"$TOPO" check -f "$TMPDIR/t.yaml" --format junit -o "$TMPDIR/r.xml"
t_eq "the JUnit report's topo_version property says it" "$VERSION" \
	"$(xmllint --xpath 'string(//property[@name="topo_version"]/@value)' "$TMPDIR/r.xml")"

# ---- compile lines of a git checkout: -Werror, and CPPFLAGS
# compile_line DIR ARGS...: the command make would run to compile topo.c.
compile_line() {
	local dir=$1 obj=build/topo.o
	shift
	[[ " $* " == *" SANITIZE=1 "* ]] && obj=build-asan/topo.o
	make -s -n -B -C "$dir" "$@" "$obj" 2>&1 | grep -- ' -c ' | head -1
}
LINE=$(compile_line "$ROOT")
t_contains "git checkout: -Werror by default" "$LINE" " -Werror"
LINE=$(compile_line "$ROOT" CPPFLAGS=-D_FORTIFY_SOURCE=2)
t_contains "git checkout: CPPFLAGS reach the compiler" "$LINE" " -D_FORTIFY_SOURCE=2 "
LINE=$(compile_line "$ROOT" SANITIZE=1 CPPFLAGS=-D_FORTIFY_SOURCE=2)
t_contains "git checkout, SANITIZE=1: CPPFLAGS reach the compiler" "$LINE" " -D_FORTIFY_SOURCE=2 "
t_contains "make check builds with WERROR=-Werror" "$(cat "$ROOT/scripts/test.sh")" \
	'make -s -j"$jobs" SANITIZE=1 WERROR=-Werror'
LINE=$(make -s -n -B -C "$ROOT" CPPFLAGS=-DTOPO_PACKAGING_TEST build/tests/test_reports 2>&1 |
	grep -- 'tests/unit/test_reports.c' | head -1)
t_contains "unit tests get CPPFLAGS too" "$LINE" "-DTOPO_PACKAGING_TEST"

# ---- make dist
DIST=$TMPDIR/dist
mkdir -p "$DIST"
t_exit "make dist" 0 make -s -C "$ROOT" dist DISTDIR="$DIST"
TARBALL=$DIST/topo-$VERSION.tar.gz
[ -s "$TARBALL" ] && t_pass "make dist: topo-$VERSION.tar.gz" ||
	{ t_fail "make dist: topo-$VERSION.tar.gz" "$(ls -la "$DIST")"; exit 0; }
LISTED=$(tar -tzf "$TARBALL" | grep -v '/$' | sed "s|^topo-$VERSION/||" | LC_ALL=C sort)
TRACKED=$(git -C "$ROOT" ls-files | LC_ALL=C sort)
t_eq "make dist: every tracked file, and .tarball, under topo-$VERSION/" \
	"$(printf '%s\n.tarball\n' "$TRACKED" | LC_ALL=C sort)" "$LISTED"
t_eq "make dist: nothing outside topo-$VERSION/" "" \
	"$(tar -tzf "$TARBALL" | grep -v "^topo-$VERSION/" | head -3)"
SUM1=$(sha256sum <"$TARBALL")
make -s -C "$ROOT" dist DISTDIR="$DIST" >/dev/null 2>&1
t_eq "make dist: the same bytes twice" "$SUM1" "$(sha256sum <"$TARBALL")"

# ---- the tarball builds with plain make, as a distribution builds it
mkdir -p "$TMPDIR/src"
tar -xzf "$TARBALL" -C "$TMPDIR/src"
SRC=$TMPDIR/src/topo-$VERSION
# (make echoes the commands on stdout, the compiler warns on stderr: both kept)
make -C "$SRC" -j"$jobs" CPPFLAGS=-D_FORTIFY_SOURCE=2 >"$TMPDIR/tarball-build.log" 2>&1
t_eq "tarball: make (CPPFLAGS=-D_FORTIFY_SOURCE=2)" 0 "$?"
COMPILES=$(grep -c -- ' -c ' "$TMPDIR/tarball-build.log")
[ "$COMPILES" -gt 10 ] && t_pass "tarball: $COMPILES compile lines" ||
	t_fail "tarball: compile lines" "$COMPILES"
t_eq "tarball: -D_FORTIFY_SOURCE=2 on every compile line" "" \
	"$(grep -- ' -c ' "$TMPDIR/tarball-build.log" | grep -v -- '-D_FORTIFY_SOURCE=2' | head -2)"
t_eq "tarball: no -Werror" "" "$(grep -- '-Werror' "$TMPDIR/tarball-build.log" | head -2)"
t_eq "tarball: no warning either" "" "$(grep -i 'warning:' "$TMPDIR/tarball-build.log" | head -3)"
t_contains "tarball: WERROR=-Werror still turns it on" "$(compile_line "$SRC" WERROR=-Werror)" " -Werror"
t_eq "tarball: topo version says $VERSION" "topo $VERSION" "$("$SRC/topo" version | awk '{print $1, $2}')"
t_exit "tarball: make version-check" 0 make -s -C "$SRC" version-check
sed -i 's/^\(\.TH TOPO 1 [^ ]* "topo \)[^"]*"/\19.9.9"/' "$SRC/topo.1"
t_exit "version-check fails when topo.1 disagrees" 2 make -s -C "$SRC" version-check
t_contains "version-check says which" "$T_ERR" "'9.9.9'"
t_exit "make dist refuses it too" 2 make -s -C "$SRC" dist DISTDIR="$TMPDIR"
cp "$ROOT/topo.1" "$SRC/topo.1"

# ---- make install and uninstall, into DESTDIR
D=$TMPDIR/root
t_exit "make install DESTDIR PREFIX=/usr" 0 make -s -C "$SRC" install DESTDIR="$D" PREFIX=/usr
t_eq "install: exactly the binary, the man page, the completions" \
	"./usr/bin/topo ./usr/share/bash-completion/completions/topo ./usr/share/man/man1/topo.1 ./usr/share/zsh/site-functions/_topo" \
	"$(cd "$D" && find . -type f -o -type l | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')"
t_eq "install: modes" "755 644 644 644" \
	"$(cd "$D/usr" && stat -c %a bin/topo share/man/man1/topo.1 share/bash-completion/completions/topo share/zsh/site-functions/_topo | tr '\n' ' ' | sed 's/ $//')"
t_eq "install: the installed topo runs" "topo $VERSION" "$("$D/usr/bin/topo" version | awk '{print $1, $2}')"
cmp -s "$SRC/topo.1" "$D/usr/share/man/man1/topo.1" && t_pass "install: the man page is topo.1" ||
	t_fail "install: the man page is topo.1"
t_exit "make uninstall" 0 make -s -C "$SRC" uninstall DESTDIR="$D" PREFIX=/usr
t_eq "uninstall: no file left" "" "$(find "$D" -type f -o -type l)"
t_exit "make uninstall again: nothing to do, no error" 0 make -s -C "$SRC" uninstall DESTDIR="$D" PREFIX=/usr
# The directories are honoured both ways.
D2=$TMPDIR/root2
make -s -C "$SRC" install DESTDIR="$D2" PREFIX=/opt/topo MANDIR=/opt/man \
	BASHCOMPDIR=/opt/bash ZSHCOMPDIR=/opt/zsh >/dev/null 2>&1
t_eq "install: MANDIR, BASHCOMPDIR, ZSHCOMPDIR" \
	"./opt/bash/topo ./opt/man/man1/topo.1 ./opt/topo/bin/topo ./opt/zsh/_topo" \
	"$(cd "$D2" && find . -type f | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')"
make -s -C "$SRC" uninstall DESTDIR="$D2" PREFIX=/opt/topo MANDIR=/opt/man \
	BASHCOMPDIR=/opt/bash ZSHCOMPDIR=/opt/zsh >/dev/null 2>&1
t_eq "uninstall: the same directories, no file left" "" "$(find "$D2" -type f -o -type l)"
