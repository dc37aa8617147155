// What the lifecycle needs from the upstream billing, in its own terms. The real
// implementation (UpstreamCertificateApi) turns each call into one or a few API functions;
// tests can substitute an in-memory one.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"

namespace pmb::upstream {

// How to reach the upstream: module settings plus the module config.
struct Connection {
    std::string url;  // bare host (https://api.ispmanager.com) or a full API URL
    std::string username;
    std::string password;
    std::string ca_file;
    std::string ca_path;
    long connect_timeout_s = 10;
    long timeout_s = 60;
    long max_response_bytes = 64L * 1024 * 1024;
    int read_retries = 3;
    long retry_delay_ms = 500;
};

struct Contact {
    std::string fname, lname, jtitle, email, phone, phone_country;
    bool operator==(const Contact& o) const {
        return fname == o.fname && lname == o.lname && jtitle == o.jtitle && email == o.email &&
               phone == o.phone && phone_country == o.phone_country;
    }
};

struct Approval {
    std::string method;               // auth_email | auth_dnstxt | auth_file
    std::vector<std::string> emails;  // one per domain: CN first, then the SANs
};

struct Subject {  // used only when the upstream generates the key (no local CSR)
    std::string cn, o, ou, l, st, email;
};

// A key pair and CSR made by the upstream (certificate.order.csr) for an order without a
// local CSR.
struct GeneratedKey {
    std::string csr;  // PEM
    std::string key;  // PEM private key: a secret
};

struct OrderRequest {
    std::string pricelist;  // upstream tariff id
    int period_months = 12;
    std::string remoteid;  // our item id, ties the upstream service to ours
    std::string csr;       // PEM, always sent
    std::string key;       // only with an upstream-made CSR: then crt_type=generate, else manual
    Subject subject;
    std::string altnames;  // space-separated SANs
    std::string country;   // BILLmanager country id, same directory on both sides
    Contact admin;
    Contact tech;
    std::vector<std::pair<std::string, std::string>> org;  // org_* fields as given
    Approval approval;
};

struct OrderResult {
    std::string id;  // the upstream certificate (item) id
};

struct UpstreamCertificate {
    std::string id, cn, altname, pricelist, createdate, expiredate, remoteid, status_msg;
    int period = 0;
    int item_status = 0;     // 1 ordered, 2 active, 3 suspended, 4 deleted, 5 processing
    int service_status = 0;  // 3 requested, 4 awaiting validation, 5 issued, 6 failed; 0 unknown
};

struct IssuedFile {
    std::string content;  // PEM, or base64 of a zip
    bool zip = false;
};

struct ReissueRequest {
    std::string crt_type;  // oldrequest | manual | altname
    std::string csr;       // with manual
    std::string altnames;  // with altname
    Approval approval;
};

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

private:
    Failure failure_;
    long http_status_;
};

class CertificateApi {
public:
    virtual ~CertificateApi() = default;
    // One cheap authenticated call; throws UpstreamError when it fails.
    virtual void check_access() = 0;
    // Costs nothing (the order's first wizard step): the upstream makes a key and CSR from
    // the request's subject, tariff and SANs.
    virtual GeneratedKey generate_key(const OrderRequest& request) = 0;
    // Spends money: sent once, never retried by the client.
    virtual OrderResult order(const OrderRequest& request) = 0;
    virtual std::vector<UpstreamCertificate> list() = 0;
    virtual UpstreamCertificate get(const std::string& id) = 0;
    virtual IssuedFile download(const std::string& id) = 0;
    virtual void reissue(const std::string& id, const ReissueRequest& request) = 0;
    // false when the upstream says the certificate is already gone.
    virtual bool remove(const std::string& id) = 0;
    // Spends money: sent once. Returns the new expiry date (YYYY-MM-DD).
    virtual std::string prolong(const std::string& id, int period_months) = 0;
};

}  // namespace pmb::upstream
