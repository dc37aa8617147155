// The upstream API client: one function call = one POST to the API endpoint, answered by a
// checked <doc>. It owns the endpoint choice, the retry policy and the round-trip count;
// what to call and how to read the answer live in functions.h and response.h.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "core/xml.h"
#include "model/upstream_error.h"
#include "upstream/connection.h"
#include "upstream/http.h"
#include "upstream/request.h"

namespace pmb::upstream {

// Whether a failed try is repeated: never a charging call (Request::mark_charging, the one place
// that says a call charges) nor a read marked single-try, only retryable failures, and at most
// max_retries extra tries.
bool should_retry(const UpstreamError& error, const Request& request, int retries_done,
                  int max_retries);

// The pause before extra try number retries_done + 1: first_delay_ms doubled each time.
long backoff_delay_ms(long first_delay_ms, int retries_done);

class ApiClient {
public:
    // The password is a secret registered with the Scrubber where it was read (module
    // params, check_connection input). Throws pmb::Error(value) for a URL
    // that is not http(s).
    explicit ApiClient(Connection connection);

    // Sends the request as call() does, but a 2xx answer that is a file (a zip or PEM text, see
    // is_file_download) is returned as it came; any other answer must be a good API document,
    // returned as its text. Throws UpstreamError.
    HttpResponse fetch_file(const Request& request);

    // Sends the request as call() does and returns any 2xx answer as it came, unchecked: for
    // the admin's probe, which shows what the upstream says whatever it is. Throws
    // UpstreamError for a failed transfer or another HTTP status.
    HttpResponse fetch_raw(const Request& request);

    // Sends the request (to the endpoint that works, see endpoint_candidates()) and returns
    // the checked answer. Throws UpstreamError.
    XmlDoc call(const Request& request);

    // Sends the request the same way, but a 2xx answer goes to sink piece by piece as it
    // arrives (HttpClient::post_form_streaming) and is checked by the sink's owner. A failure
    // is retried only until the first piece reached the sink: after that a retry would feed
    // it the start of the answer again. Throws UpstreamError, or what the sink throws.
    void stream(const Request& request, const ChunkSink& sink);

    // HTTP requests sent so far, retries and endpoint probes included.
    int round_trips() const { return round_trips_; }
    // scheme://host[:port] of the upstream, for messages.
    const std::string& origin() const { return origin_; }

private:
    using Attempt = std::function<void(const std::string& endpoint)>;
    // fetch_file and fetch_raw: a 2xx answer that check accepts (it throws what it is not).
    HttpResponse fetch(const Request& request,
                       const std::function<void(const HttpResponse&)>& check);
    // Runs attempt with retries (while may_retry() says so) and endpoint fallback.
    void with_retries(const Request& request, const std::function<bool()>& may_retry,
                      const Attempt& attempt);
    void with_fallback(const Attempt& attempt);
    HttpResponse exchange(const std::string& endpoint, const Request& request);
    XmlDoc send(const std::string& endpoint, const Request& request);
    void send_streaming(const std::string& endpoint, const Request& request, const ChunkSink& sink);
    void log_request(const std::string& endpoint, const Request& request) const;
    UpstreamError no_endpoint_found(const UpstreamError& last) const;
    void wait_before_retry(const Request& request, const UpstreamError& error, int retries_done);
    // Whether a retry after delay_ms still ends its wait within the command's time budget.
    bool budget_allows(long delay_ms) const;

    Connection connection_;
    std::string origin_;
    // Endpoints still in question; narrowed to the one that answered for the rest of the run.
    std::vector<std::string> endpoints_;
    HttpClient http_;
    int round_trips_ = 0;
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace pmb::upstream
