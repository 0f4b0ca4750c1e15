/*
 * fuzz_systemd.c: `systemctl show` output and a repository's unit file, as
 * the systemd probe reads them.
 */
#include "fuzz.h"

#include "../../probes/systemd-parse.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct systemd_show	 show;
	struct systemd_unit_file unit;
	char			*text, *cause = NULL;

	text = fuzz_copy(data, size);
	memset(&show, 0, sizeof show);
	if (systemd_show_parse(text, size, &show, &cause) == 0) {
		(void)systemd_state(&show);
		systemd_show_free(&show);
	} else {
		free(cause);
		cause = NULL;
	}
	memset(&unit, 0, sizeof unit);
	if (systemd_unit_file_parse(text, size, &unit, &cause) == 0)
		systemd_unit_file_free(&unit);
	else
		free(cause);
	free(text);
	return 0;
}
