import Foundation

/// Where a virtual environment's interpreter looks for installed packages,
/// worked out from the environment's own files the way CPython's `site`
/// module does, so that `verify-env` need not start Python (a third of its
/// run time) just to be told.
///
/// Only the plain case is answered: no `PYTHONPATH` or `PYTHONHOME`, no
/// system site-packages, a standard library found beside `home`, and `.pth`
/// files that add folders or run only the hooks setuptools, virtualenv and
/// editable installs write. Anything else is nil and the caller asks the
/// interpreter, so the answer is never a guess.
enum VenvSearchPath {
    /// The `sys.path` folders that exist, in the interpreter's order, for the
    /// environment rooted at `venv`; nil when only Python can say.
    static func directories(venv: String, environment: [String: String]) -> [String]? {
        for name in ["PYTHONPATH", "PYTHONHOME"] where !(environment[name] ?? "").isEmpty { return nil }
        guard let settings = settings(venv + "/pyvenv.cfg"), let home = settings["home"],
            settings["include-system-site-packages"]?.lowercased() ?? "true" != "true"
        else { return nil }
        guard let version = libraryVersion(venv: venv, settings: settings) else { return nil }
        // The standard library of the interpreter the environment was made from (no packages in
        // it as a rule, but the interpreter lists it, so it is read like any other folder).
        let base = URL(fileURLWithPath: home).deletingLastPathComponent().standardizedFileURL.path
        let library = "\(base)/lib/\(version)"
        guard FileManager.default.fileExists(atPath: library + "/os.py") else { return nil }
        var path: [String] = []
        for folder in [library, library + "/lib-dynload"] where isDirectory(folder) { path.append(folder) }
        let sitePackages = "\(venv)/lib/\(version)/site-packages"
        guard isDirectory(sitePackages) else { return path }
        path.append(sitePackages)
        guard let added = pthFolders(sitePackages) else { return nil }
        for folder in added where !path.contains(folder) { path.append(folder) }
        return path
    }

    /// `key = value` lines of pyvenv.cfg (keys lower-cased, as `site` reads them).
    static func settings(_ file: String) -> [String: String]? {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        var result: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            guard let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            result[key] = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        }
        return result
    }

    /// `pythonX.Y`: the one such folder under `venv/lib`, or the one pyvenv.cfg's version names.
    static func libraryVersion(venv: String, settings: [String: String]) -> String? {
        let found = ((try? FileManager.default.contentsOfDirectory(atPath: venv + "/lib")) ?? [])
            .filter { $0.hasPrefix("python") && isDirectory("\(venv)/lib/\($0)") }
        if found.count == 1 { return found[0] }
        guard let version = settings["version"] ?? settings["version_info"] else { return nil }
        let parts = version.split(separator: ".")
        guard parts.count >= 2 else { return nil }
        let name = "python\(parts[0]).\(parts[1])"
        return found.contains(name) ? name : nil
    }

    /// Folders the `.pth` files of a site folder add, in `site`'s order
    /// (files sorted by name, lines in order, only folders that exist); nil
    /// when a file runs code that is not one of the known hooks.
    static func pthFolders(_ site: String) -> [String]? {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: site)) ?? [])
            .filter { $0.hasSuffix(".pth") && !$0.hasPrefix(".") }.sorted()
        var folders: [String] = []
        for name in names {
            guard let text = try? String(contentsOfFile: "\(site)/\(name)", encoding: .utf8) else { continue }
            for raw in text.split(whereSeparator: \.isNewline) {
                if raw.hasPrefix("#") || raw.allSatisfy(\.isWhitespace) { continue }
                if raw.hasPrefix("import ") || raw.hasPrefix("import\t") {
                    guard knownHook(String(raw)) else { return nil }
                    continue
                }
                // `site` strips the line's end only.
                let line = String(raw.reversed().drop(while: \.isWhitespace).reversed())
                let folder =
                    (line.hasPrefix("/")
                    ? URL(fileURLWithPath: line)
                    : URL(fileURLWithPath: site).appendingPathComponent(line)).standardizedFileURL.path
                if FileManager.default.fileExists(atPath: folder) { folders.append(folder) }
            }
        }
        return folders
    }

    /// Code lines that change how modules are found but add no folder to
    /// `sys.path`: setuptools' distutils shim, virtualenv's patch, and the
    /// finders of editable installs.
    static func knownHook(_ line: String) -> Bool {
        line.hasPrefix("import os; var = 'SETUPTOOLS_USE_DISTUTILS'")
            || line.trimmingCharacters(in: .whitespaces) == "import _virtualenv"
            || (line.hasPrefix("import __editable___")
                && line.trimmingCharacters(in: .whitespaces).hasSuffix("_finder.install()"))
    }

    private static func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }
}
