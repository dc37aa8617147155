// pmbillmgrssl itself: the BILLmanager command handlers of a certificate reseller.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "billmgr/module.h"
#include "lifecycle/certificate_api.h"
#include "lifecycle/list_snapshot.h"
#include "lifecycle/tariff_catalog.h"
#include "upstream/connection.h"

namespace pmb {

class CertificateService;
class ChargeWatch;

class SslModule : public Module {
public:
    using ApiFactory = std::function<std::unique_ptr<CertificateApi>(const upstream::Connection&)>;
    using CatalogFactory =
        std::function<std::unique_ptr<TariffCatalog>(const upstream::Connection&)>;
    SslModule(MgrRoot root, Config config, HostFactory host_factory = {},
              ApiFactory api_factory = {}, CatalogFactory catalog_factory = {});

    // The connection for a module: its params (url, username, password, timeout, cafile)
    // over the module config's defaults.
    static upstream::Connection connection_for(const std::map<std::string, std::string>& params,
                                               const Config& config);

protected:
    std::string features() override;
    std::string check_connection(const std::string& input) override;
    std::string tune_connection(const std::string& input) override;
    std::string open(long long item) override;
    std::string sync_item(long long item) override;
    std::string sync_module(long long module) override;
    std::string reopen(long long item) override;
    std::string setparam(long long item) override;
    std::string prolong(long long item) override;
    std::string close(long long item) override;
    std::string suspend(long long item) override;
    std::string resume(long long item) override;
    std::string send_dv_email(long long item, const std::string& emails) override;
    std::string send_dv_dns(long long item, const std::string& domain) override;
    std::string approver(long long module, const std::string& domain,
                         const std::string& intname) override;
    std::string import_pricelist(long long module, const std::string& subcommand,
                                 const std::string& id) override;
    std::string import_services(long long module, const std::string& itemtype,
                                const std::string& searchstring) override;
    std::string getbalance(std::optional<long long> module) override;
    std::string probe_upstream(long long module, std::optional<long long> item) override;

private:
    // Runs one lifecycle step of an item with the upstream of the item's module; then, when
    // the step paid upstream or was refused for lack of money, refreshes the module's
    // dashboard balance (best effort: never changes the step's result or error).
    void with_service(long long item, const std::function<void(CertificateService&)>& step);
    // The same for any step with the upstream of a module (the api the service uses, too).
    void with_module(long long module,
                     const std::function<void(CertificateService&, CertificateApi&)>& step);
    // Where and for how long a burst of syncs of the module shares one list read.
    SnapshotSettings snapshot_settings(long long module) const;
    void refresh_balance_after(const ChargeWatch& watch, CertificateApi& api, long long module);
    // getbalance of one module, with every fallback.
    Balance refresh_balance(long long module);

    ApiFactory api_factory_;
    CatalogFactory catalog_factory_;
};

}  // namespace pmb
