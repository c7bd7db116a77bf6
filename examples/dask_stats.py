#!/usr/bin/env python3
"""sluice stats (or freq, count) on a Dask cluster: each task writes a
partial state on a worker, and `sluice merge` combines them here.

  python3 dask_stats.py --parts 32 big.csv -- -g country -f amount
  python3 dask_stats.py --verb freq logs/*.csv.gz -- -f product -n 20
  python3 dask_stats.py --scheduler tcp://HOST:8786 --parts 64 \\
      /shared/big.csv -- -g country -f amount

Without --scheduler it starts worker processes on this machine.  On a
real cluster every worker needs sluice on its PATH (or at --sluice) and
each FILE at the same path (an NFS mount, say).
"""
import argparse
import os
import subprocess
import sys
import tempfile

from dask.distributed import Client, LocalCluster


def partial_state(sluice, verb, args, path, parts, part):
    """A task, run on a worker: the partial state (bytes) of part PART of
    PARTS of a file, or of the whole file when PARTS is 0."""
    cmd = [sluice, verb, *args, "--partial"]
    if not parts:
        run = subprocess.run(cmd + [path], capture_output=True)
    else:   # sluice split --parts N --part I FILE | sluice VERB --partial
        with tempfile.TemporaryFile() as err:
            split = subprocess.Popen([sluice, "split", "--parts", str(parts),
                                      "--part", str(part), path],
                                     stdout=subprocess.PIPE, stderr=err)
            run = subprocess.run(cmd, stdin=split.stdout, capture_output=True)
            split.stdout.close()
            if split.wait() != 0 and run.returncode == 0:
                err.seek(0)
                raise RuntimeError("sluice split of %s failed: %s"
                                   % (path, err.read().decode()))
    if run.returncode != 0:
        raise RuntimeError("sluice %s of %s failed: %s"
                           % (verb, path, run.stderr.decode()))
    return os.getpid(), run.stdout


def main():
    argv = sys.argv[1:]     # what follows -- goes to the verb
    cut = argv.index("--") if "--" in argv else len(argv)
    p = argparse.ArgumentParser(usage="%(prog)s [options] FILE... -- ARGS")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="a cluster's scheduler, tcp://HOST:8786")
    p.add_argument("--workers", type=int, default=4, metavar="N",
                   help="local worker processes (without --scheduler)")
    p.add_argument("--sluice", default="sluice", metavar="PATH",
                   help="sluice's path, on the workers and here")
    p.add_argument("--verb", default="stats",
                   choices=["stats", "freq", "count"])
    p.add_argument("--parts", type=int, default=0, metavar="N",
                   help="cut each FILE (plain"
                   " or block gzip, -z --blocks) into N parts; else a task"
                   " is a whole FILE")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="say which worker process ran each task")
    o = p.parse_args(argv[:cut])
    args = argv[cut + 1:]

    # a task a part of a file, or a task a file
    tasks = [(f, i) for f in o.files for i in range(1, o.parts + 1)] \
        if o.parts else [(f, 0) for f in o.files]
    cluster = None if o.scheduler else LocalCluster(
        n_workers=o.workers, threads_per_worker=1, processes=True,
        dashboard_address=None)
    try:
        with Client(o.scheduler or cluster) as client:
            results = client.gather([client.submit(
                partial_state, o.sluice, o.verb, args, f, parts=o.parts,
                part=i, pure=False) for f, i in tasks])
            pids = client.run(os.getpid)     # {worker address: pid}
    finally:
        if cluster:
            cluster.close()
    if o.verbose:
        print("workers: %d, pids %s; client pid %d" % (len(pids), " ".join(
            map(str, sorted(pids.values()))), os.getpid()), file=sys.stderr)
        for (f, i), (pid, state) in zip(tasks, results):
            print("task %s part %d: pid %d, %d bytes"
                  % (f, i, pid, len(state)), file=sys.stderr)
    # the states, one stream after another, into one merge here
    merge = subprocess.run([o.sluice, "merge"],
                           input=b"".join(state for _, state in results))
    if merge.returncode != 0:
        sys.exit("sluice merge failed (exit %d)" % merge.returncode)


if __name__ == "__main__":    # the worker processes import this file
    main()
