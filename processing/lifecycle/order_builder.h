// Turns a local certificate item into upstream requests, validating everything first: no
// upstream call is made for an order that would fail (or be wrong) on the upstream side.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "lifecycle/certificate_api.h"
#include "lifecycle/item_params.h"
#include "lifecycle/service_view.h"

namespace pmb {

// What the tariff allows.
struct TariffCapabilities {
    bool wildcard = false;
    bool multidomain = false;
    bool orginfo = false;  // the CA checks the organisation (OV/EV)

    // Guessed from a tariff's names (intname, display name): what the order form shows for a
    // tariff whose export does not say. Never the ground for refusing an order.
    static TariffCapabilities guess(const std::string& names);
};

// Refuses (Error value) a wildcard or an additional domain only when the service's
// known_capability says it is not allowed; a capability nobody knows passes.
void check_tariff_allows(const ServiceView& service);
// Whether the order needs a capability (wildcard, additional domains) that neither the
// tariff's settings nor its cached template describe.
bool needs_unknown_capability(const ServiceView& service);
std::string upstream_pricelist(const Item& item);
// One approver address per domain (ASCII, CN first): the listed ones in order, then for each
// domain past the list the address of the first listed domain with the same registrable
// domain. Throws Error(missed) naming a domain that shares none.
std::vector<std::string> approvers_per_domain(const std::vector<std::string>& domains,
                                              const std::vector<std::string>& emails);
// The item's validation method (empty: auth_email), its approvers (e-mail only) and the file
// method's protocol. Throws Error(value) on an unknown method, before anything is sent.
Approval approval_of(const ServiceView& service);

// Throws Error(value|missed) naming the first problem.
OrderRequest build_order(const ServiceView& service);
// Puts a key pair the upstream made into an order without a local CSR, after checking the
// CSR is for the ordered domain and belongs to the key. Throws Error(bad_response) if not.
void attach_generated_key(OrderRequest& order, const GeneratedKey& generated);
ReissueRequest build_reissue(const ServiceView& service, const std::string& last_csr_sha256);

}  // namespace pmb
