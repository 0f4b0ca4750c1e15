/*
 * causes.h: root causes across layers. A check needs what another one
 * provides: an HTTP check or a Caddy route needs the TCP port it sends to,
 * a port needs the launchd job or systemd unit declared to hold it, any
 * check needs what its depends_on names. When both fail, the one that needs
 * is a consequence: every report leads with the root cause and folds the
 * consequences under it. Probes declare the edges while planning; the
 * verdicts stay what the diff said.
 */
#ifndef TOPO_CAUSES_H
#define TOPO_CAUSES_H

#include <stddef.h>

#include "check.h"

/* Tokens: "tcp:HOST:PORT" (causes_tcp), "launchd:LABEL", "systemd:UNIT". */
void	causes_provide(struct check *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	causes_need(struct check *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/*
 * The token of a TCP endpoint: "tcp:local:3111" for every loopback spelling
 * (127.0.0.1, localhost, ::1, [::1], 0.0.0.0), else "tcp:HOST:PORT" with
 * host lower-cased. Caller frees.
 */
char	*causes_tcp(const char *host, int port);
/* The token of "host:port" or "[v6]:port" (a Caddy upstream), NULL when
 * address has no port. Caller frees. */
char	*causes_address(const char *address);
/* Whether c needs token (exactly). */
int	 causes_needs(const struct check *, const char *token);
/* Whether c provides token (an "id:ID" token is provided by the check ID). */
int	 causes_provides(const struct check *, const char *token);

/*
 * Sets result.cause of every failing check (drift or error, not skipped) to
 * the first failing check it needs, when one does not in turn lead back to
 * it; NULL for the others. Linear in checks and edges, no recursion.
 */
void	causes_resolve(struct check *const *checks, size_t count);
/*
 * "port/3111: state is closed <- launchd/x: exited 78": c's chain of causes,
 * each with its message, from the direct cause to the root ("" when c has
 * none). Caller frees.
 */
char	*causes_chain(const struct check *c);
/* The end of c's chain of causes (c itself when it has none). */
const struct check *causes_root(const struct check *);
/* How many failing checks have c as their root cause (c excluded). */
size_t	causes_folded(struct check *const *checks, size_t count,
	    const struct check *c);

#endif
