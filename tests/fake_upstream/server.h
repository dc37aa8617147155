// The HTTP(S) front: routes API paths, records requests, injects faults, serves /_admin/.
// The admin endpoints, fault kinds and answer-shape switches are listed in admin.h.
#pragma once

#include <httplib.h>

#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "shared.h"

namespace fake_upstream {

struct ServerOptions {
    int port = 0;
    std::string tls_dir;  // serve HTTPS with the CA and server certificate kept here
    std::string ca_dir;   // plain HTTP, but keep the issuing CA here
    Account account{"reseller@example.com", "secret"};
    Cents balance = 100000;
    std::vector<std::string> paths{"/billmgr", "/manager/billmgr"};
    bool list_without_remoteid = false;
    size_t large_export = 0;
    std::string log_file;
};

// What a request carried besides its query string.
struct RequestBody {
    std::string raw;
    std::vector<Param> form_fields;  // multipart/form-data, in order
};

class FakeServer {
public:
    explicit FakeServer(const ServerOptions& options);

    int bind();  // returns the bound port
    void run();  // serves until stopped

private:
    void route(const httplib::Request& req, httplib::Response& res, const RequestBody& body);
    void serve_api(const httplib::Request& req, httplib::Response& res, const ApiRequest& api);
    void apply_fault(const Fault& fault, const httplib::Request& req, httplib::Response& res,
                     const ApiRequest& api, const std::optional<Body>& committed);
    Body run_api(const ApiRequest& api);
    std::string answer_without_commit(const ApiRequest& api);
    bool is_api_path(const std::string& path) const;
    void log(long n, const httplib::Request& req, const std::string& func,
             const std::string& outcome);

    ServerOptions options_;
    Shared shared_;
    std::unique_ptr<httplib::Server> http_;
    std::mutex log_mutex_;
    std::ofstream log_;
};

}  // namespace fake_upstream
