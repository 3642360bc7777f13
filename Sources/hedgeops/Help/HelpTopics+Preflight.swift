extension HelpTopics {
    static let preflight = """
        NAME
            hedgeops-preflight - what verify-env (and every run's pre-flight) checks, and how

        SYNOPSIS
            hedgeops verify-env [--checklist PATH] [--offline] [--fix] [--json] [--quiet]
                                [--set NAME=VALUE] [--proxy URL] [--data-dir PATH]

        DESCRIPTION
            Run it from the executor's repository, in the shell the test will run from. The
            items are checked in the checklist's order; no check can hang, each has a timeout.

            environment variables
                present and non-empty. A secret is never shown: `set, 64 chars, hmac:1a2b3c4d`,
                a fingerprint keyed with this install's own key (hedgeops help secrets), so it
                tells two values apart here but cannot confirm a guessed secret. Surrounding
                whitespace gives a warning; a control character (a pasted newline) fails.
            TESTNET gate
                BITUNIX_USE_TESTNET exactly `true`, every endpoint and every URL, host or proxy
                in the executor's environment on testnet.allow_hosts (hedgeops help testnet).
            log directory
                exists (--fix creates it), is a directory, is writable (a probe file is written
                and removed), has at least min_free_mb free.
            virtual environment
                VIRTUAL_ENV is set and the python3 first on PATH lives in it.
            requirements
                every line of requirements.txt installed at a matching version in that venv.
                Plain `name>=x` lines are judged from the *.dist-info entries on the venv
                interpreter's sys.path (PEP 440); lines with markers or URLs go to the
                interpreter itself.
            run parameters
                every value valid, and log_level INFO as the checklist requires.
            command items
                exit status, with a timeout each.
            network items
                over libcurl, only after the TESTNET gate allows the host (no packet is sent
                otherwise), side by side under one 15 s budget; a timeout is said at once and
                only 5xx and rate limits are retried. Reachability: GET
                /api/v1/futures/market/tickers answers Bitunix's envelope with code 0, with the
                latency and the clock skew from the Date header. Credentials: a signed GET
                /api/v1/futures/account?marginCoin=USDT succeeds with positionMode HEDGE; each
                Bitunix error code (10003, 10004, 10005/10006, 10007) gets its own fix.
                WebSocket (kind: websocket, TLS verified): subscribes to the symbol's ticker on
                BITUNIX_WS_URL and waits for a push, times a ping's pong, then logs in on
                /private/ with the key. --offline skips them, and a skipped item never counts as
                passed.
            manual items
                left to the guided session (or `run --yes` / `--answers FILE`).

            --json prints schema hedgeops.verify-env/1: schema, checklist, ok, exit_code,
            testnet_gate {status, reasons, hosts}, items [{id, title, kind, required, status
            (pass, fail, warn, skip), detail, fix, duration_ms}], summary {pass, fail, warn,
            skip}, duration_ms. Every fail and warn carries a one-line fix. The keys are stable
            within schema 1.

            --checklist defaults to $HEDGEOPS_CHECKLIST, else checklists/load-test-8h.yaml.
            Colour only on a terminal, never with NO_COLOR set. Exit 0 ready, 1 a check
            failed, 2 usage or an invalid checklist, 3 the TESTNET gate refused.

        EXAMPLES
            hedgeops verify-env --checklist /path/to/hedgeops/checklists/load-test-8h.yaml
            hedgeops verify-env --offline --fix          local checks only; create the log folder
            hedgeops verify-env --json | jq '.items[] | select(.status == "fail")'
            hedgeops verify-env --quiet || echo "not ready: $?"

        SEE ALSO
            hedgeops help testnet, hedgeops help checklist, hedgeops verify-env --help
        """
}
