#include "lifecycle/order_builder.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/text.h"
#include "lifecycle/csr.h"
#include "lifecycle/domain.h"

namespace pmb {
namespace {

std::string pricelist_setting(const Item& item, const std::string& name) {
    auto it = item.pricelist_params.find(name);
    return it == item.pricelist_params.end() ? std::string() : it->second;
}

void require(const Item& item, const std::string& name, const std::string& what) {
    if (item.param(name).empty())
        throw Error(errtype::kMissed, name, std::to_string(item.id),
                    "the certificate order has no " + what + " (" + name + ")");
}

Contact contact(const Item& item, const std::string& prefix) {
    Contact c;
    c.fname = item.param(prefix + "_fname");
    c.lname = item.param(prefix + "_lname");
    c.jtitle = item.param(prefix + "_jtitle");
    c.email = item.param(prefix + "_email");
    c.phone = item.param(prefix + "_phone");
    c.phone_country = item.param(prefix + "_phone_country");
    if (c.phone_country.empty())
        c.phone_country = item.param("country");
    return c;
}

void require_contacts(const Item& item) {
    for (const char* field : {"fname", "lname", "email", "phone"})
        require(item, std::string("adm_") + field, "administrative contact");
}

bool is_contact_field(const std::string& name) {
    for (const char* prefix : {"adm_", "tech_", "org_"})
        if (name.rfind(prefix, 0) == 0)
            return true;
    for (const char* subject : {"O", "OU", "L", "ST", "emailAddress", "country"})
        if (name == subject)
            return true;
    return false;
}

// Broken bytes would reach the CA's records (or garble the order) upstream: refused here.
void require_valid_contact_text(const Item& item) {
    for (const auto& [name, value] : item.params)
        if (is_contact_field(name) && !is_valid_utf8(value))
            throw Error(errtype::kValue, name, value,
                        "the contact field " + name + " is not valid UTF-8 text");
}

// With a local CSR, the CN and SANs it carries must be exactly the ordered ones.
void check_csr_matches(const CsrInfo& csr, const OrderedDomains& domains) {
    if (domain_to_ascii(csr.cn) != domains.cn)
        throw Error(errtype::kValue, "CN", csr.cn,
                    "the CSR is for " + csr.cn + " but the order is for " + domains.cn);
    if (csr.sans.empty())
        return;
    std::set<std::string> in_csr;
    for (const auto& san : csr.sans)
        in_csr.insert(domain_to_ascii(san));
    in_csr.erase(domains.cn);
    // A wildcard certificate usually covers its bare domain too; CSRs commonly list it.
    if (domains.cn.rfind("*.", 0) == 0)
        in_csr.erase(domains.cn.substr(2));
    std::set<std::string> ordered(domains.altnames.begin(), domains.altnames.end());
    if (in_csr != ordered)
        throw Error(errtype::kValue, "altname", domains.altname_list(),
                    "the CSR's subject alternative names differ from the ordered domains");
}

// www.<CN> (or the bare domain of a www CN) is what a single-domain certificate includes
// anyway, so it never needs the multi-domain capability.
bool needs_multidomain(const OrderedDomains& domains) {
    std::string bare = domains.cn.rfind("www.", 0) == 0 ? domains.cn.substr(4) : "";
    for (const std::string& name : domains.altnames)
        if (name != "www." + domains.cn && name != bare)
            return true;
    return false;
}

std::vector<std::pair<std::string, std::string>> org_fields(const Item& item) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [name, value] : item.params)
        if (name.rfind("org_", 0) == 0 && !value.empty())
            out.emplace_back(name, value);
    return out;
}

}  // namespace

// Refuses only on evidence: a capability nobody knows is left for the upstream to judge.
void check_tariff_allows(const ServiceView& service) {
    const Item& item = service.item();
    const OrderedDomains& domains = service.domains();
    bool wildcard_refused = service.known_capability("wildcard") == std::optional<bool>(false);
    for (const auto& domain : domains.all()) {
        if (domain.rfind("*.", 0) == 0 && wildcard_refused)
            throw Error(
                errtype::kValue, "CN", domain,
                "the tariff " + item.pricelist_intname + " does not allow wildcard " + domain);
    }
    if (needs_multidomain(domains) &&
        service.known_capability("multidomain") == std::optional<bool>(false))
        throw Error(errtype::kValue, "altname", domains.altname_list(),
                    "the tariff " + item.pricelist_intname + " does not allow additional domains");
}

bool needs_unknown_capability(const ServiceView& service) {
    const OrderedDomains& domains = service.domains();
    const auto all = domains.all();
    bool wildcard = std::any_of(all.begin(), all.end(),
                                [](const std::string& name) { return name.rfind("*.", 0) == 0; });
    return (wildcard && !service.known_capability("wildcard")) ||
           (needs_multidomain(domains) && !service.known_capability("multidomain"));
}

TariffCapabilities TariffCapabilities::guess(const std::string& names) {
    std::string text = lowercase(names);
    std::vector<std::string> words = split(text, " _-.,;:()[]/");
    auto has_word = [&](std::initializer_list<const char*> wanted) {
        return std::any_of(words.begin(), words.end(), [&](const std::string& word) {
            return std::find(wanted.begin(), wanted.end(), word) != wanted.end();
        });
    };
    TariffCapabilities caps;
    caps.wildcard = contains_any(text, {"wildcard", "wc"});
    caps.multidomain = contains_any(text, {"multi", "san", "ucc", "md"});
    caps.orginfo = has_word({"ov", "ev", "business"}) || contains_any(text, {"organi"});
    return caps;
}

std::string upstream_pricelist(const Item& item) {
    std::string id = pricelist_setting(item, "upstream_pricelist");
    if (!id.empty())
        return id;
    if (item.pricelist_intname.empty())
        throw Error(errtype::kMissed, "upstream_pricelist", std::to_string(item.pricelist),
                    "the tariff has neither an upstream tariff id nor an internal name");
    return item.pricelist_intname;
}

namespace {

// The methods of the upstream's order form (protocol-evidence §1): ISPsystem's two and the
// file method its auth_file_protocol belongs to.
bool known_method(const std::string& method) {
    return method == "auth_email" || method == "auth_dnstxt" || method == "auth_file";
}

// The order form's checkbox: on = https, off (or unset) = http.
std::string file_protocol(const Item& item) {
    const std::string protocol = item.param("auth_file_protocol");
    if (protocol.empty() || protocol == "off")
        return "off";
    if (protocol == "on")
        return "on";
    throw Error(errtype::kValue, "auth_file_protocol", protocol,
                "auth_file_protocol must be on (https) or off (http)");
}

}  // namespace

// An address at a registrable domain validates its subdomains (CA/Browser Forum), so a domain
// the list gives no address of its own takes that of a listed domain it shares one with.
std::vector<std::string> approvers_per_domain(const std::vector<std::string>& domains,
                                              const std::vector<std::string>& emails) {
    std::vector<std::string> out = emails;
    const size_t listed = std::min(domains.size(), emails.size());
    for (size_t i = listed; i < domains.size(); ++i) {
        const std::string registrable = registrable_domain(domains[i]);
        size_t j = 0;
        while (j < listed && registrable_domain(domains[j]) != registrable)
            ++j;
        if (j == listed)
            throw Error(errtype::kMissed, "approver_email", domains[i],
                        "no approver address for " + domains[i] +
                            ", and no listed domain shares its registrable domain " + registrable);
        out.push_back(emails[j]);
    }
    return out;
}

Approval approval_of(const ServiceView& service) {
    const Item& item = service.item();
    Approval approval;
    approval.method = item.param("approver_method");
    if (approval.method.empty())
        approval.method = "auth_email";
    if (!known_method(approval.method))
        throw Error(errtype::kValue, "approver_method", approval.method,
                    "unknown validation method " + approval.method +
                        " (expected auth_email, auth_dnstxt or auth_file)");
    if (approval.method == "auth_dnstxt" &&
        !offers_dns_validation(service.tariff(), pricelist_setting(item, "dcv_methods")))
        throw Error(errtype::kValue, "approver_method", approval.method,
                    "the tariff " + item.pricelist_intname +
                        " does not offer DNS validation (its dcv_methods or export)");
    if (approval.method == "auth_file")
        approval.file_protocol = file_protocol(item);
    if (approval.method == "auth_email")
        approval.emails = approvers_per_domain(service.domains().all(),
                                               split(item.param("approver_email"), ", \n\t"));
    return approval;
}

OrderRequest build_order(const ServiceView& service) {
    const Item& item = service.item();
    const OrderedDomains& domains = service.domains();
    OrderRequest order;
    order.csr = item.certificate.csr;
    if (const CsrInfo* csr = service.csr())
        check_csr_matches(*csr, domains);
    check_tariff_allows(service);
    require_contacts(item);
    require_valid_contact_text(item);
    order.pricelist = upstream_pricelist(item);
    if (item.period <= 0)
        throw Error(errtype::kValue, "period", std::to_string(item.period),
                    "the service period must be a number of months");
    order.period_months = item.period;
    order.remoteid = std::to_string(item.id);
    order.subject = {domains.cn,      item.param("O"),  item.param("OU"),
                     item.param("L"), item.param("ST"), item.param("emailAddress")};
    order.altnames = domains.altname_list();
    order.country = item.param("country");
    if (order.country.empty())
        order.country = item.param("org_country");
    order.admin = contact(item, "adm");
    order.tech = contact(item, "tech");
    if (order.tech.email.empty())
        order.tech = order.admin;
    order.org = org_fields(item);
    order.approval = approval_of(service);
    return order;
}

void attach_generated_key(OrderRequest& order, const GeneratedKey& generated) {
    try {
        CsrInfo csr = parse_csr(generated.csr);
        if (domain_to_ascii(csr.cn) != order.subject.cn)
            throw Error(errtype::kValue, "CN", csr.cn, "it is for another domain");
        if (public_key_of(generated.key) != csr.public_key)
            throw Error(errtype::kValue, "key", "", "the key does not belong to the CSR");
    } catch (const Error& e) {
        throw Error(
            errtype::kBadResponse, "certificate.order.csr", "",
            "the upstream made an unusable key pair for " + order.subject.cn + ": " + e.message());
    }
    order.csr = generated.csr;
    order.key = generated.key;
}

ReissueRequest build_reissue(const ServiceView& service, const std::string& last_csr_sha256) {
    const Item& item = service.item();
    const OrderedDomains& domains = service.domains();
    check_tariff_allows(service);
    ReissueRequest request;
    request.approval = approval_of(service);
    const bool names_changed = item.has_param(param::kOldAltname) &&
                               item.param("altname") != item.param(param::kOldAltname);
    if (names_changed)
        request.altnames = domains.altname_list();
    // A new CSR wins: it carries the new key (and the new names, which it must match).
    if (const CsrInfo* csr = service.csr()) {
        if (csr->sha256 != last_csr_sha256) {
            check_csr_matches(*csr, domains);
            request.crt_type = "manual";
            request.csr = item.certificate.csr;
            return request;
        }
    }
    request.crt_type = names_changed ? "altname" : "oldrequest";
    return request;
}

}  // namespace pmb
