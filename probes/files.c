/*
 * files.c: the `files:` section. Each item is a path that must exist, or a
 * map {path, name, absent, contains, mode, owner, min_size, max_size,
 * sha256, timeout_ms}. Static layer: it reads the repository, never the
 * running system.
 *
 * Facts: "exists" (yes/no; the diff turns a missing file into drift missing
 * and a file declared absent but present into drift extra) and, with
 * contains:, "contains": the first line matching the pattern (NULL when no
 * line matches). The pattern is searched in the whole file in multi-line
 * mode, so ^ and $ anchor at line ends, as in grep. Only when declared:
 * "mode" (the permission bits, "0644"), "owner" (the user's name, or the
 * uid when the topology gives a number or the uid has no name), "size"
 * (bytes) and "sha256" (lower-case hex, the file streamed through OpenSSL,
 * never held whole); size and sha256 are not there for what is not a
 * regular file, which is drift.
 */
#include "probe.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "../util/regex.h"
#include "../util/util.h"
#include "textfile.h"

#define FILES_HASH_CHUNK	(64 * 1024)	/* bytes read at a time for sha256 */
#define FILES_SHA256_HEX	64

struct files_config {
	char		*path;		/* expanded, absolute when it was relative */
	struct regex	*contains;	/* compiled with (?m); NULL without contains */
	int		 want_mode;	/* the facts declared, and so observed */
	int		 want_owner;
	int		 owner_is_uid;	/* owner: 501, not owner: joel */
	int		 want_size;
	int		 want_sha256;
};

static const struct schema files_item_schema[] = {
	{ .key = "path", .type = SCHEMA_STRING, .required = 1,
	  .help = "the file or folder (${REPO}/... for the repository)" },
	{ .key = "name", .type = SCHEMA_STRING,
	  .help = "id of the check: file/NAME instead of file/PATH" },
	{ .key = "absent", .type = SCHEMA_BOOL, .def = "false",
	  .help = "the path must NOT exist" },
	{ .key = "contains", .type = SCHEMA_REGEX,
	  .help = "a PCRE2 pattern some line of the file must match" },
	{ .key = "mode", .type = SCHEMA_STRING,
	  .help = "permission bits, an octal string compared exactly: \"0644\"" },
	{ .key = "owner", .type = SCHEMA_STRING,
	  .help = "owning user: a name, or a numeric uid" },
	{ .key = "min_size", .type = SCHEMA_INT, .min = 0,
	  .max = 1LL << 62, .help = "smallest acceptable size in bytes" },
	{ .key = "max_size", .type = SCHEMA_INT, .min = 0,
	  .max = 1LL << 62, .help = "largest acceptable size in bytes" },
	{ .key = "sha256", .type = SCHEMA_STRING,
	  .help = "SHA-256 of the content, 64 hex digits (read streamed)" },
	{ .key = "timeout_ms", .type = SCHEMA_INT, .min = 1, .max = 3600000,
	  .help = "per-check timeout" },
	SCHEMA_DEPENDS_ON,
	{ .key = NULL },
};

static const struct schema files_entry_schema[] = {
	{ .key = "file", .type = SCHEMA_SCALAR_OR_MAP, .children = files_item_schema,
	  .help = "a path that must exist, or {path, name, absent, contains, "
	  "mode, owner, min_size, max_size, sha256}" },
	{ .key = NULL },
};

static const struct schema files_schema = {
	.key = "files", .type = SCHEMA_LIST, .children = files_entry_schema,
	.help = "files and folders of the repository that must (or must not) "
	"exist, with their content, mode, owner, size or SHA-256",
};

static void
files_free_config(void *p)
{
	struct files_config	*fc = p;

	if (fc == NULL)
		return;
	free(fc->path);
	regex_free(fc->contains);
	free(fc);
}

/* The attribute keys, those absent: true cannot be combined with. */
static const char *const files_attributes[] = {
	"contains", "mode", "owner", "min_size", "max_size", "sha256", NULL
};

/* A scalar attribute's text, or NULL when absent; the schema checked its type. */
static const struct node *
files_scalar(const struct node *item, const char *key)
{
	const struct node	*n = node_get(item, key);

	if (n == NULL || n->type != NODE_SCALAR || n->is_null)
		return NULL;
	return n;
}

/*
 * mode, owner, min_size, max_size, sha256: each checked, then an
 * expectation of its fact; what they say is added to summary. 0, or -1
 * after adding problems.
 */
static int
files_plan_attributes(struct plan *p, struct check *c, struct files_config *fc,
    const struct node *item, struct buf *summary)
{
	const struct node	*mode, *owner, *min, *max, *sha;
	char			 text[8], hex[FILES_SHA256_HEX + 1];
	size_t			 i, len;
	int			 rc = 0;

	if ((mode = files_scalar(item, "mode")) != NULL) {
		len = strlen(mode->value);
		if ((len != 3 && len != 4) ||
		    strspn(mode->value, "01234567") != len) {
			problems_add_at(p->problems, mode, "files: mode: '%.*s%s' "
			    "is not an octal mode: write 3 or 4 octal digits, "
			    "\"0644\"", PROBLEM_QUOTE(mode->value));
			rc = -1;
		} else {
			snprintf(text, sizeof text, "%04lo",
			    strtoul(mode->value, NULL, 8));
			fc->want_mode = 1;
			plan_expect(p, c, mode, "mode", MATCH_EQUALS, text);
			buf_printf(summary, ", mode %s", text);
		}
	}
	if ((owner = files_scalar(item, "owner")) != NULL) {
		if (*owner->value == '\0' ||
		    owner->value[strcspn(owner->value, ": \t\r\n")] != '\0') {
			problems_add_at(p->problems, owner, "files: owner: '%.*s%s' "
			    "is not a user name or uid", PROBLEM_QUOTE(owner->value));
			rc = -1;
		} else {
			fc->want_owner = 1;
			fc->owner_is_uid = strspn(owner->value, "0123456789") ==
			    strlen(owner->value);
			plan_expect(p, c, owner, "owner", MATCH_EQUALS, owner->value);
			buf_printf(summary, ", owner %s", owner->value);
		}
	}
	min = files_scalar(item, "min_size");
	max = files_scalar(item, "max_size");
	if (min != NULL && max != NULL &&
	    node_int(item, "min_size", 0) > node_int(item, "max_size", 0)) {
		problems_add_at(p->problems, min, "files: min_size %s is larger "
		    "than max_size %s: no size is both", min->value, max->value);
		rc = -1;
	} else {
		if (min != NULL) {
			fc->want_size = 1;
			plan_expect(p, c, min, "size", MATCH_MIN, min->value);
			buf_printf(summary, ", >= %s bytes", min->value);
		}
		if (max != NULL) {
			fc->want_size = 1;
			plan_expect(p, c, max, "size", MATCH_MAX, max->value);
			buf_printf(summary, ", <= %s bytes", max->value);
		}
	}
	if ((sha = files_scalar(item, "sha256")) != NULL) {
		len = strlen(sha->value);
		for (i = 0; i < len && isxdigit((unsigned char)sha->value[i]); i++)
			;
		if (len != FILES_SHA256_HEX || i != len) {
			problems_add_at(p->problems, sha, "files: sha256: expected "
			    "%d hex digits, got %zu character%s%s", FILES_SHA256_HEX,
			    len, len == 1 ? "" : "s", i != len ?
			    " (not all hex digits)" : "");
			rc = -1;
		} else {
			for (i = 0; i < len; i++)
				hex[i] = (char)tolower((unsigned char)sha->value[i]);
			hex[len] = '\0';
			fc->want_sha256 = 1;
			plan_expect(p, c, sha, "sha256", MATCH_EQUALS, hex);
			buf_printf(summary, ", sha256 %.12s...", hex);
		}
	}
	return rc;
}

static void
files_plan_item(struct plan *p, const struct node *item)
{
	const struct node	*path_node, *contains_node;
	struct files_config	*fc;
	struct check		*c;
	const char		*name, *contains, *shown;
	char			*pattern, *cause = NULL;
	struct buf		 summary;
	size_t			 i;
	int			 absent;

	path_node = item->type == NODE_SCALAR ? item : node_get(item, "path");
	if (path_node == NULL || path_node->type != NODE_SCALAR ||
	    path_node->is_null || path_node->value[0] == '\0') {
		problems_add_at(p->problems, item, "files: an item needs a path");
		return;
	}
	name = node_str(item, "name", NULL);
	absent = node_bool(item, "absent", 0);
	contains_node = node_get(item, "contains");
	contains = node_str(item, "contains", NULL);
	for (i = 0; absent && files_attributes[i] != NULL; i++) {
		if (files_scalar(item, files_attributes[i]) != NULL) {
			problems_add_at(p->problems,
			    node_get(item, files_attributes[i]), "files: %s "
			    "cannot be combined with absent: true",
			    files_attributes[i]);
			return;
		}
	}

	/* Ids and summaries say the path as written, not this machine's. */
	shown = textfile_stable_path(path_node->raw != NULL ? path_node->raw :
	    path_node->value);
	c = plan_add(p, &probe_files, LAYER_STATIC, item, "file/%s",
	    name != NULL ? name : shown);
	fc = xcalloc(1, sizeof *fc);
	fc->path = textfile_resolve_at(p->topology, path_node, path_node->value);
	c->config = fc;
	plan_expect(p, c, path_node, "exists", MATCH_EQUALS, absent ? "no" : "yes");
	if (contains != NULL) {
		/*
		 * Multi-line mode, so that ^ and $ mean a line as in grep. An
		 * invalid pattern is reported by plan_expect (and the schema).
		 */
		pattern = xasprintf("(?m)%s", contains);
		fc->contains = regex_compile(pattern, &cause);
		free(pattern);
		free(cause);
		/* The diff matches the pattern again against the line found. */
		plan_expect(p, c, contains_node, "contains", MATCH_REGEX, contains);
	}
	buf_init(&summary, 0);
	if (item->type == NODE_MAP)
		files_plan_attributes(p, c, fc, item, &summary);
	if (contains != NULL)
		plan_summary(c, "%s contains /%s/%s", shown, contains,
		    buf_str(&summary));
	else
		plan_summary(c, "%s %s%s", shown, absent ? "is absent" : "exists",
		    buf_str(&summary));
	buf_free(&summary);
}

static void
files_plan(struct plan *p, const struct node *section)
{
	size_t	i;

	if (section->type != NODE_SEQ)
		return;		/* the schema has said why */
	for (i = 0; i < section->count; i++)
		files_plan_item(p, section->items[i]);
}

/*
 * Searches fc->contains in the file; sets the "contains" fact and writes
 * evidence, or an error.
 */
static void
files_search(struct check *c, const struct files_config *fc, const char *root,
    struct buf *evidence)
{
	struct observation	*o = &c->observation;
	struct buf		 b;
	char			*cause = NULL, *line;
	size_t			 offset;
	int			 rc;

	if (textfile_read(root, fc->path, &b, &cause) != 0) {
		observation_error(o, "%s", cause);
		free(cause);
		return;
	}
	rc = regex_match(fc->contains, buf_str(&b), b.len, NULL, &offset,
	    &cause);
	if (rc == -1) {
		observation_error(o, "%s: %s", fc->path, cause);
		free(cause);
	} else if (rc == 0) {
		observation_fact(o, "contains", NULL);
		buf_printf(evidence, "%s: no line matches", fc->path);
	} else {
		line = textfile_excerpt(buf_str(&b), b.len, offset);
		observation_fact(o, "contains", line);
		buf_printf(evidence, "%s:%d: %s", fc->path,
		    textfile_line(buf_str(&b), b.len, offset), line);
		free(line);
	}
	buf_free(&b);
}

/* The user name of uid, or NULL when it has none here. Caller frees. */
static char *
files_user_name(uid_t uid)
{
	struct passwd	 pw, *found = NULL;
	char		*buf, *name = NULL;
	long		 size = sysconf(_SC_GETPW_R_SIZE_MAX);

	if (size <= 0 || size > 1024 * 1024)
		size = 16384;
	buf = xmalloc((size_t)size);
	/* getpwuid_r: other probes' threads look users up too. */
	if (getpwuid_r(uid, &pw, buf, (size_t)size, &found) == 0 &&
	    found != NULL)
		name = xstrdup(found->pw_name);
	free(buf);
	return name;
}

/*
 * The SHA-256 of the file at path (already allowed by --root), streamed in
 * FILES_HASH_CHUNK reads, at most until timeout_ms or the run is cancelled.
 * 0 with hex (FILES_SHA256_HEX + 1 bytes) filled, or -1 with *cause.
 */
static int
files_sha256(struct batch *b, const char *path, const char *shown,
    int timeout_ms, char *hex, char **cause)
{
	static const char	 digits[] = "0123456789abcdef";
	EVP_MD_CTX		*ctx = NULL;
	unsigned char		*chunk = NULL, md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0, i;
	double			 start = util_now_ms();
	ssize_t			 n;
	int			 fd, rc = -1, error;
	struct stat		 st;

	/* O_NONBLOCK: a FIFO put there since the stat must not hang the run. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		*cause = xasprintf("cannot read %s for sha256: %s", shown,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		*cause = xasprintf("cannot read %s for sha256: not a regular "
		    "file", shown);
		goto out;
	}
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		*cause = xasprintf("%s: sha256: OpenSSL cannot start a digest",
		    shown);
		goto out;
	}
	chunk = xmalloc(FILES_HASH_CHUNK);
	for (;;) {
		n = read(fd, chunk, FILES_HASH_CHUNK);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			error = errno;
			*cause = xasprintf("cannot read %s for sha256: %s", shown,
			    strerror(error));
			goto out;
		}
		if (n == 0)
			break;
		if (EVP_DigestUpdate(ctx, chunk, (size_t)n) != 1) {
			*cause = xasprintf("%s: sha256: OpenSSL failed", shown);
			goto out;
		}
		if (batch_cancelled(b)) {
			*cause = xasprintf("%s: sha256: cancelled", shown);
			goto out;
		}
		if (timeout_ms > 0 && util_now_ms() - start > timeout_ms) {
			*cause = xasprintf("%s: sha256: timed out after %d ms "
			    "(raise timeout_ms for a file this large)", shown,
			    timeout_ms);
			goto out;
		}
	}
	if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 ||
	    mdlen * 2 != FILES_SHA256_HEX) {
		*cause = xasprintf("%s: sha256: OpenSSL failed", shown);
		goto out;
	}
	for (i = 0; i < mdlen; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 0xf];
	}
	hex[FILES_SHA256_HEX] = '\0';
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	free(chunk);
	close(fd);
	return rc;
}

/*
 * The declared attributes of what stat found at real: facts, and evidence
 * ("mode 0644, owner joel (uid 501)"). 0, or -1 with an error observed
 * (sha256 unreadable).
 */
static int
files_observe_attributes(struct batch *b, struct check *c, const char *real,
    const struct stat *st, struct buf *evidence)
{
	const struct files_config	*fc = c->config;
	struct observation		*o = &c->observation;
	char				 hex[FILES_SHA256_HEX + 1], *name, *cause = NULL;
	const char			*sep = "";

	if (fc->want_mode) {
		observation_factf(o, "mode", "%04o",
		    (unsigned int)(st->st_mode & 07777));
		buf_printf(evidence, "%smode %04o", sep,
		    (unsigned int)(st->st_mode & 07777));
		sep = ", ";
	}
	if (fc->want_owner) {
		name = files_user_name(st->st_uid);
		if (fc->owner_is_uid || name == NULL)
			observation_factf(o, "owner", "%lu",
			    (unsigned long)st->st_uid);
		else
			observation_fact(o, "owner", name);
		buf_printf(evidence, "%sowner %s (uid %lu)", sep,
		    name != NULL ? name : "no name", (unsigned long)st->st_uid);
		free(name);
		sep = ", ";
	}
	if (!S_ISREG(st->st_mode)) {
		/* A folder has no size or digest to compare: not there. */
		if (fc->want_size || fc->want_sha256) {
			if (fc->want_size)
				observation_fact(o, "size", NULL);
			if (fc->want_sha256)
				observation_fact(o, "sha256", NULL);
			buf_printf(evidence, "%s%s, not a regular file", sep,
			    S_ISDIR(st->st_mode) ? "a directory" : "other");
		}
		return 0;
	}
	if (fc->want_size) {
		observation_factf(o, "size", "%lld", (long long)st->st_size);
		buf_printf(evidence, "%s%lld bytes", sep, (long long)st->st_size);
		sep = ", ";
	}
	if (fc->want_sha256) {
		if (files_sha256(b, real, fc->path, c->timeout_ms, hex,
		    &cause) != 0) {
			observation_error(o, "%s", cause);
			free(cause);
			return -1;
		}
		observation_fact(o, "sha256", hex);
		buf_printf(evidence, "%ssha256 %s", sep, hex);
	}
	return 0;
}

/* root: --root, or NULL; a path outside it is not even looked at. */
static void
files_observe(struct batch *b, struct check *c, const char *root)
{
	const struct files_config	*fc = c->config;
	struct observation		*o = &c->observation;
	struct stat			 st;
	struct buf			 evidence, attributes;
	char				*real = NULL, *cause = NULL;
	int				 error;

	if (textfile_allowed(root, fc->path, &real, &cause) != 0) {
		observation_error(o, "%s", cause);
		free(cause);
		return;
	}
	if (stat(real, &st) == -1) {
		error = errno;
		if (error != ENOENT && error != ENOTDIR)
			observation_error(o, "cannot stat %s: %s", fc->path,
			    strerror(error));
		else {
			observation_fact(o, "exists", "no");
			observation_evidence(o, "%s: %s", fc->path,
			    strerror(error));
		}
		goto out;
	}
	observation_fact(o, "exists", "yes");
	observation_fact(o, "type", S_ISDIR(st.st_mode) ? "directory" :
	    S_ISREG(st.st_mode) ? "file" : "other");
	buf_init(&evidence, 0);
	buf_init(&attributes, 0);
	error = files_observe_attributes(b, c, real, &st, &attributes);
	if (error == 0 && fc->contains != NULL)
		files_search(c, fc, root, &evidence);
	if (evidence.len == 0)		/* no search, or it failed */
		buf_puts(&evidence, fc->path);
	if (attributes.len > 0)
		buf_printf(&evidence, "%s%s", evidence.len > strlen(fc->path) ?
		    "; " : ": ", buf_str(&attributes));
	observation_evidence(o, "%s", buf_str(&evidence));
	buf_free(&attributes);
	buf_free(&evidence);
out:
	free(real);
}

/*
 * Local stat and read: microseconds each, so the batch is observed in turn
 * on this probe's thread; a cancelled run stops between checks.
 */
static void
files_run(struct batch *b)
{
	struct check	*c;
	const char	*root = b->topology != NULL ? b->topology->read_root : NULL;
	size_t		 i;

	for (i = 0; i < b->count && !batch_cancelled(b); i++) {
		c = b->checks[i];
		files_observe(b, c, root);
		batch_done(b, c);
	}
}

const struct probe_ops probe_files = {
	.name = "files",
	.help = "files of the repository: exist, absent, contain a pattern, "
	"mode, owner, size, SHA-256 (OpenSSL)",
	.schema = &files_schema,
	.plan = files_plan,
	.run = files_run,
	.free_config = files_free_config,
};
