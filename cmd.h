/*
 * cmd.h: the subcommands. Like tmux, each is one file cmd-<name>.c exporting
 * a const struct cmd_entry; topo.c lists them in cmd_table and dispatches.
 * Options common to several commands are parsed in one place (cmd.c).
 */
#ifndef TOPO_CMD_H
#define TOPO_CMD_H

#include <stddef.h>
#include <stdio.h>

struct topology;
struct plan;

#define TOPO_VERSION "0.1.0"

/* Which options a command accepts (cmd_entry.options). */
#define CMD_OPT_FILE	0x001	/* -f FILE */
#define CMD_OPT_FORMAT	0x002	/* --format */
#define CMD_OPT_LAYER	0x004	/* --layer */
#define CMD_OPT_ONLY	0x008	/* --only GLOB (repeatable) */
#define CMD_OPT_SET	0x010	/* --set VAR=VALUE (repeatable) */
#define CMD_OPT_JOBS	0x020	/* --jobs N */
#define CMD_OPT_TIMEOUT	0x040	/* --timeout MS */
#define CMD_OPT_STRICT	0x080	/* --strict */
#define CMD_OPT_OUTPUT	0x100	/* -o OUT */
#define CMD_OPT_INTERVAL 0x200	/* --interval SECONDS */
#define CMD_OPT_LIVE	0x400	/* --live [RESULTS.json] */
#define CMD_OPT_CHANGED	0x800	/* --changed FILE|- */
#define CMD_OPT_ROOT	0x1000	/* --root DIR, else $TOPO_ROOT */
#define CMD_OPT_LISTEN	0x2000	/* --listen ADDR:PORT */
#define CMD_OPT_REPO	0x4000	/* --repo DIR (init) */
#define CMD_OPT_MERGE	0x8000	/* --merge FILE (init, discover) */
#define CMD_OPT_COLOR	0x10000	/* --color=auto|always|never */
#define CMD_OPT_QUIET	0x20000	/* -q, --quiet */

enum cmd_color { CMD_COLOR_AUTO, CMD_COLOR_ALWAYS, CMD_COLOR_NEVER };

struct cmd_args {
	const char	*file;		/* -f, else $TOPO_FILE, else ./topology.yaml */
	const char	*format;	/* "text" */
	int		 layers;	/* LAYER_STATIC | LAYER_LIVE; 0 = both */
	char		**only;
	size_t		 nonly;
	char		**sets;
	size_t		 nsets;
	int		 jobs;		/* default 128 */
	int		 timeout_ms;	/* default 5000 */
	int		 strict;
	const char	*output;	/* -o; NULL = stdout */
	int		 interval;	/* seconds, default 10 */
	int		 live;
	const char	*results;	/* --live FILE or --results FILE */
	const char	*changed;
	const char	*repo;		/* --repo DIR */
	const char	*merge;		/* --merge FILE */
	char		*root;		/* --root or $TOPO_ROOT, resolved; NULL = none */
	const char	*listen;	/* --listen ADDR:PORT; NULL = default */
	enum cmd_color	 color;		/* --color, default auto */
	int		 quiet;		/* --quiet: no progress line */
	char		**rest;		/* positional arguments left */
	int		 nrest;
};

struct cmd_entry {
	const char	*name;
	const char	*usage;		/* "[-f FILE] [--interval SECONDS]" */
	const char	*help;		/* one line */
	int		 options;	/* CMD_OPT_* */
	/* Returns the exit code: 0 ok, 1 drift, 2 usage or invalid topology. */
	int		(*exec)(const struct cmd_entry *, struct cmd_args *);
};

/* Parses argv (after the command name). Returns 0, or 2 after printing usage. */
int	cmd_parse(const struct cmd_entry *, int argc, char **argv, struct cmd_args *);
void	cmd_args_free(struct cmd_args *);
void	cmd_usage(const struct cmd_entry *, FILE *);
/*
 * Loads, validates and plans args->file with args' variables, filters and
 * timeout. On any problem prints them all (file:line:column: message) to
 * stderr and returns 2; else 0 with *topology and *plan set.
 */
int	cmd_load(const struct cmd_args *, struct topology **, struct plan **);

/*
 * Where a report or document goes (-o). A regular file (or a new one) is
 * written to a temporary file beside it and renamed over it when complete,
 * so a reader never sees half of one; anything else (stdout, "-", /dev/null,
 * a FIFO, a symbolic link) is written in place: topo never replaces what is
 * not a plain file of its own.
 */
struct cmd_output {
	FILE		*f;
	const char	*path;		/* NULL: stdout */
	char		*tmp;		/* the temporary file, or NULL */
};

int	cmd_output_open(struct cmd_output *, const char *path);
/*
 * Whether to colour what goes to f: --color=always or never, else (auto)
 * only a terminal, with NO_COLOR unset or empty and TERM not "dumb".
 */
int	cmd_color(const struct cmd_args *, FILE *f);
/* Closes (and publishes when ok); 0, or -1 with a message printed. A
 * reader that went away (`topo check | head -1`, EPIPE) is -1 in silence:
 * cmd_output_quiet() tells it, and the command keeps its status. */
int	cmd_output_close(struct cmd_output *, int ok);
int	cmd_output_quiet(void);

extern const struct cmd_entry cmd_check_entry;
extern const struct cmd_entry cmd_validate_entry;
extern const struct cmd_entry cmd_version_entry;
extern const struct cmd_entry cmd_dash_entry;
extern const struct cmd_entry cmd_doc_entry;
extern const struct cmd_entry cmd_list_entry;
extern const struct cmd_entry cmd_stale_entry;
extern const struct cmd_entry cmd_serve_entry;
extern const struct cmd_entry cmd_why_entry;
extern const struct cmd_entry cmd_init_entry;
extern const struct cmd_entry cmd_discover_entry;

#endif
