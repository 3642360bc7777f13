import Foundation
import Testing

@testable import HedgeOpsKit

/// The launcher's promises, checked on real processes.
@Suite(.serialized)
struct ChildProcessTests {
    let environment = ["PATH": "/usr/bin:/bin"]
    let directory = FileManager.default.temporaryDirectory.path

    func output(_ name: String) -> String {
        "\(directory)/hedgeops-child-\(getpid())-\(name).txt"
    }

    /// The parent here blocks and ignores SIGINT, as a background job of a
    /// script or a worker thread does; the child must see neither.
    @Test func theChildGetsAnEmptyMaskAndDefaultDispositions() throws {
        var block = sigset_t()
        sigemptyset(&block)
        sigaddset(&block, SIGINT)
        var previousMask = sigset_t()
        pthread_sigmask(SIG_BLOCK, &block, &previousMask)
        let previousHandler = signal(SIGINT, SIG_IGN)
        defer {
            signal(SIGINT, previousHandler)
            pthread_sigmask(SIG_SETMASK, &previousMask, nil)
        }
        let path = output("status")
        defer { unlink(path) }
        let child = try ChildProcess.spawn(
            ["cat", "/proc/self/status"], environment: environment, workingDirectory: directory, stdoutPath: path)
        #expect(child.wait() == .exited(0))
        let status = try String(contentsOfFile: path, encoding: .utf8)
        func mask(_ field: String) -> UInt64? {
            status.split(separator: "\n").first { $0.hasPrefix(field + ":") }
                .flatMap { UInt64($0.split(separator: "\t").last ?? "", radix: 16) }
        }
        let sigint: UInt64 = 1 << (UInt64(SIGINT) - 1)
        #expect(try #require(mask("SigBlk")) == 0)
        #expect(try #require(mask("SigIgn")) & sigint == 0)
    }

    @Test func theChildLeadsItsOwnProcessGroupInTheGivenDirectory() throws {
        let path = output("group")
        defer { unlink(path) }
        let child = try ChildProcess.spawn(
            ["sh", "-c", "pwd; ps -o pgid= -p $$"], environment: environment, workingDirectory: "/usr",
            stdoutPath: path)
        #expect(child.wait() == .exited(0))
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        #expect(lines.first == "/usr")
        #expect(lines.last == String(child.pid))
    }

    @Test func exitCodesAndSignalsAreTold() throws {
        let exit3 = try ChildProcess.spawn(
            ["sh", "-c", "exit 3"], environment: environment, workingDirectory: directory)
        #expect(exit3.wait() == .exited(3))
        let sleeper = try ChildProcess.spawn(["sleep", "30"], environment: environment, workingDirectory: directory)
        #expect(sleeper.wait(timeout: 0.2) == nil)
        sleeper.signalGroup(SIGTERM)
        let ended = sleeper.wait()
        #expect(ended == .signaled(SIGTERM))
        #expect(ended.description.hasPrefix("killed by signal 15"))
    }

    @Test func aMissingProgramIsAClearError() {
        #expect(throws: ChildProcess.LaunchError.self) {
            try ChildProcess.spawn(["hedgeops-no-such-program"], environment: environment, workingDirectory: directory)
        }
    }
}
