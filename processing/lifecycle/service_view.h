// What one command knows about its service, read once: the item as BILLmanager stores it, its
// tariff's cached template and, worked out on first use and kept, the domains it orders and its
// parsed CSR. The lifecycle asks the view, so no command parses a CSR or the domains twice.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "billmgr/host.h"
#include "lifecycle/csr.h"
#include "lifecycle/template_cache.h"

namespace pmb {

// The domains the item covers, in punycode: the CN first, then the SANs.
struct OrderedDomains {
    std::string cn;
    std::vector<std::string> altnames;
    std::string altname_list() const;  // space-separated
    std::vector<std::string> all() const;
};

class ServiceView {
public:
    explicit ServiceView(Item item, std::optional<TariffTemplate> tariff = std::nullopt)
        : item_(std::move(item)), tariff_(std::move(tariff)) {}

    const Item& item() const { return item_; }
    long long id() const { return item_.id; }
    std::string param(const std::string& name) const { return item_.param(name); }
    bool has_param(const std::string& name) const { return item_.has_param(name); }

    // The tariff's cached template (the last import, or the upstream's export of it).
    const std::optional<TariffTemplate>& tariff() const { return tariff_; }
    // The same service, with what the upstream's export says of its tariff.
    ServiceView with_tariff(TariffTemplate tariff) const;

    // Throws Error(missed, CN) when the service names no domain, Error(value) for a name that
    // is not a domain.
    const OrderedDomains& domains() const;
    // The local CSR, parsed and checked; nullptr when the service has none. Throws
    // Error(value, csr) for one that is not a valid CSR.
    const CsrInfo* csr() const;
    // The public key the issued certificate must carry: the CSR's, else that of the key the
    // upstream made (leaf_public_key); empty when neither can be read.
    const std::string& own_public_key() const;
    // What the tariff's own settings (pricelist params), else its cached template, state about a
    // capability (wildcard, multidomain, …); nullopt when neither states it: a flag the template
    // only guessed from names is not evidence.
    std::optional<bool> known_capability(const std::string& name) const;

private:
    Item item_;
    std::optional<TariffTemplate> tariff_;
    mutable std::optional<OrderedDomains> domains_;
    mutable std::optional<std::optional<CsrInfo>> csr_;
    mutable std::optional<std::string> own_public_key_;
};

}  // namespace pmb
