// Turns a local certificate item into upstream requests, validating everything first: no
// upstream call is made for an order that would fail (or be wrong) on the upstream side.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "billmgr/host.h"
#include "lifecycle/certificate_api.h"
#include "lifecycle/item_params.h"

namespace pmb {

// "on", "yes" or "1": a checkbox or flag that is set.
bool is_on(const std::string& value);

// What the tariff allows.
struct TariffCapabilities {
    bool wildcard = false;
    bool multidomain = false;
    bool orginfo = false;  // the CA checks the organisation (OV/EV)

    // Guessed from a tariff's names (intname, display name): what the order form shows for a
    // tariff whose export does not say. Never the ground for refusing an order.
    static TariffCapabilities guess(const std::string& names);
};

// The domains the item covers, in punycode: the CN first, then the SANs.
struct OrderedDomains {
    std::string cn;
    std::vector<std::string> altnames;
    std::string altname_list() const;  // space-separated
    std::vector<std::string> all() const;
};

OrderedDomains ordered_domains(const Item& item);

// What the tariff's own settings (pricelist params), else its cached template, state about a
// capability (wildcard, multidomain, …); nullopt when neither states it: a flag the template
// only guessed from names is not evidence.
std::optional<bool> known_capability(const Item& item, const std::string& name);
// Refuses (Error value) a wildcard or an additional domain only when known_capability says it
// is not allowed; a capability nobody knows passes.
void check_tariff_allows(const Item& item, const OrderedDomains& domains);
// Whether the order needs a capability (wildcard, additional domains) that neither the
// tariff's settings nor its cached template describe.
bool needs_unknown_capability(const Item& item);
std::string upstream_pricelist(const Item& item);
Approval approval_of(const Item& item, const OrderedDomains& domains);

// Throws Error(value|missed) naming the first problem.
OrderRequest build_order(const Item& item);
// Puts a key pair the upstream made into an order without a local CSR, after checking the
// CSR is for the ordered domain and belongs to the key. Throws Error(bad_response) if not.
void attach_generated_key(OrderRequest& order, const GeneratedKey& generated);
ReissueRequest build_reissue(const Item& item, const std::string& last_csr_sha256);

}  // namespace pmb
