import CCurl
import CEditLine
import Testing

/// The system-library targets link and their shims call through.
struct SystemLibraryTests {
    @Test func libcurlLinksAndTheSetoptShimWorks() throws {
        let version = String(cString: curl_version())
        #expect(version.hasPrefix("libcurl/"))
        let handle = try #require(curl_easy_init())
        defer { curl_easy_cleanup(handle) }
        #expect(hedgeops_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, 1000) == CURLE_OK)
        #expect(hedgeops_curl_setopt_string(handle, CURLOPT_URL, "http://127.0.0.1:9/") == CURLE_OK)
    }

    @Test func libeditLinksAndItsHistoryShimWorks() throws {
        let history = try #require(history_init())
        defer { history_end(history) }
        var event = HistEvent()
        #expect(hedgeops_history_setsize(history, &event, 100) >= 0)
        #expect(hedgeops_history_enter(history, &event, "status") >= 0)
    }
}
