// The upstream's certificate tariffs as pricelist.export publishes them: plain data that
// upstream/ parses and lifecycle/ turns into local tariffs.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace pmb {

struct TariffPeriod {
    std::string cost;    // as the upstream writes it, e.g. "10.00"
    std::string type;    // month, year, …
    std::string length;  // how many of type
    std::string label;   // the element's text, e.g. "12 months"
};

struct TariffPrice {
    std::string currency;
    std::vector<TariffPeriod> periods;
};

// An addon of a tariff as the export publishes it, e.g. the additional-domain addon of a
// multi-domain plan: its text-only fields (id, intname, addontype, addonmin, addonmax,
// measure, …) and its prices per unit.
struct ExportedAddon {
    std::map<std::string, std::string> properties;
    std::vector<TariffPrice> prices;
};

struct ExportedTariff {
    std::string id, intname, name, name_ru, name_en;
    std::string description, description_ru, description_en;
    std::string itemtype;  // the intname: itemtype_info/intname, else itemtype
    bool active = true;    // an export without <active> offers the tariff
    bool archived = false;
    // Every child element that holds only text, by name: wildcard, multidomain, hideinorder…
    std::map<std::string, std::string> properties;
    std::vector<TariffPrice> prices;
    std::vector<ExportedAddon> addons;
};

}  // namespace pmb
