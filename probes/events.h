/*
 * events.h: the event graph of an Inngest worker, read from its source
 * (probes/events.c): per function id its triggers, the worker lists that
 * register it and the events it emits or waits for, each with file:line.
 * What cannot be resolved statically (a computed name, a spread, a
 * variable) is kept as unknown with the expression's text, never guessed.
 * Exported for `topo why` (cmd-why.c) and the unit tests.
 */
#ifndef TOPO_EVENTS_H
#define TOPO_EVENTS_H

#include <stddef.h>

enum events_site_kind {
	EVENTS_TRIGGER,		/* { event: "x" } as a trigger */
	EVENTS_CRON,		/* { cron: "..." } as a trigger */
	EVENTS_EMIT,		/* step.sendEvent / inngest.send */
	EVENTS_WAIT,		/* step.waitForEvent(..., { event: "x" }) */
	EVENTS_CANCEL,		/* cancelOn: [{ event: "x" }] in a function's config */
	/* An event object { name: "x", data } built apart from its send
	 * (`.map(p => ({ name, data }))` handed to sendEvent as a variable). */
	EVENTS_PAYLOAD,
};

struct events_site {
	enum events_site_kind	 kind;
	char			*name;		/* event name or cron; NULL: unknown */
	char			*text;		/* the expression when unknown */
	const char		*file;		/* points into the graph's files */
	int			 line;
	int			 function;	/* index in functions, -1: none */
};

#define EVENTS_MAX_WORKERS	8

struct events_function {
	char		*id;		/* NULL: not a string literal */
	char		*variable;	/* `const NAME = inngest.createFunction(`; NULL */
	char		*alias;		/* `const ALIAS = NAME;` in the same file; NULL */
	const char	*file;
	int		 line;
	int		 registered[EVENTS_MAX_WORKERS];	/* line of the list, 0: not in it */
};

struct events_worker {
	char	*name;		/* host, cluster */
	char	*file;
	char	*list;
	char	*app;		/* app id, NULL when not declared */
	int	 port;		/* it serves on, 0 when not declared */
	int	 line;		/* of the list's declaration, 0 when unread */
	char	*error;		/* why the list could not be read */
	size_t	 unknown;	/* entries that are spreads or calls */
};

struct events_graph {
	char			**files;
	size_t			  nfiles;
	struct events_function	 *functions;
	size_t			  nfunctions;
	struct events_site	 *sites;
	size_t			  nsites;
	struct events_worker	  workers[EVENTS_MAX_WORKERS];
	size_t			  nworkers;
	char			**errors;	/* files that could not be read */
	size_t			  nerrors;
};

void	events_graph_init(struct events_graph *);
void	events_graph_free(struct events_graph *);
/*
 * Reads one file's text: every createFunction call (id, triggers) and every
 * emit and wait site inside or outside them. functions_file is 0 for a file
 * read only for its emits (a client, the CLI): its createFunction calls are
 * not functions of the worker.
 */
void	events_scan_text(struct events_graph *, const char *file,
	    const char *text, size_t len, int functions_file);
/* Registers the entries (variable names) of a worker's list, read at line. */
void	events_register(struct events_graph *, size_t worker, char *const *names,
	    size_t n, int line);
/* Index of the function whose variable or id is name, or -1. */
long	events_function_find(const struct events_graph *, const char *name);
/* 1 when some site of kind (EVENTS_EMIT, EVENTS_TRIGGER, EVENTS_WAIT) names event. */
int	events_has(const struct events_graph *, enum events_site_kind, const char *event);

struct buf;
struct check;
/* The section of check c, when c is an events check; NULL otherwise. */
const void *events_check_config(const struct check *c);
/* Reads the section's files and worker lists into g (initialised here).
 * 0, or -1 when some file could not be read (g->errors says which). */
int	events_graph_read(const void *config, const char *root, struct events_graph *);
/* Writes (when out is not NULL) and counts finding 0..3 (unregistered,
 * registered twice, unhandled, unemitted), one file:line item a line. */
size_t	events_findings_write(const void *config, const struct events_graph *,
	    int finding, struct buf *out);
/* The section's inngest: URL (topo why --live), or NULL. */
const char *events_inngest(const void *config);
/* path as shown: without what ${REPO}/ of the first functions glob expanded to. */
const char *events_shown(const void *config, const char *path);

#endif
