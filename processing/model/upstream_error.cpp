#include "model/upstream_error.h"

namespace pmb {

UpstreamError::UpstreamError(Failure failure, std::string type, std::string object,
                             std::string value, const std::string& message, long http_status)
    : Error(std::move(type), std::move(object), std::move(value), message),
      failure_(failure),
      http_status_(http_status) {}

bool UpstreamError::retryable() const {
    if (permanent_)
        return false;
    switch (failure_) {
        case Failure::kTransport:
        case Failure::kBadResponse:
            return true;
        case Failure::kHttp:
            return http_status_ >= 500;
        default:
            return false;
    }
}

}  // namespace pmb
