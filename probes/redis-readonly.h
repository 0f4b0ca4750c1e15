/*
 * redis-readonly.h: the gate every Redis command of the redis probe goes
 * through (probes/redis.c). Exported so a unit test can show that it lets
 * the read-only table through and refuses everything else.
 */
#ifndef TOPO_REDIS_READONLY_H
#define TOPO_REDIS_READONLY_H

/*
 * 1 when argv[0] (and argv[1] where the table pins a subcommand, as for
 * XINFO GROUPS) is in the read-only table, case-insensitively; else 0.
 */
int	redis_readonly_allowed(int argc, const char *const *argv);

#endif
