#include "lifecycle/service_import.h"

#include <optional>

#include "core/error.h"
#include "core/log.h"
#include "core/text.h"
#include "lifecycle/domain.h"
#include "lifecycle/item_params.h"
#include "lifecycle/order_builder.h"
#include "model/status.h"

namespace pmb {
namespace {

bool issued(const UpstreamCertificate& cert) {
    return cert.item_status == kItemActive || cert.service_status == kStatusIssued;
}

// The service is paid for upstream, so it is active here while the CA works on it (the
// panel's sync_item follows the issuance); never left "processing".
int local_status(const UpstreamCertificate& cert) {
    return cert.item_status == kItemSuspended ? kItemSuspended : kItemActive;
}

int service_status(const UpstreamCertificate& cert) {
    bool known = cert.service_status >= kStatusRequested && cert.service_status <= kStatusFailed;
    if (known)
        return cert.service_status;
    return issued(cert) ? kStatusIssued : kStatusRequested;
}

void fill(std::string& field, const std::string& fallback) {
    if (field.empty())
        field = fallback;
}

void fill(int& field, int fallback) {
    if (field == 0)
        field = fallback;
}

std::string describe(const UpstreamCertificate& cert) {
    return cert.id + " (" + cert.cn + ")";
}

// The word as it is and, for an IDN, in punycode, lower-cased.
std::vector<std::string> spellings(const std::string& word) {
    std::vector<std::string> out = {lowercase(word)};
    try {
        std::string ascii = domain_to_ascii(word);
        if (ascii != out.front())
            out.push_back(ascii);
    } catch (const Error&) {
        // Not a domain name (an id, a fragment): matched as typed.
    }
    return out;
}

}  // namespace

ImportFilter::ImportFilter(const std::string& searchstring) {
    for (const auto& word : split(searchstring, " ,;\t\r\n"))
        for (auto& spelling : spellings(word))
            words_.push_back(std::move(spelling));
}

bool ImportFilter::matches(const UpstreamCertificate& cert) const {
    if (words_.empty())
        return true;
    const std::string names = lowercase(cert.cn + " " + cert.altname);
    for (const auto& word : words_)
        if (word == lowercase(cert.id) || names.find(word) != std::string::npos)
            return true;
    return false;
}

std::vector<MgrctlArg> import_fields(long long module, const UpstreamCertificate& cert) {
    std::vector<MgrctlArg> fields = {
        {"module", std::to_string(module)},
        {"import_itemtype_intname", "certificate"},
        {"import_pricelist_intname", cert.pricelist},
        {"import_service_name", cert.cn},
        {"status", std::to_string(local_status(cert))},
        {"service_status", std::to_string(service_status(cert))},
    };
    if (!cert.expiredate.empty())
        fields.push_back({"expiredate", cert.expiredate});
    if (cert.period > 0)
        fields.push_back({"period", std::to_string(cert.period)});
    fields.push_back({param::kUpstreamId, cert.id});
    fields.push_back({"CN", cert.cn});
    if (!cert.altname.empty())
        fields.push_back({"altname", cert.altname});
    return fields;
}

bool ServiceImport::skipped(long long module, const UpstreamCertificate& cert) {
    return cert.item_status == kItemDeleted || linked(module, cert);
}

bool ServiceImport::linked(long long module, const UpstreamCertificate& cert) {
    if (auto item = host_.find_item_by_param(module, param::kUpstreamId, cert.id)) {
        log_debug("upstream certificate " + cert.id + " is service " + std::to_string(*item));
        return true;
    }
    auto ordered_by = parse_positive(cert.remoteid);  // remoteid: our item id
    if (ordered_by && host_.item_exists(*ordered_by)) {
        log_debug("upstream certificate " + cert.id + " was ordered by service " + cert.remoteid);
        return true;
    }
    return false;
}

UpstreamCertificate ServiceImport::details(const UpstreamCertificate& listed) {
    UpstreamCertificate cert = api_.get(listed.id);
    fill(cert.cn, listed.cn);
    fill(cert.altname, listed.altname);
    fill(cert.pricelist, listed.pricelist);
    fill(cert.createdate, listed.createdate);
    fill(cert.expiredate, listed.expiredate);
    fill(cert.remoteid, listed.remoteid);
    fill(cert.status_msg, listed.status_msg);
    fill(cert.period, listed.period);
    fill(cert.item_status, listed.item_status);
    fill(cert.service_status, listed.service_status);
    return cert;
}

std::vector<std::string> ServiceImport::run(long long module, const ImportFilter& filter) {
    std::vector<std::string> created;
    std::optional<Error> first_refusal;
    std::string refused;
    api_.each_certificate([&](const UpstreamCertificate& listed) {
        if (skipped(module, listed))
            return true;
        // The list may lack the names; the form view has them.
        if (!filter.matches(listed) && !listed.altname.empty())
            return true;
        UpstreamCertificate cert = details(listed);
        if (skipped(module, cert) || !filter.matches(cert))
            return true;  // the form view may know a remoteid the list lacks
        try {
            created.push_back(writeback_.import_service(import_fields(module, cert)));
            log_info("imported upstream certificate " + describe(cert) + " as service " +
                     created.back());
        } catch (const Error& e) {
            log_error("cannot import upstream certificate " + describe(cert) + ": " + e.message());
            refused += (refused.empty() ? "" : "; ") + describe(cert) + ": " + e.message();
            if (!first_refusal)
                first_refusal = e;
        }
        return true;
    });
    if (first_refusal)
        throw Error(first_refusal->type(), "certificate", refused,
                    "BILLmanager refused to import upstream certificates: " + refused);
    return created;
}

}  // namespace pmb
