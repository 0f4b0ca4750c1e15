/*
 * colors.c: the dashboard's colour roles (tui/colors.def) turned into curses
 * attributes. Colour when the terminal has it and NO_COLOR is not set
 * (https://no-color.org: any non-empty value); otherwise each role falls
 * back to a monochrome attribute (bold, reverse, dim) so nothing that
 * matters is told by colour alone.
 */
#include "dash.h"

#include <curses.h>
#include <stdlib.h>

struct color_role {
	short	fg;
	short	bg;
	int	attr;
	int	mono;
};

static const struct color_role color_roles[DASH_COLOR_COUNT] = {
#define DASH_COLOR(role, f, b, a, m) [DASH_COLOR_##role] = { f, b, a, m },
#include "colors.def"
#undef DASH_COLOR
};

static int color_enabled;

void
dash_colors_init(void)
{
	const char	*no_color = getenv("NO_COLOR");
	size_t		 i;

	color_enabled = 0;
	if (no_color != NULL && *no_color != '\0')
		return;
	if (!has_colors() || start_color() == ERR)
		return;
	/* -1 is the terminal's own colour; without it, plain black on white. */
	if (use_default_colors() == ERR) {
		for (i = 1; i < DASH_COLOR_COUNT; i++)
			init_pair((short)i,
			    color_roles[i].fg < 0 ? COLOR_WHITE : color_roles[i].fg,
			    color_roles[i].bg < 0 ? COLOR_BLACK : color_roles[i].bg);
	} else {
		for (i = 1; i < DASH_COLOR_COUNT; i++)
			init_pair((short)i, color_roles[i].fg, color_roles[i].bg);
	}
	color_enabled = 1;
}

int
dash_colors_enabled(void)
{
	return color_enabled;
}

int
dash_color_attr(enum dash_color role)
{
	if ((size_t)role >= DASH_COLOR_COUNT)
		role = DASH_COLOR_DEFAULT;
	if (!color_enabled)
		return color_roles[role].mono;
	if (role == DASH_COLOR_DEFAULT)
		return A_NORMAL;
	return (int)COLOR_PAIR(role) | color_roles[role].attr;
}

int
dash_color_status(enum status status)
{
	switch (status) {
	case STATUS_OK:
		return DASH_COLOR_OK;
	case STATUS_DRIFT:
		return DASH_COLOR_DRIFT;
	case STATUS_ERROR:
		return DASH_COLOR_ERROR;
	case STATUS_UNKNOWN:
		return DASH_COLOR_UNKNOWN;
	case STATUS_SKIPPED:
		return DASH_COLOR_SKIPPED;
	case STATUS_RUNNING:
		return DASH_COLOR_RUNNING;
	case STATUS_PENDING:
	default:
		return DASH_COLOR_PENDING;
	}
}
