// import --itemtype certificate: every upstream certificate that no local service stands for
// becomes one, through processing.import.service. A paid certificate is an active service
// (status 2) even before the CA issued it; service_status tells the issuance state. A certificate
// is linked when a service of the module carries its id as upstream_id, or when its remoteid names
// a local service (the one that ordered it, even if the order's reply was lost); so a second import
// imports nothing.
#pragma once

#include <string>
#include <vector>

#include "billmgr/host.h"
#include "billmgr/writeback.h"
#include "lifecycle/certificate_api.h"

namespace pmb {

// import --searchstring: words separated by spaces or commas; a certificate is imported when a
// word is its upstream id or occurs in its CN or names (any case; an IDN also in punycode).
// An empty search string imports every certificate.
class ImportFilter {
public:
    explicit ImportFilter(const std::string& searchstring);
    bool matches(const UpstreamCertificate& cert) const;

private:
    std::vector<std::string> words_;
};

class ServiceImport {
public:
    ServiceImport(Host& host, CertificateApi& api) : host_(host), api_(api), writeback_(host) {}

    // Imports the unlinked certificates of the module's upstream; returns the new service ids.
    // A certificate BILLmanager refuses does not stop the others: the first refusal is thrown
    // at the end, naming every certificate that was not imported.
    std::vector<std::string> run(long long module, const ImportFilter& filter = ImportFilter(""));

private:
    // Deleted upstream, or linked to a local service already.
    bool skipped(long long module, const UpstreamCertificate& cert);
    bool linked(long long module, const UpstreamCertificate& cert);
    // The form view of a listed certificate, which has what the list may lack (altname).
    UpstreamCertificate details(const UpstreamCertificate& listed);

    Host& host_;
    CertificateApi& api_;
    Writeback writeback_;
};

// The processing.import.service fields of an upstream certificate (sok=ok is added by
// Writeback::import_service).
std::vector<MgrctlArg> import_fields(long long module, const UpstreamCertificate& cert);

}  // namespace pmb
