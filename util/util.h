/*
 * util.h: allocation that never returns NULL, string helpers and the clock.
 * Allocation failure prints a message and exits (after the terminal is
 * restored, see util_set_fatal_hook).
 */
#ifndef TOPO_UTIL_H
#define TOPO_UTIL_H

#include <stdarg.h>
#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
/* Returns a newly allocated formatted string. */
char	*xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));
char	*xvasprintf(const char *, va_list) __attribute__((format(printf, 1, 0)));

/* Monotonic milliseconds, for durations and deadlines. */
double	 util_now_ms(void);
/* Wall-clock time as an ISO 8601 UTC string into buf (at least 21 bytes). */
void	 util_iso_time(char *buf, size_t len, long epoch_seconds);

/* Called before exiting on a fatal error (the dashboard restores the terminal). */
void	 util_set_fatal_hook(void (*)(void));
void	 util_fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

/* 1 if s starts with prefix. */
int	 util_starts_with(const char *s, const char *prefix);
/* memmem, which POSIX does not have: needle's first place in haystack, or NULL. */
void	*util_memmem(const void *haystack, size_t hlen, const void *needle, size_t nlen);
/* A pipe whose two ends close on exec (pipe2 where there is one); non-blocking
 * too when asked. 0, or -1 with errno. */
int	 util_pipe(int fds[2], int nonblock);
/* fnmatch-style glob where '*' does not cross '/', '**' does; '?' one char. */
int	 util_glob_match(const char *pattern, const char *s);
/*
 * The candidates closest to word (Levenshtein distance, ties in their
 * order), at most max of them into out, each no farther than half the
 * longer string: the "did you mean" of a mistyped command or check id.
 * Returns how many were written.
 */
size_t	 util_closest(const char *word, const char *const *candidates, size_t n,
	    const char **out, size_t max);

#endif
