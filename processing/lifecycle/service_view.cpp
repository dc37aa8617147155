#include "lifecycle/service_view.h"

#include <algorithm>

#include "core/error.h"
#include "core/text.h"
#include "lifecycle/certificate_file.h"
#include "lifecycle/domain.h"
#include "lifecycle/item_params.h"

namespace pmb {
namespace {

OrderedDomains domains_of(const Item& item, const CsrInfo* csr) {
    std::string cn = item.param("CN");
    if (cn.empty() && csr)
        cn = csr->cn;
    if (cn.empty())
        throw Error(errtype::kMissed, "CN", std::to_string(item.id),
                    "the certificate order has no domain (CN)");
    OrderedDomains domains;
    domains.cn = domain_to_ascii(cn);
    for (const auto& name : split(item.param("altname"), " ,\n\t")) {
        std::string ascii = domain_to_ascii(name);
        bool seen = ascii == domains.cn ||
                    std::count(domains.altnames.begin(), domains.altnames.end(), ascii) > 0;
        if (!seen)
            domains.altnames.push_back(ascii);
    }
    return domains;
}

}  // namespace

std::string OrderedDomains::altname_list() const {
    std::string out;
    for (const auto& name : altnames)
        out += (out.empty() ? "" : " ") + name;
    return out;
}

std::vector<std::string> OrderedDomains::all() const {
    std::vector<std::string> out{cn};
    out.insert(out.end(), altnames.begin(), altnames.end());
    return out;
}

ServiceView ServiceView::with_tariff(TariffTemplate tariff) const {
    ServiceView described = *this;
    described.tariff_ = std::move(tariff);
    return described;
}

const OrderedDomains& ServiceView::domains() const {
    if (!domains_) {
        // The CSR names the domain only when the order form did not.
        domains_ = domains_of(item_, item_.param("CN").empty() ? csr() : nullptr);
    }
    return *domains_;
}

const CsrInfo* ServiceView::csr() const {
    if (!csr_) {
        // Parsed before it is kept: a broken CSR throws again on the next ask.
        std::optional<CsrInfo> parsed;
        if (!item_.certificate.csr.empty())
            parsed = parse_csr(item_.certificate.csr);
        csr_ = std::move(parsed);
    }
    return *csr_ ? &**csr_ : nullptr;
}

const std::string& ServiceView::own_public_key() const {
    if (!own_public_key_)
        own_public_key_ = leaf_public_key(item_.certificate.csr, item_.param(param::kPrivateKey));
    return *own_public_key_;
}

std::optional<bool> ServiceView::known_capability(const std::string& name) const {
    auto setting = item_.pricelist_params.find(name);
    if (setting != item_.pricelist_params.end() && !setting->second.empty())
        return is_on(setting->second);
    if (tariff_ && tariff_->states(name))
        return tariff_->has(name);
    return std::nullopt;
}

}  // namespace pmb
