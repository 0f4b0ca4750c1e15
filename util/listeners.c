/*
 * listeners.c: listening TCP sockets and their owners (see listeners.h).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "exec.h"
#include "listeners.h"
#include "util.h"

#define LISTENERS_FILE_CAP	(8 * 1024 * 1024)

static struct listener *
listeners_add(struct listeners *l)
{
	struct listener	*x;

	if (l->count >= LISTENERS_MAX) {
		l->dropped++;
		return NULL;
	}
	if (l->count == l->alloc) {
		l->alloc = l->alloc ? l->alloc * 2 : 16;
		l->items = xreallocarray(l->items, l->alloc, sizeof *l->items);
	}
	x = &l->items[l->count++];
	memset(x, 0, sizeof *x);
	x->pid = -1;
	x->uid = -1;
	return x;
}

/* "0100007F" (v4) or 32 hex digits (v6), words in host order, as text. */
static int
proc_addr(const char *hex, size_t n, int v6, char *out, size_t outlen)
{
	unsigned char	 bytes[16];
	uint32_t	 w;
	size_t		 i, words = v6 ? 4 : 1;
	char		 part[9];
	int		 any = 1;

	if (n != words * 8)
		return -1;
	for (i = 0; i < words; i++) {
		memcpy(part, hex + i * 8, 8);
		part[8] = '\0';
		if (strspn(part, "0123456789abcdefABCDEF") != 8)
			return -1;
		w = (uint32_t)strtoul(part, NULL, 16);
		memcpy(bytes + i * 4, &w, 4);	/* the kernel printed it in host order */
	}
	for (i = 0; i < words * 4; i++)
		if (bytes[i] != 0)
			any = 0;
	if (any) {
		snprintf(out, outlen, "*");
		return 0;
	}
	if (inet_ntop(v6 ? AF_INET6 : AF_INET, bytes, out, (socklen_t)outlen) == NULL)
		return -1;
	return 0;
}

/*
 * The line of text starting at p, copied into line (size bytes); a line
 * that does not fit is given as "" (it belongs to no table read here).
 * Returns the end of the line (its '\n', or end).
 */
static const char *
listeners_line(const char *p, const char *end, char *line, size_t size)
{
	const char	*nl = memchr(p, '\n', (size_t)(end - p));
	size_t		 n;

	if (nl == NULL)
		nl = end;
	n = (size_t)(nl - p);
	if (n >= size)
		n = 0;
	memcpy(line, p, n);
	line[n] = '\0';
	return nl;
}

int
listeners_parse_proc(struct listeners *l, const char *text, size_t len, int v6)
{
	const char	*p = text, *end = text + len, *nl;
	char		 line[512], local[80], st[8], *colon;
	unsigned long	 inode;
	long		 uid;
	int		 added = 0;
	struct listener	*x;
	char		 addr[48];
	unsigned long	 port;

	for (; p < end; p = nl + 1) {
		nl = listeners_line(p, end, line, sizeof line);
		if (line[0] == '\0')
			continue;	/* empty, or too long for a line of this table */
		/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
		if (sscanf(line, " %*[0-9]: %79s %*s %7s %*s %*s %*s %ld %*s %lu",
		    local, st, &uid, &inode) != 4)
			continue;
		if (strcmp(st, "0A") != 0)	/* TCP_LISTEN */
			continue;
		if ((colon = strchr(local, ':')) == NULL)
			continue;
		if (proc_addr(local, (size_t)(colon - local), v6, addr, sizeof addr) != 0)
			continue;
		if (strspn(colon + 1, "0123456789abcdefABCDEF") != strlen(colon + 1) ||
		    strlen(colon + 1) != 4)
			continue;
		port = strtoul(colon + 1, NULL, 16);
		if ((x = listeners_add(l)) == NULL)
			continue;
		x->port = (int)port;
		snprintf(x->addr, sizeof x->addr, "%s", addr);
		x->uid = uid;
		x->inode = inode;
		added++;
	}
	return added;
}

static struct listener *
find_inode(struct listeners *l, unsigned long inode)
{
	size_t	i;

	for (i = 0; i < l->count; i++)
		if (l->items[i].inode == inode && l->items[i].pid == -1)
			return &l->items[i];
	return NULL;
}

void
listeners_owners_proc(struct listeners *l, const char *proc_root)
{
	DIR		*d, *fd;
	struct dirent	*e, *f;
	char		 path[512], link[128], comm[64];
	ssize_t		 n;
	size_t		 procs = 0, left = 0, i;
	unsigned long	 inode;
	struct listener	*x;
	FILE		*cf;

	for (i = 0; i < l->count; i++)
		if (l->items[i].inode != 0 && l->items[i].pid == -1)
			left++;
	if (left == 0 || (d = opendir(proc_root)) == NULL)
		return;
	while (left > 0 && (e = readdir(d)) != NULL && procs++ < LISTENERS_MAX_PROCS) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		if (snprintf(path, sizeof path, "%s/%s/fd", proc_root,
		    e->d_name) >= (int)sizeof path)
			continue;
		if ((fd = opendir(path)) == NULL)
			continue;	/* another user's process: owner stays unknown */
		comm[0] = '\0';
		while ((f = readdir(fd)) != NULL) {
			if (f->d_name[0] == '.')
				continue;
			if (snprintf(path, sizeof path, "%s/%s/fd/%s", proc_root,
			    e->d_name, f->d_name) >= (int)sizeof path)
				continue;
			if ((n = readlink(path, link, sizeof link - 1)) <= 0)
				continue;
			link[n] = '\0';
			if (sscanf(link, "socket:[%lu]", &inode) != 1)
				continue;
			while ((x = find_inode(l, inode)) != NULL) {
				if (comm[0] == '\0') {
					if (snprintf(path, sizeof path, "%s/%s/comm",
					    proc_root, e->d_name) < (int)sizeof path &&
					    (cf = fopen(path, "r")) != NULL) {
						if (fgets(comm, sizeof comm, cf) == NULL)
							comm[0] = '\0';
						fclose(cf);
					}
					comm[strcspn(comm, "\n")] = '\0';
				}
				x->pid = strtol(e->d_name, NULL, 10);
				snprintf(x->comm, sizeof x->comm, "%s", comm);
				left--;
			}
		}
		closedir(fd);
	}
	closedir(d);
}

int
listeners_cgroup_unit(const char *text, char *unit, size_t size)
{
	const char	*line, *end, *start, *p, *q;
	size_t		 n;
	int		 found = -1;

	for (line = text; *line != '\0'; line = *end != '\0' ? end + 1 : end) {
		end = line + strcspn(line, "\n");
		/* hierarchy-ID:controllers:path; the path is after the second colon. */
		if ((p = memchr(line, ':', (size_t)(end - line))) == NULL ||
		    (p = memchr(p + 1, ':', (size_t)(end - p - 1))) == NULL)
			continue;
		for (start = p + 1; start < end; start = q + 1) {
			q = memchr(start, '/', (size_t)(end - start));
			if (q == NULL)
				q = end;
			n = (size_t)(q - start);
			if ((n > 8 && memcmp(q - 8, ".service", 8) == 0) ||
			    (n > 6 && memcmp(q - 6, ".scope", 6) == 0)) {
				if (n < size) {
					memcpy(unit, start, n);
					unit[n] = '\0';
					found = 0;
				}
			}
			if (q == end)
				break;
		}
		if (found == 0)
			return 0;
	}
	return -1;
}

int
listeners_unit(const char *proc_root, long pid, char *unit, size_t size, char **cause)
{
	char	 path[256], text[4096];
	size_t	 n;
	FILE	*f;

	snprintf(path, sizeof path, "%s/%ld/cgroup", proc_root, pid);
	if ((f = fopen(path, "r")) == NULL) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[n] = '\0';
	if (listeners_cgroup_unit(text, unit, size) != 0) {
		text[strcspn(text, "\n")] = '\0';
		*cause = xasprintf("in no systemd unit (cgroup %s)", text);
		return -1;
	}
	return 0;
}

/* "127.0.0.1:6379", "*:8080", "[::1]:3000" (lsof's NAME column). */
static int
lsof_name(const char *name, char *addr, size_t addrlen, int *port)
{
	const char	*colon = strrchr(name, ':');
	char		*endp;
	long		 v;
	size_t		 n;

	if (colon == NULL)
		return -1;
	v = strtol(colon + 1, &endp, 10);
	if (endp == colon + 1 || *endp != '\0' || v <= 0 || v > 65535)
		return -1;
	n = (size_t)(colon - name);
	if (n >= 2 && name[0] == '[' && name[n - 1] == ']') {
		name++;
		n -= 2;
	}
	if (n == 0 || n >= addrlen)
		return -1;
	memcpy(addr, name, n);
	addr[n] = '\0';
	if (strcmp(addr, "0.0.0.0") == 0 || strcmp(addr, "::") == 0)
		snprintf(addr, addrlen, "*");
	*port = (int)v;
	return 0;
}

int
listeners_parse_lsof(struct listeners *l, const char *text, size_t len, char **cause)
{
	const char	*p = text, *end = text + len, *nl;
	char		 line[1024], *tok[16], *save, *t;
	int		 header = 0, ntok, port;
	struct listener	*x;
	char		 addr[48];

	for (; p < end; p = nl + 1) {
		nl = listeners_line(p, end, line, sizeof line);
		if (line[0] == '\0')
			continue;	/* empty, or too long to be lsof's */
		ntok = 0;
		for (t = strtok_r(line, " \t", &save); t != NULL && ntok < 16;
		    t = strtok_r(NULL, " \t", &save))
			tok[ntok++] = t;
		if (ntok == 0)
			continue;
		if (!header) {
			if (strcmp(tok[0], "COMMAND") != 0 || ntok < 2 ||
			    strcmp(tok[1], "PID") != 0) {
				*cause = xstrdup("lsof output: no COMMAND PID header");
				return -1;
			}
			header = 1;
			continue;
		}
		/* COMMAND PID USER FD TYPE DEVICE SIZE/OFF NODE NAME [(LISTEN)] */
		if (ntok < 9 || strcmp(tok[7], "TCP") != 0)
			continue;
		if (lsof_name(tok[8], addr, sizeof addr, &port) != 0)
			continue;
		if ((x = listeners_add(l)) == NULL)
			continue;
		x->port = port;
		snprintf(x->addr, sizeof x->addr, "%s", addr);
		x->pid = strtol(tok[1], NULL, 10);
		snprintf(x->comm, sizeof x->comm, "%s", tok[0]);
		snprintf(x->user, sizeof x->user, "%s", tok[2]);
	}
	if (!header) {
		*cause = xstrdup("lsof output: empty");
		return -1;
	}
	return 0;
}

static int
cmp_listener(const void *a, const void *b)
{
	const struct listener	*x = a, *y = b;

	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return strcmp(x->addr, y->addr);
}

void
listeners_sort(struct listeners *l)
{
	size_t	i, o = 0;

	if (l->count == 0)
		return;
	qsort(l->items, l->count, sizeof *l->items, cmp_listener);
	for (i = 1; i < l->count; i++) {
		if (cmp_listener(&l->items[i], &l->items[o]) == 0)
			continue;
		l->items[++o] = l->items[i];
	}
	l->count = o + 1;
}

int
listeners_read(struct listeners *l, const char *lsof, int timeout_ms, char **cause)
{
	struct buf	 b;
	const char	*files[] = { "/proc/net/tcp", "/proc/net/tcp6" };
	size_t		 i;
	char		*why = NULL;
	int		 got = 0;

	if (lsof != NULL) {
		char *const argv[] = { (char *)lsof, "-iTCP", "-sTCP:LISTEN", "-n", "-P",
		    NULL };
		struct exec_job job = { .argv = argv, .timeout_ms = timeout_ms };
		int rc;

		exec_run(&job);
		if (!job.started || !job.exited || job.exit_code > 1) {
			char *d = exec_describe(&job);

			*cause = xasprintf("%s: %s", lsof, d);
			free(d);
			exec_job_free(&job);
			return -1;
		}
		/* lsof exits 1 when nothing matched: an empty table, not an error. */
		if (job.out.len == 0) {
			exec_job_free(&job);
			return 0;
		}
		rc = listeners_parse_lsof(l, job.out.data, job.out.len, cause);
		exec_job_free(&job);
		if (rc == 0)
			listeners_sort(l);
		return rc;
	}
	for (i = 0; i < 2; i++) {
		buf_init(&b, LISTENERS_FILE_CAP);
		if (buf_read_file(&b, files[i], &why) == 0) {
			listeners_parse_proc(l, buf_str(&b), b.len, (int)i);
			got++;
		} else {
			free(why);
			why = NULL;
		}
		buf_free(&b);
	}
	if (got == 0) {
		*cause = xstrdup("/proc/net/tcp: cannot read (not Linux? set TOPO_LSOF)");
		return -1;
	}
	listeners_owners_proc(l, "/proc");
	listeners_sort(l);
	return 0;
}

const char *
listeners_lsof(void)
{
	const char	*lsof = getenv("TOPO_LSOF");

	if (lsof != NULL && *lsof != '\0')
		return lsof;
	return access("/proc/net/tcp", R_OK) == 0 ? NULL : "lsof";
}

const struct listener *
listeners_find(const struct listeners *l, int port)
{
	size_t	i;

	for (i = 0; i < l->count; i++)
		if (l->items[i].port == port)
			return &l->items[i];
	return NULL;
}

void
listeners_free(struct listeners *l)
{
	free(l->items);
	memset(l, 0, sizeof *l);
}
