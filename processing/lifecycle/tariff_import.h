// import_pricelist: the upstream's certificate tariffs as BILLmanager imports them. Every
// successful import also caches the tariffs' capabilities (TemplateCache) for features and
// for the order checks, since an imported tariff's intname (the upstream id) says nothing.
#pragma once

#include <optional>
#include <string>

#include "lifecycle/pricing.h"
#include "lifecycle/tariff_catalog.h"
#include "lifecycle/template_cache.h"

namespace pmb {

// Whether the upstream sells it: a certificate tariff with an id, active, not archived.
bool offered(const ExportedTariff& tariff);

// Its template: the export's own flags where it states them, else guessed from its names (and
// marked guessed).
TariffTemplate template_of(const ExportedTariff& tariff);

class TariffImport {
public:
    TariffImport(TariffCatalog& catalog, const TemplateCache& templates)
        : catalog_(catalog), templates_(templates) {}

    // --subcommand available:
    // <doc><elem><id/><name/><name_ru/><name_en/><itemtype>certificate</itemtype></elem>…</doc>
    std::string available();

    // --subcommand pricelist --id N: that tariff in the export's own shape, with intname N
    // (so the imported tariff orders upstream tariff N) and the costs through pricing.
    // Throws Error(missed) naming N when the upstream does not offer it.
    std::string pricelist(const std::string& id, const Pricing& pricing);

    // The template of the one tariff `id`, read from the upstream's export of it alone and
    // cached as an import would cache it; nullopt when the upstream does not offer it.
    std::optional<TariffTemplate> describe(const std::string& id);

private:
    // Hands the offered tariff `id` to use; false when the export has none.
    bool with_offered(const std::string& id, const TariffVisitor& use);

    TariffCatalog& catalog_;
    const TemplateCache& templates_;
};

}  // namespace pmb
