/*
 * fuzz_kubectl.c: `kubectl get ... -o json`, read by the kubernetes probe
 * (cJSON): a List or one object; then every object found is looked up
 * again, as the probe does for each declared workload and Service.
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
	if (k8s_objects_from_json(&objs, text, size, &cause) != 0)
		free(cause);
	for (i = 0; i < objs.count; i++) {
		(void)k8s_kind_is_workload(objs.items[i].kind);
		if (objs.items[i].name != NULL &&
		    k8s_objects_find(&objs, objs.items[i].kind, objs.items[i].name,
		    objs.items[i].ns) == NULL)
			abort();	/* what was read must be found again */
	}
	(void)k8s_objects_find(&objs, NULL, "redis", NULL);
	k8s_objects_free(&objs);
	free(text);
	return 0;
}
