import Foundation
import Testing

@testable import HedgeOpsKit

/// hedgeops's own memory: what `release()` unmaps, and that the process
/// goes on as before once it has.
struct MonitorMemoryTests {
    @Test func onlyFileMappingsAreReadAndTheirOwnPagesCounted() {
        let smaps = """
            00400000-00452000 r-xp 00000000 08:02 173521 /usr/bin/dbus-daemon
            Size:                328 kB
            Rss:                 200 kB
            Anonymous:             0 kB
            00651000-00652000 rw-p 00051000 08:02 173521 /usr/bin/dbus-daemon
            Rss:                   4 kB
            Anonymous:             4 kB
            7f1e5c000000-7f1e5c021000 rw-p 00000000 00:00 0
            Anonymous:           132 kB
            7f1e60000000-7f1e60010000 r--p 00010000 08:02 99 /lib/libz.so.1
            Anonymous:             8 kB
            VmFlags: rd mr mw me
            """
        let mappings = MonitorMemory.parse(smaps: Data(smaps.utf8))
        #expect(
            mappings == [
                .init(start: 0x40_0000, length: 0x52000, writable: false, anonymousKB: 0),
                .init(start: 0x65_1000, length: 0x1000, writable: true, anonymousKB: 4),
                .init(start: 0x7f1e_6000_0000, length: 0x10000, writable: false, anonymousKB: 8),
            ])
    }

    /// Release unmaps this very test's code and libraries: everything goes
    /// on (the pages come back when touched), and the resident set is smaller.
    @Test func afterAReleaseTheProcessRunsOnWithFewerPagesResident() throws {
        let mappings = MonitorMemory.fileMappings()
        #expect(mappings.contains { !$0.writable && $0.anonymousKB == 0 }, "code mappings are listed")
        // Touch a good deal of code and data first.
        let regex = try NSRegularExpression(pattern: "a(b+)c")
        let before = try #require(MonitorMemory.current())
        #expect(MonitorMemory.release() > 0)
        let after = try #require(MonitorMemory.current())
        #expect(after.residentMB < before.residentMB)
        // Code, read-only data and relocated data all still work.
        let text = "xxabbbcxx"
        let found = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text))
        #expect(found.map { (text as NSString).substring(with: $0.range(at: 1)) } == "bbb")
        #expect(JSONValue.object(["a": 1]).serialized == #"{"a":1}"#)
    }
}
