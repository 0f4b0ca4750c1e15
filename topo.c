/*
 * topo.c: main(). Finds the subcommand in cmd_table (like tmux, by name or
 * unique prefix) and runs it.
 */
#include <sys/resource.h>

#include <curl/curl.h>
#include <limits.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "util/util.h"

static const struct cmd_entry *const cmd_table[] = {
	&cmd_check_entry,
	&cmd_validate_entry,
	&cmd_list_entry,
	&cmd_dash_entry,
	&cmd_serve_entry,
	&cmd_stale_entry,
	&cmd_doc_entry,
	&cmd_why_entry,
	&cmd_init_entry,
	&cmd_discover_entry,
	&cmd_version_entry,
};
#define CMD_COUNT (sizeof cmd_table / sizeof cmd_table[0])

static void
usage(FILE *f)
{
	size_t	i;

	fprintf(f, "usage: topo COMMAND [OPTIONS]\n\n"
	    "topo checks a declared topology against the repository and the\n"
	    "running system, and shows the drift.\n\ncommands:\n");
	for (i = 0; i < CMD_COUNT; i++) {
		if (cmd_table[i] != NULL)
			fprintf(f, "  %-9s %s\n", cmd_table[i]->name,
			    cmd_table[i]->help);
	}
	fprintf(f, "\n`topo COMMAND --help` for a command's options; man topo.\n");
}

/*
 * Every check in flight holds a socket: --jobs 10000 needs more descriptors
 * than the usual soft limit of 1024, and the hard limit is ours to take
 * (macOS refuses an unlimited one: OPEN_MAX is its real ceiling).
 */
static void
raise_nofile(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
#ifdef OPEN_MAX
			rl.rlim_cur = OPEN_MAX;
			setrlimit(RLIMIT_NOFILE, &rl);
#endif
		}
	}
}

/*
 * The command called name, or the only one it is a prefix of. NULL after
 * saying why: the candidates of an ambiguous prefix, or the commands closest
 * to an unknown name.
 */
static const struct cmd_entry *
find(const char *name)
{
	const struct cmd_entry	*found = NULL;
	const char		*names[CMD_COUNT], *close[3];
	size_t			 i, n, len = strlen(name), matches = 0;

	for (i = 0; i < CMD_COUNT; i++) {
		names[i] = cmd_table[i]->name;
		if (strcmp(cmd_table[i]->name, name) == 0)
			return cmd_table[i];
		if (strncmp(cmd_table[i]->name, name, len) == 0) {
			found = cmd_table[i];
			matches++;
		}
	}
	if (matches == 1)
		return found;
	if (matches > 1) {
		fprintf(stderr, "topo: '%s' is ambiguous:", name);
		for (i = 0; i < CMD_COUNT; i++) {
			if (strncmp(cmd_table[i]->name, name, len) == 0)
				fprintf(stderr, " %s", cmd_table[i]->name);
		}
		fputc('\n', stderr);
		return NULL;
	}
	fprintf(stderr, "topo: unknown command '%s'", name);
	n = util_closest(name, names, CMD_COUNT, close, 3);
	for (i = 0; i < n; i++)
		fprintf(stderr, "%s%s", i == 0 ? "; did you mean " :
		    i == n - 1 ? " or " : ", ", close[i]);
	fputs(n > 0 ? "?\n" : " (topo help lists them)\n", stderr);
	return NULL;
}

int
main(int argc, char **argv)
{
	const struct cmd_entry	*e;
	struct cmd_args		 args;
	int			 rc;

	setlocale(LC_CTYPE, "");
	/* A peer closing a pipe is an error to report, not a reason to die. */
	signal(SIGPIPE, SIG_IGN);
	raise_nofile();
	/* `topo help CMD` is `topo CMD --help`. */
	if (argc == 3 && strcmp(argv[1], "help") == 0) {
		if ((e = find(argv[2])) == NULL)
			return 2;
		cmd_usage(e, stdout);
		return 0;
	}
	if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)
		argv[1] = (char *)"version";
	if ((e = find(argv[1])) == NULL)
		return 2;
	if (cmd_parse(e, argc - 1, argv + 1, &args) != 0)
		return 2;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		fprintf(stderr, "topo: cannot initialise libcurl\n");
		return 2;
	}
	rc = e->exec(e, &args);
	cmd_args_free(&args);
	curl_global_cleanup();
	return rc;
}
