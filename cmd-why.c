/*
 * cmd-why.c: `topo why KIND NAME`: the answer to "why did this run, or not",
 * from the topology and the repository. Each kind of subject is one row of
 * why_subjects (event, function; a port or a check id plugs in the same way):
 * its name, and a function that fills one cJSON object from the event graph
 * and the topology. The text for people is printed from that object, so
 * `--format json` (for agents) and the text never say different things.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "probes/events.h"
#include "probes/probe.h"
#include "topology/plan.h"
#include "topology/topology.h"
#include "util/buf.h"
#include "util/util.h"

struct why_context {
	const struct topology	*topology;
	const void		*events;	/* the events section, NULL when none */
	struct events_graph	 graph;
};

struct why_subject {
	const char	*kind;
	const char	*help;
	/* Fills out; returns 0, or 1 when name is not found (out says why). */
	int		(*explain)(struct why_context *, const char *name, cJSON *out);
};

static cJSON *
why_site(const struct why_context *w, const struct events_site *s)
{
	cJSON	*o = cJSON_CreateObject();
	char	*at = xasprintf("%s:%d", events_shown(w->events, s->file), s->line);

	cJSON_AddStringToObject(o, "at", at);
	free(at);
	if (s->name != NULL)
		cJSON_AddStringToObject(o, "name", s->name);
	else
		cJSON_AddStringToObject(o, "unknown", s->text != NULL ? s->text : "");
	if (s->function >= 0 && w->graph.functions[s->function].id != NULL)
		cJSON_AddStringToObject(o, "function",
		    w->graph.functions[s->function].id);
	return o;
}

/* The Caddy routes of the topology that send to port. */
static void
why_routes(const struct why_context *w, int port, cJSON *out)
{
	const struct node	*caddy, *routes, *r;
	char			 suffix[16];
	const char		*to;
	size_t			 i, n;
	char			*line;

	if (port <= 0 || w->topology->root == NULL)
		return;
	caddy = node_get(w->topology->root, "caddy");
	routes = caddy != NULL ? node_get(caddy, "routes") : NULL;
	snprintf(suffix, sizeof suffix, ":%d", port);
	for (i = 0; routes != NULL && routes->type == NODE_SEQ && i < routes->count; i++) {
		r = routes->items[i];
		to = node_str(r, "to", NULL);
		if (to == NULL || (n = strlen(to)) < strlen(suffix) ||
		    strcmp(to + n - strlen(suffix), suffix) != 0)
			continue;
		line = xasprintf("Caddy %s%s -> %s", node_str(r, "site", "?"),
		    node_str(r, "path", ""), to);
		cJSON_AddItemToArray(out, cJSON_CreateString(line));
		free(line);
	}
}

/* Where function f runs: each worker list naming it, with its app and routes. */
static cJSON *
why_registration(const struct why_context *w, const struct events_function *f)
{
	cJSON	*list = cJSON_CreateArray(), *o, *routes;
	char	*at;
	size_t	 i;

	for (i = 0; i < w->graph.nworkers; i++) {
		if (f->registered[i] == 0)
			continue;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "worker", w->graph.workers[i].name);
		if (w->graph.workers[i].app != NULL)
			cJSON_AddStringToObject(o, "app", w->graph.workers[i].app);
		at = xasprintf("%s:%d", events_shown(w->events, w->graph.workers[i].file),
		    f->registered[i]);
		cJSON_AddStringToObject(o, "list", at);
		free(at);
		if (w->graph.workers[i].port > 0)
			cJSON_AddNumberToObject(o, "port", w->graph.workers[i].port);
		routes = cJSON_AddArrayToObject(o, "routes");
		why_routes(w, w->graph.workers[i].port, routes);
		cJSON_AddItemToArray(list, o);
	}
	return list;
}

static int
why_event(struct why_context *w, const char *name, cJSON *out)
{
	cJSON	*emitters = cJSON_AddArrayToObject(out, "emitted_by");
	cJSON	*triggers = cJSON_AddArrayToObject(out, "triggers");
	cJSON	*waits = cJSON_AddArrayToObject(out, "awaited_by");
	cJSON	*cancels = cJSON_AddArrayToObject(out, "cancels");
	cJSON	*o;
	const struct events_site *s;
	size_t	 i, unknown = 0, found = 0;

	for (i = 0; i < w->graph.nsites; i++) {
		s = &w->graph.sites[i];
		if (s->kind == EVENTS_EMIT && s->name == NULL)
			unknown++;
		if (s->name == NULL || strcmp(s->name, name) != 0)
			continue;
		found++;
		o = why_site(w, s);
		if (s->kind == EVENTS_EMIT)
			cJSON_AddItemToArray(emitters, o);
		else if (s->kind == EVENTS_PAYLOAD) {
			cJSON_AddStringToObject(o, "how", "{name, data} built, sent through a variable");
			cJSON_AddItemToArray(emitters, o);
		}
		else if (s->kind == EVENTS_WAIT)
			cJSON_AddItemToArray(waits, o);
		else if (s->kind == EVENTS_CANCEL)
			cJSON_AddItemToArray(cancels, o);
		else {
			if (s->function >= 0)
				cJSON_AddItemToObject(o, "registered", why_registration(w,
				    &w->graph.functions[s->function]));
			cJSON_AddItemToArray(triggers, o);
		}
	}
	cJSON_AddNumberToObject(out, "unknown_emit_sites", (double)unknown);
	if (found == 0) {
		cJSON_AddStringToObject(out, "problem", "no site of the repository names it");
		return 1;
	}
	return 0;
}

static int
why_function(struct why_context *w, const char *name, cJSON *out)
{
	const struct events_function	*f;
	const struct events_site	*s;
	cJSON				*triggers, *emits;
	char				*at;
	long				 k = events_function_find(&w->graph, name);
	size_t				 i;

	if (k < 0) {
		cJSON_AddStringToObject(out, "problem", "no createFunction with this id or variable");
		return 1;
	}
	f = &w->graph.functions[k];
	if (f->id != NULL)
		cJSON_AddStringToObject(out, "id", f->id);
	if (f->variable != NULL)
		cJSON_AddStringToObject(out, "variable", f->variable);
	at = xasprintf("%s:%d", events_shown(w->events, f->file), f->line);
	cJSON_AddStringToObject(out, "defined", at);
	free(at);
	triggers = cJSON_AddArrayToObject(out, "triggers");
	emits = cJSON_AddArrayToObject(out, "emits");
	for (i = 0; i < w->graph.nsites; i++) {
		s = &w->graph.sites[i];
		if (s->function != k)
			continue;
		if (s->kind == EVENTS_TRIGGER || s->kind == EVENTS_CRON) {
			cJSON *o = why_site(w, s);

			cJSON_AddStringToObject(o, "type", s->kind == EVENTS_CRON ?
			    "cron" : "event");
			cJSON_AddItemToArray(triggers, o);
		} else {
			cJSON *o = why_site(w, s);

			cJSON_AddStringToObject(o, "type", s->kind == EVENTS_EMIT ?
			    "emit" : s->kind == EVENTS_PAYLOAD ? "payload" :
			    s->kind == EVENTS_WAIT ? "wait" : "cancelled by");
			cJSON_AddItemToArray(emits, o);
		}
	}
	cJSON_AddItemToObject(out, "registered", why_registration(w, f));
	if (cJSON_GetArraySize(cJSON_GetObjectItem(out, "registered")) == 0)
		cJSON_AddStringToObject(out, "problem", "registered in no worker list: it never runs");
	return 0;
}

static const struct why_subject why_subjects[] = {
	{ "event", "who emits it, which functions it triggers, where they run", why_event },
	{ "function", "its triggers, what it emits, which workers register it", why_function },
	{ NULL, NULL, NULL },
};

/* Text for people: the object's members in order, arrays one item a line. */
static void
why_print(const cJSON *o, int depth)
{
	const cJSON	*m, *e;

	cJSON_ArrayForEach(m, o) {
		if (cJSON_IsArray(m)) {
			printf("%*s%s:%s\n", depth * 2, "", m->string,
			    cJSON_GetArraySize(m) == 0 ? " none" : "");
			cJSON_ArrayForEach(e, m) {
				if (cJSON_IsString(e))
					printf("%*s  %s\n", depth * 2, "", e->valuestring);
				else {
					printf("%*s  -\n", depth * 2, "");
					why_print(e, depth + 2);
				}
			}
		} else if (cJSON_IsString(m))
			printf("%*s%-10s %s\n", depth * 2, "", m->string, m->valuestring);
		else if (cJSON_IsNumber(m))
			printf("%*s%-10s %g\n", depth * 2, "", m->string, m->valuedouble);
	}
}

static int
cmd_why_exec(const struct cmd_entry *e, struct cmd_args *a)
{
	struct topology			*t = NULL;
	struct plan			*p = NULL;
	struct why_context		 w;
	const struct why_subject	*s;
	cJSON				*out;
	char				*text;
	size_t				 i;
	int				 rc;

	if (a->nrest != 2) {
		cmd_usage(e, stderr);
		return 2;
	}
	for (s = why_subjects; s->kind != NULL; s++) {
		if (strcmp(s->kind, a->rest[0]) == 0)
			break;
	}
	if (s->kind == NULL) {
		fprintf(stderr, "topo why: unknown subject %s (event, function)\n",
		    a->rest[0]);
		return 2;
	}
	if ((rc = cmd_load(a, &t, &p)) != 0)
		return rc;
	memset(&w, 0, sizeof w);
	w.topology = t;
	for (i = 0; i < p->count && w.events == NULL; i++)
		w.events = events_check_config(p->checks[i]);
	if (w.events == NULL) {
		fprintf(stderr, "topo why: %s has no events: section\n", t->path);
		plan_free(p);
		topology_free(t);
		return 2;
	}
	events_graph_read(w.events, t->read_root, &w.graph);
	for (i = 0; i < w.graph.nerrors; i++)
		fprintf(stderr, "topo why: %s\n", w.graph.errors[i]);
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "subject", s->kind);
	cJSON_AddStringToObject(out, "name", a->rest[1]);
	rc = s->explain(&w, a->rest[1], out);
	if (a->format != NULL && strcmp(a->format, "json") == 0) {
		text = cJSON_Print(out);
		printf("%s\n", text);
		free(text);
	} else
		why_print(out, 0);
	cJSON_Delete(out);
	events_graph_free(&w.graph);
	plan_free(p);
	topology_free(t);
	return rc;
}

const struct cmd_entry cmd_why_entry = {
	.name = "why",
	.usage = "[-f FILE] [--format text|json] [--set VAR=VALUE] event NAME | function ID",
	.help = "Explain an event or function: emitters, triggers, registration, routes.",
	.options = CMD_OPT_FILE | CMD_OPT_FORMAT | CMD_OPT_SET | CMD_OPT_ROOT,
	.exec = cmd_why_exec,
};
