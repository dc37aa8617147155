// The only code that talks HTTP: a libcurl easy handle reused for every call of a command
// (one keep-alive connection), with TLS verification always on and hard limits on time and
// size. It knows nothing about the API on top.
#pragma once

#include <curl/curl.h>

#include <string>

#include "upstream/certificate_api.h"

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

class HttpClient {
public:
    // Uses the transport settings of the connection: CA file/path, timeouts, size limit.
    explicit HttpClient(const Connection& connection);

    // POSTs an application/x-www-form-urlencoded body. Any HTTP status is returned as is.
    // Throws UpstreamError: kTransport (DNS, refused, TLS, timeout, broken connection) with
    // type errtype::kConnection, or kBadResponse when the body exceeds max_response_bytes.
    HttpResponse post_form(const std::string& url, const std::string& body);

private:
    void configure_once(const Connection& connection);
    UpstreamError transport_error(const std::string& url, CURLcode code) const;

    CurlHandle handle_;
    CurlHeaders headers_;
    char error_buffer_[CURL_ERROR_SIZE] = {};
    long max_response_bytes_;
};

}  // namespace pmb::upstream
