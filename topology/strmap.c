/*
 * strmap.c: string -> pointer hash table, FNV-1a with linear probing,
 * growing at half load (see strmap.h).
 */
#include "strmap.h"

#include <stdlib.h>
#include <string.h>

#include "../util/util.h"

static uint64_t
strmap_hash(const char *s)
{
	uint64_t	h = 14695981039346656037ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static struct strmap_slot *
strmap_slot(const struct strmap *m, const char *key, uint64_t hash)
{
	size_t	i = (size_t)hash & (m->size - 1);

	while (m->slots[i].key != NULL) {
		if (m->slots[i].hash == hash && strcmp(m->slots[i].key, key) == 0)
			break;
		i = (i + 1) & (m->size - 1);
	}
	return &m->slots[i];
}

void *
strmap_get(const struct strmap *m, const char *key)
{
	if (m->size == 0)
		return NULL;
	return strmap_slot(m, key, strmap_hash(key))->value;
}

void
strmap_set(struct strmap *m, const char *key, void *value)
{
	struct strmap_slot	*old = m->slots, *s;
	size_t			 oldsize = m->size, i;
	uint64_t		 hash = strmap_hash(key);

	if ((m->count + 1) * 2 > m->size) {
		m->size = m->size == 0 ? 16 : m->size * 2;
		m->slots = xcalloc(m->size, sizeof *m->slots);
		for (i = 0; i < oldsize; i++) {
			if (old[i].key != NULL)
				*strmap_slot(m, old[i].key, old[i].hash) = old[i];
		}
		free(old);
	}
	s = strmap_slot(m, key, hash);
	if (s->key == NULL)
		m->count++;
	s->key = key;
	s->hash = hash;
	s->value = value;
}

void
strmap_free(struct strmap *m)
{
	free(m->slots);
	memset(m, 0, sizeof *m);
}
