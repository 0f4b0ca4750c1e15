/*
 * testlib.h: what the unit tests share: reading a fixture file relative to
 * the repository ($ROOT, default the current folder). Include it after
 * <cmocka.h>.
 */
#ifndef TOPO_TESTLIB_H
#define TOPO_TESTLIB_H

#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "../../util/buf.h"
#include "../../util/util.h"

/* The whole file $ROOT/folder/rel; fails the test if it cannot be read. Caller frees. */
static inline char *
testlib_fixture(const char *folder, const char *rel, size_t *len)
{
	const char	*root = getenv("ROOT");
	struct buf	 b;
	char		*path, *cause = NULL;

	path = xasprintf("%s/%s/%s", root != NULL ? root : ".", folder, rel);
	/* ../shared is beside a CI clone, not beside every clone: a test that
	 * needs it is skipped, with the reason, where it is absent. */
	if (strncmp(folder, "../shared", 9) == 0 && access(path, F_OK) != 0) {
		print_message("SKIP: %s is absent (../shared is not beside the "
		    "project)\n", path);
		free(path);
		skip();
	}
	buf_init(&b, 1 << 20);
	if (buf_read_file(&b, path, &cause) != 0)
		fail_msg("cannot read fixture %s: %s (set ROOT to the repository)", path, cause);
	free(path);
	*len = b.len;
	return buf_steal(&b);
}

#endif
