// Starts the fake upstream billing (tests/fake_upstream) and drives its /_admin/ endpoints.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "process.h"

namespace pmtest {

struct FakeUpstreamOptions {
    bool tls = true;
    std::vector<std::string> paths;  // empty: the fake's default (/billmgr and /manager/billmgr)
    std::string user;                // empty: reseller@example.com
    std::string password;            // empty: secret
    bool list_without_remoteid = false;
    int large_export = 0;
    std::string tls_dir;  // empty: a fresh temporary directory (removed afterwards)
    std::string balance;  // empty: 1000.00
    int lifetime_seconds = 600;
    std::string log_file;  // empty: no request log
};

// One API request as the fake recorded it.
struct Request {
    std::string method, path, query, content_type, func;
    int client_port = 0;  // the client's source port: equal ports = one reused connection
    std::vector<std::pair<std::string, std::string>> params;  // in the order received
    std::vector<std::string> sources;                         // "query" or "body", per param

    std::string param(const std::string& name) const;  // the last occurrence; "" when absent
    bool has(const std::string& name) const;
    std::string source(const std::string& name) const;  // where param(name) came from
};

struct CertificateState {
    std::string id, CN, altname, pricelist, period, createdate, expiredate, item_status,
        service_status, status_msg, remoteid, approver_method, csr, crt, reissue_count;
    std::map<std::string, std::string> fields;  // every element, including the above

    std::string field(const std::string& name) const;  // "" when absent
};

// A constructor rather than an aggregate so that {2, 300} compiles under -Wextra -Werror.
struct FaultOptions {
    FaultOptions(int count = 1, int delay_ms = -1, std::string type = "", std::string object = "",
                 std::string msg = "")
        : count(count),
          delay_ms(delay_ms),
          type(std::move(type)),
          object(std::move(object)),
          msg(std::move(msg)) {}

    int count;                      // 0 = every matching request
    int delay_ms;                   // -1: the kind's default (delay 1000, hang 120000, trickle 500)
    std::string type, object, msg;  // for kind error_xml
    int skip = 0;                   // let this many matching requests through first
    bool commit = false;            // kinds partial and trickle: apply the request first
};

// Form encoding as curl and browsers send it: RFC 3986 unreserved characters kept, the rest %XX.
std::string percent_encode(const std::string& text);
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& params);

class FakeUpstream {
public:
    using Options = FakeUpstreamOptions;

    FakeUpstream(const std::string& executable, FakeUpstreamOptions options = {});
#ifdef FAKE_UPSTREAM_EXE
    explicit FakeUpstream(FakeUpstreamOptions options = {})
        : FakeUpstream(FAKE_UPSTREAM_EXE, std::move(options)) {}
#endif
    ~FakeUpstream();
    FakeUpstream(const FakeUpstream&) = delete;
    FakeUpstream& operator=(const FakeUpstream&) = delete;

    int port() const {
        return port_;
    }
    pid_t pid() const {
        return child_.pid();
    }
    bool tls() const {
        return options_.tls;
    }
    std::string base_url() const;  // https://127.0.0.1:PORT (http:// without TLS)
    std::string ca_file() const;   // the test CA (also signs issued certificates)
    std::string user() const;
    std::string password() const;

    // "issued", "failed" or "pending"; returns the certificate's expiredate.
    std::string advance(const std::string& id, const std::string& to = "issued");
    std::string advance(long id, const std::string& to = "issued");
    void set_zip(const std::string& id, bool on = true);
    void set_zip(long id, bool on = true);
    // count cheap certificates (admin bulk): "issued", "pending" or "deleted"; remoteid_from > 0
    // numbers their remoteids. Returns the first id; the others follow it.
    long add_bulk(int count, const std::string& status = "issued", int remoteid_from = 0);
    void set_expiry(long id, const std::string& date);
    void forget(long id);
    std::vector<Request> requests();
    void clear_requests();
    int count(const std::string& func);
    int count_requests(const std::string& func) {
        return count(func);
    }
    // Only the requests that carried sok (the ones that can charge or change something).
    int count_committing(const std::string& func);
    std::vector<CertificateState> state();
    std::string balance();  // e.g. "990.00"
    void set_balance(const std::string& amount);
    void set_two_factor(bool on);
    void fault(const std::string& func, const std::string& kind, const FaultOptions& options = {});
    void clear_faults();
    // An answer shape switch (admin.h); returns the admin answer (file_with_private_key: the
    // appended key in /doc/key).
    std::string set_shape(const std::string& name, bool on = true,
                          const std::vector<std::pair<std::string, std::string>>& extra = {});
    void clear_shapes();

    // GET /_admin/<endpoint>?<params>; returns the XML body, throws unless HTTP 200.
    std::string admin(const std::string& endpoint,
                      const std::vector<std::pair<std::string, std::string>>& params = {});

private:
    Options options_;
    std::string ca_dir_;
    bool own_ca_dir_ = false;
    Child child_;
    int port_ = 0;
};

}  // namespace pmtest
