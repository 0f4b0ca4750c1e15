/*
 * launchd-parse.h: readers for what launchd tells us, kept apart from the
 * probe so unit tests and fuzz targets can call them on raw bytes:
 *   - `launchctl print DOMAIN/LABEL` (one service),
 *   - `launchctl print DOMAIN` (the labels it lists),
 *   - a job's property list (XML or binary, through libplist).
 * None of them ever keeps an environment block: launchctl's `environment`,
 * `inherited environment` and `default environment` and a plist's
 * EnvironmentVariables hold secrets, so they are skipped while reading.
 */
#ifndef TOPO_LAUNCHD_PARSE_H
#define TOPO_LAUNCHD_PARSE_H

#include <stddef.h>

enum launchd_state {
	LAUNCHD_ABSENT,		/* no such service in the domain */
	LAUNCHD_RUNNING,
	LAUNCHD_SCHEDULED,	/* idle, with a run interval or event triggers */
	LAUNCHD_NOT_RUNNING,
	LAUNCHD_OTHER,		/* a state word we do not know: see state_text */
};

struct launchd_service {
	enum launchd_state	 state;
	char			*state_text;	/* the top-level `state = ...` as printed */
	long long		 pid;		/* -1 when not running */
	int			 has_last_exit;	/* 0 when never exited or not printed */
	long long		 last_exit;
	char			*last_exit_text; /* "78: EX_CONFIG", "(never exited)" */
	long long		 runs;		/* -1 when not printed */
	char			*program;
	char			**arguments;
	size_t			 narguments;
	char			*run_interval;	/* "1800 seconds" */
	int			 event_triggers;
	char			*path;		/* the plist it was loaded from */
};

/*
 * Parses the output of `launchctl print DOMAIN/LABEL`. Only top-level keys
 * count (nested blocks have their own `state`). Returns 0, or -1 with *cause
 * when the text is not a service description.
 */
int	launchd_service_parse(const char *text, size_t len, struct launchd_service *,
	    char **cause);
void	launchd_service_free(struct launchd_service *);
const char *launchd_state_name(enum launchd_state);	/* "running", "not running", ... */
/* A short evidence excerpt built from the parsed fields (never raw text). Caller frees. */
char	*launchd_service_excerpt(const struct launchd_service *);

/* One job listed by `launchctl print DOMAIN`. */
struct launchd_domain_entry {
	char	*label;
	char	*pid;		/* "-" or "0" when not running */
	char	*status;	/* last exit status, "-" when never exited */
};
/*
 * The jobs of the `services = { PID STATUS LABEL ... }` block of
 * `launchctl print DOMAIN`. Returns the count; free with launchd_domain_free.
 */
size_t	launchd_domain_parse(const char *text, size_t len, struct launchd_domain_entry **);
void	launchd_domain_free(struct launchd_domain_entry *, size_t);

/* What a job's plist declares (environment variables are never read). */
struct launchd_plist {
	char	*label;
	char	*program;	/* ProgramArguments joined by spaces, else Program */
	char	*keep_alive;	/* "true", "false", or "conditions" for a dict; NULL if absent */
	char	*run_at_load;	/* "true", "false"; NULL if absent */
	char	*interval;	/* "1800" (StartInterval) or "Minute=30" (calendar); NULL */
	int	 line;		/* line of the Label value in an XML plist, else 1 */
};

/* Parses an XML or binary plist. 0, or -1 with *cause. */
int	launchd_plist_parse(const char *data, size_t len, struct launchd_plist *, char **cause);
void	launchd_plist_free(struct launchd_plist *);

#endif
