/*
 * util.c: allocation that never returns NULL, formatted strings, the clock,
 * globs, and the fatal path that restores the terminal first.
 */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void	(*fatal_hook)(void);

void
util_set_fatal_hook(void (*hook)(void))
{
	fatal_hook = hook;
}

void
util_fatal(const char *fmt, ...)
{
	va_list	ap;

	if (fatal_hook != NULL)
		fatal_hook();
	fputs("topo: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

void *
xmalloc(size_t size)
{
	void	*p;

	if (size == 0)
		size = 1;
	if ((p = malloc(size)) == NULL)
		util_fatal("out of memory (%zu bytes)", size);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if (n == 0 || size == 0)
		n = size = 1;
	if ((p = calloc(n, size)) == NULL)
		util_fatal("out of memory (%zu x %zu bytes)", n, size);
	return p;
}

void *
xrealloc(void *old, size_t size)
{
	void	*p;

	if (size == 0)
		size = 1;
	if ((p = realloc(old, size)) == NULL)
		util_fatal("out of memory (%zu bytes)", size);
	return p;
}

void *
xreallocarray(void *old, size_t n, size_t size)
{
	if (size != 0 && n > (size_t)-1 / size)
		util_fatal("out of memory (%zu x %zu bytes)", n, size);
	return xrealloc(old, n * size);
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	size_t	 len = strnlen(s, n);
	char	*p = xmalloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *
xvasprintf(const char *fmt, va_list ap)
{
	va_list	 again;
	char	*s;
	int	 n;

	/* vsnprintf twice rather than vasprintf: POSIX has only the former. */
	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, again);
	va_end(again);
	if (n < 0)
		util_fatal("cannot format a message");
	s = xmalloc((size_t)n + 1);
	if (vsnprintf(s, (size_t)n + 1, fmt, ap) != n)
		util_fatal("cannot format a message");
	return s;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

double
util_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

void
util_iso_time(char *buf, size_t len, long epoch_seconds)
{
	time_t		t = epoch_seconds;
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int
util_starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/*
 * Glob for check ids and watched paths, the one rule --only, watch: and the
 * doc's selectors share: '*' stays within one path segment, '**' crosses
 * segments ("a/STARSTAR/b" also matches "a/b"), '?' is one character but not
 * '/', anything else is itself. The pattern is run as a set of positions in
 * s (a Thompson simulation): O(pattern x string) whatever the stars, so a
 * hostile pattern cannot make it backtrack exponentially.
 */
int
util_glob_match(const char *p, const char *s)
{
	size_t	 n = strlen(s), j;
	char	*cur, *next, *swap;
	int	 any, result;

	cur = xcalloc(n + 1, 1);
	next = xcalloc(n + 1, 1);
	cur[0] = 1;
	while (*p != '\0') {
		memset(next, 0, n + 1);
		if (p[0] == '*' && p[1] == '*') {
			p += 2;
			if (*p == '/') {
				/* STARSTAR/: nothing, or anything that ends in '/'. */
				p++;
				for (j = 0, any = 0; j <= n; j++) {
					next[j] = cur[j] || (any && j > 0 && s[j - 1] == '/');
					any |= cur[j];
				}
			} else {
				for (j = 0, any = 0; j <= n; j++) {
					any |= cur[j];
					next[j] = any;
				}
			}
		} else if (*p == '*') {
			p++;
			for (j = 0; j <= n; j++)
				next[j] = cur[j] || (j > 0 && next[j - 1] && s[j - 1] != '/');
		} else {
			for (j = 1; j <= n; j++)
				next[j] = cur[j - 1] && (*p == '?' ? s[j - 1] != '/' :
				    s[j - 1] == *p);
			p++;
		}
		swap = cur;
		cur = next;
		next = swap;
		for (j = 0, any = 0; j <= n && !any; j++)
			any = cur[j];
		if (!any)
			break;
	}
	result = *p == '\0' && cur[n];
	free(cur);
	free(next);
	return result;
}

/* Levenshtein distance, capped: strings longer than 256 bytes count as far. */
static size_t
util_distance(const char *a, const char *b)
{
	size_t	la = strlen(a), lb = strlen(b), i, j, diag, up, row[257];

	if (la > 256 || lb > 256)
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			up = row[j];
			row[j] = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < row[j])
				row[j] = up + 1;
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			diag = up;
		}
	}
	return row[lb];
}

size_t
util_closest(const char *word, const char *const *candidates, size_t n,
    const char **out, size_t max)
{
	size_t	*best, i, k, found = 0, d, limit, lw = strlen(word), lc;

	if (max == 0)
		return 0;
	best = xcalloc(max, sizeof *best);
	for (i = 0; i < n; i++) {
		lc = strlen(candidates[i]);
		limit = (lw > lc ? lw : lc) / 2;
		if ((d = util_distance(word, candidates[i])) > limit || d == SIZE_MAX)
			continue;
		/* Insert in order of distance; equal distances keep input order. */
		for (k = found; k > 0 && best[k - 1] > d; k--) {
			if (k < max) {
				best[k] = best[k - 1];
				out[k] = out[k - 1];
			}
		}
		if (k < max) {
			best[k] = d;
			out[k] = candidates[i];
			if (found < max)
				found++;
		}
	}
	free(best);
	return found;
}

void *
util_memmem(const void *haystack, size_t hlen, const void *needle, size_t nlen)
{
	const unsigned char	*h = haystack, *n = needle, *p;

	if (nlen == 0)
		return (void *)haystack;
	while (hlen >= nlen && (p = memchr(h, n[0], hlen - nlen + 1)) != NULL) {
		if (memcmp(p, n, nlen) == 0)
			return (void *)p;
		hlen -= (size_t)(p - h) + 1;
		h = p + 1;
	}
	return NULL;
}

int
util_pipe(int fds[2], int nonblock)
{
	int	i, fl;

#if defined(__linux__) && defined(_GNU_SOURCE)
	return pipe2(fds, O_CLOEXEC | (nonblock ? O_NONBLOCK : 0));
#endif
	if (pipe(fds) == -1)
		return -1;
	for (i = 0; i < 2; i++) {
		if (fcntl(fds[i], F_SETFD, FD_CLOEXEC) == -1 ||
		    (nonblock && ((fl = fcntl(fds[i], F_GETFL)) == -1 ||
		    fcntl(fds[i], F_SETFL, fl | O_NONBLOCK) == -1))) {
			close(fds[0]);
			close(fds[1]);
			return -1;
		}
	}
	return 0;
}
