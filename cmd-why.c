/*
 * cmd-why.c: `topo why KIND NAME`: the answer to "why did this run, or not",
 * "what listens on port X", "why does this check fail". Each kind of subject
 * is one row of why_subjects (port, check, event, function): its name, and a
 * function that fills one cJSON object from the topology, the event graph
 * (read only for events and functions), this machine's listeners and, for a
 * check, a run of that check and of what it needs (topology/causes.c). The
 * text for people is printed from that object, so `--format json` (for
 * agents) and the text never say different things. `topo why NAME` guesses
 * the kind: a number is a port, a check id a check, else a function or event.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "probes/events.h"
#include "probes/probe.h"
#include "probes/sched.h"
#include "topology/causes.h"
#include "topology/plan.h"
#include "topology/topology.h"
#include "util/buf.h"
#include "util/listeners.h"
#include "util/util.h"

struct why_context {
	const struct topology	*topology;
	struct plan		*plan;
	const struct cmd_args	*args;
	const void		*events;	/* the events section, NULL when none */
	struct events_graph	 graph;
	int			 graph_read;
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

/* Reads the event graph the first time an event or function asks: 0, or -1
 * with out's problem when the topology has no events: section. */
static int
why_events(struct why_context *w, cJSON *out)
{
	size_t	i;

	if (!w->graph_read) {
		for (i = 0; i < w->plan->count && w->events == NULL; i++)
			w->events = events_check_config(w->plan->checks[i]);
	}
	if (w->events == NULL) {
		w->graph_read = 1;
		cJSON_AddStringToObject(out, "problem", "the topology has no events: section");
		return -1;
	}
	if (w->graph_read)
		return 0;
	w->graph_read = 1;
	events_graph_read(w->events, w->topology->read_root, &w->graph);
	for (i = 0; i < w->graph.nerrors; i++)
		fprintf(stderr, "topo why: %s\n", w->graph.errors[i]);
	return 0;
}

static int
why_event(struct why_context *w, const char *name, cJSON *out)
{
	cJSON	*emitters, *triggers, *waits, *cancels, *o;
	const struct events_site *s;
	size_t	 i, unknown = 0, found = 0;

	if (why_events(w, out) != 0)
		return 1;
	emitters = cJSON_AddArrayToObject(out, "emitted_by");
	triggers = cJSON_AddArrayToObject(out, "triggers");
	waits = cJSON_AddArrayToObject(out, "awaited_by");
	cancels = cJSON_AddArrayToObject(out, "cancels");

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
	long				 k;
	size_t				 i;

	if (why_events(w, out) != 0)
		return 1;
	if ((k = events_function_find(&w->graph, name)) < 0) {
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

/* One check as why shows it: id, what it checks, where it is declared. */
static cJSON *
why_check_ref(const struct check *c)
{
	cJSON	*o = cJSON_CreateObject();
	char	*at;

	cJSON_AddStringToObject(o, "id", c->id);
	if (c->summary != NULL)
		cJSON_AddStringToObject(o, "checks", c->summary);
	if (c->file != NULL && *c->file != '\0') {
		at = c->line > 0 ? xasprintf("%s:%d:%d", c->file, c->line, c->column) :
		    xstrdup(c->file);
		cJSON_AddStringToObject(o, "declared", at);
		free(at);
	}
	return o;
}

/* Whether token is "tcp:HOST:PORT" for this port, on any host. */
static int
why_tcp_port(const char *token, int port)
{
	const char	*colon = strrchr(token, ':');

	return strncmp(token, "tcp:", 4) == 0 && colon != NULL &&
	    strtol(colon + 1, NULL, 10) == port;
}

/* Who listens on port on this machine, as the listener table says. */
static void
why_listener(int port, cJSON *out)
{
	struct listeners	 l = { 0 };
	const struct listener	*x;
	char			*cause = NULL, *text;
	cJSON			*o;

	if (listeners_read(&l, listeners_lsof(), 5000, &cause) != 0) {
		text = xasprintf("unknown: the listener table could not be read: %s",
		    cause != NULL ? cause : "?");
		cJSON_AddStringToObject(out, "listening", text);
		free(text);
		free(cause);
		return;
	}
	if ((x = listeners_find(&l, port)) == NULL)
		cJSON_AddStringToObject(out, "listening", "nothing listens on it here");
	else {
		o = cJSON_AddObjectToObject(out, "listening");
		cJSON_AddStringToObject(o, "address", x->addr);
		if (x->pid >= 0 && x->comm[0] != '\0') {
			cJSON_AddStringToObject(o, "command", x->comm);
			cJSON_AddNumberToObject(o, "pid", (double)x->pid);
			if (x->user[0] != '\0')
				cJSON_AddStringToObject(o, "user", x->user);
		} else
			cJSON_AddStringToObject(o, "owner", "not visible to this user");
	}
	listeners_free(&l);
}

/*
 * A port: the items that declare it (role, owner), who listens on it here,
 * the Caddy routes that send traffic to it, and the checks that need it.
 */
static int
why_port(struct why_context *w, const char *name, cJSON *out)
{
	cJSON			*declared, *needed, *routes, *o;
	const struct check	*c;
	char			*end;
	long			 port = strtol(name, &end, 10);
	size_t			 i, j, k, ndeclared = 0;

	if (*name == '\0' || *end != '\0' || port < 1 || port > 65535) {
		cJSON_AddStringToObject(out, "problem", "a port is a number, 1 to 65535");
		return 1;
	}
	declared = cJSON_AddArrayToObject(out, "declared");
	for (i = 0; i < w->plan->count; i++) {
		c = w->plan->checks[i];
		for (j = 0; j < c->nprovides; j++) {
			if (!why_tcp_port(c->provides[j], (int)port))
				continue;
			o = why_check_ref(c);
			for (k = 0; k < c->nneeds; k++) {
				if (strncmp(c->needs[k], "launchd:", 8) == 0 ||
				    strncmp(c->needs[k], "systemd:", 8) == 0)
					cJSON_AddStringToObject(o, "held_by", c->needs[k]);
			}
			cJSON_AddItemToArray(declared, o);
			ndeclared++;
			break;
		}
	}
	why_listener((int)port, out);
	routes = cJSON_AddArrayToObject(out, "routes");
	why_routes(w, (int)port, routes);
	needed = cJSON_AddArrayToObject(out, "needed_by");
	for (i = 0; i < w->plan->count; i++) {
		c = w->plan->checks[i];
		for (j = 0; j < c->nneeds; j++) {
			if (why_tcp_port(c->needs[j], (int)port)) {
				cJSON_AddItemToArray(needed, why_check_ref(c));
				break;
			}
		}
	}
	if (ndeclared == 0)
		cJSON_AddStringToObject(out, "problem", "no ports: item declares it");
	return 0;
}

/* Marks every check but c and what it needs, transitively, as skipped. */
static void
why_closure(struct plan *p, struct check *c)
{
	struct check	**queue;
	size_t		  head = 0, tail = 0, i, j;

	for (i = 0; i < p->count; i++)
		p->checks[i]->skipped = 1;
	queue = xreallocarray(NULL, p->count + 1, sizeof *queue);
	c->skipped = 0;
	queue[tail++] = c;
	while (head < tail) {
		c = queue[head++];
		for (j = 0; j < c->nneeds; j++) {
			for (i = 0; i < p->count; i++) {
				if (p->checks[i]->skipped &&
				    causes_provides(p->checks[i], c->needs[j])) {
					p->checks[i]->skipped = 0;
					queue[tail++] = p->checks[i];
				}
			}
		}
	}
	free(queue);
}

static cJSON *
why_verdict(const struct check *c)
{
	cJSON	*o = why_check_ref(c);

	cJSON_AddStringToObject(o, "status", status_name(c->result.status));
	if (c->result.message != NULL && *c->result.message != '\0')
		cJSON_AddStringToObject(o, "message", c->result.message);
	if (c->result.evidence != NULL && *c->result.evidence != '\0')
		cJSON_AddStringToObject(o, "evidence", c->result.evidence);
	return o;
}

/*
 * A check: run it and what it needs (nothing else), then its verdict, the
 * chain of causes with each link's evidence, and the verdict of each need.
 */
static int
why_check(struct why_context *w, const char *name, cJSON *out)
{
	struct sched_options	 opts = { 0 };
	struct sched		*s;
	struct check		*c = NULL;
	const struct check	*k;
	const char		**ids, *suggest;
	cJSON			*chain, *needs;
	char			*text;
	size_t			 i;

	for (i = 0; i < w->plan->count && c == NULL; i++) {
		if (strcmp(w->plan->checks[i]->id, name) == 0)
			c = w->plan->checks[i];
	}
	if (c == NULL) {
		ids = xreallocarray(NULL, w->plan->count + 1, sizeof *ids);
		for (i = 0; i < w->plan->count; i++)
			ids[i] = w->plan->checks[i]->id;
		if (util_closest(name, ids, w->plan->count, &suggest, 1) == 0)
			suggest = NULL;
		text = xasprintf("no check has this id%s%s (topo list prints them)",
		    suggest != NULL ? "; closest: " : "", suggest != NULL ? suggest : "");
		cJSON_AddStringToObject(out, "problem", text);
		free(text);
		free(ids);
		return 1;
	}
	why_closure(w->plan, c);
	opts.jobs = w->args->jobs > 0 ? w->args->jobs : SCHED_JOBS_DEFAULT;
	s = sched_create(w->plan, &opts);
	sched_run(s, NULL, 0);
	causes_resolve(w->plan->checks, w->plan->count);

	cJSON_AddItemToObject(out, "verdict", why_verdict(c));
	chain = cJSON_AddArrayToObject(out, "caused_by");
	for (k = c->result.cause, i = 0; k != NULL && i < 64; k = k->result.cause, i++)
		cJSON_AddItemToArray(chain, why_verdict(k));
	needs = cJSON_AddArrayToObject(out, "needs");
	for (i = 0; i < w->plan->count; i++) {
		if (w->plan->checks[i] == c || w->plan->checks[i]->skipped)
			continue;
		text = xasprintf("%s %s", w->plan->checks[i]->id,
		    status_name(w->plan->checks[i]->result.status));
		cJSON_AddItemToArray(needs, cJSON_CreateString(text));
		free(text);
	}
	if (c->result.cause != NULL)
		text = xasprintf("fails because %s fails", causes_root(c)->id);
	else if (status_is_problem(c->result.status, 0))
		text = xstrdup("fails on its own: nothing it needs fails");
	else
		text = xasprintf("%s", status_name(c->result.status));
	cJSON_AddStringToObject(out, "answer", text);
	free(text);
	sched_free(s);
	return status_is_problem(c->result.status, 0) ? 1 : 0;
}

static const struct why_subject why_subjects[] = {
	{ "port", "who should and who does listen, the routes to it, the checks that need it", why_port },
	{ "check", "its verdict and its chain of causes, each with evidence (runs it and its needs)", why_check },
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
		} else if (cJSON_IsObject(m)) {
			printf("%*s%s:\n", depth * 2, "", m->string);
			why_print(m, depth + 1);
		} else if (cJSON_IsString(m))
			printf("%*s%-10s %s\n", depth * 2, "", m->string, m->valuestring);
		else if (cJSON_IsNumber(m))
			printf("%*s%-10s %g\n", depth * 2, "", m->string, m->valuedouble);
	}
}

/* `topo why NAME`: a number is a port, a check id a check, else a function
 * when one has that id or variable, else an event. */
static const struct why_subject *
why_guess(struct why_context *w, const char *name)
{
	const struct why_subject	*s;
	const char			*kind = "event";
	cJSON				*scratch;
	char				*end;
	size_t				 i;

	(void)strtol(name, &end, 10);
	if (*name != '\0' && *end == '\0')
		kind = "port";
	else {
		for (i = 0; i < w->plan->count; i++) {
			if (strcmp(w->plan->checks[i]->id, name) == 0)
				break;
		}
		if (i < w->plan->count)
			kind = "check";
		else {
			scratch = cJSON_CreateObject();
			if (why_events(w, scratch) == 0 &&
			    events_function_find(&w->graph, name) >= 0)
				kind = "function";
			cJSON_Delete(scratch);
		}
	}
	for (s = why_subjects; strcmp(s->kind, kind) != 0; s++)
		;
	return s;
}

static int
cmd_why_exec(const struct cmd_entry *e, struct cmd_args *a)
{
	struct topology			*t = NULL;
	struct plan			*p = NULL;
	struct why_context		 w;
	const struct why_subject	*s = NULL;
	const char			*name;
	cJSON				*out;
	char				*text;
	int				 rc;

	if (a->nrest != 1 && a->nrest != 2) {
		cmd_usage(e, stderr);
		return 2;
	}
	for (s = why_subjects; s->kind != NULL; s++) {
		if (strcmp(s->kind, a->rest[0]) == 0)
			break;
	}
	if (a->nrest == 1 && s->kind != NULL) {
		/* `topo why port`: the subject without its name. */
		cmd_usage(e, stderr);
		return 2;
	}
	if (a->nrest == 1)
		s = NULL;
	else {
		if (s->kind == NULL) {
			fprintf(stderr, "topo why: unknown subject %s (port, check, "
			    "event, function; or just NAME)\n", a->rest[0]);
			return 2;
		}
	}
	name = a->rest[a->nrest - 1];
	if ((rc = cmd_load(a, &t, &p)) != 0)
		return rc;
	memset(&w, 0, sizeof w);
	w.topology = t;
	w.plan = p;
	w.args = a;
	if (s == NULL)
		s = why_guess(&w, name);
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "subject", s->kind);
	cJSON_AddStringToObject(out, "name", name);
	rc = s->explain(&w, name, out);
	if (a->format != NULL && strcmp(a->format, "json") == 0) {
		text = cJSON_Print(out);
		printf("%s\n", text);
		free(text);
	} else
		why_print(out, 0);
	cJSON_Delete(out);
	if (w.graph_read)
		events_graph_free(&w.graph);
	plan_free(p);
	topology_free(t);
	return rc;
}

const struct cmd_entry cmd_why_entry = {
	.name = "why",
	.usage = "[-f FILE] [--format text|json] [--set VAR=VALUE] "
	    "port N | check ID | event NAME | function ID | NAME",
	.help = "Explain a port, a check, an event or a function: owners, routes, causes.",
	.options = CMD_OPT_FILE | CMD_OPT_FORMAT | CMD_OPT_SET | CMD_OPT_ROOT |
	    CMD_OPT_JOBS | CMD_OPT_TIMEOUT,
	.exec = cmd_why_exec,
};
