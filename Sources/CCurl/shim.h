#ifndef HEDGEOPS_CCURL_SHIM_H
#define HEDGEOPS_CCURL_SHIM_H
#include <curl/curl.h>

/// curl_easy_setopt is variadic and does not import into Swift: one
/// non-variadic wrapper per argument type.
static inline CURLcode hedgeops_curl_setopt_long(CURL *h, CURLoption o, long v) {
    return curl_easy_setopt(h, o, v);
}
static inline CURLcode hedgeops_curl_setopt_string(CURL *h, CURLoption o, const char *v) {
    return curl_easy_setopt(h, o, v);
}
static inline CURLcode hedgeops_curl_setopt_pointer(CURL *h, CURLoption o, void *v) {
    return curl_easy_setopt(h, o, v);
}
typedef size_t (*hedgeops_curl_data_callback)(char *, size_t, size_t, void *);
static inline CURLcode hedgeops_curl_setopt_callback(CURL *h, CURLoption o, hedgeops_curl_data_callback v) {
    return curl_easy_setopt(h, o, v);
}
static inline CURLcode hedgeops_curl_getinfo_long(CURL *h, CURLINFO i, long *v) {
    return curl_easy_getinfo(h, i, v);
}
static inline CURLcode hedgeops_curl_getinfo_double(CURL *h, CURLINFO i, double *v) {
    return curl_easy_getinfo(h, i, v);
}
#endif
