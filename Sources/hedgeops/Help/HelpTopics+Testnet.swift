extension HelpTopics {
    static let testnet = """
        NAME
            hedgeops-testnet - the TESTNET gate: why the flag alone is never enough

        DESCRIPTION
            Bitunix documents no public testnet. The executor falls back to the live host
            fapi.bitunix.com even with BITUNIX_USE_TESTNET=true, and treats an unset flag as
            true. So hedgeops requires all of:

            1. BITUNIX_USE_TESTNET exactly `true` (not 1, yes or TRUE, which the executor would
               also take). The variable is the executor's: a checklist cannot name another.
            2. Every endpoint the run will use (BITUNIX_REST_URL and BITUNIX_WS_URL, which
               default to the live host) names a host on the checklist's testnet.allow_hosts,
               whatever the checklist's `endpoints` declare.
            3. The live exchange (fapi.bitunix.com, openapi.bitunix.com, anything under
               bitunix.com) is built in. A checklist may add live hosts and domains, never
               remove these; one that allow-lists a live host does not load. Hosts compare
               after lower-casing, dropping trailing dots and mapping full-width characters as
               a DNS look-up would. A URL that Foundation and libcurl read as different hosts
               (http://2130706433/) is refused, and so is an internationalised host (allow-list
               its xn-- form).
            4. The executor's whole environment, with the run parameters applied: every
               variable holding a URL, a host:port, an IP address, or a dotted name in a
               variable named like an address (*_HOST, *_URL, *_API...) must name an
               allow-listed host; any mention of a live host is refused; proxy variables
               (http_proxy, HTTPS_PROXY, all_proxy...) are refused unless the proxy's host is
               allow-listed. Values are never printed: the refusal names the variable and host.
            5. HEDGEOPS_RESOLVE=host:port:address overrides may only send a name to a loopback
               or allow-listed address, and are journalled.
            6. The gate is judged again at launch on the exact environment the executor gets,
               so a parameter changed after the pre-flight cannot slip a host through.

            A refusal exits 3, even when every other check passed. No network check connects to
            a host the gate refused; hedgeops's own requests (webhooks, uploads included) never
            look up or connect to the live exchange.

        EXAMPLES
            export BITUNIX_USE_TESTNET=true
            export BITUNIX_REST_URL=https://your-testnet-host BITUNIX_WS_URL=wss://your-testnet-host/public/
            hedgeops verify-env --offline      the gate is judged offline too
            hedgeops verify-env --json | jq .testnet_gate

        SEE ALSO
            hedgeops help preflight, hedgeops help network, hedgeops help exit-codes
        """
}
