import Foundation

/// A Python virtual environment is active: VIRTUAL_ENV is set and the
/// `python3` found first on PATH lives inside it.
enum VirtualEnvCheck {
    static func check(context: PreflightContext, fix: String?) -> Finding {
        let fix = fix ?? "source .venv/bin/activate"
        guard let venv = context.environment["VIRTUAL_ENV"], !venv.isEmpty else {
            return .fail("VIRTUAL_ENV is not set: no virtual environment is active", fix: fix)
        }
        guard FileManager.default.fileExists(atPath: venv + "/pyvenv.cfg") else {
            return .fail("VIRTUAL_ENV=\(venv) is not a virtual environment (no pyvenv.cfg)", fix: fix)
        }
        guard
            let python = ProcessRunner.resolveExecutable(
                "python3", environment: context.environment, workingDirectory: context.workingDirectory)
        else {
            return .fail("no python3 on PATH", fix: fix)
        }
        let venvBin = URL(fileURLWithPath: venv).standardizedFileURL.path + "/bin"
        let found = URL(fileURLWithPath: python).deletingLastPathComponent().standardizedFileURL.path
        guard found == venvBin else {
            return .fail("python3 on PATH is \(python), outside \(venv)", fix: "put \(venvBin) first on PATH (\(fix))")
        }
        return .pass("\(venv) active, python3 at \(python)")
    }

    /// The interpreter of the active virtual environment, if any.
    static func interpreter(context: PreflightContext) -> String? {
        guard let venv = context.environment["VIRTUAL_ENV"], !venv.isEmpty else { return nil }
        for name in ["python3", "python"] where FileManager.default.isExecutableFile(atPath: "\(venv)/bin/\(name)") {
            return "\(venv)/bin/\(name)"
        }
        return nil
    }
}
