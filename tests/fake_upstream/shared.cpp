#include "shared.h"

#include <map>

namespace fake_upstream {

namespace {

const std::map<std::string, FaultKind>& fault_kinds() {
    static const std::map<std::string, FaultKind> kKinds = {
        {"delay", FaultKind::kDelay},
        {"hang", FaultKind::kHang},
        {"http500", FaultKind::kHttp500},
        {"http502", FaultKind::kHttp502},
        {"truncated", FaultKind::kTruncated},
        {"empty", FaultKind::kEmpty},
        {"html", FaultKind::kHtml},
        {"error_xml", FaultKind::kErrorXml},
        {"drop_after_commit", FaultKind::kDropAfterCommit},
        {"hang_after_commit", FaultKind::kHangAfterCommit},
        {"drop_silently_after_commit", FaultKind::kDropSilentlyAfterCommit},
        {"partial", FaultKind::kPartial},
        {"trickle", FaultKind::kTrickle},
        {"proxy_4xx", FaultKind::kProxy4xx},
    };
    return kKinds;
}

}  // namespace

std::optional<FaultKind> parse_fault_kind(const std::string& name) {
    auto it = fault_kinds().find(name);
    if (it == fault_kinds().end())
        return std::nullopt;
    return it->second;
}

std::string fault_kind_name(FaultKind kind) {
    for (const auto& [name, value] : fault_kinds()) {
        if (value == kind)
            return name;
    }
    return "unknown";
}

long Shared::record(RecordedRequest request) {
    request.n = ++request_counter;
    requests.push_back(std::move(request));
    return request_counter;
}

// A committing request carries sok (the upstream's "submit" flag); forms and reads do not.
long Shared::count(const std::string& func, bool only_committing) const {
    long total = 0;
    for (const auto& request : requests) {
        if (request.func != func)
            continue;
        bool committing = !ApiRequest{request.params}.get("sok").empty();
        if (!only_committing || committing)
            ++total;
    }
    return total;
}

std::optional<Fault> Shared::take_fault(const std::string& func) {
    for (auto it = faults.begin(); it != faults.end(); ++it) {
        if (it->func != func && it->func != "*")
            continue;
        if (it->skip > 0) {
            --it->skip;
            continue;
        }
        Fault fault = *it;
        if (it->remaining > 0 && --it->remaining == 0)
            faults.erase(it);
        return fault;
    }
    return std::nullopt;
}

}  // namespace fake_upstream
