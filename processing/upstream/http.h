// The only code that talks HTTP: a libcurl easy handle reused for every call of a command
// (one keep-alive connection for reads; a charging call gets a connection of its own), with TLS
// verification always on and hard limits on time and size (a streamed answer is not kept, so its
// consumer bounds the memory instead). It knows nothing about the API on top.
#pragma once

#include <curl/curl.h>

#include <functional>
#include <string>
#include <string_view>

#include "model/upstream_error.h"
#include "upstream/connection.h"

namespace pmb::upstream {

// Owns one CURL easy handle.
class CurlHandle {
public:
    CurlHandle();  // throws pmb::Error(internal) when libcurl cannot create a handle
    ~CurlHandle();
    CurlHandle(const CurlHandle&) = delete;
    CurlHandle& operator=(const CurlHandle&) = delete;

    CURL* get() const { return handle_; }

private:
    CURL* handle_;
};

// Owns a curl header list.
class CurlHeaders {
public:
    CurlHeaders() = default;
    ~CurlHeaders();
    CurlHeaders(const CurlHeaders&) = delete;
    CurlHeaders& operator=(const CurlHeaders&) = delete;

    void append(const std::string& header);
    curl_slist* get() const { return list_; }

private:
    curl_slist* list_ = nullptr;
};

struct HttpResponse {
    long status = 0;
    std::string body;
};

// Takes the body of an answer piece by piece, as curl receives it. May throw: the transfer is
// then aborted and the exception rethrown to the caller of post_form_streaming.
using ChunkSink = std::function<void(std::string_view chunk)>;

class HttpClient {
public:
    // Uses the transport settings of the connection: CA file/path, timeouts, size limit.
    explicit HttpClient(const Connection& connection);

    // POSTs an application/x-www-form-urlencoded body. Any HTTP status is returned as is.
    // Throws UpstreamError: kTransport (DNS, refused, TLS, timeout, broken connection) with
    // type errtype::kConnection, or kBadResponse when the body exceeds max_response_bytes.
    HttpResponse post_form(const std::string& url, const std::string& body);

    // The same POST for a call that charges (named func in messages), on a fresh connection
    // closed afterwards: on a reused one libcurl re-sends a POST by itself when the connection
    // dies before the first byte of the answer, and the upstream would charge twice. A failure
    // after the request may have arrived says the outcome is unknown, not "cannot reach".
    HttpResponse post_form_once(const std::string& url, const std::string& body,
                                const std::string& func);

    // The same POST, on the same handle, but the body of a 2xx answer goes to sink as it
    // arrives and is not kept: its size is not limited by max_response_bytes, the sink bounds
    // what it keeps. The body of any other status is returned (within max_response_bytes) for
    // the error message. Throws as post_form does, or what the sink threw.
    HttpResponse post_form_streaming(const std::string& url, const std::string& body,
                                     const ChunkSink& sink);

private:
    void configure_once(const Connection& connection);
    CURLcode perform(const std::string& url, const std::string& body, curl_write_callback write,
                     void* target);
    long status() const;
    // The whole answer, within max_response_bytes; a non-empty charging_func makes it
    // post_form_once.
    HttpResponse post_collected(const std::string& url, const std::string& body,
                                const std::string& charging_func);
    UpstreamError too_large(const std::string& url) const;
    UpstreamError transport_error(const std::string& url, CURLcode code) const;
    std::string failure_reason(CURLcode code) const;
    bool may_have_arrived(CURLcode code) const;
    UpstreamError unknown_outcome(const std::string& url, const std::string& func,
                                  CURLcode code) const;
    void use_own_connection(bool own);

    CurlHandle handle_;
    CurlHeaders headers_;
    char error_buffer_[CURL_ERROR_SIZE] = {};
    long max_response_bytes_;
};

}  // namespace pmb::upstream
