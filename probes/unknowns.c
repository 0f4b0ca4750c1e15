/*
 * unknowns.c: facts the topology declares it cannot check ("UNKNOWN — needs
 * manual verification"). Each is a check that is always `unknown`, carrying
 * the command an operator runs to verify it by hand: shown, never guessed.
 */
#include "probe.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "../util/util.h"

struct unknown_config {
	char	*verify;
};

static const struct schema unknowns_keys[] = {
	{ .key = "what", .type = SCHEMA_STRING, .required = 1,
	  .help = "what cannot be verified by topo" },
	{ .key = "verify", .type = SCHEMA_STRING,
	  .help = "the command an operator runs to verify it by hand" },
	{ .key = "id", .type = SCHEMA_STRING,
	  .help = "stable id (default: derived from what)" },
	{ .key = "why", .type = SCHEMA_STRING,
	  .help = "why it cannot be checked here" },
	{ .key = NULL }
};

static const struct schema unknowns_item[] = {
	{ .key = "unknown", .type = SCHEMA_MAP, .children = unknowns_keys },
};

static const struct schema unknowns_schema[] = {
	{ .key = "unknowns", .type = SCHEMA_LIST, .children = unknowns_item,
	  .help = "declared unknowns: shown as unknown, never guessed" },
	{ .key = NULL }
};

/* "Tailscale daemon state" -> "tailscale-daemon-state" */
static char *
unknowns_slug(const char *what)
{
	char	*slug = xmalloc(strlen(what) + 1), *p = slug;
	int	 dash = 0;

	for (; *what != '\0' && p - slug < 60; what++) {
		if (isalnum((unsigned char)*what)) {
			if (dash && p != slug)
				*p++ = '-';
			*p++ = (char)tolower((unsigned char)*what);
			dash = 0;
		} else
			dash = 1;
	}
	*p = '\0';
	return slug;
}

static void
unknowns_plan(struct plan *p, const struct node *section)
{
	const struct node	*item;
	struct check		*c;
	struct unknown_config	*cfg;
	char			*slug;
	const char		*id, *what, *verify;
	size_t			 i;

	if (section->type != NODE_SEQ)
		return;
	for (i = 0; i < section->count; i++) {
		item = section->items[i];
		what = node_str(item, "what", "");
		verify = node_str(item, "verify", NULL);
		if ((id = node_str(item, "id", NULL)) != NULL)
			slug = xstrdup(id);
		else
			slug = unknowns_slug(what);
		c = plan_add(p, &probe_unknowns, LAYER_LIVE, item, "unknown/%s",
		    slug);
		free(slug);
		plan_summary(c, "%s", what);
		cfg = xcalloc(1, sizeof *cfg);
		cfg->verify = verify != NULL ? xstrdup(verify) : NULL;
		c->config = cfg;
	}
}

static void
unknowns_run(struct batch *b)
{
	struct check		*c;
	struct unknown_config	*cfg;
	size_t			 i;

	for (i = 0; i < b->count; i++) {
		c = b->checks[i];
		cfg = c->config;
		if (cfg->verify != NULL) {
			observation_unknown(&c->observation,
			    "declared unknown: %s — verify by hand: %s",
			    c->summary, cfg->verify);
			observation_evidence(&c->observation, "%s", cfg->verify);
		} else {
			observation_unknown(&c->observation,
			    "declared unknown: %s", c->summary);
		}
		batch_done(b, c);
	}
}

static void
unknowns_free(void *config)
{
	struct unknown_config	*cfg = config;

	free(cfg->verify);
	free(cfg);
}

const struct probe_ops probe_unknowns = {
	.name = "unknowns",
	.help = "facts that cannot be checked, with how to verify them by hand",
	.schema = unknowns_schema,
	.plan = unknowns_plan,
	.run = unknowns_run,
	.free_config = unknowns_free,
};
