/*
 * systemd-parse.h: readers for what systemd tells us, apart from the probe
 * so unit tests and fuzz targets can call them on raw bytes:
 *   - `systemctl show -p LoadState,ActiveState,...` (KEY=value lines),
 *   - a unit file of the repository (INI-like: [Section], Key=value).
 * Environment= and EnvironmentFile= lines are never kept: they hold secrets.
 */
#ifndef TOPO_SYSTEMD_PARSE_H
#define TOPO_SYSTEMD_PARSE_H

#include <stddef.h>

struct systemd_show {
	char	*load_state;	/* "loaded", "not-found", ... */
	char	*active_state;	/* "active", "inactive", "failed", ... */
	char	*sub_state;	/* "running", "dead", "waiting", ...; NULL if not printed */
	char	*main_pid;	/* "0" when none; NULL if not printed */
	char	*exec_main_status;
	char	*exec_start;	/* the first command's argv joined by spaces; NULL */
};

/* 0, or -1 with *cause when LoadState or ActiveState is missing. */
int	systemd_show_parse(const char *text, size_t len, struct systemd_show *, char **cause);
void	systemd_show_free(struct systemd_show *);
/*
 * The state topo compares: "absent" (not-found), "running" (active),
 * "scheduled" (active, waiting: a timer between runs), "not running"
 * (inactive), "failed", "starting", "stopping", "reloading", else the word.
 */
const char *systemd_state(const struct systemd_show *);

struct systemd_unit_file {
	char	*exec_start;	/* the first ExecStart=, prefixes (-@:+!) removed */
	int	 exec_start_line;
	char	*restart;	/* Restart= */
	char	*type;		/* Type= */
	char	*wanted_by;	/* WantedBy= */
	char	*on_calendar;	/* OnCalendar= (timers) */
};

/* 0, or -1 with *cause when the text is not a unit file. */
int	systemd_unit_file_parse(const char *text, size_t len, struct systemd_unit_file *,
	    char **cause);
void	systemd_unit_file_free(struct systemd_unit_file *);

#endif
