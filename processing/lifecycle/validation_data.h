// What the client must publish to validate the domains (a DNS TXT value, a file), as the
// upstream's certificate.edit shows it while a certificate awaits validation. Copied into
// the item params ISPsystem's own module uses, so the panel shows them to the client.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "billmgr/host.h"
#include "billmgr/writeback.h"
#include "model/certificate.h"

namespace pmb {

struct ValidationData {
    // auth_dnstxt_value, domains_list, auth_file_name, auth_file_value: those the form has.
    std::map<std::string, std::string> params;
    // Other fields that look like validation data (auth_, dcv, dnstxt, approver), as
    // "name=value": what this upstream uses that the module does not read.
    std::vector<std::string> unknown_fields;
};

// The upstream's field names are not public: for each param, the first of its accepted names
// the form carries wins (issue 14 §4). The names are made comma-separated.
ValidationData read_validation_data(const UpstreamCertificate& cert);

// Writes each param whose value changed (nothing on an unchanged sync) and logs the unknown
// fields once per item: the names logged are kept in param::kDcvFieldsLogged.
void copy_validation_data(Writeback& writeback, const Item& item, const UpstreamCertificate& cert);

}  // namespace pmb
