#!/usr/bin/env python3
"""A small event-driven batch scheduler on a flat pool of identical processors, in plain Python:
the speed reference of clustersim's archive-trace benchmark, and a second, independent
implementation of its count-based rules.

Usage: flat_pool.py TRACE.swf PROCESSORS fcfs|easy|conservative

Reads an SWF log as clustersim does (processors: field 5, else 8; run time: field 4; estimate:
field 9, else the run time; jobs without a positive run time or size are skipped), runs it, and
prints the mean wait and bounded slowdown (10 s bound) and the seconds the simulation took.
Scheduling happens once per instant, after every arrival and end of that instant. EASY gives the
first blocked job the shadow time (the first expected end by which enough is free; a running job
past its estimate is expected to end just after now) and backfills a later job that ends by it
or fits the extra; conservative reserves every job at its earliest fit in the profile.
"""
import heapq
import sys
import time


def read_swf(path, processors):
    jobs = []
    for line in open(path):
        fields = line.split()
        if not fields or line.lstrip().startswith(";"):
            continue
        submit, run, alloc, req, est = (float(fields[i]) for i in (1, 3, 4, 7, 8))
        size = int(alloc if alloc != -1 else req)
        if run <= 0 or size <= 0 or submit < 0 or size > processors:
            continue
        jobs.append((submit, run, est if est > 0 else run, size))
    return jobs


def schedule(policy, jobs, queue, running, free, now):
    """The jobs of `queue` (indices, in order) to start now."""
    ends = sorted((max(s + jobs[j][2], now + 1e-6), jobs[j][3]) for j, s in running.items())
    started = []
    if policy != "conservative":
        while queue and jobs[queue[0]][3] <= free:
            started.append(queue.pop(0))
            free -= jobs[started[-1]][3]
        if policy == "fcfs" or not queue:
            return started
        avail, shadow, need = free, None, jobs[queue[0]][3]
        ends += [(now + jobs[j][2], jobs[j][3]) for j in started]
        for end, size in sorted(ends):
            if shadow is not None and end > shadow:
                break
            avail += size
            if avail >= need:
                shadow = end
        extra = avail - need
        for j in list(queue[1:]):
            size = jobs[j][3]
            if size <= free and (now + jobs[j][2] <= shadow or size <= extra):
                if now + jobs[j][2] > shadow:
                    extra -= size
                free -= size
                queue.remove(j)
                started.append(j)
        return started
    steps = [[now, free]]
    for end, size in ends:
        if steps[-1][0] == end:
            steps[-1][1] += size
        else:
            steps.append([end, steps[-1][1] + size])
    for j in list(queue):
        size, est = jobs[j][3], jobs[j][2]
        for i, (t, _) in enumerate(steps):
            if all(v >= size for s, v in steps[i:] if s < t + est):
                break
        for point in (t, t + est):
            k = max(i for i, (s, _) in enumerate(steps) if s <= point)
            if steps[k][0] != point:
                steps.insert(k + 1, [point, steps[k][1]])
        for step in steps:
            if t <= step[0] < t + est:
                step[1] -= size
        if t == now:
            queue.remove(j)
            started.append(j)
    return started


def simulate(policy, jobs, processors):
    start = [None] * len(jobs)
    queue, running, events, free, nxt = [], {}, [], processors, 0
    while nxt < len(jobs) or events:
        now = min(([jobs[nxt][0]] if nxt < len(jobs) else []) + ([events[0][0]] if events else []))
        while events and events[0][0] == now:
            _, j = heapq.heappop(events)
            del running[j]
            free += jobs[j][3]
        while nxt < len(jobs) and jobs[nxt][0] == now:
            queue.append(nxt)
            nxt += 1
        for j in schedule(policy, jobs, queue, running, free, now):
            start[j], running[j] = now, now
            free -= jobs[j][3]
            heapq.heappush(events, (now + jobs[j][1], j))
    return start


def main():
    path, processors, policy = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    jobs = read_swf(path, processors)
    began = time.perf_counter()
    start = simulate(policy, jobs, processors)
    took = time.perf_counter() - began
    waits = [s - j[0] for s, j in zip(start, jobs)]
    slowdowns = [max(1.0, (w + j[1]) / max(j[1], 10.0)) for w, j in zip(waits, jobs)]
    print(f"{policy}: {len(jobs)} jobs, mean wait {sum(waits) / len(jobs):.4f} s, "
          f"mean bounded slowdown {sum(slowdowns) / len(jobs):.4f}, simulated in {took:.3f} s")


if __name__ == "__main__":
    main()
