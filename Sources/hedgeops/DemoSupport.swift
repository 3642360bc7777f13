import Foundation
import HedgeOpsKit

/// The demo's moving parts: the mock API it starts and stops, where the
/// demo checklist is, and the throwaway sign-off.
enum DemoSupport {
    static let principal = "demo@hedgeops.local"

    /// checklists/demo.yaml here, or in the repository the binary was built in.
    static func findDemoChecklist() -> String {
        let here = "checklists/demo.yaml"
        if FileManager.default.fileExists(atPath: here) { return here }
        var directory = URL(fileURLWithPath: ToolLocation.directory)
        for _ in 0..<6 {
            let candidate = directory.appendingPathComponent(here).path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
            directory.deleteLastPathComponent()
        }
        return here
    }

    /// The shell lines that set up what `hedgeops demo` sets for its own
    /// children, for `hedge-sim exchange` started by hand on `port`: the
    /// demo checklist, its throwaway key, the TESTNET flag and loopback URLs.
    static func exports(checklist: String, port: UInt16) -> String {
        let checklist = URL(fileURLWithPath: checklist).standardizedFileURL.path
        return """
            # First start the local TESTNET exchange, in another terminal:
            #   hedge-sim exchange --port \(port) --api-key demo-key --api-secret demo-secret
            # then: eval "$(hedgeops demo --print-env)" and hedgeops run --time-scale 720 --yes
            export HEDGEOPS_CHECKLIST='\(checklist)'
            export BITUNIX_API_KEY=demo-key
            export BITUNIX_API_SECRET=demo-secret
            export BITUNIX_USE_TESTNET=true
            export BITUNIX_REST_URL=http://127.0.0.1:\(port)
            export BITUNIX_WS_URL=ws://127.0.0.1:\(port)/public/
            """
    }

    /// `hedge-sim exchange`, the local TESTNET (REST and WebSocket), on a
    /// free loopback port; it also exits with us (--parent).
    final class MockAPI {
        let url: String
        private let process: ChildProcess
        private let scratch: String

        init(apiKey: String, apiSecret: String) throws {
            scratch = FileManager.default.temporaryDirectory.appendingPathComponent("hedgeops-demo-\(getpid())").path
            try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
            let out = scratch + "/api.out"
            // The key and secret go through the environment: a command line is anyone's to read in ps.
            var environment = ProcessInfo.processInfo.environment
            environment["BITUNIX_API_KEY"] = apiKey
            environment["BITUNIX_API_SECRET"] = apiSecret
            process = try ChildProcess.spawn(
                ["hedge-sim", "exchange", "--port", "0", "--parent", String(getpid())],
                environment: environment, workingDirectory: scratch, stdoutPath: out,
                stderrPath: scratch + "/api.err", toolDirectories: [ToolLocation.directory])
            var line: String?
            for _ in 0..<500 {
                line = (try? String(contentsOfFile: out, encoding: .utf8))?.split(separator: "\n").first.map(
                    String.init)
                if line != nil || !process.isRunning { break }
                usleep(10_000)
            }
            guard let line, line.hasPrefix("listening on ") else {
                process.signalGroup(SIGKILL)
                throw JournalError("the local TESTNET exchange did not start (see \(scratch)/api.err)")
            }
            url = String(line.dropFirst("listening on ".count))
        }

        func stop() {
            process.signalGroup(SIGTERM)
            _ = process.wait(timeout: 5)
            try? FileManager.default.removeItem(atPath: scratch)
        }
    }

    struct SignedResults {
        var results: String
        var report: String
        var chart: String
        var bundle: String
        var key: String
        var allowedSigners: String
        var fingerprint: String
    }

    /// Report and chart in the run folder, results signed, bundle exported,
    /// all with a throwaway key kept beside the runs.
    static func signOff(
        folder: String, runID: String, dataDirectory: String, environment: [String: String]
    ) throws -> SignedResults {
        let keys = dataDirectory + "/demo-keys"
        try FileManager.default.createDirectory(atPath: keys, withIntermediateDirectories: true)
        let key = OpenSSHKey(comment: principal)
        let keyPath = "\(keys)/\(runID)_ed25519"
        guard
            FileManager.default.createFile(
                atPath: keyPath, contents: Data(key.privateFile.utf8), attributes: [.posixPermissions: 0o600])
        else { throw JournalError("cannot write \(keyPath)") }
        let allowed = "\(keys)/\(runID).allowed_signers"
        try Data((key.allowedSignersLine + "\n").utf8).write(to: URL(fileURLWithPath: allowed))
        let record = try RunRecord(folder: folder)
        try Data(ReportRenderer.markdown(record, signer: key.fingerprint).utf8).write(
            to: URL(fileURLWithPath: folder + "/report.md"))
        let ratio = record.checklist?.monitoring.leakRatio ?? 1.5
        try Data(MemoryChart.svg(record, leakRatio: ratio).utf8).write(to: URL(fileURLWithPath: folder + "/memory.svg"))
        _ = try SignOff.sign(file: folder + "/results.json", keyPath: keyPath, role: "operator")
        let bundle = "\(dataDirectory)/exports/hedgeops-\(runID)-rehearsal.tar.gz"
        try FileManager.default.createDirectory(atPath: dataDirectory + "/exports", withIntermediateDirectories: true)
        _ = try ExportBundle.export(
            folder: folder, out: bundle, keyPath: keyPath, environment: environment)
        return SignedResults(
            results: folder + "/results.json", report: folder + "/report.md", chart: folder + "/memory.svg",
            bundle: bundle,
            key: keyPath, allowedSigners: allowed, fingerprint: key.fingerprint)
    }
}
