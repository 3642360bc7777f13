import Foundation

/// `hedgeops help TOPIC`: man-style pages for what no single command's
/// `--help` explains. `hedgeops help COMMAND` still shows that command's help.
enum HelpTopics {
    static let pages: [(name: String, summary: String, text: String)] = [
        ("checklist", "the checklist file: sections, item kinds, adding an item", checklist),
        ("criteria", "the pass criteria and how each is judged", criteria),
        ("signing", "keys, signatures, the sign-off bundle, and how a reviewer checks them", signing),
        ("exit-codes", "what every exit code means", exitCodes),
        ("session", "the guided session's keys and commands", session),
        ("preflight", "what verify-env checks, and how; its --json shape", preflight),
        ("testnet", "the TESTNET gate: the flag, the hosts, the executor's environment", testnet),
        ("run", "the supervised run: launch, sampling, checkpoints, status, attach, resume", run),
        ("run-folder", "the journal and its chain, results.json, samples.csv", runFolder),
        ("network", "HTTP, proxies, retries, name overrides, notifications", network),
        ("secrets", "which values are secret, in which forms, fingerprints", secrets),
        ("prometheus", "metrics, alert rules, dashboards for many runs", prometheus),
        ("simulator", "hedge-sim: the stand-in executor and the local exchange", simulator),
    ]

    static let aliases = [
        "exit": "exit-codes", "exit-code": "exit-codes", "codes": "exit-codes",
        "gate": "testnet", "results": "run-folder", "journal": "run-folder", "metrics": "prometheus",
        "hedge-sim": "simulator", "notifications": "network",
    ]

    static func page(_ name: String) -> String? {
        let wanted = aliases[name] ?? name
        return pages.first { $0.name == wanted }?.text
    }

    static var index: String {
        "TOPICS (hedgeops help TOPIC)\n"
            + pages.map { "  \($0.name.padding(toLength: 12, withPad: " ", startingAt: 0)) \($0.summary)" }.joined(
                separator: "\n")
    }

    static let checklist = """
        NAME
            hedgeops-checklist - the load test as data

        SYNOPSIS
            checklists/load-test-8h.yaml     the shipped checklist (every item of the team's checklist, in order)
            checklists/demo.yaml             the rehearsal on hedge-sim
            hedgeops checklist lint FILE     validate a file; every error at once, FILE:LINE:COLUMN

        DESCRIPTION
            A checklist is YAML with these top-level keys: schema (1), id, title, purpose, task,
            testnet (flag, allow_hosts, live_hosts, live_domains), endpoints, preflight (sections
            of items), run (argv, duration, sample interval, log file), log_patterns, monitoring
            (every_hour, checkpoints, leak_threshold), criteria, failure_analysis, results,
            status, next_step.

            Pre-flight item kinds: env, testnet_gate, log_dir, venv, requirements, command, http,
            credentials, websocket, manual, params. Every item has id, title and kind; required
            (default true: a failed optional item only warns) and fix (shown when it fails) are
            optional. websocket (endpoint, symbol, channel, timeout, max_rtt_ms, login,
            private_path, witness) subscribes to the symbol's channel and waits for a push, times a
            ping's round trip, and logs in on the private socket with the operator's key; with
            witness: true hedgeops also watches that stream during the run (messages per minute,
            gaps, drops and reconnects seen from outside) beside what the executor logs.

            Unknown keys, wrong types, bad thresholds, invalid regular expressions, references to
            ids that do not exist and duplicate ids are errors, with the closest valid key
            suggested. Nothing starts on an invalid file.

        EXAMPLES
            A check that the clock is synchronised, added to a preflight section's items:

                  - id: ntp
                    kind: command
                    title: "System clock synchronised"
                    run: [timedatectl, show, -p, NTPSynchronized, --value]
                    timeout: 5s
                    fix: "sudo timedatectl set-ntp true"

            hedgeops checklist lint my.yaml
            hedgeops verify-env --checklist my.yaml

        SEE ALSO
            hedgeops help criteria, hedgeops checklist lint --help
        """

    static let criteria = """
        NAME
            hedgeops-criteria - how the verdict is reached

        DESCRIPTION
            The verdict is PASS only if every criterion in the checklist passes. A criterion that
            cannot be measured is inconclusive and fails. The shipped ones:

            memory-leak     final memory < 1.5 x hour 0. Each checkpoint's memory is the median
                            of the samples in a window (run.checkpoint_window, 60 s) ending at
                            the checkpoint, so one spike cannot pass or fail a run. From hour 1 a
                            least-squares trend (with Sen's slope and a Mann-Kendall test) is
                            projected to hour 8; a projection over the threshold is a warning at
                            once, hours before the end. Final memory is the last planned
                            checkpoint's, measured on time; if it was missed the criterion
                            is inconclusive and fails.
            ws-stability    at most 5 WebSocket reconnects counted in the executor's log.
            error-rate      errors / (orders placed + orders modified) < 0.1 %, from the log.
                            No operations counted means it cannot be judged: FAIL.
            no-crashes      the executor ran the full 8 hours: a crash, an early exit or an
                            abort fails it. An executor that ended while hedgeops was not
                            running has no exit status to show: inconclusive, FAIL.
            state-machine   no ERROR_LOCK line, and the log never went silent for longer than
                            the checklist allows (a silent log is a stuck executor).
            cpu             average CPU after warm-up < 30 % of one core.

            Memory is the RSS of the executor's whole process tree, read from /proc every
            sample interval; PSS is read at checkpoints only. Checkpoints are at hours 0, 1, 2,
            4, 6 and 8 and are recorded on time whether or not anyone answers.

        EXAMPLES
            hedgeops status                    the projected verdict of a run in progress
            hedgeops report RUN                report.md with every criterion, value and threshold
            hedgeops demo --scenario leak      a FAIL with the hour-2 projection warning

        SEE ALSO
            hedgeops help checklist, hedgeops help exit-codes
        """

    static let signing = """
        NAME
            hedgeops-signing - signed results a reviewer can trust

        DESCRIPTION
            Signatures are OpenSSH's SSHSIG (namespace "hedgeops", SHA-512) made with an Ed25519
            key: the reviewer checks them with ssh-keygen alone. The key is an unencrypted
            OpenSSH private key; `hedgeops keygen` makes one, and one from
            `ssh-keygen -t ed25519 -N ''` works as well.

            `hedgeops export RUN --key KEY` writes the sign-off bundle: results.json (+ .sig),
            report.md, memory.svg, samples.csv, journal.jsonl (hash-chained), checklist.yaml, an
            excerpt of the executor's log, and a MANIFEST of SHA-256 digests (+ .sig).
            `hedgeops verify BUNDLE --allowed-signers FILE` checks all of it and names the first
            thing that differs.
            Export refuses, naming the file, a bundle that would hold any form of a secret's
            value (BITUNIX_API_SECRET, BITUNIX_API_KEY, the checklist's secret variables); verify
            refuses an archive that unpacks to more than 256 MiB. Both work in a private folder
            in $TMPDIR that is removed however they end.

            Who may sign is YOUR allowed_signers file, read as `ssh-keygen -Y verify` reads it:
            `principals [options] ssh-ed25519 AAAA... [comment]`, one key per line, e.g.
            `op@example.com namespaces="hedgeops" ssh-ed25519 AAAA...` as keygen prints it.
            Principals are patterns (`*`, `?`, `a@x,b@y`, `!old@x,*@x`); options are
            namespaces="...", valid-after="YYYYMMDD[HHMM[SS]][Z]", valid-before="...", and
            cert-authority (a CA key never verifies a plain signature). A line with an unknown
            option or a bad key allows nothing, and verify says why. --identity PRINCIPAL
            (ssh-keygen's -I) requires that principal. An allowed_signers inside a bundle never
            counts. Without --allowed-signers verify says "signature valid, signer NOT verified"
            and exits 1; --allow-any-signer accepts any key for a quick local check.

            The private key must be readable by its owner only (chmod 600), as ssh requires.

        EXAMPLES
            hedgeops keygen --out op_ed25519 --comment op@example.com >> allowed_signers
            hedgeops export --key op_ed25519 --out signoff.tar.gz
            hedgeops verify signoff.tar.gz --allowed-signers allowed_signers --identity op@example.com
            hedgeops sign results.json --key reviewer_ed25519 --role reviewer
            ssh-keygen -Y verify -f allowed_signers -I op@example.com -n hedgeops \\
                -s results.json.sig < results.json

        SEE ALSO
            hedgeops export --help, hedgeops verify --help, ssh-keygen(1)
        """

    static let exitCodes = """
        NAME
            hedgeops-exit-codes - the same codes from every command

        DESCRIPTION
            0   success; the verdict is PASS
            1   a check or a criterion failed; the verdict is FAIL
            2   usage or input error: a bad option, an invalid checklist, a missing file
            3   the TESTNET gate refused (wins over 1): a live host, or the flag not set
            4   aborted by the operator (abort, Ctrl-C in `run`)

        EXAMPLES
            hedgeops verify-env --quiet || echo "not ready: $?"
            hedgeops run --yes; [ $? -eq 0 ] && echo PASS

        SEE ALSO
            hedgeops help criteria
        """

    static let session = """
        NAME
            hedgeops-session - the guided session (hedgeops, hedgeops session)

        DESCRIPTION
            Walks the checklist: pre-flight (`recheck`), manual items [y]es / [n]o / [s]kip,
            parameters (`set NAME VALUE`), a launch confirmation typed in full, then the run
            with a status line redrawn in place and the hourly items to tick.

            At the launch a supervisor process of its own takes the run (it writes supervisor.log in
            the run folder): detach, a closed terminal or a killed session never stop the sampling,
            and `hedgeops attach` re-opens the session, from any terminal, several at once.

            Every prompt before the launch takes help (what it accepts), back (the previous
            question; the last answer counts) and quit (nothing is launched; the answers stay
            in the run folder, which is never the default run of status, report or export).
            Every question during the run (abort?, Ctrl-D's detach/abort/continue, the text of
            a bare note or flag, `ok` on an hour with an item not as expected) takes help, back
            (nothing recorded, back at the run's prompt) and quit (said first: the session
            leaves, the supervisor keeps sampling, `hedgeops attach` brings you back).

            Keys: Tab offers what the prompt accepts (after `set NAME`, that parameter's values;
            during the run commands, item ids, parameters and file names); Up/Down recall
            history (kept in $XDG_STATE_HOME/hedgeops/history, never with a secret); Ctrl-C
            drops the line being typed, never the run; Ctrl-D before the launch leaves, during
            the run asks detach, abort or continue, and at a question goes back. On TERM=dumb (an editor's shell buffer) a
            plain line is read: output from the run comes above a fresh prompt.

            Commands during the run: status, memory, log [N], note TEXT, ok, flag [ITEM] TEXT,
            checklist, results, detach, abort, quit, help [CMD]. After the verdict: report, export
            KEY [OUT], results, checklist, memory, log, quit.

        EXAMPLES
            hedgeops
            hedgeops session --checklist checklists/demo.yaml --time-scale 720
            hedgeops session < answers.txt
            hedgeops attach                  # after detach, or from a second terminal
            hedgeops resume                  # only if the supervisor died

        SEE ALSO
            hedgeops session --help, hedgeops demo --interactive
        """
}
