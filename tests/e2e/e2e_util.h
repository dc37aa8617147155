// Assertion helpers shared by the end-to-end tests.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "harness.h"
#include "scrub_property.h"

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

// An expected param value: this text exactly, or any text that starts with a prefix (for a
// value with a time or a snapshot in it, such as a charge marker).
struct Value {
    Value(const char* exact) : text(exact) {}
    Value(std::string exact) : text(std::move(exact)) {}
    static Value prefix(std::string start) {
        Value v(std::move(start));
        v.is_prefix = true;
        return v;
    }
    // A SHA-256 in hex (a fingerprint the test cannot compute without the module's code).
    static Value sha256() {
        Value v("64 hex digits");
        v.is_sha256 = true;
        return v;
    }
    bool matches(const std::string& value) const {
        if (is_sha256)
            return value.size() == 64 &&
                   value.find_first_not_of("0123456789abcdef") == std::string::npos;
        return is_prefix ? value.compare(0, text.size(), text) == 0 : value == text;
    }
    std::string text;
    bool is_prefix = false;
    bool is_sha256 = false;
};
using ExactParams = std::vector<std::pair<std::string, Value>>;

// Every param given once with a matching value, and no other param (func aside).
inline void expect_exact_params(const std::vector<std::pair<std::string, std::string>>& actual,
                                const ExactParams& expected) {
    std::vector<std::string> names, expected_names;
    for (const auto& [name, value] : actual)
        if (name != "func")
            names.push_back(name);
    for (const auto& [name, value] : expected) {
        expected_names.push_back(name);
        auto found = std::find_if(actual.begin(), actual.end(),
                                  [&](const auto& param) { return param.first == name; });
        const std::string wanted = (value.is_prefix ? "like " : "") + value.text;
        CHECK_MESSAGE((found != actual.end() && value.matches(found->second)),
                      name << " is not " << wanted);
    }
    auto joined = [](std::vector<std::string> list) {
        std::sort(list.begin(), list.end());
        std::string out;
        for (const auto& name : list)
            out += name + " ";
        return out;
    };
    CHECK(joined(names) == joined(expected_names));
}

// The mgrctl call with exactly these params: all of them, and nothing else.
inline void expect_call_exact(const MgrctlCall& call, const std::string& func,
                              const ExactParams& params) {
    INFO(describe(call));
    CHECK(call.func == func);
    expect_exact_params(call.params, params);
}

// The upstream request as it must travel (a form POST, nothing in the URL) with exactly these
// params, the credentials and the answer format included: all of them, and nothing else.
inline void expect_request_exact(const Request& request, const std::string& func,
                                 const ExactParams& params) {
    CHECK(request.func == func);
    CHECK(request.method == "POST");
    CHECK(request.query.empty());
    std::string sent;
    for (const auto& [name, value] : request.params)
        sent += " " + name + "=" + value.substr(0, 40);
    INFO(func << " sent:" << sent);
    expect_exact_params(request.params, params);
}

// The distinctive middle of a PEM key: a line of its base64 body.
inline std::string key_fingerprint(const std::string& pem) {
    auto start = pem.find('\n') + 1;
    return pem.substr(start, 48);
}

// Every line of a PEM key's base64 body: any of them found is a part of the key leaked.
inline std::vector<std::string> key_lines(const std::string& pem) {
    std::vector<std::string> lines;
    std::istringstream in(pem);
    for (std::string line; std::getline(in, line);)
        if (!line.empty() && line.rfind("-----", 0) != 0)
            lines.push_back(line);
    return lines;
}

// No secret in any encoding the scrubber hides, nor a mix of them (scrub_property.h decodes
// the text every way at every position).
inline void expect_absent(const std::string& where, const std::string& text,
                          const std::vector<std::string>& secrets) {
    for (const auto& secret : secrets) {
        const std::optional<size_t> at = scrub::surviving_at(text, secret);
        INFO(where << " must not contain an encoding of a secret (" << secret.substr(0, 12)
                   << "…)");
        CHECK_MESSAGE(!at, "found at " << at.value_or(0) << ": "
                                       << text.substr(at.value_or(0) > 20 ? *at - 20 : 0, 120));
    }
}

// YYYY-MM-DD HH:MM:SS
inline bool is_datetime(const std::string& text) {
    if (text.size() != 19)
        return false;
    for (size_t i = 0; i < text.size(); ++i) {
        char expected = i == 4 || i == 7 ? '-' : i == 10 ? ' ' : i == 13 || i == 16 ? ':' : '0';
        bool ok = expected == '0' ? std::isdigit(static_cast<unsigned char>(text[i])) != 0
                                  : text[i] == expected;
        if (!ok)
            return false;
    }
    return true;
}

// processing.savebalance with exactly these params: the module, the balance in the fake
// upstream's currency (EUR), the time of the reading, sok.
inline void expect_savebalance(const MgrctlCall& call, int module, const std::string& balance) {
    INFO(describe(call));
    CHECK(call.func == "processing.savebalance");
    std::vector<std::string> names;
    for (const auto& param : call.params)
        names.push_back(param.first);
    CHECK(names == std::vector<std::string>{"processingmodule", "balance", "currency",
                                            "notify_time", "sok"});
    CHECK(call.param("processingmodule") == std::to_string(module));
    CHECK(call.param("balance") == balance);
    CHECK(call.param("currency") == "EUR");
    CHECK(is_datetime(call.param("notify_time")));
    CHECK(call.param("sok") == "ok");
}

// func=whoami as it must travel: authinfo in the POST body, never the URL.
inline void expect_whoami(const Request& request) {
    CHECK(request.func == "whoami");
    CHECK(request.method == "POST");
    CHECK(request.query.empty());
    CHECK(request.source("authinfo") == "body");
    CHECK(request.param("authinfo") == std::string(kUpstreamUser) + ":" + kUpstreamPassword);
    CHECK(request.param("out") == "xml");
    CHECK_FALSE(request.has("sok"));
}

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

// The records of a regressions file (soak_regressions.txt, kill_regressions.txt): numbers
// separated by spaces, one record a line, '#' starting a comment line; the first is a seed
// that once failed, replayed before any new seed.
inline std::vector<std::vector<unsigned long>> regression_records(const std::string& path) {
    std::vector<std::vector<unsigned long>> records;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
        std::istringstream words(line);
        std::vector<unsigned long> numbers;
        for (unsigned long n = 0; line[0] != '#' && words >> n;)
            numbers.push_back(n);
        if (!numbers.empty())
            records.push_back(numbers);
    }
    return records;
}

// The seed the environment variable gives, or a fresh one: the caller prints it.
inline unsigned seed_from_environment(const char* variable) {
    const char* given = std::getenv(variable);
    if (given && *given)
        return static_cast<unsigned>(std::strtoul(given, nullptr, 10));
    return static_cast<unsigned>(std::random_device{}() & 0x7fffffff);
}

}  // namespace pmtest
