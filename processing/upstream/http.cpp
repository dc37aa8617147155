#include "upstream/http.h"

#include <cmath>
#include <exception>
#include <optional>

#include "upstream/url.h"

namespace pmb::upstream {
namespace {

// Collects the body and stops the transfer once it grows past the limit.
struct BodySink {
    std::string body;
    size_t limit;
    bool overflow = false;
};

size_t write_body(char* data, size_t size, size_t count, void* user) {
    auto* sink = static_cast<BodySink*>(user);
    size_t bytes = size * count;
    if (sink->body.size() + bytes > sink->limit) {
        sink->overflow = true;
        return 0;  // makes curl abort with CURLE_WRITE_ERROR
    }
    sink->body.append(data, bytes);
    return bytes;
}

// A streamed transfer: a 2xx body goes to the sink, any other body is collected.
struct StreamTarget {
    CURL* handle;
    const ChunkSink& sink;
    BodySink error_body;
    std::optional<bool> success;  // known at the first piece of the body
    std::exception_ptr failure;   // what the sink threw; curl is C and must not see it
};

bool is_success(long status) {
    return status >= 200 && status < 300;
}

size_t write_streamed(char* data, size_t size, size_t count, void* user) {
    auto* target = static_cast<StreamTarget*>(user);
    if (!target->success) {
        long status = 0;
        curl_easy_getinfo(target->handle, CURLINFO_RESPONSE_CODE, &status);
        target->success = is_success(status);
    }
    if (!*target->success)
        return write_body(data, size, count, &target->error_body);
    try {
        target->sink(std::string_view(data, size * count));
        return size * count;
    } catch (...) {
        target->failure = std::current_exception();
        return 0;  // makes curl abort with CURLE_WRITE_ERROR
    }
}

template <typename T>
void set_option(CURL* handle, CURLoption option, T value) {
    CURLcode code = curl_easy_setopt(handle, option, value);
    if (code != CURLE_OK)
        throw Error(errtype::kInternal, "curl", curl_easy_strerror(code),
                    std::string("cannot configure libcurl: ") + curl_easy_strerror(code));
}

void limit_protocols_to_http(CURL* handle) {
#if LIBCURL_VERSION_NUM >= 0x075500  // 7.85 replaced the bitmask option with a string one
    set_option(handle, CURLOPT_PROTOCOLS_STR, "http,https");
    set_option(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
    set_option(handle, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
    set_option(handle, CURLOPT_REDIR_PROTOCOLS,
               static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
}

bool is_connect_failure(CURLcode code) {
    switch (code) {
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
        case CURLE_COULDNT_CONNECT:
        case CURLE_OPERATION_TIMEDOUT:
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_ENGINE_NOTFOUND:
        case CURLE_SSL_ISSUER_ERROR:
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        case CURLE_SSL_INVALIDCERTSTATUS:
        case CURLE_SSL_CRL_BADFILE:
        case CURLE_UNSUPPORTED_PROTOCOL:
            return true;
        default:
            return false;
    }
}

// Certificate verification, CA files and the URL itself fail the same way every time.
bool is_permanent_failure(CURLcode code) {
    switch (code) {
        case CURLE_URL_MALFORMAT:
        case CURLE_UNSUPPORTED_PROTOCOL:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_ISSUER_ERROR:
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        case CURLE_SSL_CRL_BADFILE:
            return true;
        default:
            return false;
    }
}

}  // namespace

CurlHandle::CurlHandle() {
    static const CURLcode global_init = curl_global_init(CURL_GLOBAL_DEFAULT);
    handle_ = global_init == CURLE_OK ? curl_easy_init() : nullptr;
    if (!handle_)
        throw Error(errtype::kInternal, "curl", "", "cannot initialise libcurl");
}

CurlHandle::~CurlHandle() {
    curl_easy_cleanup(handle_);
}

CurlHeaders::~CurlHeaders() {
    curl_slist_free_all(list_);
}

void CurlHeaders::append(const std::string& header) {
    curl_slist* grown = curl_slist_append(list_, header.c_str());
    if (!grown)
        throw Error(errtype::kInternal, "curl", "", "cannot build the HTTP headers");
    list_ = grown;
}

HttpClient::HttpClient(const Connection& connection)
    : max_response_bytes_(connection.max_response_bytes) {
    configure_once(connection);
}

void HttpClient::configure_once(const Connection& connection) {
    CURL* h = handle_.get();
    set_option(h, CURLOPT_NOSIGNAL, 1L);  // timeouts must not rely on SIGALRM
    limit_protocols_to_http(h);
    set_option(h, CURLOPT_FOLLOWLOCATION, 0L);  // a redirect is reported, never followed
    // Verification is not configurable on purpose: there is no "insecure" mode.
    set_option(h, CURLOPT_SSL_VERIFYPEER, 1L);
    set_option(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!connection.ca_file.empty())
        set_option(h, CURLOPT_CAINFO, connection.ca_file.c_str());
    if (!connection.ca_path.empty())
        set_option(h, CURLOPT_CAPATH, connection.ca_path.c_str());
    set_option(h, CURLOPT_CONNECTTIMEOUT, connection.connect_timeout_s);
    set_option(h, CURLOPT_TIMEOUT, connection.timeout_s);
    set_option(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(max_response_bytes_));
    set_option(h, CURLOPT_ERRORBUFFER, error_buffer_);
    // gzip only: cheap for the upstream to produce on the fly (a tens-of-MB price list
    // compressed with brotli's default quality costs the server seconds) and still ~10x smaller.
    set_option(h, CURLOPT_ACCEPT_ENCODING, "gzip");
    set_option(h, CURLOPT_USERAGENT, "pmbillmgrssl/" PMB_VERSION);
    headers_.append("Content-Type: application/x-www-form-urlencoded");
    headers_.append("Expect:");  // no 100-continue round trip for large CSR bodies
    set_option(h, CURLOPT_HTTPHEADER, headers_.get());
    set_option(h, CURLOPT_POST, 1L);
}

CURLcode HttpClient::perform(const std::string& url, const std::string& body,
                             curl_write_callback write, void* target) {
    CURL* h = handle_.get();
    set_option(h, CURLOPT_URL, url.c_str());
    set_option(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    set_option(h, CURLOPT_POSTFIELDS, body.c_str());
    set_option(h, CURLOPT_WRITEFUNCTION, write);
    set_option(h, CURLOPT_WRITEDATA, target);
    error_buffer_[0] = '\0';
    return curl_easy_perform(h);
}

long HttpClient::status() const {
    long status = 0;
    curl_easy_getinfo(handle_.get(), CURLINFO_RESPONSE_CODE, &status);
    return status;
}

HttpResponse HttpClient::post_form(const std::string& url, const std::string& body) {
    return post_collected(url, body, "");
}

HttpResponse HttpClient::post_form_once(const std::string& url, const std::string& body,
                                        const std::string& func) {
    return post_collected(url, body, func);
}

HttpResponse HttpClient::post_collected(const std::string& url, const std::string& body,
                                        const std::string& charging_func) {
    const bool charging = !charging_func.empty();
    if (charging)
        use_own_connection(true);
    BodySink sink{{}, static_cast<size_t>(max_response_bytes_)};
    CURLcode code = perform(url, body, write_body, &sink);
    if (charging)
        use_own_connection(false);
    if (sink.overflow || code == CURLE_FILESIZE_EXCEEDED)
        throw too_large(url);
    if (code != CURLE_OK && charging && may_have_arrived(code))
        throw unknown_outcome(url, charging_func, code);
    if (code != CURLE_OK)
        throw transport_error(url, code);
    return {status(), std::move(sink.body)};
}

void HttpClient::use_own_connection(bool own) {
    set_option(handle_.get(), CURLOPT_FRESH_CONNECT, own ? 1L : 0L);
    set_option(handle_.get(), CURLOPT_FORBID_REUSE, own ? 1L : 0L);
}

HttpResponse HttpClient::post_form_streaming(const std::string& url, const std::string& body,
                                             const ChunkSink& sink) {
    CURL* h = handle_.get();
    StreamTarget target{h, sink, {{}, static_cast<size_t>(max_response_bytes_)}, {}, {}};
    set_option(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(0));  // 0: no limit
    CURLcode code = perform(url, body, write_streamed, &target);
    set_option(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(max_response_bytes_));
    if (target.failure)
        std::rethrow_exception(target.failure);
    if (target.error_body.overflow)
        throw too_large(url);
    if (code != CURLE_OK)
        throw transport_error(url, code);
    return {status(), std::move(target.error_body.body)};
}

UpstreamError HttpClient::too_large(const std::string& url) const {
    std::string what = "a response larger than " + std::to_string(max_response_bytes_) + " bytes";
    return UpstreamError(UpstreamError::Failure::kBadResponse, errtype::kBadResponse, "upstream",
                         url_origin(url) + ": " + what,
                         "the upstream " + url_origin(url) + " sent " + what);
}

std::string HttpClient::failure_reason(CURLcode code) const {
    if (code != CURLE_OPERATION_TIMEDOUT)
        return error_buffer_[0] ? error_buffer_ : curl_easy_strerror(code);
    // curl's own text counts milliseconds; whole seconds match the configured limits.
    double elapsed = 0;
    curl_easy_getinfo(handle_.get(), CURLINFO_TOTAL_TIME, &elapsed);
    return "timed out after " + std::to_string(std::lround(elapsed)) + " s";
}

// Only a failure before the connection was ready (DNS, refused, TLS handshake, a timeout
// while connecting) proves the request was never sent.
bool HttpClient::may_have_arrived(CURLcode code) const {
    if (code != CURLE_OPERATION_TIMEDOUT)
        return !is_connect_failure(code);
    double pretransfer = 0;
    curl_easy_getinfo(handle_.get(), CURLINFO_PRETRANSFER_TIME, &pretransfer);
    return pretransfer > 0;
}

UpstreamError HttpClient::unknown_outcome(const std::string& url, const std::string& func,
                                          CURLcode code) const {
    std::string origin = url_origin(url);
    std::string reason = failure_reason(code);
    return UpstreamError(UpstreamError::Failure::kTransport, errtype::kUnknownOutcome, func,
                         origin + ": " + reason,
                         "the outcome of " + func + " at " + origin + " is unknown (" + reason +
                             "): the upstream may have applied it; the next run checks the "
                             "upstream before charging again");
}

UpstreamError HttpClient::transport_error(const std::string& url, CURLcode code) const {
    std::string reason = failure_reason(code);
    std::string origin = url_origin(url);
    std::string message = is_connect_failure(code)
                              ? "cannot reach " + origin + ": " + reason
                              : "the request to " + origin + " failed: " + reason;
    UpstreamError error(UpstreamError::Failure::kTransport, errtype::kConnection, "url",
                        origin + ": " + reason, message);
    if (is_permanent_failure(code))
        error.make_permanent();
    return error;
}

}  // namespace pmb::upstream
