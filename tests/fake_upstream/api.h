// The upstream BILLmanager functions (func=...) the module under test calls.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "model.h"
#include "xml_writer.h"

namespace fake_upstream {

struct Param {
    std::string name;
    std::string value;
    std::string source;  // "query" or "body"
};

struct ApiRequest {
    std::vector<Param> params;  // in the order received

    // The last occurrence wins (the body comes after the query string); "" when absent.
    std::string get(const std::string& name) const;
    bool has(const std::string& name) const;
};

struct ApiError {
    std::string type;
    std::string object;
    std::string value;
    std::string msg;
    bool object_param = true;  // the totp error carries no <param> children
};

XmlNode error_document(const ApiError& error);

// A response body produced piece by piece, so huge exports never sit in memory at once.
struct Body {
    size_t pieces = 0;
    std::function<std::string(size_t)> piece;

    std::string joined() const;
};

Body whole_body(std::string text);

struct ApiConfig {
    bool list_without_remoteid = false;
    size_t large_export = 0;
    std::string ca_pem;
};

// Runs func=... against the state (the caller holds the state lock). Application errors are
// answered as error documents, as the real upstream does.
Body handle_api(State& state, const ApiConfig& config, const ApiRequest& request);

}  // namespace fake_upstream
