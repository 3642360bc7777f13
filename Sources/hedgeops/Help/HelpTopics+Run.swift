extension HelpTopics {
    static let run = """
        NAME
            hedgeops-run - the supervised run: launch, sampling, checkpoints, the end

        SYNOPSIS
            hedgeops run [--yes | --answers FILE] [--checklist PATH] [--time-scale N]
            hedgeops status [RUN] [--json] [--data-dir PATH ...]
            hedgeops attach [RUN]
            hedgeops resume [RUN] [--force]

        DESCRIPTION
            1. Pre-flight, with the same code as verify-env: a failed required check stops it
               (exit 1), a refused TESTNET gate too (exit 3), before anything starts.
            2. Manual items: from --yes or --answers FILE (YAML, `id: yes|no|skip`; a skip
               needs a reason: `{answer: skip, note: why}`).
            3. Launch: the run id and folder are printed, then the checklist's run command
               starts in its own process group, with default signal dispositions and an empty
               signal mask (a SIGINT inherited as ignored would make the graceful stop fail).
               The run parameters go into its environment (LOG_LEVEL, LOAD_TEST_SYMBOL, ...,
               durations in seconds), with HEDGEOPS_TIME_SCALE.
            4. Sampling: the whole process tree from /proc on a fixed schedule against the
               monotonic clock: RSS, RssAnon, VmSwap, CPU % of one core, threads, open files.
               Samples are at least 25 ms apart in real time; PSS (smaps_rollup) is read at
               checkpoints only. Where hedgeops can make one, the executor gets a cgroup v2 of
               its own and the figures come from it; else from the tree under hedgeops as child
               subreaper, reaped children's CPU included (results.json: figures_source).
            5. The log: the newest log file that appeared after launch, read incrementally
               through rotation, truncation, renaming and deletion. The checklist's patterns
               are counted, the script's hourly report block parsed, and a log silent past
               silence_limit recorded.
            6. Checkpoints: hour 0 after the warm-up (the executor's first log line, and at
               least 0.2 s of real time, since start-up does not compress), then hours 1, 2, 4,
               6 and 8 on the monotonic clock. Each records memory (the median of the samples
               in the checkpoint window; window_s says how long), CPU average, counters, WS
               state, ERROR_LOCK, the leak trend (least squares, and Sen's slope with a
               Mann-Kendall Z over the minima of 10-minute windows), the projection to the last
               hour, thread and open-file trends. A projection past the leak ratio is a warning
               at once. results.json is rewritten at every checkpoint.
            7. The end: SIGINT to the group (the load-test script writes its final report),
               then SIGTERM, then SIGKILL. A death by that SIGINT, or exit 0 near the end, is a
               normal end; anything else before the end is a crash, and the checkpoints never
               reached are marked missed.
            8. Signals: the first Ctrl-C or SIGTERM stops the run gracefully and records
               "aborted by operator" (FAIL, exit 4); a second kills it at once. SIGHUP is
               recorded and ignored.
            9. One run per data directory: the supervisor holds an exclusive lock on
               data/.hedgeops.lock (its PID and start time inside) as long as it lives. A
               refused run or resume exits 2 and leaves the lock alone; a dead owner's lock is
               taken over. The executor never inherits it.
            10. A full or unwritable disk: said at once on stderr (JOURNAL WRITE FAILED: ...),
               and sampling, checkpoints and the planned stop never wait for the disk. What
               cannot be written is held in memory in order (checkpoints, answers and the
               verdict always; the latest 4096 samples and log lines) and retried every
               second; a line is written whole or not at all. The outage is recorded as a
               write_gap event. After the verdict it waits up to 5 minutes for space, then
               says exactly what is missing.

            status asks the run's supervisor when one is alive (live figures, its PID, since
            when, sessions attached, an hour waiting for an answer) and reads the journal
            otherwise; it checks the hash chain and the digest in results.json (exit 1 when
            either is broken) and never calls a supervised run unsupervised. Several
            --data-dir (or a quoted glob) give one table of every run on the host.

            attach re-opens the guided session on a running supervisor, from any terminal,
            several at once.

            resume is for a run whose supervisor died. A torn last line is set aside in
            journal.torn-line-N.txt and recorded, never dropped. It refuses if the checklist
            changed since launch (--force overrides, recorded). It finds the executor by PID and
            /proc start time, records the gap, marks checkpoints in the gap as missed, and
            carries on to the verdict. An executor that died while unsupervised is a crash.

        EXAMPLES
            hedgeops run --yes                          the real run, from the executor's repository
            hedgeops run --checklist checklists/demo.yaml --time-scale 3600 --set scenario=leak --yes
            hedgeops run --yes --progress-every 5m      a plain progress line every 5 minutes
            hedgeops status                             from a second terminal
            hedgeops resume                             after the supervisor died (SIGKILL, OOM)

        SEE ALSO
            hedgeops help run-folder, hedgeops help criteria, hedgeops help session,
            hedgeops run --help
        """
}
