/*
 * launchd-parse.c: readers for `launchctl print` (a service, a domain) and
 * for job property lists. launchctl's output is a tree of `key = value`
 * lines and `key = {` ... `}` blocks; only the service's own (top-level)
 * keys are read, and no environment block is ever copied out.
 */
#include "launchd-parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <plist/plist.h>

#include "../util/buf.h"
#include "../util/util.h"

/* launchctl's output is small; anything longer than this is not it. */
#define LAUNCHD_MAX_LINE	4096
#define LAUNCHD_MAX_ARGUMENTS	1024

const char *
launchd_state_name(enum launchd_state state)
{
	switch (state) {
	case LAUNCHD_ABSENT:
		return "absent";
	case LAUNCHD_RUNNING:
		return "running";
	case LAUNCHD_SCHEDULED:
		return "scheduled";
	case LAUNCHD_NOT_RUNNING:
		return "not running";
	case LAUNCHD_OTHER:
		break;
	}
	return "other";
}

/*
 * Copies the line at *p (the text ends at text_end) without its surrounding
 * blanks, NULs as '?', and moves *p to the next line.
 */
static char *
launchd_next_line(const char **p, const char *text_end)
{
	const char	*start = *p, *end;
	char		*line;
	size_t		 i, len;

	if ((end = memchr(start, '\n', (size_t)(text_end - start))) == NULL)
		end = text_end;
	*p = end < text_end ? end + 1 : text_end;
	while (start < end && isspace((unsigned char)*start))
		start++;
	while (end > start && isspace((unsigned char)end[-1]))
		end--;
	len = (size_t)(end - start);
	if (len > LAUNCHD_MAX_LINE)
		len = LAUNCHD_MAX_LINE;
	/* Not xstrndup: it would stop at a NUL; garbage stays visible as '?'. */
	line = xmalloc(len + 1);
	for (i = 0; i < len; i++)
		line[i] = start[i] == '\0' ? '?' : start[i];
	line[len] = '\0';
	return line;
}

static int
launchd_ends_with(const char *s, const char *suffix)
{
	size_t	ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

static int
launchd_number(const char *s, long long *out)
{
	char		*end;
	long long	 v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s)
		return -1;
	*out = v;
	return 0;
}

/* Splits "key = value" at depth 1; returns 0 and points into line. */
static int
launchd_key_value(char *line, char **key, char **value)
{
	char	*eq;

	eq = strstr(line, " = ");
	if (eq == NULL)
		return -1;
	*eq = '\0';
	*key = line;
	*value = eq + 3;
	return 0;
}

static void
launchd_service_set(struct launchd_service *svc, const char *key, const char *value)
{
	long long	v;

	if (strcmp(key, "state") == 0) {
		free(svc->state_text);
		svc->state_text = xstrdup(value);
	} else if (strcmp(key, "pid") == 0) {
		if (launchd_number(value, &v) == 0)
			svc->pid = v;
	} else if (strcmp(key, "runs") == 0) {
		if (launchd_number(value, &v) == 0)
			svc->runs = v;
	} else if (strcmp(key, "last exit code") == 0) {
		free(svc->last_exit_text);
		svc->last_exit_text = xstrdup(value);
		/* "0", "78: EX_CONFIG"; "(never exited)" has no number. */
		svc->has_last_exit = launchd_number(value, &v) == 0;
		svc->last_exit = svc->has_last_exit ? v : 0;
	} else if (strcmp(key, "program") == 0) {
		free(svc->program);
		svc->program = xstrdup(value);
	} else if (strcmp(key, "run interval") == 0) {
		free(svc->run_interval);
		svc->run_interval = xstrdup(value);
	} else if (strcmp(key, "path") == 0) {
		free(svc->path);
		svc->path = xstrdup(value);
	}
}

static enum launchd_state
launchd_service_state(const struct launchd_service *svc)
{
	const char	*s = svc->state_text;
	int		 idle_with_trigger;

	idle_with_trigger = svc->run_interval != NULL || svc->event_triggers;
	if (s == NULL)
		return LAUNCHD_OTHER;
	if (strcmp(s, "running") == 0)
		return LAUNCHD_RUNNING;
	if (strcmp(s, "spawn scheduled") == 0)
		return LAUNCHD_SCHEDULED;
	/* An idle calendar or interval job is waiting for its time, not down. */
	if (strcmp(s, "not running") == 0 || strcmp(s, "waiting") == 0)
		return idle_with_trigger ? LAUNCHD_SCHEDULED : LAUNCHD_NOT_RUNNING;
	return LAUNCHD_OTHER;
}

int
launchd_service_parse(const char *text, size_t len, struct launchd_service *svc,
    char **cause)
{
	const char	*p = text, *end = text + len;
	char		*line, *key, *value;
	int		 depth = 0, opened = 0, rc = -1;
	enum { BLOCK_NONE, BLOCK_ARGUMENTS, BLOCK_TRIGGERS, BLOCK_OTHER } block = BLOCK_NONE;

	memset(svc, 0, sizeof *svc);
	svc->pid = -1;
	svc->runs = -1;
	*cause = NULL;

	while (p < end) {
		line = launchd_next_line(&p, end);
		if (*line == '\0') {
			free(line);
			continue;
		}
		if (launchd_ends_with(line, "{")) {
			if (depth == 0)
				opened = 1;
			else if (depth == 1) {
				/* Which top-level block this is; environments are never read. */
				if (strcmp(line, "arguments = {") == 0)
					block = BLOCK_ARGUMENTS;
				else if (strcmp(line, "event triggers = {") == 0)
					block = BLOCK_TRIGGERS;
				else
					block = BLOCK_OTHER;
			} else if (depth == 2 && block == BLOCK_TRIGGERS)
				svc->event_triggers = 1;
			depth++;
		} else if (strcmp(line, "}") == 0) {
			if (depth > 0)
				depth--;
			if (depth <= 1)
				block = BLOCK_NONE;
		} else if (depth == 1) {
			if (launchd_key_value(line, &key, &value) == 0)
				launchd_service_set(svc, key, value);
		} else if (depth == 2 && block == BLOCK_ARGUMENTS) {
			if (svc->narguments < LAUNCHD_MAX_ARGUMENTS) {
				svc->arguments = xreallocarray(svc->arguments,
				    svc->narguments + 1, sizeof *svc->arguments);
				svc->arguments[svc->narguments++] = xstrdup(line);
			}
		} else if (depth == 2 && block == BLOCK_TRIGGERS)
			svc->event_triggers = 1;
		else if (depth == 0 && !opened) {
			free(line);
			*cause = xstrdup("launchctl printed no service description");
			goto out;
		}
		free(line);
	}
	if (!opened || svc->state_text == NULL) {
		*cause = xstrdup(opened ? "launchctl printed no top-level state" :
		    "launchctl printed no service description");
		goto out;
	}
	svc->state = launchd_service_state(svc);
	rc = 0;
out:
	if (rc != 0)
		launchd_service_free(svc);
	return rc;
}

void
launchd_service_free(struct launchd_service *svc)
{
	size_t	i;

	free(svc->state_text);
	free(svc->last_exit_text);
	free(svc->program);
	for (i = 0; i < svc->narguments; i++)
		free(svc->arguments[i]);
	free(svc->arguments);
	free(svc->run_interval);
	free(svc->path);
	memset(svc, 0, sizeof *svc);
}

char *
launchd_service_excerpt(const struct launchd_service *svc)
{
	struct buf	b;
	size_t		i;

	buf_init(&b, 16384);
	buf_printf(&b, "state = %s", svc->state_text != NULL ? svc->state_text : "?");
	if (svc->pid >= 0)
		buf_printf(&b, "\npid = %lld", svc->pid);
	if (svc->runs >= 0)
		buf_printf(&b, "\nruns = %lld", svc->runs);
	if (svc->last_exit_text != NULL)
		buf_printf(&b, "\nlast exit code = %s", svc->last_exit_text);
	if (svc->program != NULL)
		buf_printf(&b, "\nprogram = %s", svc->program);
	if (svc->narguments > 0) {
		buf_puts(&b, "\narguments =");
		for (i = 0; i < svc->narguments; i++)
			buf_printf(&b, " %s", svc->arguments[i]);
	}
	if (svc->run_interval != NULL)
		buf_printf(&b, "\nrun interval = %s", svc->run_interval);
	if (svc->event_triggers)
		buf_puts(&b, "\nevent triggers = { ... }");
	return buf_steal(&b);
}

size_t
launchd_domain_parse(const char *text, size_t len, struct launchd_domain_entry **out)
{
	const char	*p = text, *end = text + len;
	char		*line, *tok[3], *save, *t;
	int		 depth = 0, in_services = 0, n;
	size_t		 count = 0;

	*out = NULL;
	while (p < end) {
		line = launchd_next_line(&p, end);
		if (launchd_ends_with(line, "{")) {
			if (depth == 1 && strcmp(line, "services = {") == 0)
				in_services = 1;
			depth++;
		} else if (strcmp(line, "}") == 0) {
			if (depth > 0)
				depth--;
			if (depth <= 1)
				in_services = 0;
		} else if (in_services && depth == 2) {
			/* "PID STATUS LABEL": pid and status may be "-". */
			n = 0;
			for (t = strtok_r(line, " \t", &save); t != NULL;
			    t = strtok_r(NULL, " \t", &save)) {
				if (n < 3)
					tok[n] = t;
				n++;
			}
			if (n == 3) {
				*out = xreallocarray(*out, count + 1, sizeof **out);
				(*out)[count].pid = xstrdup(tok[0]);
				(*out)[count].status = xstrdup(tok[1]);
				(*out)[count].label = xstrdup(tok[2]);
				count++;
			}
		}
		free(line);
	}
	return count;
}

void
launchd_domain_free(struct launchd_domain_entry *entries, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(entries[i].label);
		free(entries[i].pid);
		free(entries[i].status);
	}
	free(entries);
}

static char *
launchd_plist_string(plist_t node)
{
	const char	*s;
	uint64_t	 len = 0;

	if (node == NULL || plist_get_node_type(node) != PLIST_STRING)
		return NULL;
	s = plist_get_string_ptr(node, &len);
	return s != NULL ? xstrndup(s, (size_t)len) : NULL;
}

static char *
launchd_plist_bool(plist_t node)
{
	uint8_t	v = 0;

	if (node == NULL)
		return NULL;
	if (plist_get_node_type(node) == PLIST_BOOLEAN) {
		plist_get_bool_val(node, &v);
		return xstrdup(v ? "true" : "false");
	}
	/* KeepAlive may be a dict of conditions (SuccessfulExit, PathState, ...). */
	if (plist_get_node_type(node) == PLIST_DICT)
		return xstrdup("conditions");
	return xstrdup("?");
}

/* "Hour=3 Minute=30" from one StartCalendarInterval dict, in a fixed order. */
static void
launchd_calendar_text(struct buf *b, plist_t dict)
{
	static const char *const keys[] = { "Month", "Day", "Weekday", "Hour", "Minute" };
	plist_t		 item;
	uint64_t	 v;
	size_t		 i;
	int		 first = 1;

	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		item = plist_dict_get_item(dict, keys[i]);
		if (item == NULL || plist_get_node_type(item) != PLIST_UINT)
			continue;
		plist_get_uint_val(item, &v);
		buf_printf(b, "%s%s=%llu", first ? "" : " ", keys[i], (unsigned long long)v);
		first = 0;
	}
	if (first)
		buf_puts(b, "*");	/* an empty dict fires every minute */
}

static char *
launchd_plist_interval(plist_t root)
{
	plist_t		 node;
	uint64_t	 v;
	uint32_t	 i, n;
	struct buf	 b;

	node = plist_dict_get_item(root, "StartInterval");
	if (node != NULL && plist_get_node_type(node) == PLIST_UINT) {
		plist_get_uint_val(node, &v);
		return xasprintf("%llu", (unsigned long long)v);
	}
	node = plist_dict_get_item(root, "StartCalendarInterval");
	if (node == NULL)
		return NULL;
	buf_init(&b, 4096);
	if (plist_get_node_type(node) == PLIST_DICT)
		launchd_calendar_text(&b, node);
	else if (plist_get_node_type(node) == PLIST_ARRAY) {
		n = plist_array_get_size(node);
		for (i = 0; i < n; i++) {
			if (i > 0)
				buf_puts(&b, ", ");
			if (plist_get_node_type(plist_array_get_item(node, i)) == PLIST_DICT)
				launchd_calendar_text(&b, plist_array_get_item(node, i));
		}
	}
	return buf_steal(&b);
}

static char *
launchd_plist_program(plist_t root)
{
	plist_t		 args;
	char		*s;
	uint32_t	 i, n;
	struct buf	 b;

	args = plist_dict_get_item(root, "ProgramArguments");
	if (args != NULL && plist_get_node_type(args) == PLIST_ARRAY &&
	    (n = plist_array_get_size(args)) > 0) {
		buf_init(&b, 16384);
		for (i = 0; i < n; i++) {
			s = launchd_plist_string(plist_array_get_item(args, i));
			buf_printf(&b, "%s%s", i > 0 ? " " : "", s != NULL ? s : "?");
			free(s);
		}
		return buf_steal(&b);
	}
	return launchd_plist_string(plist_dict_get_item(root, "Program"));
}

/* The line of the Label's value in an XML plist, for file:line evidence. */
static int
launchd_plist_label_line(const char *data, size_t len)
{
	const char	*p, *key = "<key>Label</key>";
	size_t		 i, klen = strlen(key);
	int		 line = 1;

	if (len >= 6 && memcmp(data, "bplist", 6) == 0)
		return 1;
	for (p = data; (size_t)(p - data) + klen <= len; p++) {
		if (memcmp(p, key, klen) == 0) {
			for (i = 0; data + i < p; i++)
				line += data[i] == '\n';
			return line;
		}
	}
	return 1;
}

int
launchd_plist_parse(const char *data, size_t len, struct launchd_plist *pl, char **cause)
{
	plist_t	root = NULL;
	int	rc = -1;

	memset(pl, 0, sizeof *pl);
	*cause = NULL;
	if (len == 0 || len > UINT32_MAX) {
		*cause = xstrdup(len == 0 ? "empty file" : "file too large");
		goto out;
	}
	plist_from_memory(data, (uint32_t)len, &root);
	if (root == NULL) {
		*cause = xstrdup("not a property list (XML or binary)");
		goto out;
	}
	if (plist_get_node_type(root) != PLIST_DICT) {
		*cause = xstrdup("the property list is not a dictionary");
		goto out;
	}
	pl->label = launchd_plist_string(plist_dict_get_item(root, "Label"));
	if (pl->label == NULL) {
		*cause = xstrdup("the property list has no Label string");
		goto out;
	}
	/* EnvironmentVariables is never read: it may hold secrets. */
	pl->program = launchd_plist_program(root);
	pl->keep_alive = launchd_plist_bool(plist_dict_get_item(root, "KeepAlive"));
	pl->run_at_load = launchd_plist_bool(plist_dict_get_item(root, "RunAtLoad"));
	pl->interval = launchd_plist_interval(root);
	pl->line = launchd_plist_label_line(data, len);
	rc = 0;
out:
	if (root != NULL)
		plist_free(root);
	if (rc != 0)
		launchd_plist_free(pl);
	return rc;
}

void
launchd_plist_free(struct launchd_plist *pl)
{
	free(pl->label);
	free(pl->program);
	free(pl->keep_alive);
	free(pl->run_at_load);
	free(pl->interval);
	memset(pl, 0, sizeof *pl);
}
