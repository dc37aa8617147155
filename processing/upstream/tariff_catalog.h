// The upstream's certificate tariffs as pricelist.export publishes them, and the interface
// tariff import reads them through (a fake in tests, the streamed export in production).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace pmb::upstream {

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

struct ExportedTariff {
    std::string id, intname, name, name_ru, name_en;
    std::string description, description_ru, description_en;
    std::string itemtype;  // the intname: itemtype_info/intname, else itemtype
    bool active = true;    // an export without <active> offers the tariff
    bool archived = false;
    // Every child element that holds only text, by name: wildcard, multidomain, hideinorder…
    std::map<std::string, std::string> properties;
    std::vector<TariffPrice> prices;
};

using TariffVisitor = std::function<void(const ExportedTariff&)>;

class TariffCatalog {
public:
    virtual ~TariffCatalog() = default;
    // Hands each tariff of the certificate export to visit, one at a time, in export order.
    // A non-empty only_id asks the upstream for that tariff alone; an upstream that ignores
    // the filter sends them all. Throws UpstreamError, or what visit throws.
    virtual void each_tariff(const TariffVisitor& visit, const std::string& only_id) = 0;
};

}  // namespace pmb::upstream
