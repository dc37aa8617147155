// The lifecycle's port for tariff import: how it reads the upstream's tariffs (a fake in
// tests, the streamed export in production: app/upstream_tariff_catalog.h).
#pragma once

#include <functional>
#include <string>

#include "model/tariff.h"

namespace pmb {

using TariffVisitor = std::function<void(const ExportedTariff&)>;

class TariffCatalog {
public:
    virtual ~TariffCatalog() = default;
    // Hands each tariff of the certificate export to visit, one at a time, in export order.
    // A non-empty only_id asks the upstream for that tariff alone; an upstream that ignores
    // the filter sends them all. Throws UpstreamError, or what visit throws.
    virtual void each_tariff(const TariffVisitor& visit, const std::string& only_id) = 0;
};

}  // namespace pmb
