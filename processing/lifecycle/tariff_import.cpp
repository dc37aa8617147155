#include "lifecycle/tariff_import.h"

#include <map>
#include <optional>

#include "core/error.h"
#include "core/text.h"
#include "core/xml.h"
#include "lifecycle/order_builder.h"

namespace pmb {
namespace {

const std::string& name_or_default(const std::string& name, const ExportedTariff& tariff) {
    return name.empty() ? tariff.name : name;
}

void add_if(XmlNode& node, const std::string& name, const std::string& text) {
    if (!text.empty())
        node.add(name, text);
}

void add_prices(XmlNode& parent, const std::vector<TariffPrice>& prices, const Pricing& pricing) {
    for (const auto& price : prices) {
        XmlNode node = parent.add("price");
        node.set_attr("currency", price.currency);
        for (const auto& period : price.periods)
            node.add("period", period.label)
                .set_attr("cost", pricing.apply(period.cost))
                .set_attr("type", period.type)
                .set_attr("length", period.length);
    }
}

// The tariff's addons (the additional-domain addon of multi-domain plans) with every field
// the export gives, their prices re-priced like the tariff's own.
void add_addons(XmlNode& pricelist, const ExportedTariff& tariff, const Pricing& pricing) {
    for (const auto& addon : tariff.addons) {
        XmlNode node = pricelist.add("addon");
        for (const auto& [name, value] : addon.properties)
            node.add(name, value);
        add_prices(node, addon.prices, pricing);
    }
}

// The export is asked for itemtype=certificate; a row naming its item type by number (no
// itemtype_info) is one of those, not something else.
bool is_certificate_itemtype(const std::string& itemtype) {
    return itemtype == "certificate" ||
           (!itemtype.empty() && itemtype.find_first_not_of("0123456789") == std::string::npos);
}

XmlDoc pricelist_document(const ExportedTariff& tariff, const Pricing& pricing) {
    XmlDoc doc("doc");
    XmlNode pricelist = doc.root().add("pricelist");
    pricelist.add("id", tariff.id);
    pricelist.add("intname", tariff.id);
    pricelist.add("name", tariff.name);
    pricelist.add("name_ru", name_or_default(tariff.name_ru, tariff));
    pricelist.add("name_en", name_or_default(tariff.name_en, tariff));
    add_if(pricelist, "description", tariff.description);
    add_if(pricelist, "description_ru", tariff.description_ru);
    add_if(pricelist, "description_en", tariff.description_en);
    pricelist.add("itemtype", "certificate");
    add_prices(pricelist, tariff.prices, pricing);
    add_addons(pricelist, tariff, pricing);
    return doc;
}

// An export may state the methods as ISPsystem's template attribute (authdnstxt on/off) or
// as a list (dcv_methods: email,dns); most state nothing.
std::optional<bool> stated_dns_validation(const ExportedTariff& tariff) {
    auto flag = tariff.properties.find("authdnstxt");
    if (flag != tariff.properties.end() && !flag->second.empty())
        return is_on(flag->second);
    auto methods = tariff.properties.find("dcv_methods");
    if (methods != tariff.properties.end() && !methods->second.empty())
        return offers_dns_validation(std::nullopt, methods->second);
    return std::nullopt;
}

}  // namespace

bool offered(const ExportedTariff& tariff) {
    return !tariff.id.empty() && is_certificate_itemtype(tariff.itemtype) && tariff.active &&
           !tariff.archived;
}

TariffTemplate template_of(const ExportedTariff& tariff) {
    TariffCapabilities guessed = TariffCapabilities::guess(tariff.intname + " " + tariff.name);
    const std::map<std::string, bool> guesses = {{"wildcard", guessed.wildcard},
                                                 {"multidomain", guessed.multidomain},
                                                 {"orginfo", guessed.orginfo}};
    TariffTemplate result{tariff.id, {}, {}};
    for (const auto& flag : template_flags()) {
        auto given = tariff.properties.find(flag);
        const bool stated = given != tariff.properties.end() && !given->second.empty();
        auto guess = guesses.find(flag);
        bool yes = stated ? is_on(given->second) : guess != guesses.end() && guess->second;
        if (yes)
            result.flags.insert(flag);
        if (!stated)
            result.guessed.insert(flag);
    }
    result.dns_validation = stated_dns_validation(tariff);
    return result;
}

std::string TariffImport::available() {
    XmlWriter answer("doc");
    std::vector<TariffTemplate> templates;
    auto list = [&](const ExportedTariff& tariff) {
        if (!offered(tariff))
            return;
        answer.open("elem")
            .element("id", tariff.id)
            .element("name", tariff.name)
            .element("name_ru", name_or_default(tariff.name_ru, tariff))
            .element("name_en", name_or_default(tariff.name_en, tariff))
            .element("itemtype", "certificate")
            .close();
        templates.push_back(template_of(tariff));
    };
    catalog_.each_tariff(list, "");
    templates_.merge(templates);
    return answer.finish();
}

bool TariffImport::with_offered(const std::string& id, const TariffVisitor& use) {
    bool found = false;
    auto pick = [&](const ExportedTariff& tariff) {
        if (found || tariff.id != id || !offered(tariff))
            return;
        use(tariff);
        found = true;
    };
    catalog_.each_tariff(pick, id);
    return found;
}

std::string TariffImport::pricelist(const std::string& id, const Pricing& pricing) {
    std::optional<XmlDoc> answer;
    std::optional<TariffTemplate> found;
    bool offered_here = with_offered(id, [&](const ExportedTariff& tariff) {
        answer.emplace(pricelist_document(tariff, pricing));
        found = template_of(tariff);
    });
    if (!offered_here)
        throw Error(errtype::kMissed, "pricelist", id,
                    "the upstream offers no certificate tariff plan " + id);
    templates_.merge({*found});
    return answer->to_string();
}

std::optional<TariffTemplate> TariffImport::describe(const std::string& id) {
    std::optional<TariffTemplate> found;
    with_offered(id, [&](const ExportedTariff& tariff) { found = template_of(tariff); });
    if (found)
        templates_.merge({*found});
    return found;
}

}  // namespace pmb
