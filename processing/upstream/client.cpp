#include "upstream/client.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <thread>

#include "core/log.h"
#include "core/scrub.h"
#include "core/zip.h"
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

std::string logged_body(const Request& request, const std::string& body) {
    if (request.answer_secret())
        return "(not logged: it may hold a private key)";
    return loggable(looks_like_zip(body) ? "(a zip archive)" : body);
}

std::string path_of(const std::string& endpoint, const std::string& origin) {
    return endpoint.substr(origin.size());
}

bool is_not_found_status(const UpstreamError& error) {
    return error.failure() == UpstreamError::Failure::kHttp && error.http_status() == 404;
}

}  // namespace

bool should_retry(const UpstreamError& error, const Request& request, int retries_done,
                  int max_retries) {
    return !request.single_try() && error.retryable() && retries_done < max_retries;
}

long backoff_delay_ms(long first_delay_ms, int retries_done) {
    return first_delay_ms << std::min(retries_done, 16);
}

ApiClient::ApiClient(Connection connection)
    : connection_(std::move(connection)),
      origin_(url_origin(connection_.url)),
      endpoints_(endpoint_candidates(connection_.url)),
      http_(connection_) {}

XmlDoc ApiClient::call(const Request& request) {
    std::optional<XmlDoc> answer;
    with_retries(
        request, [] { return true; },
        [&](const std::string& endpoint) { answer.emplace(send(endpoint, request)); });
    return std::move(*answer);
}

HttpResponse ApiClient::fetch_file(const Request& request) {
    return fetch(request, [&](const HttpResponse& answer) {
        if (!is_file_download(answer.body))
            parse_document(answer.status, answer.body, origin_);  // throws what it is
    });
}

HttpResponse ApiClient::fetch_raw(const Request& request) {
    return fetch(request, [](const HttpResponse&) {});
}

HttpResponse ApiClient::fetch(const Request& request,
                              const std::function<void(const HttpResponse&)>& check) {
    HttpResponse answer;
    with_retries(
        request, [] { return true; },
        [&](const std::string& endpoint) {
            answer = exchange(endpoint, request);
            check_http_status(answer.status, origin_);
            check(answer);
        });
    return answer;
}

void ApiClient::stream(const Request& request, const ChunkSink& sink) {
    bool delivered = false;
    ChunkSink tracked = [&](std::string_view chunk) {
        delivered = true;
        sink(chunk);
    };
    with_retries(
        request, [&] { return !delivered; },
        [&](const std::string& endpoint) { send_streaming(endpoint, request, tracked); });
}

void ApiClient::with_retries(const Request& request, const std::function<bool()>& may_retry,
                             const Attempt& attempt) {
    for (int retries_done = 0;; ++retries_done) {
        try {
            with_fallback(attempt);
            return;
        } catch (const UpstreamError& error) {
            if (!may_retry() ||
                !should_retry(error, request, retries_done, connection_.read_retries))
                throw;
            if (!budget_allows(backoff_delay_ms(connection_.retry_delay_ms, retries_done))) {
                log_warning("upstream " + request.func() + " failed: " + error.message() +
                            "; no retry: the command's time budget of " +
                            std::to_string(connection_.command_budget_s) + " s is spent");
                throw;
            }
            wait_before_retry(request, error, retries_done);
        }
    }
}

void ApiClient::with_fallback(const Attempt& attempt) {
    for (size_t i = 0;; ++i) {
        try {
            attempt(endpoints_[i]);
            endpoints_ = {endpoints_[i]};
            return;
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

void ApiClient::log_request(const std::string& endpoint, const Request& request) const {
    if (Log::enabled(LogLevel::kDebug))
        log_debug("upstream request " + request.func() + " to " + endpoint + ": " +
                  loggable(public_body(request)));
}

HttpResponse ApiClient::exchange(const std::string& endpoint, const Request& request) {
    ++round_trips_;
    log_request(endpoint, request);
    std::string body = form_body(request, connection_.username, connection_.password);
    HttpResponse response = request.charging()
                                ? http_.post_form_once(endpoint, body, request.func())
                                : http_.post_form(endpoint, body);
    if (Log::enabled(LogLevel::kDebug))
        log_debug("upstream response to " + request.func() + " from " + path_of(endpoint, origin_) +
                  ": HTTP " + std::to_string(response.status) + ", " +
                  std::to_string(response.body.size()) +
                  " bytes: " + logged_body(request, response.body));
    return response;
}

XmlDoc ApiClient::send(const std::string& endpoint, const Request& request) {
    HttpResponse response = exchange(endpoint, request);
    return parse_document(response.status, response.body, origin_);
}

void ApiClient::send_streaming(const std::string& endpoint, const Request& request,
                               const ChunkSink& sink) {
    ++round_trips_;
    log_request(endpoint, request);
    size_t streamed = 0;
    HttpResponse response = http_.post_form_streaming(
        endpoint, form_body(request, connection_.username, connection_.password),
        [&](std::string_view chunk) {
            streamed += chunk.size();
            sink(chunk);
        });
    if (Log::enabled(LogLevel::kDebug))
        log_debug("upstream response to " + request.func() + " from " + path_of(endpoint, origin_) +
                  ": HTTP " + std::to_string(response.status) + ", " + std::to_string(streamed) +
                  " bytes streamed" +
                  (response.body.empty() ? "" : ": " + loggable(response.body)));
    check_http_status(response.status, origin_);
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

bool ApiClient::budget_allows(long delay_ms) const {
    auto spent = std::chrono::steady_clock::now() - started_ + std::chrono::milliseconds(delay_ms);
    return spent < std::chrono::seconds(connection_.command_budget_s);
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
