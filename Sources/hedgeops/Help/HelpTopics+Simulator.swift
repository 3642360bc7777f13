extension HelpTopics {
    static let simulator = """
        NAME
            hedgeops-simulator - hedge-sim: a stand-in executor and a local Bitunix exchange

        SYNOPSIS
            hedge-sim run [--scenario NAME] [--time-scale N]
            hedge-sim exchange [--port N] [--balance USDT] [fault flags]
            hedge-sim api [--port N] [fault flags]

        DESCRIPTION
            Bitunix documents no public testnet, and hedgeops must still do its whole job on a
            fresh machine with no keys. hedge-sim is looked for on PATH, then beside hedgeops.

            hedge-sim run stands in for the load-test script: it writes
            data/load_test/load_test_%Y%m%d_%H%M%S.log in the script's Python logging format
            (and to stderr): ticks every 5 s, limit orders placed and modified, state
            transitions, WebSocket drops and reconnects, and every hour the
            `=== Load Test Report (After N.NNh) ===` block. Its memory is real (pages mapped and
            written). --time-scale compresses time; the log's timestamps follow simulated time.
            On SIGINT it logs the final report and dies by SIGINT, as Python does.

            healthy       flat memory (within 5 %), 1 reconnect, 1 error: PASS
            leak          memory +15 % of hour 0 an hour: fails the 1.5x rule by hour 4
            slow-leak     +5 % an hour: passes the ratio, trend clearly rising
            sawtooth      climbs 15 % each half hour and drops back: PASS
            ws-flaky      7 WebSocket drops and reconnects in 8 h
            error-burst   errors on about 1 % of ticks (above the 0.1 % limit)
            error-lock    enters ERROR_LOCK at hour 5 and stays
            crash         dies by SIGSEGV at hour 3
            hang          stops logging at hour 2 but stays alive

            hedge-sim exchange is a local Bitunix-compatible futures exchange on loopback, REST
            and WebSocket on one port: market, account, trade, TP/SL and position endpoints as
            Bitunix documents them, signed private calls checked as Bitunix checks them; a paper
            account in HEDGE mode (a long and a short per symbol, OPEN/CLOSE, reduce-only,
            margin, fees, realized PnL); matching against a repeatable random walk or --tape FILE;
            /public/ and /private/ sockets with ping/pong, subscribe, login and the ticker,
            trade, depth, kline, balance, position, order and tpsl channels. Faults, repeatable,
            from flags or mid-run from /control/faults: --drop-at, --drop-every, --no-pong,
            --latency-ms, --fail-rate, --rate-limit, --clock-skew-ms, --maintenance,
            --reject-rate. --audit FILE (and GET /control/audit) records every order and socket.

            hedge-sim api is a REST-only mock (tickers, signed account, signed place_order):
            Bitunix's envelope, a real Date header, the signature checked exactly, timestamps
            within --timestamp-window-ms and nonces used once (10007 otherwise), limits against
            hostile clients (16 KB headers, 1 MB bodies, 64 connections). --position-mode
            ONE_WAY makes the HEDGE check fail.

            Both servers bind loopback only, print `listening on http://127.0.0.1:PORT` when
            ready (--port 0 picks a free port), say at once when the port is taken, and never
            log a key or a signature. checklists/demo.yaml is the load-test checklist wired to
            them (hosts on loopback, the scenario as the run parameter `scenario`).

        EXAMPLES
            mkdir -p data/load_test && hedge-sim run --scenario leak --time-scale 3600
            hedge-sim exchange --port 18080 --drop-every 10m --audit audit.jsonl
            hedgeops demo --scenario ws-flaky

        SEE ALSO
            hedge-sim --help, hedgeops demo --help, hedgeops help criteria
        """
}
