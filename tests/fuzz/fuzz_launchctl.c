/*
 * fuzz_launchctl.c: what `launchctl print` prints, read by the launchd
 * probe: one service (DOMAIN/LABEL) and a domain's services block, plus the
 * one-line excerpt every platform probe makes of a tool's output.
 */
#include "fuzz.h"

#include "../../probes/cmdout.h"
#include "../../probes/launchd-parse.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct launchd_service		 svc;
	struct launchd_domain_entry	*entries = NULL;
	char				*text, *cause = NULL, *s;
	size_t				 n;

	text = fuzz_copy(data, size);
	memset(&svc, 0, sizeof svc);
	if (launchd_service_parse(text, size, &svc, &cause) == 0) {
		s = launchd_service_excerpt(&svc);
		free(s);
		(void)launchd_state_name(svc.state);
		launchd_service_free(&svc);
	} else
		free(cause);
	n = launchd_domain_parse(text, size, &entries);
	launchd_domain_free(entries, n);
	s = cmdout_first_line(text, size);
	free(s);
	free(text);
	return 0;
}
