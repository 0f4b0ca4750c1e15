/*
 * util.c: allocation that never returns NULL, formatted strings, the clock,
 * globs, and the fatal path that restores the terminal first.
 */
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
	char	*s;

	if (vasprintf(&s, fmt, ap) == -1)
		util_fatal("out of memory (formatting)");
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
 * Glob for check ids and watched paths: '*' stays within one path segment,
 * '**' crosses segments, '?' is one character. Iterative with one backtrack
 * point per star kind, so it stays linear-ish on hostile patterns.
 */
int
util_glob_match(const char *p, const char *s)
{
	const char	*star_p = NULL, *star_s = NULL;
	int		 star_deep = 0;

	while (*s != '\0') {
		if (p[0] == '*' && p[1] == '*') {
			p += 2;
			if (*p == '/' && (p[1] != '\0'))
				p++;	/* a/STARSTAR/b also matches a/b */
			star_p = p;
			star_s = s;
			star_deep = 1;
			continue;
		}
		if (*p == '*') {
			p++;
			star_p = p;
			star_s = s;
			star_deep = 0;
			continue;
		}
		if (*p == '?' ? *s != '/' : *p == *s) {
			p++;
			s++;
			continue;
		}
		if (star_p != NULL && (star_deep || *star_s != '/')) {
			p = star_p;
			s = ++star_s;
			continue;
		}
		return 0;
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}
