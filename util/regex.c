/*
 * regex.c: PCRE2 behind a small interface, with match and depth limits so a
 * pathological pattern ("(a+)+$") ends in an error, never a hang.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "regex.h"

#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define REGEX_MATCH_LIMIT	1000000
#define REGEX_DEPTH_LIMIT	10000

struct regex {
	pcre2_code		*code;
	pcre2_match_context	*mc;	/* the limits; read-only when matching */
	char			*pattern;
	_Atomic int		 refs;
};

struct regex *
regex_compile(const char *pattern, char **cause)
{
	struct regex	*re;
	pcre2_code	*code;
	PCRE2_UCHAR	 message[256];
	PCRE2_SIZE	 offset;
	int		 error;

	code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
	    0, &error, &offset, NULL);
	if (code == NULL) {
		pcre2_get_error_message(error, message, sizeof message);
		*cause = xasprintf("invalid regex at offset %zu: %s",
		    (size_t)offset, (char *)message);
		return NULL;
	}
	re = xcalloc(1, sizeof *re);
	re->code = code;
	if ((re->mc = pcre2_match_context_create(NULL)) == NULL)
		util_fatal("out of memory (regex)");
	pcre2_set_match_limit(re->mc, REGEX_MATCH_LIMIT);
	pcre2_set_depth_limit(re->mc, REGEX_DEPTH_LIMIT);
	re->pattern = xstrdup(pattern);
	re->refs = 1;
	return re;
}

struct regex *
regex_ref(struct regex *re)
{
	re->refs++;
	return re;
}

void
regex_free(struct regex *re)
{
	if (re == NULL || --re->refs > 0)
		return;
	pcre2_match_context_free(re->mc);
	pcre2_code_free(re->code);
	free(re->pattern);
	free(re);
}

const char *
regex_pattern(const struct regex *re)
{
	return re->pattern;
}

int
regex_match(const struct regex *re, const char *subject, size_t len,
    char **capture, size_t *offset, char **cause)
{
	return regex_match_from(re, subject, len, 0, capture, offset, NULL,
	    cause);
}

int
regex_match_from(const struct regex *re, const char *subject, size_t len,
    size_t start, char **capture, size_t *offset, size_t *end, char **cause)
{
	pcre2_match_data	*md;
	PCRE2_SIZE		*ov;
	PCRE2_UCHAR		 message[256];
	int			 rc, group, result;

	if (start > len)
		return 0;
	if ((md = pcre2_match_data_create_from_pattern(re->code, NULL)) == NULL)
		util_fatal("out of memory (regex)");
	rc = pcre2_match(re->code, (PCRE2_SPTR)subject, len, start, 0, md,
	    re->mc);
	if (rc == PCRE2_ERROR_NOMATCH) {
		result = 0;
		goto out;
	}
	if (rc < 0) {
		pcre2_get_error_message(rc, message, sizeof message);
		if (cause != NULL)
			*cause = xasprintf("regex /%s/ failed: %s", re->pattern,
			    (char *)message);
		result = -1;
		goto out;
	}
	/* The first group that took part: in `a(x)|b(y)` the second
	 * alternative's match is y, not the whole match. */
	ov = pcre2_get_ovector_pointer(md);
	for (group = 1; group < rc && ov[2 * group] == PCRE2_UNSET; group++)
		;
	if (group >= rc)
		group = 0;
	if (capture != NULL)
		*capture = xstrndup(subject + ov[2 * group],
		    ov[2 * group + 1] - ov[2 * group]);
	if (offset != NULL)
		*offset = ov[0];
	if (end != NULL)
		*end = ov[1];
	result = 1;
out:
	pcre2_match_data_free(md);
	return result;
}
