/*
 * registry.c: every probe, in one table (like tmux's cmd_table). A new probe
 * is a file probes/<kind>.c and one line here.
 */
#include "probe.h"

#include <string.h>


const struct probe_ops *const probe_table[] = {
	&probe_unknowns,
	&probe_files,
	&probe_sources,
	&probe_events,
	&probe_port,
	&probe_dns,
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
