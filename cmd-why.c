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
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "probes/events.h"
#include "probes/probe.h"
#include "probes/sched.h"
#include "topology/causes.h"
#include "topology/plan.h"
#include "topology/topology.h"
#include "util/buf.h"
#include "util/listeners.h"
#include "util/url.h"
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

static void	why_event_live(struct why_context *, const char *, cJSON *);

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
	if (w->args->live)
		why_event_live(w, name, out);
	return 0;
}

/* ---- --live: what the running Inngest server says ---- */

#define WHY_GQL_MAX	(8 * 1024 * 1024)	/* an answer larger is refused */
#define WHY_WINDOW_H	24			/* hours of runs and events read */
#define WHY_FIRST	200			/* runs and events asked for */

static size_t
why_gql_write(char *p, size_t size, size_t n, void *arg)
{
	struct buf	*b = arg;

	if (b->len + size * n > WHY_GQL_MAX)
		return 0;	/* curl stops: CURLE_WRITE_ERROR */
	buf_append(b, p, size * n);
	return size * n;
}

/*
 * One GraphQL query to the events section's inngest: server, as the joelclaw
 * CLI asks (POST /v0/gql, {"query": ...}, no credentials). Its "data", or
 * NULL with out's "live" saying why (the URL shown without userinfo).
 */
static cJSON *
why_gql(struct why_context *w, const char *query, cJSON *out)
{
	const char		*base = events_inngest(w->events);
	struct curl_slist	*headers = NULL;
	struct buf		 body;
	CURL			*curl;
	CURLcode		 rc;
	cJSON			*req, *answer = NULL, *data = NULL, *errors, *m;
	char			*url, *shown, *post, *problem = NULL, *clean;
	size_t			 len;
	long			 status = 0;

	if (base == NULL) {
		cJSON_AddStringToObject(out, "live",
		    "the events section names no inngest: server to ask");
		return NULL;
	}
	for (len = strlen(base); len > 0 && base[len - 1] == '/'; len--)
		;
	url = xasprintf("%.*s/v0/gql", (int)len, base);
	shown = url_shown(url);
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "query", query);
	post = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	buf_init(&body, 0);
	if ((curl = curl_easy_init()) == NULL)
		util_fatal("curl_easy_init failed");
	headers = curl_slist_append(headers, "Content-Type: application/json");
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, post);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, why_gql_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)(w->args->timeout_ms > 0 ?
	    w->args->timeout_ms : PLAN_DEFAULT_TIMEOUT_MS));
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	rc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK)
		problem = xasprintf("POST %s: %s", shown, rc == CURLE_WRITE_ERROR ?
		    "an answer larger than 8 MiB, refused" : curl_easy_strerror(rc));
	else if (status != 200)
		problem = xasprintf("POST %s: HTTP %ld", shown, status);
	else if ((answer = cJSON_ParseWithLength(buf_str(&body), body.len)) == NULL)
		problem = xasprintf("POST %s: the answer is not JSON", shown);
	else if (cJSON_IsArray(errors = cJSON_GetObjectItemCaseSensitive(answer,
	    "errors")) && cJSON_GetArraySize(errors) > 0) {
		m = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(errors, 0),
		    "message");
		problem = xasprintf("POST %s: GraphQL error: %s", shown,
		    cJSON_IsString(m) ? m->valuestring : "?");
	} else if (!cJSON_IsObject(data = cJSON_DetachItemFromObjectCaseSensitive(
	    answer, "data"))) {
		problem = xasprintf("POST %s: no data in the answer", shown);
		cJSON_Delete(data);
		data = NULL;
	}
	if (problem != NULL) {
		clean = topology_redact(w->topology, problem);
		cJSON_AddStringToObject(out, "live", clean);
		free(clean);
		free(problem);
	}
	cJSON_Delete(answer);
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	buf_free(&body);
	free(post);
	free(shown);
	free(url);
	return data;
}

/* The ISO 8601 time WHY_WINDOW_H hours ago, as the CLI's filters take it. */
static void
why_window_from(char *out, size_t size)
{
	time_t		t = time(NULL) - WHY_WINDOW_H * 3600;
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *
why_json_str(const cJSON *o, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/*
 * The running function of the app named app whose slug is APP-ID (Inngest
 * composes a function's slug from its app id and its own id) or ID: its
 * functionID, as runs name it, or NULL. *napp gets the app's count.
 */
static const char *
why_running_function(const cJSON *apps, const char *app, const char *id,
    long *napp, int *app_found)
{
	const cJSON	*a, *f, *fns;
	const char	*slug, *name;
	size_t		 alen = strlen(app), ilen = strlen(id), slen;

	cJSON_ArrayForEach(a, apps) {
		if ((name = why_json_str(a, "name")) == NULL || strcmp(name, app) != 0)
			continue;
		*app_found = 1;
		fns = cJSON_GetObjectItemCaseSensitive(a, "functions");
		*napp = cJSON_GetArraySize(fns);
		cJSON_ArrayForEach(f, fns) {
			if ((slug = why_json_str(f, "slug")) == NULL)
				continue;
			slen = strlen(slug);
			if (strcmp(slug, id) == 0 || (slen == alen + 1 + ilen &&
			    strncmp(slug, app, alen) == 0 && slug[alen] == '-' &&
			    strcmp(slug + alen + 1, id) == 0))
				return why_json_str(f, "id");
		}
	}
	return NULL;
}

/*
 * What --live reads, in one query: the apps and their functions' slugs,
 * and the last WHY_WINDOW_H hours of runs (newest first) and events.
 */
static cJSON *
why_live_data(struct why_context *w, cJSON *out)
{
	char	 from[32], *query;
	cJSON	*data;

	why_window_from(from, sizeof from);
	query = xasprintf("{ apps { name functionCount functions { id slug name } } "
	    "runs(filter: { from: \"%s\" }, orderBy: [{ field: STARTED_AT, direction: DESC }], "
	    "first: %d) { edges { node { id status functionID startedAt endedAt } } } "
	    "eventsV2(first: %d, filter: { from: \"%s\", includeInternalEvents: false }) "
	    "{ edges { node { id name occurredAt } } } }", from, WHY_FIRST, WHY_FIRST, from);
	data = why_gql(w, query, out);
	free(query);
	return data;
}

/* The runs of functionID fid in data, newest first: their count. */
static size_t
why_runs_of(const cJSON *data, const char *fid, const char **latest,
    const char **latest_status)
{
	const cJSON	*e, *node;
	const char	*id;
	size_t		 n = 0;

	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(data, "runs"), "edges")) {
		node = cJSON_GetObjectItemCaseSensitive(e, "node");
		if ((id = why_json_str(node, "functionID")) == NULL || strcmp(id, fid) != 0)
			continue;
		if (n++ == 0 && latest != NULL) {
			*latest = why_json_str(node, "startedAt");
			*latest_status = why_json_str(node, "status");
		}
	}
	return n;
}

/*
 * --live for an event: did it arrive in the window, and did each function
 * it triggers run (or is it not registered on the running worker).
 */
static void
why_event_live(struct why_context *w, const char *name, cJSON *out)
{
	const struct events_function	*f;
	const struct events_site	*s;
	const cJSON			*e, *apps;
	cJSON				*data, *live, *fns, *o;
	const char			*fid, *ev, *latest = NULL;
	char				*text;
	size_t				 i, k, narrived = 0, nran = 0, nfns = 0;
	long				 napp;
	int				 app_found;

	if ((data = why_live_data(w, out)) == NULL)
		return;
	live = cJSON_AddObjectToObject(out, "live");
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(data, "eventsV2"), "edges")) {
		const cJSON *node = cJSON_GetObjectItemCaseSensitive(e, "node");

		if ((ev = why_json_str(node, "name")) == NULL || strcmp(ev, name) != 0)
			continue;
		if (narrived++ == 0)
			latest = why_json_str(node, "occurredAt");
	}
	cJSON_AddNumberToObject(live, "arrived", (double)narrived);
	fns = cJSON_AddArrayToObject(live, "functions");
	apps = cJSON_GetObjectItemCaseSensitive(data, "apps");
	for (i = 0; i < w->graph.nsites; i++) {
		s = &w->graph.sites[i];
		if (s->kind != EVENTS_TRIGGER || s->name == NULL ||
		    strcmp(s->name, name) != 0 || s->function < 0)
			continue;
		f = &w->graph.functions[s->function];
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", f->id != NULL ? f->id : "?");
		for (k = 0, fid = NULL; k < w->graph.nworkers && fid == NULL; k++) {
			if (f->registered[k] == 0 || w->graph.workers[k].app == NULL)
				continue;
			napp = 0;
			app_found = 0;
			fid = why_running_function(apps, w->graph.workers[k].app,
			    f->id != NULL ? f->id : "", &napp, &app_found);
			if (fid != NULL)
				cJSON_AddStringToObject(o, "running_in", w->graph.workers[k].app);
		}
		if (fid == NULL)
			cJSON_AddStringToObject(o, "runs", "not registered on the running worker");
		else {
			size_t n = why_runs_of(data, fid, NULL, NULL);

			cJSON_AddNumberToObject(o, "runs", (double)n);
			nran += n;
		}
		cJSON_AddItemToArray(fns, o);
		nfns++;
	}
	if (narrived == 0)
		text = xasprintf("not received in the last %d h: nothing it triggers "
		    "ran because of it", WHY_WINDOW_H);
	else
		text = xasprintf("arrived %zu time%s in the last %d h (the latest at %s); "
		    "the %zu function%s it triggers ran %zu time%s", narrived,
		    narrived == 1 ? "" : "s", WHY_WINDOW_H, latest != NULL ? latest : "?",
		    nfns, nfns == 1 ? "" : "s", nran, nran == 1 ? "" : "s");
	cJSON_AddStringToObject(live, "answer", text);
	free(text);
	cJSON_Delete(data);
}

/*
 * --live for a function: is it registered on the running worker, did it run
 * in the window, and when not, did any of its trigger events arrive.
 */
static void
why_function_live(struct why_context *w, const struct events_function *f,
    long k, cJSON *out)
{
	cJSON			*data, *apps, *events, *e, *live, *list;
	const char		*fid = NULL, *app, *status, *latest = NULL;
	const char		*latest_status = NULL;
	const struct events_site *s;
	char			*text;
	size_t			 i, nruns = 0, nevents = 0, ncron = 0, ntrig = 0;
	long			 napp = 0;
	int			 app_found = 0, registered_app = 0;

	if ((data = why_live_data(w, out)) == NULL)
		return;
	live = cJSON_AddObjectToObject(out, "live");
	apps = cJSON_GetObjectItemCaseSensitive(data, "apps");
	for (i = 0; i < w->graph.nworkers && fid == NULL; i++) {
		if (f->registered[i] == 0 || (app = w->graph.workers[i].app) == NULL)
			continue;
		registered_app = 1;
		fid = why_running_function(apps, app, f->id != NULL ? f->id : "",
		    &napp, &app_found);
		if (fid != NULL)
			cJSON_AddStringToObject(live, "running_in", app);
	}
	if (fid == NULL) {
		text = !registered_app ? xstrdup("no worker list with an app: registers it") :
		    !app_found ? xstrdup("not run because: its worker's app is not "
		    "registered on the running server") :
		    xasprintf("not run because: the running worker does not register "
		    "it (%ld functions there, no slug ending -%s)", napp,
		    f->id != NULL ? f->id : "?");
		cJSON_AddStringToObject(live, "answer", text);
		free(text);
		cJSON_Delete(data);
		return;
	}
	nruns = why_runs_of(data, fid, &latest, &latest_status);
	list = cJSON_AddArrayToObject(live, "trigger_events_received");
	events = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(data,
	    "eventsV2"), "edges");
	for (i = 0; i < w->graph.nsites; i++) {
		s = &w->graph.sites[i];
		if (s->function != k)
			continue;
		if (s->kind == EVENTS_CRON)
			ncron++;
		if (s->kind != EVENTS_TRIGGER || s->name == NULL)
			continue;
		ntrig++;
		cJSON_ArrayForEach(e, events) {
			status = why_json_str(cJSON_GetObjectItemCaseSensitive(e, "node"), "name");
			if (status != NULL && strcmp(status, s->name) == 0) {
				nevents++;
				cJSON_AddItemToArray(list, cJSON_CreateString(status));
			}
		}
	}
	cJSON_AddNumberToObject(live, "runs", (double)nruns);
	if (nruns > 0)
		text = xasprintf("ran %zu time%s in the last %d h; the latest %s, "
		    "started %s", nruns, nruns == 1 ? "" : "s", WHY_WINDOW_H,
		    latest_status != NULL ? latest_status : "?", latest != NULL ? latest : "?");
	else if (ntrig > 0 && nevents == 0)
		text = xasprintf("not run because: no event in the window (none of "
		    "its %zu trigger event%s arrived in the last %d h)%s", ntrig,
		    ntrig == 1 ? "" : "s", WHY_WINDOW_H, ncron > 0 ?
		    "; its cron did not fire either" : "");
	else if (nevents > 0)
		text = xasprintf("not run although %zu trigger event%s arrived in "
		    "the last %d h: look at the event's runs (joelclaw event ID)",
		    nevents, nevents == 1 ? "" : "s", WHY_WINDOW_H);
	else
		text = xasprintf("not run in the last %d h (cron only: not due, or "
		    "the server's cron is paused)", WHY_WINDOW_H);
	cJSON_AddStringToObject(live, "answer", text);
	free(text);
	cJSON_Delete(data);
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
	if (w->args->live)
		why_function_live(w, f, k, out);
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
				/* "launchd:LABEL" is the check launchd/LABEL. */
				if (strncmp(c->needs[k], "launchd:", 8) == 0 ||
				    strncmp(c->needs[k], "systemd:", 8) == 0) {
					char *id = xasprintf("%.7s/%s", c->needs[k],
					    c->needs[k] + 8);

					cJSON_AddStringToObject(o, "held_by", id);
					free(id);
				} else if (strncmp(c->needs[k], "id:k8s/", 7) == 0)
					cJSON_AddStringToObject(o, "behind", c->needs[k] + 3);
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
	.usage = "[-f FILE] [--format text|json] [--set VAR=VALUE] [--live] "
	    "port N | check ID | event NAME | function ID | NAME",
	.help = "Explain a port, a check, an event or a function: owners, routes, causes.",
	.options = CMD_OPT_FILE | CMD_OPT_FORMAT | CMD_OPT_SET | CMD_OPT_ROOT |
	    CMD_OPT_JOBS | CMD_OPT_TIMEOUT | CMD_OPT_LIVE,
	.exec = cmd_why_exec,
};
