import Foundation

/// The independent witness during the run: when the checklist's `websocket`
/// item says `witness: true`, hedgeops watches the same public stream the
/// executor follows (after the same TESTNET gate) and records what it saw
/// beside the executor's own counts, at every checkpoint and at the end.
extension RunSupervisor {
    /// The pattern ids whose counts are set beside the witness's.
    static let executorReconnectsPattern = "ws_reconnects"
    static let executorDropsPattern = "ws_dropped"

    /// Starts the witness the checklist asks for, if any; a URL the gate
    /// refuses is journalled and said, and nothing connects.
    func startWitness() {
        let specs = options.checklist.items.compactMap { item -> WebSocketCheckSpec? in
            if case .websocket(let spec) = item.kind, spec.witness { spec } else { nil }
        }
        guard let spec = specs.first else { return }
        let context = options.context
        let symbol = spec.symbol ?? parameterValues["symbol"].flatMap { $0.isEmpty ? nil : $0 } ?? "BTCUSDT"
        guard
            let url = NetworkCheck.baseURL(
                spec.endpoint, checklist: options.checklist, environment: context.environment)
        else { return }
        let gate = TestnetGate(policy: options.checklist.testnet, endpoints: options.checklist.endpoints)
        if let refused = NetworkCheck.refusal(url, gate: gate) {
            let figures = WitnessFigures(
                hour: 0, url: url, channel: spec.channel, symbol: symbol, connected: false, messages: 0,
                messagesPerMinute: 0, gaps: 0, longestGapSeconds: 0, gapThresholdSeconds: 0, drops: 0, reconnects: 0,
                problem: "not started: \(refused)")
            appendEvent(.witness(figures), durable: true)
            emit(.warning("the stream witness is off: \(refused)"))
            return
        }
        let witness = StreamWitness(
            target: .init(
                url: url, address: WebSocketCheck.address(url, context), symbol: symbol, channel: spec.channel))
        witness.start()
        self.witness = witness
    }

    /// The checkpoint with the witness's figures beside the executor's counts, journalled first.
    func witnessed(_ outcome: RunCore.CheckpointOutcome) -> RunCore.CheckpointOutcome {
        guard let witness else { return outcome }
        var outcome = outcome
        let figures = witnessFigures(witness, hour: outcome.record.hour, final: false)
        appendEvent(.witness(figures), durable: true)
        outcome.record.witness = figures
        return outcome
    }

    /// Stops the witness and journals what it saw over the whole run.
    func stopWitness(hour: Double) {
        guard let witness else { return }
        witness.stop()
        appendEvent(.witness(witnessFigures(witness, hour: hour, final: true)), durable: true)
        self.witness = nil
    }

    private func witnessFigures(_ witness: StreamWitness, hour: Double, final: Bool) -> WitnessFigures {
        var figures = witness.figures(hour: hour, final: final)
        let counts = follower?.counts ?? [:]
        figures.executorReconnects = counts[Self.executorReconnectsPattern]
        figures.executorDrops = counts[Self.executorDropsPattern]
        return figures
    }
}
