#!/usr/bin/env bash
# bench/gen.sh: writes the benchmark's inputs for N checks, every one against
# the loopback fixture server on 127.0.0.1.
#
#   bench/gen.sh N FIRST_PORT HTTP_PORTS HTTP_STRIDE OUTDIR
#
# HTTP check i asks http://127.0.0.1:PORT/check/i, PORT = FIRST_PORT +
# (i mod HTTP_PORTS) * HTTP_STRIDE: the checks are spread over HTTP_PORTS
# ports (and so over every fixture server process). TCP check i connects to
# FIRST_PORT + i: N distinct listening ports.
#
# Files written, all the same N URLs or ports in the same order:
#   http-N.yaml   topology: N http checks, each asserting status 200 and
#                 body /^ok$/ (what the fixture server answers)
#   http-N.urls   one URL a line (the curl and check_http loops)
#   http-N.curl   a curl config: url + output /dev/null per URL (curl -K)
#   tcp-N.yaml    topology: N ports checks, each expecting listening
#   tcp-N.ports   one port a line (the nc -z loop)
set -euo pipefail

if [ $# -ne 5 ]; then
	echo "usage: bench/gen.sh N FIRST_PORT HTTP_PORTS HTTP_STRIDE OUTDIR" >&2
	exit 2
fi
n=$1 first=$2 hports=$3 stride=$4 out=$5
mkdir -p "$out"

awk -v n="$n" -v first="$first" -v hports="$hports" -v stride="$stride" \
    -v out="$out" '
BEGIN {
	yaml = out "/http-" n ".yaml"
	urls = out "/http-" n ".urls"
	conf = out "/http-" n ".curl"
	tyaml = out "/tcp-" n ".yaml"
	tports = out "/tcp-" n ".ports"
	printf "# bench/gen.sh: %d HTTP checks on 127.0.0.1\n", n > yaml
	printf "version: 1\nsystem: bench-http-%d\nhttp:\n", n > yaml
	printf "# bench/gen.sh: %d TCP checks on 127.0.0.1\n", n > tyaml
	printf "version: 1\nsystem: bench-tcp-%d\nports:\n", n > tyaml
	for (i = 0; i < n; i++) {
		port = first + (i % hports) * stride
		url = sprintf("http://127.0.0.1:%d/check/%d", port, i)
		printf "  - name: c%d\n    url: %s\n", i, url > yaml
		printf "    expect: {status: 200, body_regex: \"^ok$\"}\n" > yaml
		print url > urls
		printf "url = \"%s\"\noutput = \"/dev/null\"\n", url > conf
		printf "  - {port: %d, expect: listening}\n", first + i > tyaml
		print first + i > tports
	}
}'
