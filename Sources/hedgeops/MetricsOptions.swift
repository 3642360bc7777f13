import ArgumentParser
import HedgeOpsKit

/// `--metrics-listen` and `--metrics-linger`, for every command that starts a
/// supervisor (run, session, resume, supervise).
struct MetricsOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Serve the run's metrics for Prometheus at http://ADDRESS/metrics; a port alone is loopback "
                + "(9464 is 127.0.0.1:9464). Off by default.", valueName: "address"))
    var metricsListen: String?

    @Option(
        help: ArgumentHelp("Seconds the metrics stay up after the verdict, until a scrape takes it.", valueName: "s"))
    var metricsLinger: Double = 30

    func validate() throws {
        _ = try address()
        guard metricsLinger >= 0 && metricsLinger <= 3600 else {
            throw ValidationError("--metrics-linger: give 0 to 3600 seconds, got \(formatNumber(metricsLinger))")
        }
    }

    /// The parsed address, nil when metrics are off.
    func address() throws -> MetricsListenAddress? {
        guard let metricsListen else { return nil }
        do {
            return try MetricsListenAddress(parsing: metricsListen)
        } catch {
            throw ValidationError("--metrics-listen \(error.description)")
        }
    }

    /// The same options for a supervisor process started on the operator's behalf.
    var arguments: [String] {
        guard let metricsListen else { return [] }
        return ["--metrics-listen", metricsListen, "--metrics-linger", formatNumber(metricsLinger)]
    }

    /// Sets them on a supervisor's options.
    func apply(to options: inout RunSupervisor.Options) {
        options.metricsListen = try? address()
        options.metricsLinger = metricsLinger
    }
}
