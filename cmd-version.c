/*
 * cmd-version.c: `topo version`: topo's version and the libraries it uses.
 */
#include <curl/curl.h>
#include <stdio.h>

#include "cmd.h"

static int
cmd_version_exec(const struct cmd_entry *e, struct cmd_args *a)
{
	printf("topo %s (%s)\n", TOPO_VERSION, curl_version());
	(void)e;
	(void)a;
	return 0;
}

const struct cmd_entry cmd_version_entry = {
	.name = "version",
	.usage = "",
	.help = "Print topo's version.",
	.options = 0,
	.exec = cmd_version_exec,
};
