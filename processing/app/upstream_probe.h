// probe_upstream: the admin's look at what the upstream really answers where its public
// docs say nothing (protocol-evidence §5.0): whoami, one page of the certificate list,
// certificate.edit of one certificate, the order form of one tariff without sok (never an
// order) and certificate.file of an issued certificate; for each list and form, the
// functions its toolbar offers (out=devel, else out=xjson), which name the upstream's
// re-send functions for the DcvEmailFunction and DcvDnsFunction config keys.
#pragma once

#include <string>

#include "upstream/client.h"

namespace pmb {

struct ProbeTarget {
    std::string certificate;  // upstream certificate id; empty: the first one listed
    std::string pricelist;    // upstream tariff id; empty: that certificate's
    std::string note;         // why the target is what it is, for the report
};

// The report as text, every secret (password, authinfo, private keys) hidden. Each section
// reports its own failure and the next one runs; throws the first failure when no call
// answered at all.
std::string probe_upstream(upstream::ApiClient& client, const ProbeTarget& target);

}  // namespace pmb
