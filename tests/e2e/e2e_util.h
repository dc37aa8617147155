// Assertion helpers shared by the end-to-end tests.
#pragma once

#include <doctest/doctest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "core/error.h"
#include "harness.h"

namespace pmtest {

// A multi-domain order (upstream tariff 117) for example.com with www.example.com.
inline CertificateOrderOptions multidomain_order() {
    CertificateOrderOptions o;
    o.tariff = "positivessl-multidomain";
    o.upstream_pricelist = "117";
    o.cn = "example.com";
    o.altnames = {"www.example.com"};
    return o;
}

inline std::string error_type(const ModuleResult& r) {
    auto pos = r.out.find("<error type=\"");
    if (pos == std::string::npos)
        return "";
    pos += 13;
    return r.out.substr(pos, r.out.find('"', pos) - pos);
}

// The calls made, func by func, with the checked params equal.
inline void expect_call(const MgrctlCall& call, const std::string& func,
                        const std::vector<std::pair<std::string, std::string>>& params) {
    INFO(describe(call));
    CHECK(call.func == func);
    for (const auto& [name, value] : params) {
        CHECK_MESSAGE(call.has(name), name);
        CHECK_MESSAGE(call.param(name) == value, name);
    }
}

inline void expect_request(const Request& request, const std::string& func,
                           const std::vector<std::pair<std::string, std::string>>& params) {
    CHECK(request.func == func);
    CHECK(request.method == "POST");
    CHECK(request.query.empty());
    for (const auto& [name, value] : params)
        CHECK_MESSAGE(request.param(name) == value, name);
}

using Funcs = std::vector<std::string>;

// YYYY-MM-DD plus whole months (the day is kept; test dates are early in the month or safe).
inline std::string add_months(const std::string& date, int months) {
    int y = std::stoi(date.substr(0, 4)), m = std::stoi(date.substr(5, 2)) + months;
    y += (m - 1) / 12;
    m = (m - 1) % 12 + 1;
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%s", y, m, date.substr(8, 2).c_str());
    return buf;
}

// The upstream certificates ordered for one local service (found by remoteid).
inline std::vector<CertificateState> orders_of(World& w, int item) {
    std::vector<CertificateState> out;
    for (auto& cert : w.upstream.state())
        if (cert.remoteid == std::to_string(item))
            out.push_back(cert);
    return out;
}

// The one certificate ordered for the service; an empty one (and a failed check) otherwise, so
// one broken case does not stop the rest of a table.
inline CertificateState the_order(World& w, int item) {
    auto orders = orders_of(w, item);
    CHECK(orders.size() == 1);
    return orders.empty() ? CertificateState{} : orders.front();
}

}  // namespace pmtest
