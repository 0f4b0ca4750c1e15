/*
 * fuzz.h: what the libFuzzer targets of tests/fuzz/ share. Each target is
 * one fuzz_<name>.c defining LLVMFuzzerTestOneInput over one parser of
 * outside input; run.sh builds them with -fsanitize=fuzzer,address,undefined
 * against a libtopo built the same way.
 */
#ifndef TOPO_FUZZ_H
#define TOPO_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * Splits data at its first '\n': *head is a NUL-terminated copy of what
 * comes before (caller frees), *rest / *restlen what comes after. Targets
 * that take two inputs (a path and a document, a list name and a file) read
 * them this way, so that seeds stay readable text.
 */
static inline char *
fuzz_split(const uint8_t *data, size_t size, const char **rest, size_t *restlen)
{
	const uint8_t	*nl = memchr(data, '\n', size);
	size_t		 n = nl != NULL ? (size_t)(nl - data) : size;
	char		*head = malloc(n + 1);

	if (head == NULL)
		abort();
	memcpy(head, data, n);
	head[n] = '\0';
	*rest = (const char *)data + (nl != NULL ? n + 1 : n);
	*restlen = size - (nl != NULL ? n + 1 : n);
	return head;
}

/* A NUL-terminated copy of data: every real caller hands the parsers a
 * struct buf, which is always terminated, with its length. */
static inline char *
fuzz_copy(const uint8_t *data, size_t size)
{
	char	*s = malloc(size + 1);

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
