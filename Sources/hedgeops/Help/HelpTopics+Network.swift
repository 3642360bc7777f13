extension HelpTopics {
    static let network = """
        NAME
            hedgeops-network - HTTP, proxies, retries, name overrides and notifications

        DESCRIPTION
            All HTTP goes through libcurl. Every call has a connect and a total timeout; TLS
            verification is always on, redirects are never followed, only http and https are
            allowed. hedgeops's own requests use no proxy unless you name one with --proxy URL
            (verify-env, run), and that proxy's host must be on the TESTNET allow-list: the
            proxy variables (http_proxy, https_proxy, all_proxy, either case) are ignored,
            because they would carry signed requests to a host nobody checked.

            5xx answers, timeouts and rate limits (HTTP 429, codes 10005/10006) are retried
            with capped exponential back-off and jitter; other 4xx answers never are.

            HEDGEOPS_RESOLVE=host:port:address overrides name resolution as curl's --resolve
            does (tests, split-horizon DNS). The gate still applies to the host, the address
            must be loopback or allow-listed, and the overrides in force are journalled.

            Notifications: with HEDGEOPS_NOTIFY_URL (or notify_url in the checklist) the start,
            each checkpoint, a projection crossing the threshold, a silent log, a crash and the
            verdict each send a JSON POST with a Slack-compatible `text` field. Delivery runs in
            the background with retries and never blocks sampling; it is journalled (notified,
            notify_failed) and a failure is shown. A payload never carries a secret.

        EXAMPLES
            HEDGEOPS_NOTIFY_URL=https://hooks.example.com/T0/B0/X hedgeops run --yes
            hedgeops verify-env --proxy http://proxy.testnet.example:3128
            HEDGEOPS_RESOLVE=testnet.example:443:127.0.0.1 hedgeops verify-env

        SEE ALSO
            hedgeops help testnet, hedgeops help secrets
        """

    static let secrets = """
        NAME
            hedgeops-secrets - which values are secret, in which forms, and where they never go

        DESCRIPTION
            Secrets are the values of BITUNIX_API_SECRET, BITUNIX_API_KEY and every checklist
            environment variable marked `secret: true` (4 characters or more). One redactor
            covers the screen, the journal, the history file, webhook payloads, metrics and
            exports, and finds each value plain, JSON-escaped, percent-encoded (either hex
            case, + for a space), base64 (standard or URL-safe, padded or not, also inside a
            longer base64 string), hex, and any run of 12 or more of its characters when it is
            16 or more long.

            A line typed in the session that holds one is recorded with the value replaced by
            [redacted BITUNIX_API_SECRET], and you are told so; it is redrawn redacted and
            never written to the history file (mode 0600). `set` and --set refuse such a value
            (exit 2). Export refuses, naming the file, a bundle that would hold one.

            Fingerprints: a secret is shown as `hmac:` and 8 hex digits of HMAC-SHA256 with a
            key made on first use: 32 random bytes in $XDG_CONFIG_HOME/hedgeops/fingerprint.key
            (else ~/.config/hedgeops/fingerprint.key; $HEDGEOPS_CONFIG_DIR overrides the
            folder), mode 0600 in a 0700 folder. It tells two values apart on this machine but
            cannot confirm a guessed secret or link bundles from two machines.

        EXAMPLES
            hedgeops verify-env --offline       BITUNIX_API_SECRET set, 64 chars, hmac:1a2b3c4d

        SEE ALSO
            hedgeops help signing, hedgeops help preflight
        """
}
