/* SPDX-License-Identifier: Apache-2.0 */
/* metrics.c: per-method call counters and latency histograms. */
#include "svc.h"

const uint64_t svc_metric_bounds_us[SVC_METRIC_BUCKETS - 1] = {
    50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000, 1000000,
};

void svc_metric_record(struct svc_metric *m, int status, uint64_t usec)
{
    size_t b = 0;
    while (b < SVC_METRIC_BUCKETS - 1 && usec > svc_metric_bounds_us[b])
        b++;
    atomic_fetch_add_explicit(&m->calls, 1, memory_order_relaxed);
    if (status != SVC_OK)
        atomic_fetch_add_explicit(&m->errors, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->buckets[b], 1, memory_order_relaxed);
}
