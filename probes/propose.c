/*
 * propose.c: a proposed topology from a checkout or from this machine
 * (see propose.h). It reuses the probes' parsers: k8s-parse (manifests),
 * launchd-parse (plists), caddyfile (Caddyfile).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../util/listeners.h"
#include "../util/util.h"
#include "caddyfile.h"
#include "k8s-parse.h"
#include "launchd-parse.h"
#include "propose.h"

#define PROPOSE_FILE_CAP	(4 * 1024 * 1024)
#define PROPOSE_MAX_FILES	2000

void
propose_quote(struct buf *b, const char *s)
{
	const unsigned char	*p;

	buf_puts(b, "\"");
	for (p = (const unsigned char *)(s ? s : ""); *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			buf_printf(b, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			buf_printf(b, "\\x%02x", *p);
		else
			buf_append(b, p, 1);
	}
	buf_puts(b, "\"");
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Files in dir (not recursive) ending in suffix, sorted. */
static size_t
list_dir(const char *dir, const char *suffix, char ***out)
{
	DIR		*d;
	struct dirent	*e;
	size_t		 n = 0, sl = strlen(suffix), l;
	char		**v = NULL;

	*out = NULL;
	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL && n < PROPOSE_MAX_FILES) {
		l = strlen(e->d_name);
		if (e->d_name[0] == '.' || l <= sl || strcmp(e->d_name + l - sl, suffix) != 0)
			continue;
		v = xreallocarray(v, n + 1, sizeof *v);
		v[n++] = xasprintf("%s/%s", dir, e->d_name);
	}
	closedir(d);
	if (n > 0)
		qsort(v, n, sizeof *v, cmp_str);
	*out = v;
	return n;
}

static void
free_list(char **v, size_t n)
{
	while (n > 0)
		free(v[--n]);
	free(v);
}

static void
propose_launchd(struct buf *b, const char *repo)
{
	char			*dir = xasprintf("%s/infra/launchd", repo), **files, *cause;
	size_t			 n, i;
	struct buf		 f;
	struct launchd_plist	 p;

	n = list_dir(dir, ".plist", &files);
	if (n > 0) {
		buf_puts(b, "\n# launchd: the repository's plists. The states are guesses:\n"
		    "# confirm them with `topo check --layer live`.\nlaunchd:\n"
		    "  plists: ${REPO}/infra/launchd\n  jobs:\n");
		for (i = 0; i < n; i++) {
			buf_init(&f, PROPOSE_FILE_CAP);
			cause = NULL;
			memset(&p, 0, sizeof p);
			if (buf_read_file(&f, files[i], &cause) != 0 ||
			    launchd_plist_parse(buf_str(&f), f.len, &p, &cause) != 0 ||
			    p.label == NULL) {
				buf_printf(b, "    # %s: not read (", strrchr(files[i], '/') + 1);
				buf_puts(b, cause ? "unparsable" : "no Label");
				buf_puts(b, ")\n");
			} else {
				buf_puts(b, "    - label: ");
				propose_quote(b, p.label);
				buf_puts(b, p.interval ? "\n      state: scheduled\n" :
				    "\n      state: running\n");
				if (p.program) {
					buf_puts(b, "      program: ");
					propose_quote(b, p.program);
					buf_puts(b, "\n");
				}
				if (p.keep_alive && strcmp(p.keep_alive, "conditions") != 0)
					buf_printf(b, "      keep_alive: %s\n",
					    strcmp(p.keep_alive, "true") == 0 ? "true" : "false");
				if (p.run_at_load)
					buf_printf(b, "      run_at_load: %s\n",
					    strcmp(p.run_at_load, "true") == 0 ? "true" : "false");
				if (p.interval) {
					buf_puts(b, "      interval: ");
					propose_quote(b, p.interval);
					buf_puts(b, "\n");
				}
			}
			free(cause);
			launchd_plist_free(&p);
			buf_free(&f);
		}
	}
	free_list(files, n);
	free(dir);
}

static int
ns_cmp(const void *a, const void *b)
{
	const struct k8s_object	*x = a, *y = b;
	int			 c = strcmp(x->ns ? x->ns : "", y->ns ? y->ns : "");

	return c ? c : strcmp(x->name ? x->name : "", y->name ? y->name : "");
}

static void
propose_k8s(struct buf *b, const char *repo)
{
	char			*dir = xasprintf("%s/k8s", repo), **files, *cause;
	size_t			 n, i, j, k;
	struct buf		 f;
	struct k8s_objects	 all = { 0 }, one;
	const char		*ns, *prev = NULL;
	struct k8s_object	*o;

	n = list_dir(dir, ".yaml", &files);
	for (i = 0; i < n; i++) {
		buf_init(&f, PROPOSE_FILE_CAP);
		cause = NULL;
		memset(&one, 0, sizeof one);
		if (buf_read_file(&f, files[i], &cause) == 0 &&
		    k8s_objects_from_yaml(&one, buf_str(&f), f.len, files[i], &cause) == 0) {
			all.items = xreallocarray(all.items, all.count + one.count,
			    sizeof *all.items);
			if (one.count > 0)
				memcpy(all.items + all.count, one.items,
				    one.count * sizeof *one.items);
			all.count += one.count;
			free(one.items);
		} else
			k8s_objects_free(&one);
		free(cause);
		buf_free(&f);
	}
	free_list(files, n);
	free(dir);
	if (all.count == 0)
		return;
	qsort(all.items, all.count, sizeof *all.items, ns_cmp);
	buf_puts(b, "\n# kubernetes: workloads and Services of the manifests in k8s/.\n"
	    "# Objects that Helm charts or operators create are not in manifests:\n"
	    "# add them by hand (managed_by) after `topo discover`.\n"
	    "kubernetes:\n  manifests: ${REPO}/k8s\n  namespaces:\n");
	for (i = 0; i < all.count; i = j) {
		ns = all.items[i].ns ? all.items[i].ns : "default";
		for (j = i; j < all.count && strcmp(all.items[j].ns ?
		    all.items[j].ns : "default", ns) == 0; j++)
			;
		if (prev == NULL || strcmp(prev, ns) != 0) {
			buf_puts(b, "    ");
			propose_quote(b, ns);
			buf_puts(b, ":\n      workloads:\n");
		}
		prev = ns;
		for (k = i; k < j; k++) {
			o = &all.items[k];
			if (!k8s_kind_is_workload(o->kind))
				continue;
			buf_puts(b, "        - ");
			{
				char *s = xasprintf("%s/%s", o->kind, o->name);
				propose_quote(b, s);
				free(s);
			}
			buf_puts(b, "\n");
		}
		buf_puts(b, "      services:\n");
		for (k = i; k < j; k++) {
			size_t p;

			o = &all.items[k];
			if (o->kind == NULL || strcmp(o->kind, "Service") != 0)
				continue;
			buf_puts(b, "        - name: ");
			propose_quote(b, o->name);
			buf_puts(b, "\n          type: ");
			propose_quote(b, o->service_type ? o->service_type : "ClusterIP");
			buf_puts(b, "\n          ports: [");
			for (p = 0; p < o->nports; p++) {
				if (o->ports[p].node_port >= 0)
					buf_printf(b, "%s{port: %lld, node_port: %lld}",
					    p ? ", " : "", o->ports[p].port,
					    o->ports[p].node_port);
				else
					buf_printf(b, "%s%lld", p ? ", " : "", o->ports[p].port);
			}
			buf_puts(b, "]\n");
		}
	}
	k8s_objects_free(&all);
}

static void
propose_caddy(struct buf *b, const char *repo)
{
	const char		*cands[] = { "infra/caddy/Caddyfile", "Caddyfile",
	    "caddy/Caddyfile" };
	size_t			 i, r;
	char			*path, *cause = NULL;
	struct caddy_routes	 routes;

	for (i = 0; i < sizeof cands / sizeof cands[0]; i++) {
		path = xasprintf("%s/%s", repo, cands[i]);
		memset(&routes, 0, sizeof routes);
		if (caddyfile_load(path, repo, &routes, &cause) == 0) {
			buf_printf(b, "\n# caddy: the sites and upstreams of %s.\ncaddy:\n"
			    "  caddyfile: ${REPO}/%s\n  routes:\n", cands[i], cands[i]);
			for (r = 0; r < routes.count; r++) {
				buf_puts(b, "    - {site: ");
				propose_quote(b, routes.items[r].site);
				if (routes.items[r].path && routes.items[r].path[0]) {
					buf_puts(b, ", path: ");
					propose_quote(b, routes.items[r].path);
				}
				buf_puts(b, ", to: ");
				propose_quote(b, routes.items[r].upstream);
				buf_puts(b, "}\n");
			}
			caddyfile_routes_free(&routes);
			free(path);
			return;
		}
		free(cause);
		cause = NULL;
		caddyfile_routes_free(&routes);
		free(path);
	}
}

static void
propose_docs(struct buf *b, const char *repo)
{
	const char	*cands[] = { "README.md", "AGENTS.md", "SYSTEM.md",
	    "docs/system-architecture.md", "ARCHITECTURE.md" };
	size_t		 i, n = 0;
	struct stat	 st;
	char		*p;

	for (i = 0; i < sizeof cands / sizeof cands[0]; i++) {
		p = xasprintf("%s/%s", repo, cands[i]);
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
			if (n++ == 0)
				buf_puts(b, "\n# files: the documents the checkout has.\nfiles:\n");
			buf_puts(b, "  - ");
			{
				char *s = xasprintf("${REPO}/%s", cands[i]);
				propose_quote(b, s);
				free(s);
			}
			buf_puts(b, "\n");
		}
		free(p);
	}
}

int
propose_repo(struct buf *b, const char *repo, char **cause)
{
	struct stat	 st;
	const char	*base;

	if (stat(repo, &st) != 0 || !S_ISDIR(st.st_mode)) {
		*cause = xasprintf("%s: not a folder", repo);
		return -1;
	}
	base = strrchr(repo, '/');
	base = base && base[1] ? base + 1 : repo;
	buf_puts(b, "# Proposed by `topo init`: what the checkout declares. Review it,\n"
	    "# then `topo check --layer static --set REPO=...`.\nversion: 1\nsystem: ");
	propose_quote(b, base);
	buf_puts(b, "\nvars:\n  REPO: ");
	propose_quote(b, repo);
	buf_puts(b, "\n");
	propose_launchd(b, repo);
	propose_k8s(b, repo);
	propose_caddy(b, repo);
	propose_docs(b, repo);
	return 0;
}

/*
 * The host: a port check must connect to for listener i, NULL for the
 * default (127.0.0.1): a listener on every address ("*", 0.0.0.0, ::) or
 * on 127.0.0.1 needs none; one on a single other address needs it. The
 * port's other listeners (v4 and v6) are looked at too.
 */
const char *
propose_host(const struct listeners *l, size_t i)
{
	size_t		 j;
	const char	*a, *only = NULL;

	for (j = i; j < l->count && l->items[j].port == l->items[i].port; j++) {
		a = l->items[j].addr;
		if (strcmp(a, "*") == 0 || strcmp(a, "0.0.0.0") == 0 ||
		    strcmp(a, "::") == 0 || strcmp(a, "127.0.0.1") == 0)
			return NULL;
		if (only == NULL)
			only = a;
	}
	return only;
}

int
propose_live(struct buf *b, const struct listeners *l, const unsigned char *healthy)
{
	const char	*host;
	size_t		 i, nhealthy = 0;
	char		*s;

	buf_puts(b, "# Proposed by `topo discover`: what listens on this machine now.\n"
	    "version: 1\nsystem: \"discovered\"\n");
	if (l->count == 0)
		return 0;
	buf_puts(b, "\nports:\n");
	for (i = 0; i < l->count; i++) {
		if (i > 0 && l->items[i].port == l->items[i - 1].port)
			continue;
		buf_printf(b, "  - port: %d\n    owner: ", l->items[i].port);
		if (l->items[i].pid >= 0)
			s = xasprintf("%s (pid %ld)", l->items[i].comm, l->items[i].pid);
		else
			s = xasprintf("uid %ld", l->items[i].uid);
		propose_quote(b, s);
		free(s);
		buf_puts(b, "\n    what: ");
		s = xasprintf("listening on %s", l->items[i].addr);
		propose_quote(b, s);
		free(s);
		if ((host = propose_host(l, i)) != NULL) {
			buf_puts(b, "\n    host: ");
			propose_quote(b, host);
		}
		if (l->items[i].pid >= 0 && l->items[i].comm[0] != '\0') {
			buf_puts(b, "\n    process: ");
			propose_quote(b, l->items[i].comm);
		}
		buf_puts(b, "\n    expect: listening\n");
		if (healthy != NULL && healthy[i])
			nhealthy++;
	}
	if (nhealthy == 0)
		return 0;
	buf_puts(b, "\n# Answered GET /health with 200 when discovered (--live).\nhttp:\n");
	for (i = 0; i < l->count; i++) {
		if (!healthy[i] || (i > 0 && l->items[i].port == l->items[i - 1].port))
			continue;
		host = propose_host(l, i);
		buf_printf(b, "  - name: port-%d-health\n    url: ", l->items[i].port);
		s = strchr(host != NULL ? host : "", ':') != NULL ?
		    xasprintf("http://[%s]:%d/health", host, l->items[i].port) :
		    xasprintf("http://%s:%d/health", host != NULL ? host : "127.0.0.1",
		    l->items[i].port);
		propose_quote(b, s);
		free(s);
		buf_puts(b, "\n    expect: {status: 200}\n");
	}
	return 0;
}

/* 1 when text has a line starting with "key:" (a top-level key). */
static int
has_top_key(const char *text, const char *key, size_t klen)
{
	const char	*p = text;

	while (p && *p) {
		if (strncmp(p, key, klen) == 0 && p[klen] == ':')
			return 1;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}

void
propose_merge(struct buf *out, const char *original, const char *proposed)
{
	const char	*p = proposed, *start, *next;
	size_t		 klen, olen = strlen(original);

	buf_puts(out, original);
	if (olen > 0 && original[olen - 1] != '\n')
		buf_puts(out, "\n");
	while (*p) {
		start = p;
		next = strchr(p, '\n');
		if (p[0] >= 'a' && p[0] <= 'z' && (klen = strcspn(p, ":\n")) > 0 &&
		    p[klen] == ':') {
			/* the section: this line and the indented or comment lines after it */
			const char *e = next ? next + 1 : p + strlen(p);

			while (*e == ' ' || *e == '\n') {
				const char *n2 = strchr(e, '\n');
				e = n2 ? n2 + 1 : e + strlen(e);
			}
			if (!has_top_key(original, p, klen) &&
			    strncmp(p, "version", klen) != 0 && strncmp(p, "system", klen) != 0) {
				buf_puts(out, "\n");
				buf_append(out, start, (size_t)(e - start));
			}
			p = e;
			continue;
		}
		p = next ? next + 1 : p + strlen(p);
	}
}

size_t
propose_systemd(struct buf *b, const char *text)
{
	const char	*line, *end;
	char		 unit[256];
	size_t		 n = 0, len;

	for (line = text; line != NULL && *line != '\0'; line = *end != '\0' ? end + 1 : NULL) {
		end = line + strcspn(line, "\n");
		line += strspn(line, " \t");
		/* "UNIT LOAD ACTIVE SUB DESCRIPTION": the first word, a service. */
		len = strcspn(line, " \t\n");
		if (len == 0 || len >= sizeof unit || len < 9 ||
		    strncmp(line + len - 8, ".service", 8) != 0 ||
		    strspn(line, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789:-_.@\\") < len)
			continue;
		memcpy(unit, line, len);
		unit[len] = '\0';
		if (n++ == 0)
			buf_puts(b, "\n# Running when discovered (systemctl list-units).\n"
			    "systemd:\n  units:\n");
		buf_puts(b, "    - unit: ");
		propose_quote(b, unit);
		buf_puts(b, "\n      state: running\n");
	}
	return n;
}

size_t
propose_launchd_running(struct buf *b, const char *domain, const char *text, size_t len)
{
	struct launchd_domain_entry	*jobs = NULL;
	size_t				 i, n, kept = 0;

	n = launchd_domain_parse(text, len, &jobs);
	for (i = 0; i < n; i++) {
		if (jobs[i].label == NULL || strncmp(jobs[i].label, "com.apple.", 10) == 0 ||
		    jobs[i].pid == NULL || strcmp(jobs[i].pid, "-") == 0 ||
		    strcmp(jobs[i].pid, "0") == 0)
			continue;
		if (kept++ == 0) {
			buf_puts(b, "\n# Running when discovered (launchctl print).\nlaunchd:\n  domain: ");
			propose_quote(b, domain);
			buf_puts(b, "\n  jobs:\n");
		}
		buf_puts(b, "    - label: ");
		propose_quote(b, jobs[i].label);
		buf_puts(b, "\n      state: running\n");
	}
	launchd_domain_free(jobs, n);
	return kept;
}
