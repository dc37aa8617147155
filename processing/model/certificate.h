// The certificate data both sides speak: what the lifecycle asks the upstream for (orders,
// reissues) and what the upstream answers (its certificates, issued files). Plain data with
// no behaviour, so lifecycle/ (which uses it) and upstream/ (which turns it into API calls)
// share it without depending on each other. In namespace pmb, as the folder is: only
// upstream/ is pmb::upstream.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace pmb {

struct Contact {
    std::string fname, lname, jtitle, email, phone, phone_country;
    bool operator==(const Contact& o) const {
        return fname == o.fname && lname == o.lname && jtitle == o.jtitle && email == o.email &&
               phone == o.phone && phone_country == o.phone_country;
    }
};

struct Approval {
    std::string method;               // auth_email | auth_dnstxt | auth_file
    std::vector<std::string> emails;  // auth_email only: one per domain, CN first, then the SANs
    std::string file_protocol = {};   // auth_file only: "on" (https) or "off" (http)
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
    // The status cells as the upstream wrote them (localized text), and the fingerprint of the
    // certificate the form carries (empty when it carries none): what a charge guard compares.
    std::string item_status_text, status_text, crt_sha256;
    // certificate.edit only: every text field of the form, in order; domain validation data
    // is among them under names that are not public (lifecycle/validation_data.h).
    std::vector<std::pair<std::string, std::string>> fields;
    int period = 0;
    int item_status = 0;     // kItem* of model/status.h; 0 unknown
    int service_status = 0;  // kStatus* of model/status.h; 0 unknown
};

// Called with each listed certificate in turn; returns false to stop the reading there.
using CertificateVisitor = std::function<bool(const UpstreamCertificate&)>;

// What one read of the certificate list saw.
struct ListRead {
    long rows = 0;         // rows handed to the visitor
    long declared = -1;    // p_elems: the upstream's count of the whole list; -1 when not given
    bool stopped = false;  // the visitor ended it early
    // Every row was seen: read to its end, and as many rows as the upstream declared. Only a
    // complete list can tell that a certificate is not there.
    bool complete() const { return !stopped && (declared < 0 || rows == declared); }
};

// One file as the upstream delivered it: PEM text, a zip, PKCS#7 (PEM, DER or base64 of
// DER), a DER certificate, base64 of any of these, or anything else. What it holds is told
// by its content (lifecycle/certificate_file.h), never by its name or a declared type.
struct DeliveredFile {
    std::string name;     // the file or list row name, when the answer gives one
    std::string content;  // as delivered; may hold a private key
};

// What certificate.file delivered for a certificate: the one file of a download or of a
// document, or one file per row of a list answer (each read with certificate.file.edit).
struct IssuedFile {
    std::vector<DeliveredFile> files;
};

struct ReissueRequest {
    std::string crt_type;  // oldrequest | manual | altname
    std::string csr;       // with manual
    std::string altnames;  // with altname
    Approval approval;
};

}  // namespace pmb
