// TariffCatalog over the real upstream: pricelist.export fetched as a stream (ApiClient) and
// parsed as it arrives (DocStream), one <pricelist> at a time, so a tens-of-MB export costs
// the memory of one tariff. In app/ for the same reason as UpstreamCertificateApi: it joins
// the lifecycle's port to the upstream client.
#pragma once

#include <string>

#include "lifecycle/tariff_catalog.h"
#include "upstream/client.h"

namespace pmb {

class UpstreamTariffCatalog : public TariffCatalog {
public:
    explicit UpstreamTariffCatalog(upstream::Connection connection)
        : client_(std::move(connection)) {}

    void each_tariff(const TariffVisitor& visit, const std::string& only_id) override;

    // HTTP requests made so far (reported by the benchmark).
    int round_trips() const { return client_.round_trips(); }

private:
    upstream::ApiClient client_;
};

}  // namespace pmb
