/*
 * systemd-parse.c: `systemctl show` properties and unit files (see
 * systemd-parse.h). Both are line formats; every line is bounded and NUL
 * bytes make the input garbage, never a crash.
 */
#include "systemd-parse.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "../util/util.h"

#define SYSTEMD_MAX_LINE	(64 * 1024)

static char *
systemd_trimmed(const char *start, const char *end)
{
	while (start < end && isspace((unsigned char)*start))
		start++;
	while (end > start && isspace((unsigned char)end[-1]))
		end--;
	if ((size_t)(end - start) > SYSTEMD_MAX_LINE)
		end = start + SYSTEMD_MAX_LINE;
	return xstrndup(start, (size_t)(end - start));
}

static void
systemd_replace(char **slot, char *value)
{
	free(*slot);
	*slot = value;
}

/* "{ path=/x ; argv[]=/x a b ; ignore_errors=no ; ... }" -> "/x a b" */
static char *
systemd_show_argv(const char *value)
{
	const char	*p, *end;

	if ((p = strstr(value, "argv[]=")) == NULL)
		return NULL;
	p += 7;
	if ((end = strstr(p, " ;")) == NULL)
		end = p + strlen(p);
	return systemd_trimmed(p, end);
}

int
systemd_show_parse(const char *text, size_t len, struct systemd_show *show, char **cause)
{
	const char	*p = text, *end = text + len, *nl, *eq;
	char		*key, *value;

	memset(show, 0, sizeof *show);
	*cause = NULL;
	if (memchr(text, '\0', len) != NULL) {
		*cause = xstrdup("systemctl printed binary data");
		return -1;
	}
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		eq = memchr(p, '=', (size_t)(nl - p));
		if (eq != NULL) {
			key = systemd_trimmed(p, eq);
			value = systemd_trimmed(eq + 1, nl);
			if (strcmp(key, "LoadState") == 0)
				systemd_replace(&show->load_state, value);
			else if (strcmp(key, "ActiveState") == 0)
				systemd_replace(&show->active_state, value);
			else if (strcmp(key, "SubState") == 0)
				systemd_replace(&show->sub_state, value);
			else if (strcmp(key, "MainPID") == 0)
				systemd_replace(&show->main_pid, value);
			else if (strcmp(key, "ExecMainStatus") == 0)
				systemd_replace(&show->exec_main_status, value);
			else if (strcmp(key, "ExecStart") == 0) {
				systemd_replace(&show->exec_start, systemd_show_argv(value));
				free(value);
			} else
				free(value);
			free(key);
		}
		p = nl < end ? nl + 1 : end;
	}
	if (show->load_state == NULL || show->active_state == NULL ||
	    *show->load_state == '\0' || *show->active_state == '\0') {
		systemd_show_free(show);
		*cause = xstrdup("systemctl printed no LoadState and ActiveState");
		return -1;
	}
	return 0;
}

void
systemd_show_free(struct systemd_show *show)
{
	free(show->load_state);
	free(show->active_state);
	free(show->sub_state);
	free(show->main_pid);
	free(show->exec_main_status);
	free(show->exec_start);
	memset(show, 0, sizeof *show);
}

const char *
systemd_state(const struct systemd_show *show)
{
	const char	*active = show->active_state, *sub = show->sub_state;

	if (strcmp(show->load_state, "not-found") == 0)
		return "absent";
	if (strcmp(active, "active") == 0)
		return sub != NULL && strcmp(sub, "waiting") == 0 ? "scheduled" : "running";
	if (strcmp(active, "inactive") == 0)
		return "not running";
	if (strcmp(active, "activating") == 0)
		return "starting";
	if (strcmp(active, "deactivating") == 0)
		return "stopping";
	return active;	/* failed, reloading, or a word of a newer systemd */
}

/*
 * Drops ExecStart='s prefixes (- ignore failure, @, :, +, !, !!) and makes
 * every run of blanks one space: systemd splits the line into words, so
 * "a \<newline>    b" and "a b" are the same command.
 */
static char *
systemd_exec_command(const char *value)
{
	char	*out, *q;

	while (*value != '\0' && strchr("-@:+!", *value) != NULL)
		value++;
	out = q = xmalloc(strlen(value) + 1);
	for (; *value != '\0'; value++) {
		if (isspace((unsigned char)*value)) {
			if (q > out && q[-1] != ' ')
				*q++ = ' ';
		} else
			*q++ = *value;
	}
	while (q > out && q[-1] == ' ')
		q--;
	*q = '\0';
	return out;
}

int
systemd_unit_file_parse(const char *text, size_t len, struct systemd_unit_file *unit,
    char **cause)
{
	const char	*p = text, *end = text + len, *nl;
	char		*line, *eq, *key, *value;
	struct buf	 joined;
	int		 lineno = 0, first_line = 0, sections = 0, rc = -1, reset = 1;

	memset(unit, 0, sizeof *unit);
	*cause = NULL;
	buf_init(&joined, SYSTEMD_MAX_LINE);
	if (memchr(text, '\0', len) != NULL) {
		*cause = xstrdup("binary data, not a unit file");
		goto out;
	}
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		lineno++;
		line = systemd_trimmed(p, nl);
		p = nl < end ? nl + 1 : end;
		/* A trailing backslash continues the line. */
		if (*line != '#' && *line != ';' && *line != '\0' &&
		    line[strlen(line) - 1] == '\\') {
			if (joined.len == 0)
				first_line = lineno;
			line[strlen(line) - 1] = ' ';
			buf_puts(&joined, line);
			free(line);
			if (p < end)
				continue;
			line = xstrdup("");
		}
		if (joined.len > 0) {
			buf_puts(&joined, line);
			free(line);
			line = buf_steal(&joined);
		} else
			first_line = lineno;
		if (*line == '\0' || *line == '#' || *line == ';') {
			free(line);
			continue;
		}
		if (*line == '[') {
			if (line[strlen(line) - 1] != ']') {
				*cause = xasprintf("line %d: a section header ends with ]", first_line);
				free(line);
				goto out;
			}
			sections++;
			free(line);
			continue;
		}
		if ((eq = strchr(line, '=')) == NULL || sections == 0) {
			*cause = xasprintf("line %d: %s", first_line, sections == 0 ?
			    "no [Section] before it" : "not Key=value");
			free(line);
			goto out;
		}
		*eq = '\0';
		key = systemd_trimmed(line, eq);
		value = systemd_trimmed(eq + 1, eq + 1 + strlen(eq + 1));
		/* Environment= and EnvironmentFile= are never read: secrets. */
		if (strcmp(key, "ExecStart") == 0) {
			if (*value == '\0')
				reset = 1;	/* an empty assignment resets the list */
			else if (reset) {
				systemd_replace(&unit->exec_start, systemd_exec_command(value));
				unit->exec_start_line = first_line;
				reset = 0;
			}
		} else if (strcmp(key, "Restart") == 0)
			systemd_replace(&unit->restart, xstrdup(value));
		else if (strcmp(key, "Type") == 0)
			systemd_replace(&unit->type, xstrdup(value));
		else if (strcmp(key, "WantedBy") == 0)
			systemd_replace(&unit->wanted_by, xstrdup(value));
		else if (strcmp(key, "OnCalendar") == 0)
			systemd_replace(&unit->on_calendar, xstrdup(value));
		free(key);
		free(value);
		free(line);
	}
	if (sections == 0) {
		*cause = xstrdup("no [Section]: not a unit file");
		goto out;
	}
	rc = 0;
out:
	buf_free(&joined);
	if (rc != 0)
		systemd_unit_file_free(unit);
	return rc;
}

void
systemd_unit_file_free(struct systemd_unit_file *unit)
{
	free(unit->exec_start);
	free(unit->restart);
	free(unit->type);
	free(unit->wanted_by);
	free(unit->on_calendar);
	memset(unit, 0, sizeof *unit);
}
