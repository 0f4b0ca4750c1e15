/*
 * cmd-stale.c: `topo stale --changed FILE|-`: given the paths a change
 * touched (`git diff --name-only BASE...HEAD`), name every watched path that
 * changed while neither the topology nor its generated document did. This is
 * the reference document's "Mandatory Update Policy", enforced by CI.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "topology/plan.h"
#include "topology/topology.h"
#include "util/buf.h"
#include "util/util.h"

#define STALE_MAX_INPUT	(16 * 1024 * 1024)

static int	cmd_stale_exec(const struct cmd_entry *, struct cmd_args *);

const struct cmd_entry cmd_stale_entry = {
	.name = "stale",
	.usage = "[-f FILE] --changed FILE|-",
	.help = "Fail when a watched path changed but the topology and its document did not.",
	.options = CMD_OPT_FILE | CMD_OPT_SET | CMD_OPT_CHANGED,
	.exec = cmd_stale_exec,
};

/* "./a//b" -> "a/b": git prints clean relative paths; users may not. */
static void
stale_clean(char *path)
{
	char	*r = path, *w = path;

	while (r[0] == '.' && r[1] == '/')
		r += 2;
	for (; *r != '\0'; r++) {
		if (*r == '/' && r[1] == '/')
			continue;
		*w++ = *r;
	}
	*w = '\0';
}

/*
 * Control bytes in a path would reach the terminal as escape sequences
 * (git quotes such names, a hand-made list may not): shown as '?'.
 */
static void
stale_printable(char *path)
{
	for (; *path != '\0'; path++) {
		if ((unsigned char)*path < 0x20 || *path == 0x7f)
			*path = '?';
	}
}

/* Is changed (relative to the current directory) the file at path? */
static int
stale_same(const char *changed, const char *path)
{
	char	a[PATH_MAX], b[PATH_MAX], *copy;
	int	same;

	if (path == NULL)
		return 0;
	copy = xstrdup(path);
	stale_clean(copy);
	same = strcmp(changed, copy) == 0;
	free(copy);
	if (!same && realpath(changed, a) != NULL && realpath(path, b) != NULL)
		same = strcmp(a, b) == 0;
	return same;
}

static int
stale_read(const char *from, struct buf *b)
{
	char	*cause = NULL;
	char	 chunk[65536];
	size_t	 n;

	if (strcmp(from, "-") != 0) {
		if (buf_read_file(b, from, &cause) != 0) {
			fprintf(stderr, "topo: %s\n", cause);
			free(cause);
			return -1;
		}
		return 0;
	}
	while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0) {
		if (buf_append(b, chunk, n) != 0) {
			fprintf(stderr, "topo: --changed input larger than %d bytes\n",
			    STALE_MAX_INPUT);
			return -1;
		}
	}
	return 0;
}

static int
cmd_stale_exec(const struct cmd_entry *e, struct cmd_args *a)
{
	const struct node	*watch, *doc;
	struct topology		*t;
	struct plan		*p;
	struct buf		 input, hits;
	const char		*doc_path;
	char			*line, *next;
	size_t			 i, nchanged = 0, nhits = 0;
	int			 updated = 0, rc = 2, matched;

	if (a->changed == NULL) {
		fprintf(stderr, "topo stale: --changed FILE|- is required\n");
		cmd_usage(e, stderr);
		return 2;
	}
	buf_init(&input, STALE_MAX_INPUT);
	buf_init(&hits, 0);
	if (cmd_load(a, &t, &p) != 0)
		goto out_free;
	if (stale_read(a->changed, &input) != 0)
		goto out;

	watch = node_get(t->root, "watch");
	doc = node_get(t->root, "doc");
	doc_path = node_str(doc, "output", NULL);
	for (line = input.data; line != NULL && *line != '\0'; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		line[strcspn(line, "\r")] = '\0';
		stale_clean(line);
		if (*line == '\0')
			continue;
		nchanged++;
		if (stale_same(line, a->file) || stale_same(line, doc_path)) {
			updated = 1;
			continue;
		}
		for (i = 0, matched = 0; i < t->nincluded && !matched; i++)
			matched = stale_same(line, t->included[i]);
		if (matched) {	/* a file the topology includes */
			updated = 1;
			continue;
		}
		matched = 0;
		for (i = 0; watch != NULL && i < watch->count && !matched; i++) {
			if (watch->items[i]->type != NODE_SCALAR)
				continue;
			if (util_glob_match(watch->items[i]->value, line)) {
				stale_printable(line);
				buf_printf(&hits, "  %s (watched by '%s', %s:%d)\n",
				    line, watch->items[i]->raw != NULL ?
				    watch->items[i]->raw : watch->items[i]->value,
				    watch->items[i]->file, watch->items[i]->line);
				nhits++;
				matched = 1;
			}
		}
	}

	if (nhits > 0 && !updated) {
		printf("topo stale: %zu watched path%s changed, but neither %s%s%s did:\n%s"
		    "Update the topology (and regenerate the document) in the same change.\n",
		    nhits, nhits == 1 ? "" : "s", a->file,
		    doc_path != NULL ? " nor " : "",
		    doc_path != NULL ? doc_path : "", buf_str(&hits));
		rc = 1;
	} else {
		printf("topo stale: ok: %zu changed path%s, %zu watched%s\n",
		    nchanged, nchanged == 1 ? "" : "s", nhits,
		    nhits > 0 ? ", topology updated too" : "");
		rc = 0;
	}
out:
	plan_free(p);
	topology_free(t);
out_free:
	buf_free(&input);
	buf_free(&hits);
	return rc;
}
