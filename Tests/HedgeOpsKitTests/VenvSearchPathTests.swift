import Foundation
import Testing

@testable import HedgeOpsKit

/// The search path worked out from a virtual environment's files, set beside
/// what the environment's own interpreter prints for `sys.path`: real
/// environments made by `python3 -m venv`, with `.pth` files of every kind.
@Suite(.serialized)
struct VenvSearchPathTests {
    /// A fresh environment (no pip: the search path is the same, the making 40× quicker).
    func makeVenv(_ name: String) throws -> (root: String, site: String) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("hedgeops-venv-\(getpid())-\(name)")
            .path
        try? FileManager.default.removeItem(atPath: root)
        let made = ProcessRunner.run(
            ["python3", "-m", "venv", "--without-pip", root], environment: ProcessInfo.processInfo.environment,
            workingDirectory: "/", timeout: 60)
        try #require(made.exitCode == 0, "python3 -m venv: \(made.stderrText)")
        let lib = try FileManager.default.contentsOfDirectory(atPath: root + "/lib").filter { $0.hasPrefix("python") }
        return (root, "\(root)/lib/\(try #require(lib.first))/site-packages")
    }

    /// The interpreter's own `sys.path`, folders that exist only (what the probe reads).
    func interpreterPath(_ root: String, environment: [String: String] = [:]) throws -> [String] {
        var env = ["PATH": "/usr/bin:/bin"]
        env.merge(environment) { $1 }
        let asked = ProcessRunner.run(
            [root + "/bin/python3", "-c", "import sys, json; print(json.dumps(sys.path))"], environment: env,
            workingDirectory: "/", timeout: 30)
        try #require(asked.exitCode == 0, "\(asked.stderrText)")
        let path = try #require(try JSONSerialization.jsonObject(with: asked.stdout) as? [String])
        return path.filter { !$0.isEmpty && FileManager.default.fileExists(atPath: $0) }
    }

    func write(_ text: String, to path: String) throws {
        try FileManager.default.createDirectory(
            atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test func aPlainEnvironmentAndItsPthFilesGiveTheInterpretersPath() throws {
        let (root, site) = try makeVenv("plain")
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(VenvSearchPath.directories(venv: root, environment: [:]) == (try interpreterPath(root)))

        // Folders added by .pth files: relative, absolute, missing, repeated, blank lines and
        // comments, files read in name order, and the hooks setuptools and editable installs write.
        let extra = root + "/extra"
        for folder in ["src", "vendor", "b-first"] {
            try FileManager.default.createDirectory(atPath: "\(extra)/\(folder)", withIntermediateDirectories: true)
        }
        try write("# comment\n\n../../../extra/src\n\(extra)/vendor  \n\(extra)/missing\n", to: site + "/b.pth")
        try write("\(extra)/b-first\n\(extra)/src\n", to: site + "/a.pth")
        try write(
            "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; "
                + "enabled and __import__('_distutils_hack').add_shim(); \n", to: site + "/distutils-precedence.pth")
        try write("import sys\n", to: site + "/.hidden.pth")
        let native = try #require(VenvSearchPath.directories(venv: root, environment: [:]))
        #expect(native == (try interpreterPath(root)))
        #expect(native.suffix(3) == ["\(extra)/b-first", "\(extra)/src", "\(extra)/vendor"])

        // Packages found through it are the interpreter's: the first of a name on the path wins.
        try FileManager.default.createDirectory(
            atPath: "\(extra)/b-first/psutil-5.9.8.dist-info", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(
            atPath: "\(site)/psutil-5.9.0.dist-info", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(
            atPath: "\(extra)/vendor/Aio_HTTP-3.9.5.dist-info", withIntermediateDirectories: true)
        let installed = InstalledDistributions.read(try interpreterPath(root))
        #expect(installed.versions["psutil"] == "5.9.0")
        #expect(installed.versions["aio-http"] == "3.9.5")
        let context = PreflightContext(
            environment: ["VIRTUAL_ENV": root, "PATH": "\(root)/bin:/usr/bin:/bin"], workingDirectory: "/")
        let probed = try InstalledDistributions.probe(python: root + "/bin/python3", context: context).get()
        #expect(probed.versions == installed.versions)
    }

    @Test func whatOnlyPythonCanJudgeIsLeftToPython() throws {
        let (root, site) = try makeVenv("judged")
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(VenvSearchPath.directories(venv: root, environment: ["PYTHONPATH": "/opt/lib"]) == nil)
        #expect(VenvSearchPath.directories(venv: root, environment: ["PYTHONHOME": "/opt"]) == nil)
        #expect(VenvSearchPath.directories(venv: root, environment: ["PYTHONPATH": ""]) != nil)
        // A .pth file that runs code of its own could add anything.
        try write("import sys; sys.path.append('/opt/anything')\n", to: site + "/custom.pth")
        #expect(VenvSearchPath.directories(venv: root, environment: [:]) == nil)
        try FileManager.default.removeItem(atPath: site + "/custom.pth")
        #expect(VenvSearchPath.directories(venv: root, environment: [:]) != nil)
        // System site-packages (and the user's) come in: their rules are the interpreter's.
        let config = root + "/pyvenv.cfg"
        let text = try String(contentsOfFile: config, encoding: .utf8)
        try write(text.replacingOccurrences(of: "= false", with: "= true"), to: config)
        #expect(VenvSearchPath.directories(venv: root, environment: [:]) == nil)
        try write(
            text.split(separator: "\n").filter { !$0.hasPrefix("include-system-site-packages") }
                .joined(separator: "\n"), to: config)
        #expect(VenvSearchPath.directories(venv: root, environment: [:]) == nil, "a missing setting means true")
        // An environment whose interpreter's library is gone.
        try write("home = /nonexistent/bin\ninclude-system-site-packages = false\n", to: config)
        #expect(VenvSearchPath.directories(venv: root, environment: [:]) == nil)
    }
}
