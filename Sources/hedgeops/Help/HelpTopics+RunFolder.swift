extension HelpTopics {
    static let runFolder = """
        NAME
            hedgeops-run-folder - data/runs/RUN-ID/: the journal, results.json, samples

        DESCRIPTION
            journal.jsonl                     every event, one JSON object a line
            results.json                      the results (below)
            samples.csv                       one row a sample: hour,at,rss_mb,rss_anon_mb,
                                              swap_mb,cpu_pct,threads,open_files,processes
            checklist.yaml                    the checklist as launched
            executor.stdout, executor.stderr  the executor's own output
            supervisor.log                    what the supervisor printed (a session's run)
            control.sock                      the supervisor's socket (owner only), while it runs
            report.md, memory.svg             written by `hedgeops report`

            Journal events: session, check, testnet_gate, answer, parameters; launch (PID and
            /proc start time); sample, log (errors, reconnects, ERROR_LOCK), checkpoint,
            warning, silence; supervisor, attach, detach, note, hourly (each item's figure,
            whether it met its expect/max, and the answer), recheck; signal, stop, exit,
            resume, torn_line, verdict; write_gap (the disk refused writes for a while).
            Answers, checkpoints and exits are fsync'd before they are shown; samples at least
            every 5 s. Secrets never appear: parameters and the names of variables only.

            The chain rule: every line has `prev`, the lowercase hex SHA-256 of the previous
            line's bytes without its newline; the first line's prev is 64 zeros. A change to
            the last line breaks no link, so results.json records the SHA-256 of the whole
            journal (journal_sha256, journal_lines); status, resume and verify compare them and
            name the first missing, changed or added line.

            results.json (schema hedgeops.results/1); every key is written, null when unknown:
            schema, run_id            hedgeops.results/1, the run id
            checklist                 path, sha256, id
            started_at, ended_at      UTC RFC 3339
            duration_s                real seconds on the monotonic clock
            planned_duration_s, time_scale
            parameters                run parameter values in force
            checkpoints[]             hour, label, at, rss_mb (median), pss_mb, samples,
                                      window_s, window_start_h, window_end_h, cpu_pct, threads,
                                      open_files, counts, ws_state, error_lock, trend
                                      (slope_mb_per_h, sen_slope_mb_per_h, mann_kendall_z,
                                      projected_final_mb, projected_ratio, rising),
                                      threads_per_h, open_files_per_h, missed, note
            criteria[]                id, title, metric, value, op, threshold, passed, detail
            counts                    each log pattern's count
            end                       kind (normal, crashed, aborted, ended_early), detail
            verdict                   PASS, FAIL, or RUNNING while it goes on
            journal_sha256, journal_lines   the journal as it stood when this was written
            figures_source            the executor's cgroup v2, or its process tree under
                                      hedgeops as child subreaper

        EXAMPLES
            A reviewer's check of the chain, in Python:

                import hashlib, json
                prev = "0" * 64
                for n, line in enumerate(open("journal.jsonl", "rb").read().split(b"\\n")[:-1], 1):
                    assert json.loads(line)["prev"] == prev, f"line {n - 1} was changed"
                    prev = hashlib.sha256(line).hexdigest()

            jq -c 'select(.type == "checkpoint")' data/runs/*/journal.jsonl
            hedgeops report RUN --format csv

        SEE ALSO
            hedgeops help run, hedgeops help criteria, hedgeops help signing
        """
}
