/*
 * topology.h: a loaded topology file and the problems found loading it.
 * topology_load reads YAML (libyaml), expands variables, validates it against
 * the schema, and collects every problem with file:line:column.
 */
#ifndef TOPO_TOPOLOGY_H
#define TOPO_TOPOLOGY_H

#include <stddef.h>
#include <stdio.h>

#include "node.h"

struct problem {
	char	*file;
	int	 line;		/* 0 when there is no position */
	int	 column;
	char	*message;
};

struct problems {
	struct problem	*items;
	size_t		 count;
};

void	problems_add(struct problems *, const char *file, int line, int column,
	    const char *, ...) __attribute__((format(printf, 5, 6)));
void	problems_add_at(struct problems *, const struct node *, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
/*
 * How much of s a problem message quotes: at most PROBLEM_CLIP bytes, cut on
 * a character boundary, so that a megabyte key makes a one-line message.
 * Use as printf("'%.*s%s'", PROBLEM_QUOTE(s)).
 */
#define PROBLEM_CLIP	80
int	problems_clip(const char *s);
#define PROBLEM_QUOTE(s) \
	problems_clip(s), (s), strlen(s) > PROBLEM_CLIP ? "..." : ""
void	problems_sort(struct problems *);	/* by file, line, column */
void	problems_print(const struct problems *, FILE *);
void	problems_free(struct problems *);

struct var {
	char	*name;
	char	*value;
	int	 secret;
};

struct topology {
	char		*path;		/* as given */
	char		*system;	/* system: */
	char		*description;
	int		 version;
	struct node	*root;		/* the expanded tree */

	struct var	*vars;		/* final values, after env and --set */
	size_t		 nvars;
	/* Values of secret variables, longest first: redaction replaces them. */
	char		**secrets;
	size_t		 nsecrets;
	/*
	 * --root (or $TOPO_ROOT), resolved: the folder every static read is
	 * confined to (textfile_allowed); NULL reads wherever the file says.
	 */
	char		*read_root;
	/* The real paths of the files include: merged in (topo stale counts a
	 * change to one as a change to the topology). */
	char		**included;
	size_t		  nincluded;
};

/*
 * Loads and validates path. sets are "NAME=VALUE" strings from --set.
 * Returns the topology, or NULL; problems get every fault found (a topology
 * can be returned with problems when only some checks are bad: callers treat
 * problems->count > 0 as invalid).
 */
struct topology	*topology_load(const char *path, char *const *sets, size_t nsets,
		    struct problems *);
void		 topology_free(struct topology *);
const char	*topology_var(const struct topology *, const char *name);
/*
 * Path of an external program: $TOPO_<NAME> (upper case), then
 * `programs: {NAME: path}` in the file, then name itself (looked up in PATH).
 */
const char	*topology_program(const struct topology *, const char *name);
/* A copy of text with every secret value replaced by "***". Caller frees.
 * The one redaction of topo: reports, the dashboard, the document,
 * messages and evidence all pass through it. */
char		*topology_redact(const struct topology *, const char *text);
/*
 * Adds a value the planner found secret by its place (an HTTP header value,
 * a URL's user or password, a Redis password) to t->secrets, kept longest
 * first. Values shorter than TOPOLOGY_SECRET_MIN bytes are not added: "1"
 * or "no" redacted everywhere would garble every report.
 */
#define TOPOLOGY_SECRET_MIN	4
void		 topology_add_secret(struct topology *, const char *value);
/* The user and password of a URL (either may be NULL), and their Basic
 * authorization form, base64("user:password"), which a client sends and a
 * service may echo. */
void		 topology_add_credentials(struct topology *, const char *user,
		    const char *password);

/*
 * The loader's stages, exported for the unit tests and fuzz targets.
 * yaml_parse (topology/yaml.c) builds the tree of text (len bytes), its nodes
 * pointing at file; NULL when it cannot be read. vars_expand (topology/vars.c)
 * expands ${VAR}, $$ and ~ in every scalar of t->root and fills t->vars and
 * t->secrets; sets are "NAME=VALUE" from --set.
 */
struct node	*yaml_parse(const char *file, const char *text, size_t len,
		    struct problems *);
void		 vars_expand(struct topology *, char *const *sets, size_t nsets,
		    struct problems *);

/* Limits on what a topology file may be, enforced by the loader. */
#define TOPOLOGY_MAX_BYTES	(16 * 1024 * 1024)
/* The path -f - names: the topology is read from standard input. */
#define TOPOLOGY_STDIN		"-"
#define TOPOLOGY_MAX_DEPTH	64
#define TOPOLOGY_MAX_NODES	1000000

#endif
