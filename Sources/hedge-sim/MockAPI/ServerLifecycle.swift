import Foundation
import HedgeOpsKit

/// What `hedge-sim api` and `hedge-sim exchange` share as servers: the
/// ready line, the stop signals, and exiting with the process that started them.
enum ServerLifecycle {
    /// `listening on URL` on stdout, written whole: tests and the demo wait for it.
    static func announce(_ url: String) {
        let line = Array("listening on \(url)\n".utf8)
        var offset = 0
        while offset < line.count {
            let written = line[offset...].withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
            if written <= 0 { break }
            offset += written
        }
    }

    /// Polls the parent once a second; exits 0 when it is gone.
    static func watch(_ parent: Int32) {
        Thread.detachNewThread {
            while kill(parent, 0) == 0 || errno == EPERM { sleep(1) }
            Foundation.exit(0)
        }
    }

    /// SIGINT and SIGTERM exit 0. Handled off the main thread, which serves.
    static func installStopHandlers() {
        SignalWatch.install([SIGINT, SIGTERM]) { _ in Foundation.exit(0) }
    }
}
