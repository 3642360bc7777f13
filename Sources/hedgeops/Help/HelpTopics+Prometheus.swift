extension HelpTopics {
    static let prometheus = """
        NAME
            hedgeops-prometheus - many runs, many hosts: metrics and alert rules

        SYNOPSIS
            hedgeops run --yes --metrics-listen [ADDRESS:]PORT [--metrics-linger SECONDS]
            hedgeops checklist rules FILE
            hedgeops status --data-dir PATH [--data-dir PATH ...]

        DESCRIPTION
            With --metrics-listen (run, session, resume; off by default; 127.0.0.1 unless
            another address is named) the run's supervisor serves the Prometheus text format at
            http://ADDRESS/metrics from the launch to the verdict, then until a scrape has taken
            the verdict, at most --metrics-linger seconds (30). An address that cannot be served
            stops the run before anything is launched. Every series carries run_id, checklist,
            host, symbol, executor and rehearsal (true under a time scale); label values are
            cut to 64 printable characters, and one that holds a secret reads `redacted`.

            hedgeops_executor_up                            1 while the tree is alive
            hedgeops_executor_resident_memory_bytes         RSS, with _anonymous_memory_bytes,
                                                            _swap_bytes; PSS as
                                                            hedgeops_executor_proportional_memory_bytes
            hedgeops_executor_cpu_seconds_total             CPU time since the first sample
            hedgeops_executor_cpu_usage_ratio               now; _cpu_average_ratio after warm-up
            hedgeops_executor_threads, _open_fds, _processes
            hedgeops_log_matches_total{pattern}             each log pattern's count
            hedgeops_log_last_line_timestamp_seconds, hedgeops_log_silences_total
            hedgeops_memory_baseline_bytes                  hour 0
            hedgeops_memory_checkpoint_bytes{hour}          every checkpoint's median RSS
            hedgeops_memory_trend_slope_bytes_per_second, _projected_final_bytes,
            _projected_ratio                                the trend and its projection
            hedgeops_run_elapsed_seconds, _planned_seconds, _time_scale
            hedgeops_criterion_pass{criterion,metric}       1 pass, 0 fail, NaN not yet; with
                                                            _value and _threshold
            hedgeops_run_verdict                            once reached: 1 PASS, 0 FAIL

            `hedgeops checklist rules FILE` prints one alert per pass criterion with the
            checklist's thresholds: HedgeopsMemoryLeak, HedgeopsWsStability, HedgeopsErrorRate,
            HedgeopsNoCrashes, HedgeopsStateMachine, HedgeopsStateMachineLogSilent, HedgeopsCpu,
            HedgeopsVerdictFail. Each selects checklist="ID", so several checklists' files load
            side by side. The shipped ones, with promtool unit tests, are in monitoring/.

            A run's target is down before its launch and after its verdict: not an alert.
            HedgeopsStateMachineLogSilent waits the checklist's silence limit in real time
            (divided by the time scale) but never less than 60 s: a compressed run's limit
            would otherwise fire on scrape lag alone.

        EXAMPLES
            hedgeops run --yes --metrics-listen 9464
            hedgeops checklist rules checklists/load-test-8h.yaml > /etc/prometheus/rules/hedgeops.yml
            promtool test rules monitoring/load-test-8h.rules.test.yml
            hedgeops status --data-dir '/srv/*/data'

            prometheus.yml:
                rule_files: [/etc/prometheus/rules/hedgeops.yml]
                scrape_configs:
                  - job_name: hedgeops
                    static_configs: [{targets: ["loadtest-1:9464", "loadtest-2:9464"]}]

            Dashboard queries:
                runs in progress      count(hedgeops_executor_up == 1)
                progress, %           100 * hedgeops_run_elapsed_seconds / hedgeops_run_planned_seconds
                memory vs hour 0      hedgeops_executor_resident_memory_bytes / hedgeops_memory_baseline_bytes
                CPU, cores            rate(hedgeops_executor_cpu_seconds_total[5m])
                criteria failing now  hedgeops_criterion_pass == 0

        SEE ALSO
            hedgeops help criteria, hedgeops run --help, promtool(1)
        """
}
