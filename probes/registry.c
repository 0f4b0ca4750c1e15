/*
 * registry.c: every probe, in one table (like tmux's cmd_table). A new probe
 * is a file probes/<kind>.c and one line here.
 */
#include "probe.h"

#include <string.h>

/*
 * XXX while the probes are being written, a probe not yet linked is NULL and
 * ends the table early. Remove once every probe has landed.
 */
#pragma weak probe_files
#pragma weak probe_sources
#pragma weak probe_port
#pragma weak probe_http
#pragma weak probe_command
#pragma weak probe_launchd
#pragma weak probe_systemd
#pragma weak probe_kubernetes
#pragma weak probe_caddy
#pragma weak probe_redis

const struct probe_ops *const probe_table[] = {
	&probe_unknowns,
	&probe_files,
	&probe_sources,
	&probe_port,
	&probe_http,
	&probe_command,
	&probe_launchd,
	&probe_systemd,
	&probe_kubernetes,
	&probe_caddy,
	&probe_redis,
	NULL
};

const struct probe_ops *
probe_find(const char *name)
{
	const struct probe_ops	*const *p;

	for (p = probe_table; *p != NULL; p++) {
		if (strcmp((*p)->name, name) == 0)
			return *p;
	}
	return NULL;
}
