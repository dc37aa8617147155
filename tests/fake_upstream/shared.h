// Everything the HTTP handlers share; one mutex guards the mutable parts.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "api.h"
#include "crypto.h"
#include "model.h"

namespace fake_upstream {

struct RecordedRequest {
    long n = 0;
    std::string method;
    std::string path;
    std::string query;
    std::string content_type;
    std::string func;
    std::vector<Param> params;
    int client_port = 0;  // the client's source port: equal ports = one reused connection
};

enum class FaultKind {
    kDelay,
    kHang,
    kHttp500,
    kHttp502,
    kTruncated,
    kEmpty,
    kHtml,
    kErrorXml,
    kDropAfterCommit,
    kHangAfterCommit,
    kDropSilentlyAfterCommit,
    kPartial,
    kTrickle,
    kProxy4xx,
};

std::optional<FaultKind> parse_fault_kind(const std::string& name);
std::string fault_kind_name(FaultKind kind);

struct Fault {
    std::string func;  // "*" matches every func
    FaultKind kind = FaultKind::kDelay;
    int remaining = 1;  // 0 = forever
    int skip = 0;       // matching requests let through untouched before the fault fires
    int delay_ms = 0;
    bool commit = false;  // kPartial / kTrickle / kProxy4xx: apply the request before answering
    ApiError error;       // for kErrorXml
};

struct Shared {
    std::mutex mutex;
    State state;
    ApiConfig config;
    Authority ca;
    std::vector<RecordedRequest> requests;
    long request_counter = 0;
    std::vector<Fault> faults;

    // All need the mutex held.
    long record(RecordedRequest request);
    long count(const std::string& func, bool only_committing) const;
    std::optional<Fault> take_fault(const std::string& func);
};

}  // namespace fake_upstream
