/*
 * fuzz_manifest.c: a repository's Kubernetes manifest file, multi-document
 * YAML (libyaml), as the kubernetes probe's static layer reads it.
 */
#include "fuzz.h"

#include "../../probes/k8s-parse.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct k8s_objects	 objs = {0};
	char			*text, *cause = NULL;
	size_t			 i;

	text = fuzz_copy(data, size);
	if (k8s_objects_from_yaml(&objs, text, size, "k8s/fuzz.yaml", &cause) != 0)
		free(cause);
	for (i = 0; i < objs.count; i++)
		(void)k8s_objects_find(&objs, objs.items[i].kind, objs.items[i].name,
		    objs.items[i].ns);
	k8s_objects_free(&objs);
	free(text);
	return 0;
}
