/*
 * textfile.c: reading repository files for the static probes (textfile.h).
 */
#include "textfile.h"

#include <stdlib.h>
#include <string.h>

#include "../util/util.h"

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

int
textfile_read(const char *path, struct buf *b, char **cause)
{
	char	*why = NULL;

	buf_init(b, TEXTFILE_MAX_BYTES);
	if (buf_read_file(b, path, &why) == 0 && !b->toobig)
		return 0;
	if (b->toobig) {
		*cause = xasprintf("%s is larger than %d MiB: not read", path,
		    TEXTFILE_MAX_BYTES / (1024 * 1024));
		free(why);
	} else
		*cause = why;
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
