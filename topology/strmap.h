/*
 * strmap.h: a small string -> pointer hash table (open addressing) for the
 * loader: duplicate map keys, anchors, variables. Keys are kept by pointer
 * and must outlive the map. Lookups stay O(1) on hostile inputs, where a
 * linear search would make loading quadratic.
 */
#ifndef TOPO_STRMAP_H
#define TOPO_STRMAP_H

#include <stddef.h>
#include <stdint.h>

struct strmap_slot {
	const char	*key;		/* NULL: empty */
	uint64_t	 hash;
	void		*value;
};

struct strmap {
	struct strmap_slot	*slots;
	size_t			 size;	/* a power of two, or 0 */
	size_t			 count;
};

/* The value of key, or NULL. An all-zero struct strmap is an empty map. */
void	*strmap_get(const struct strmap *, const char *key);
/* Sets key -> value (value must not be NULL to be found again). */
void	 strmap_set(struct strmap *, const char *key, void *value);
void	 strmap_free(struct strmap *);

#endif
