/*
 * textfile.c: reading repository files for the static probes (textfile.h).
 */
#include "textfile.h"

#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../topology/node.h"
#include "../topology/topology.h"
#include "../util/util.h"

/* Dangling symbolic links followed in one path, at most: the kernel's limit. */
#define TEXTFILE_MAX_LINKS	40

char *
textfile_resolve(const char *topology_path, const char *path)
{
	const char	*slash;

	if (path[0] == '/' || topology_path == NULL ||
	    (slash = strrchr(topology_path, '/')) == NULL)
		return xstrdup(path);
	return xasprintf("%.*s/%s", (int)(slash - topology_path), topology_path,
	    path);
}

char *
textfile_resolve_at(const struct topology *t, const struct node *declared,
    const char *path)
{
	if (declared != NULL && declared->file != NULL && declared->file[0] != '\0')
		return textfile_resolve(declared->file, path);
	return textfile_resolve(t != NULL ? t->path : NULL, path);
}

/*
 * path (absolute) with "." and ".." applied and slashes folded, without
 * looking at the disk: for what lies below the nearest existing parent,
 * where the kernel would fail on the first missing component anyway.
 */
static char *
textfile_lexical(const char *path)
{
	const char	*p = path, *end;
	char		*out, *o;
	size_t		 n;

	o = out = xmalloc(strlen(path) + 2);
	while (*p != '\0') {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		end = p + strcspn(p, "/");
		n = (size_t)(end - p);
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			while (o > out && *--o != '/')
				;
		} else if (n != 1 || p[0] != '.') {
			*o++ = '/';
			memcpy(o, p, n);
			o += n;
		}
		p = end;
	}
	if (o == out)
		*o++ = '/';
	*o = '\0';
	return out;
}

/*
 * Where path (absolute) leads: its realpath when it exists; else its nearest
 * existing parent's realpath with the rest applied lexically, except that a
 * dangling link just below that parent is followed to where it points (so
 * that it is judged by its target, like a link that resolves). NULL past
 * TEXTFILE_MAX_LINKS links.
 */
static char *
textfile_locate(const char *path)
{
	struct stat	 st;
	char		 target[PATH_MAX];
	char		*current, *rest, *base, *cut, *link, *next, *out = NULL;
	const char	*parent;
	ssize_t		 len;
	size_t		 n;
	int		 hops = 0;

	current = xstrdup(path);
	for (;;) {
		rest = xstrdup("");
		while ((base = realpath(current, NULL)) == NULL) {
			if (strcmp(current, "/") == 0) {
				base = xstrdup("/");
				break;
			}
			cut = strrchr(current, '/');
			next = rest[0] != '\0' ? xasprintf("%s/%s", cut + 1, rest) :
			    xstrdup(cut + 1);
			free(rest);
			rest = next;
			cut[cut == current ? 1 : 0] = '\0';
		}
		free(current);
		current = NULL;
		if (rest[0] == '\0') {
			out = base;
			free(rest);
			break;
		}
		parent = strcmp(base, "/") == 0 ? "" : base;
		n = strcspn(rest, "/");
		link = xasprintf("%s/%.*s", parent, (int)n, rest);
		len = -1;
		if (lstat(link, &st) == 0 && S_ISLNK(st.st_mode))
			len = readlink(link, target, sizeof target - 1);
		free(link);
		if (len > 0 && hops++ >= TEXTFILE_MAX_LINKS) {
			free(base);
			free(rest);
			break;
		}
		if (len > 0) {
			target[len] = '\0';
			current = target[0] == '/' ?
			    xasprintf("%s%s", target, rest + n) :
			    xasprintf("%s/%s%s", parent, target, rest + n);
			free(base);
			free(rest);
			continue;
		}
		next = xasprintf("%s/%s", parent, rest);
		out = textfile_lexical(next);
		free(next);
		free(base);
		free(rest);
		break;
	}
	return out;
}

int
textfile_allowed(const char *root, const char *path, char **resolved,
    char **cause)
{
	char	 cwd[PATH_MAX];
	char	*absolute = NULL, *real = NULL;
	size_t	 n;
	int	 rc = -1;

	*resolved = NULL;
	if (root == NULL) {
		*resolved = xstrdup(path);
		return 0;
	}
	if (path[0] == '/')
		absolute = xstrdup(path);
	else if (getcwd(cwd, sizeof cwd) != NULL)
		absolute = xasprintf("%s/%s", cwd, path);
	else {
		*cause = xasprintf("path %s: cannot tell where it is (%s), so it "
		    "is not read (--root)", path, strerror(errno));
		return -1;
	}
	real = textfile_locate(absolute);
	for (n = strlen(root); n > 1 && root[n - 1] == '/'; n--)
		;
	if (real != NULL && ((n == 1 && root[0] == '/') ||
	    (strncmp(real, root, n) == 0 && (real[n] == '\0' || real[n] == '/')))) {
		*resolved = real;
		real = NULL;
		rc = 0;
	} else
		*cause = xasprintf("path %s is outside the root %.*s (--root)", path,
		    (int)n, root);
	free(absolute);
	free(real);
	return rc;
}

int
textfile_read(const char *root, const char *path, struct buf *b, char **cause)
{
	char	*why = NULL, *real = NULL;

	buf_init(b, TEXTFILE_MAX_BYTES);
	if (textfile_allowed(root, path, &real, cause) != 0)
		return -1;
	if (buf_read_regular(b, real, &why) == 0 && !b->toobig) {
		free(real);
		return 0;
	}
	if (b->toobig) {
		*cause = xasprintf("%s is larger than %d MiB: not read", path,
		    TEXTFILE_MAX_BYTES / (1024 * 1024));
		free(why);
	} else
		*cause = why;
	free(real);
	buf_free(b);
	return -1;
}

int
textfile_line(const char *text, size_t len, size_t offset)
{
	const char	*p = text, *end, *nl;
	int		 line = 1;

	end = text + (offset < len ? offset : len);
	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		line++;
		p = nl + 1;
	}
	return line;
}

char *
textfile_excerpt(const char *text, size_t len, size_t offset)
{
	const char	*start, *end, *nl;
	char		*out;
	size_t		 n, i;

	if (offset > len)
		offset = len;
	/* The line's start: the byte after the last '\n' before offset. */
	for (start = text + offset; start > text && start[-1] != '\n'; start--) {
		if ((size_t)(text + offset - start) >= TEXTFILE_EXCERPT / 2)
			break;
	}
	nl = memchr(text + offset, '\n', len - offset);
	end = nl != NULL ? nl : text + len;
	if ((size_t)(end - start) > TEXTFILE_EXCERPT)
		end = start + TEXTFILE_EXCERPT;
	while (start < end && (*start == ' ' || *start == '\t'))
		start++;
	while (end > start && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\r'))
		end--;
	n = (size_t)(end - start);
	out = xmalloc(n + 1);
	for (i = 0; i < n; i++) {
		unsigned char	ch = (unsigned char)start[i];

		out[i] = (ch < 0x20 && ch != '\t') || ch == 0x7f ? '?' : (char)ch;
	}
	out[n] = '\0';
	return out;
}

const char *
textfile_stable_path(const char *raw)
{
	const char	*p = raw, *close;

	if (p[0] == '~' && p[1] == '/')
		p += 2;
	else if (p[0] == '$' && p[1] == '{' && (close = strchr(p, '}')) != NULL &&
	    close[1] == '/')
		p = close + 2;
	else
		return raw;
	while (*p == '/')
		p++;
	return *p != '\0' ? p : raw;
}
