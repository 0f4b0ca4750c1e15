/*
 * propose.h: the proposed topology of `topo init` (from a checkout) and
 * `topo discover` (from the running machine), as commented YAML text.
 * Every scalar is written double-quoted with escapes, so no odd name makes
 * it unparsable; no environment value, password or token is ever copied.
 */
#ifndef TOPO_PROPOSE_H
#define TOPO_PROPOSE_H

#include "../util/buf.h"

struct listeners;

/* Appends a topology for the checkout at repo (its path kept as ${REPO}). 0 or -1. */
int	propose_repo(struct buf *, const char *repo, char **cause);
/* Appends a topology of the listening ports in l (owners as comments). */
/*
 * The running services `systemctl list-units --type=service --state=running
 * --plain --no-legend` printed (text): a systemd: section, each unit
 * running. Returns how many.
 */
size_t	propose_systemd(struct buf *, const char *text);
/*
 * The jobs `launchctl print DOMAIN` listed running (a pid), but Apple's
 * (com.apple.*): a launchd: section in domain. Returns how many.
 */
size_t	propose_launchd_running(struct buf *, const char *domain, const char *text,
	    size_t len);
/* The host: a check of listener i (sorted by port) must name, NULL for 127.0.0.1. */
const char *propose_host(const struct listeners *, size_t i);
/*
 * The listeners as ports: items, each with its owner as process: when it is
 * visible and host: when it listens on one address only (so that `topo
 * check` of the proposal connects where it listens). healthy, when not
 * NULL, holds for each listener (same index) 1 when GET /health answered
 * 200: those ports also get an http: check.
 */
int	propose_live(struct buf *, const struct listeners *l, const unsigned char *healthy);
/*
 * Appends to out the text of original plus each top-level section of
 * proposed that original lacks (never reordering or rewriting original).
 */
void	propose_merge(struct buf *out, const char *original, const char *proposed);
/* Appends s as a double-quoted YAML scalar. */
void	propose_quote(struct buf *, const char *s);

#endif
