// How a call to the upstream fails: thrown by the transport (upstream/), read by the
// lifecycle, which decides from failure() what to do.
#pragma once

#include <string>

#include "core/error.h"

namespace pmb {

// Every failure of an upstream call. The command layer decides from failure() what to do.
class UpstreamError : public Error {
public:
    enum class Failure {
        kAuth,         // wrong credentials
        kTwoFactor,    // the account needs a second factor
        kNotFound,     // the upstream says the object does not exist
        kBalance,      // not enough money upstream
        kApi,          // any other error document from the upstream
        kTransport,    // DNS, refused, TLS, reset, timeout: the request may or may not have arrived
        kHttp,         // an HTTP error status
        kBadResponse,  // not an API document: HTML, empty, truncated, not XML
    };
    UpstreamError(Failure failure, std::string type, std::string object, std::string value,
                  const std::string& message, long http_status = 0);

    Failure failure() const { return failure_; }
    long http_status() const { return http_status_; }
    bool retryable() const override;
    // A failure that no retry can change (the server's certificate does not verify, the CA
    // file is unreadable, the URL is malformed): it is never repeated.
    UpstreamError& make_permanent() {
        permanent_ = true;
        return *this;
    }

private:
    Failure failure_;
    long http_status_;
    bool permanent_ = false;
};

}  // namespace pmb
