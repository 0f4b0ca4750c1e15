/*
 * k8s-parse.h: Kubernetes objects as topo compares them, read from either
 * side: `kubectl get ... -o json` (cJSON) and manifest files (libyaml,
 * multi-document). Only what the checks need is kept: kind, name,
 * namespace, replicas and readiness, a Service's type and ports, and where
 * a manifest object was written. Nothing else (env, secrets) is read.
 */
#ifndef TOPO_K8S_PARSE_H
#define TOPO_K8S_PARSE_H

#include <stddef.h>

struct k8s_port {
	char		*name;		/* NULL when unnamed */
	long long	 port;
	long long	 node_port;	/* -1 when none */
	char		*target;	/* "8288" or a named port "ingress"; NULL when absent */
	char		*protocol;	/* "TCP" when absent */
};

struct k8s_object {
	char		*kind;		/* "StatefulSet", "Service", ... */
	char		*name;
	char		*ns;		/* metadata.namespace; NULL when absent */
	long long	 replicas;	/* desired; -1 when not a workload */
	long long	 ready;		/* -1 when not reported (manifests) */
	char		*service_type;	/* Services: "ClusterIP" when absent */
	struct k8s_port	*ports;
	size_t		 nports;
	char		*file;		/* manifests: the file it came from */
	int		 line;		/* manifests: the document's first line */
};

struct k8s_objects {
	struct k8s_object	*items;
	size_t			 count;
};

/* 1 for StatefulSet, Deployment, DaemonSet. */
int	k8s_kind_is_workload(const char *kind);

/*
 * Appends the objects of kubectl's JSON (a List, or a single object).
 * 0, or -1 with *cause ("invalid JSON", "no items").
 */
int	k8s_objects_from_json(struct k8s_objects *, const char *text, size_t len,
	    char **cause);
/*
 * Appends the Kubernetes objects of a multi-document YAML file; documents
 * without apiVersion and kind (Helm values, other YAML) are skipped.
 * 0, or -1 with *cause "file:line:column: problem" (objects read before the
 * fault are kept).
 */
int	k8s_objects_from_yaml(struct k8s_objects *, const char *text, size_t len,
	    const char *file, char **cause);
/* The object of that kind (NULL: any kind) and name, in namespace ns (NULL: any). */
const struct k8s_object *k8s_objects_find(const struct k8s_objects *, const char *kind,
	    const char *name, const char *ns);
/*
 * Names declared by pattern (StatefulSet/aistor-*: the objects an operator
 * makes): 1 when name holds a glob character ('*' or '?').
 */
int	k8s_name_is_pattern(const char *name);
/* 1 when o is of kind, in namespace ns (NULL: any; as k8s_objects_find),
 * and its name matches pattern (util_glob_match). */
int	k8s_object_matches(const struct k8s_object *, const char *kind,
	    const char *pattern, const char *ns);
void	k8s_objects_free(struct k8s_objects *);

#endif
