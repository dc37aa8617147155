#include "upstream/client.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "core/log.h"
#include "core/scrub.h"
#include "upstream/response.h"
#include "upstream/url.h"

namespace pmb::upstream {
namespace {

constexpr size_t kLoggedBodyLimit = 64 * 1024;

// Scrubbed before cutting, so a secret is never split into an unrecognisable half.
std::string loggable(const std::string& text) {
    std::string clean = Scrubber::global().clean(text.substr(0, kLoggedBodyLimit + 4096));
    if (text.size() <= kLoggedBodyLimit && clean.size() <= kLoggedBodyLimit)
        return clean;
    return clean.substr(0, kLoggedBodyLimit) + "… (" + std::to_string(text.size()) +
           " bytes in all)";
}

std::string path_of(const std::string& endpoint, const std::string& origin) {
    return endpoint.substr(origin.size());
}

bool is_not_found_status(const UpstreamError& error) {
    return error.failure() == UpstreamError::Failure::kHttp && error.http_status() == 404;
}

}  // namespace

bool should_retry(const UpstreamError& error, Retry retry, int retries_done, int max_retries) {
    return retry == Retry::kRead && error.retryable() && retries_done < max_retries;
}

long backoff_delay_ms(long first_delay_ms, int retries_done) {
    return first_delay_ms << std::min(retries_done, 16);
}

ApiClient::ApiClient(Connection connection)
    : connection_(std::move(connection)),
      origin_(url_origin(connection_.url)),
      endpoints_(endpoint_candidates(connection_.url)),
      http_(connection_) {
    Scrubber::global().add_secret(connection_.password);
}

XmlDoc ApiClient::call(const Request& request, Retry retry) {
    for (int retries_done = 0;; ++retries_done) {
        try {
            return call_with_fallback(request);
        } catch (const UpstreamError& error) {
            if (!should_retry(error, retry, retries_done, connection_.read_retries))
                throw;
            wait_before_retry(request, error, retries_done);
        }
    }
}

XmlDoc ApiClient::call_with_fallback(const Request& request) {
    for (size_t i = 0;; ++i) {
        try {
            XmlDoc doc = send(endpoints_[i], request);
            endpoints_ = {endpoints_[i]};
            return doc;
        } catch (const UpstreamError& error) {
            bool path_unknown = is_not_found_status(error);
            if (!path_unknown && error.failure() != UpstreamError::Failure::kTransport)
                endpoints_ = {endpoints_[i]};  // an API answer, even an error, proves the path
            if (!path_unknown)
                throw;
            if (i + 1 == endpoints_.size())
                throw no_endpoint_found(error);
        }
    }
}

XmlDoc ApiClient::send(const std::string& endpoint, const Request& request) {
    ++round_trips_;
    if (Log::enabled(LogLevel::kDebug))
        log_debug("upstream request " + request.func() + " to " + endpoint + ": " +
                  loggable(public_body(request)));
    HttpResponse response =
        http_.post_form(endpoint, form_body(request, connection_.username, connection_.password));
    if (Log::enabled(LogLevel::kDebug))
        log_debug("upstream response to " + request.func() + " from " + path_of(endpoint, origin_) +
                  ": HTTP " + std::to_string(response.status) + ", " +
                  std::to_string(response.body.size()) + " bytes: " + loggable(response.body));
    return parse_document(response.status, response.body, origin_);
}

UpstreamError ApiClient::no_endpoint_found(const UpstreamError& last) const {
    if (endpoints_.size() < 2)
        return last;
    std::string tried;
    for (const std::string& endpoint : endpoints_)
        tried += (tried.empty() ? "" : " and ") + path_of(endpoint, origin_);
    return UpstreamError(
        last.failure(), last.type(), last.object(), last.value(),
        "the upstream " + origin_ + " answered HTTP 404 at " + tried + "; check the URL",
        last.http_status());
}

void ApiClient::wait_before_retry(const Request& request, const UpstreamError& error,
                                  int retries_done) {
    long delay = backoff_delay_ms(connection_.retry_delay_ms, retries_done);
    log_warning("upstream " + request.func() + " failed: " + error.message() + "; try " +
                std::to_string(retries_done + 2) + " of " +
                std::to_string(connection_.read_retries + 1) + " in " + std::to_string(delay) +
                " ms");
    std::this_thread::sleep_for(std::chrono::milliseconds(delay));
}

}  // namespace pmb::upstream
