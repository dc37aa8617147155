// The capabilities of each upstream tariff in the form BILLmanager's order form wants them
// (the <templates> of features), cached in var/pmbillmgrssl.templates.xml by import_pricelist.
// features prints the cache and the order checks read it; neither may fail because of it,
// so a missing or corrupt file simply reads as no templates.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/xml.h"

namespace pmb {

struct TariffTemplate {
    std::string name;             // the pricelist intname, which import sets to the upstream id
    std::set<std::string> flags;  // the attributes that are "yes": wildcard, multidomain, …
    // The flags the export did not state, so guessed from the tariff's names: the order form
    // shows the guess, but an order is never refused on one.
    std::set<std::string> guessed;
    // Whether the tariff offers DNS validation, when its export states it; unknown otherwise.
    std::optional<bool> dns_validation = std::nullopt;

    bool has(const std::string& flag) const { return flags.count(flag) > 0; }
    bool states(const std::string& flag) const { return guessed.count(flag) == 0; }
};

// Every template attribute BILLmanager knows, in the order features prints them.
const std::vector<std::string>& template_flags();

// Whether a tariff lets the client choose DNS validation: what its export states, else the
// tariff's setting dcv_methods (methods, comma-separated: email, dns), else yes.
bool offers_dns_validation(const std::optional<TariffTemplate>& tariff,
                           const std::string& dcv_methods_setting);

// <template name="…" flag="yes" …/> for each template, into an open element of writer: what
// features shows BILLmanager (the cache file adds which flags are guessed). Each also says
// which validation methods the order form offers, with ISPsystem's attribute names: e-mail
// always (authemail), DNS (authdnstxt) unless the export says the tariff has none.
void write_templates(XmlWriter& writer, const std::vector<TariffTemplate>& templates);

class TemplateCache {
public:
    explicit TemplateCache(std::string path) : path_(std::move(path)) {}

    // Every cached template, in file order.
    std::vector<TariffTemplate> read() const;
    std::optional<TariffTemplate> find(const std::string& name) const;
    // Adds or replaces these templates and keeps the others: a tariff imported earlier may
    // still have services. The file is replaced atomically (temporary file, then rename), so
    // a reader sees the old or the new version, never half of one. Throws Error(internal)
    // naming the file when it cannot be written.
    void merge(const std::vector<TariffTemplate>& templates) const;

private:
    // Hands each template to visit until it returns false; false for an unreadable file.
    bool scan(const std::function<bool(TariffTemplate)>& visit) const;

    std::string path_;
};

}  // namespace pmb
