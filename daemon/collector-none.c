/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * collector-none.c - the collector.h contract for a build without kernel
 * capture (daemon/collector.c absent from the tree). pa_collector_open()
 * fails, and the daemon serves without kernel events, saying why.
 */
#include <errno.h>
#include <stddef.h>

#include "collector.h"

int pa_collector_open(const struct pa_collector_config *cfg, const struct pa_res_maps *res,
		      struct pa_collector **ret, const char **ret_why)
{
	if (ret_why)
		*ret_why = "this perf-analysisd was built without kernel capture (daemon/collector.c)";
	return -ENOSYS;
}

void pa_collector_free(struct pa_collector *c)
{
}

bool pa_collector_reloads(const struct pa_collector *c, const struct pa_collector_config *cfg)
{
	return false;
}

int pa_collector_carry_resources(struct pa_collector *c, bool on)
{
	return -ENOSYS;
}

int pa_collector_configure(struct pa_collector *c, const struct pa_collector_config *cfg)
{
	return -ENOSYS;
}

const struct pa_collector_features *pa_collector_features(const struct pa_collector *c)
{
	return NULL;
}

int pa_collector_read_stats(struct pa_collector *c, unsigned int event, struct pa_stats *ret)
{
	return -ENOSYS;
}

int pa_collector_reset(struct pa_collector *c)
{
	return -ENOSYS;
}

int pa_collector_fd(const struct pa_collector *c)
{
	return -1;
}

int pa_collector_drain(struct pa_collector *c, pa_sample_fn fn, void *userdata)
{
	return -ENOSYS;
}
