#include "app/ssl_module.h"

#include <set>

#include "app/charge_watch.h"
#include "app/upstream_certificate_api.h"
#include "app/upstream_probe.h"
#include "app/upstream_tariff_catalog.h"
#include "billmgr/item_lock.h"
#include "core/error.h"
#include "core/log.h"
#include "core/scrub.h"
#include "core/text.h"
#include "core/xml.h"
#include "lifecycle/balance_report.h"
#include "lifecycle/certificate_service.h"
#include "lifecycle/domain.h"
#include "lifecycle/item_params.h"
#include "lifecycle/order_builder.h"
#include "lifecycle/param_change.h"
#include "lifecycle/pricing.h"
#include "lifecycle/service_import.h"
#include "lifecycle/tariff_import.h"
#include "lifecycle/template_cache.h"
#include "upstream/url.h"

namespace pmb {
namespace {

// Module params as BILLmanager stores them; must equal the descriptor's form fields.
const char* const kParams[] = {"url",    "username", "password", "timeout",
                               "cafile", "markup",   "rounding"};
const char* const kCryptedParams[] = {"password"};

long number_or(const std::string& text, long fallback, const char* name) {
    if (text.empty())
        return fallback;
    if (auto value = parse_positive(text))
        return static_cast<long>(*value);
    throw Error(errtype::kValue, name, text, std::string(name) + " must be a positive number");
}

bool is_crypted(const std::string& name) {
    for (const char* c : kCryptedParams)
        if (name == c)
            return true;
    return false;
}

}  // namespace

SslModule::SslModule(MgrRoot root, Config config, HostFactory host_factory, ApiFactory api_factory,
                     CatalogFactory catalog_factory)
    : Module(std::move(root), std::move(config), std::move(host_factory)),
      api_factory_(std::move(api_factory)),
      catalog_factory_(std::move(catalog_factory)) {
    if (!api_factory_) {
        api_factory_ = [](const upstream::Connection& c) {
            return std::make_unique<UpstreamCertificateApi>(c);
        };
    }
    if (!catalog_factory_) {
        catalog_factory_ = [](const upstream::Connection& c) {
            return std::make_unique<UpstreamTariffCatalog>(c);
        };
    }
}

upstream::Connection SslModule::connection_for(const std::map<std::string, std::string>& params,
                                               const Config& config) {
    auto get = [&](const char* name) {
        auto it = params.find(name);
        return it == params.end() ? std::string() : it->second;
    };
    upstream::Connection c;
    c.url = get("url");
    c.username = get("username");
    c.password = get("password");  // registered with the Scrubber where it was read
    if (c.url.empty() || c.username.empty())
        throw Error(errtype::kMissed, c.url.empty() ? "url" : "username", "",
                    "the processing module has no upstream URL or username");
    upstream::require_https(c.url);
    c.ca_file = get("cafile").empty() ? config.ca_file : get("cafile");
    c.ca_path = config.ca_path;
    c.connect_timeout_s = config.connect_timeout_s;
    c.timeout_s = number_or(get("timeout"), config.timeout_s, "timeout");
    c.max_response_bytes = config.max_response_bytes;
    c.read_retries = config.read_retries;
    c.retry_delay_ms = config.retry_delay_ms;
    c.command_budget_s = config.command_budget_s;
    c.list_page_size = config.list_page_size;
    return c;
}

std::string SslModule::features() {
    XmlWriter doc("doc");
    doc.open("itemtypes").open("itemtype").attr("name", "certificate").close().close();
    doc.open("params");
    for (const char* name : kParams) {
        doc.open("param").attr("name", name);
        if (is_crypted(name))
            doc.attr("crypted", "yes");
        doc.close();
    }
    doc.close().open("features");
    for (const auto& command : feature_names())
        doc.open("feature").attr("name", command).close();
    // Written by import_pricelist; BILLmanager keys them by pricelist intname.
    doc.close().open("templates");
    write_templates(doc, TemplateCache(root().template_cache()).read());
    return doc.finish();
}

std::string SslModule::check_connection(const std::string& input) {
    XmlDoc doc = XmlDoc::parse(input, errtype::kValue);
    auto module = doc.root().child("processingmodule");
    if (!module)
        throw Error(errtype::kMissed, "processingmodule", "",
                    "check_connection expects <doc><processingmodule> on standard input");
    std::map<std::string, std::string> params;
    for (const XmlNode& field : module->children())
        params[field.name()] = field.text();
    Scrubber::global().add_secret(params["password"]);
    Pricing::parse(params["markup"], params["rounding"]);  // refused here, not at import
    upstream::Connection connection = connection_for(params, config());
    connection.read_retries = 0;  // the setup wizard waits for the answer: one try only
    api_factory_(connection)->check_access();
    return "";
}

std::string SslModule::tune_connection(const std::string& input) {
    // Nothing to add to the form; BILLmanager expects its XML back unchanged.
    return XmlDoc::parse(input, errtype::kValue).to_string();
}

void SslModule::with_service(long long item, const std::function<void(CertificateService&)>& step) {
    with_module(host().item_module(item),
                [&](CertificateService& service, CertificateApi&) { step(service); });
}

void SslModule::with_module(long long module_id,
                            const std::function<void(CertificateService&, CertificateApi&)>& step) {
    ModuleSettings module = host().module(module_id);
    const upstream::Connection connection = connection_for(module.params, config());
    auto api = api_factory_(connection);
    ChargeWatch watch(*api);
    auto catalog = catalog_factory_(connection);  // connects only if an order needs it
    TemplateCache templates(root().template_cache());
    ChargeGuard::Settings charging;
    charging.settle_seconds = config().charge_settle_s;
    CertificateService service(host(), watch, templates, running_operation(), catalog.get(),
                               charging);
    try {
        step(service, watch);
    } catch (...) {
        refresh_balance_after(watch, *api, module.id);
        throw;
    }
    refresh_balance_after(watch, *api, module.id);
}

void SslModule::refresh_balance_after(const ChargeWatch& watch, CertificateApi& api,
                                      long long module) {
    if (!watch.balance_touched())
        return;
    try {
        report_balance(host(), api, module, BalanceRead::kQuick);
    } catch (const std::exception& e) {
        log_warning("could not refresh the upstream balance of processing module " +
                    std::to_string(module) +
                    " (the next processing.checkbalance will): " + e.what());
    }
}

std::string SslModule::open(long long item) {
    with_service(item, [&](CertificateService& s) { s.open(item); });
    return "";
}

SnapshotSettings SslModule::snapshot_settings(long long module) const {
    SnapshotSettings settings;
    settings.file = root().list_snapshot(module);
    settings.lock_file = root().list_lock(module);
    settings.module = module;
    settings.max_age_s = config().list_cache_s;
    settings.lock_wait_s = config().lock_wait_s;
    settings.pending_recheck_s = config().pending_recheck_s;
    return settings;
}

std::string SslModule::sync_item(long long item) {
    const long long module = host().item_module(item);
    with_module(module, [&](CertificateService& service, CertificateApi& api) {
        ListSnapshots snapshots(snapshot_settings(module), api);
        service.sync(item, &snapshots);
    });
    return "";
}

// One list read for the whole module; each service under its own lock, as its own sync_item
// run would be; a failure is counted and the next service synced.
std::string SslModule::sync_module(long long module) {
    const auto items = host().open_items_with_param(module, param::kUpstreamId);
    std::vector<std::string> failed;
    with_module(module, [&](CertificateService& service, CertificateApi& api) {
        ListSnapshots snapshots(snapshot_settings(module), api);
        std::set<std::string> ids;
        for (const auto& item : items)
            ids.insert(item.second);
        snapshots.get(ids);
        for (const auto& [item, upstream_id] : items) {
            try {
                ItemLock lock(root().item_lock(item), item, config().lock_wait_s);
                service.sync(item, &snapshots);
            } catch (const std::exception& e) {
                log_error("sync of service " + std::to_string(item) + " failed: " + e.what());
                failed.push_back(std::to_string(item));
            }
        }
    });
    const std::string summary = "synced " + std::to_string(items.size() - failed.size()) + " of " +
                                std::to_string(items.size()) + " services of processing module " +
                                std::to_string(module);
    log_info(summary + (failed.empty() ? "" : "; failed: " + join(failed, ", ")));
    if (!failed.empty())
        throw Error(errtype::kUpstream, "item", join(failed, ","),
                    summary + "; failed: " + join(failed, ", ") + " (see the log)");
    XmlWriter doc("doc");
    doc.element("synced", std::to_string(items.size())).element("failed", "0");
    return doc.finish();
}

std::string SslModule::reopen(long long item) {
    with_service(item, [&](CertificateService& s) { s.reissue(item); });
    return "";
}

std::string SslModule::setparam(long long item) {
    apply_param_change(host(), item);
    return "";
}

std::string SslModule::prolong(long long item) {
    with_service(item, [&](CertificateService& s) { s.prolong(item); });
    return "";
}

std::string SslModule::close(long long item) {
    with_service(item, [&](CertificateService& s) { s.close(item); });
    return "";
}

std::string SslModule::suspend(long long item) {
    CertificateService::suspend(host(), item);
    return "";
}

std::string SslModule::resume(long long item) {
    CertificateService::resume(host(), item);
    return "";
}

std::string SslModule::send_dv_email(long long item, const std::string& emails) {
    with_service(item, [&](CertificateService& s) {
        s.resend_approver_email(item, config().dcv_email_function, emails);
    });
    return "";
}

std::string SslModule::send_dv_dns(long long item, const std::string& domain) {
    with_service(item, [&](CertificateService& s) {
        s.recheck_dns(item, config().dcv_dns_function, domain);
    });
    return "";
}

// --domain is a comma-separated list (ISPsystem's GlobalSign module: domain.split(",")): one
// <domain> block per name, each with its own addresses.
std::string SslModule::approver(long long, const std::string& domains, const std::string&) {
    std::vector<std::string> names = split(domains, ", \t\r\n");
    if (names.empty())
        throw Error(errtype::kMissed, "domain", "", "the option --domain is required");
    XmlDoc doc("doc");
    for (const auto& name : names) {
        XmlNode node = doc.root().add("domain");
        node.set_attr("name", name);
        for (const auto& address : approver_addresses(name))
            node.add("approver", address);
    }
    return doc.to_string();
}

std::string SslModule::import_pricelist(long long module, const std::string& subcommand,
                                        const std::string& id) {
    if (subcommand != "available" && subcommand != "pricelist")
        throw Error(subcommand.empty() ? errtype::kMissed : errtype::kValue, "subcommand",
                    subcommand, "import_pricelist needs --subcommand available or pricelist");
    if (subcommand == "pricelist" && id.empty())
        throw Error(errtype::kMissed, "id", "",
                    "import_pricelist --subcommand pricelist needs --id");
    ModuleSettings settings = host().module(module);
    Pricing pricing = Pricing::parse(settings.param("markup"), settings.param("rounding"));
    auto catalog = catalog_factory_(connection_for(settings.params, config()));
    TemplateCache templates(root().template_cache());
    TariffImport import(*catalog, templates);
    return subcommand == "available" ? import.available() : import.pricelist(id, pricing);
}

std::string SslModule::import_services(long long module, const std::string& itemtype,
                                       const std::string& searchstring) {
    if (!itemtype.empty() && itemtype != "certificate")
        throw Error(errtype::kValue, "itemtype", itemtype,
                    "pmbillmgrssl imports certificate services only");
    ModuleSettings settings = host().module(module);
    auto api = api_factory_(connection_for(settings.params, config()));
    ServiceImport(host(), *api).run(module, ImportFilter(searchstring));
    return "";
}

Balance SslModule::refresh_balance(long long module) {
    ModuleSettings settings = host().module(module);
    auto api = api_factory_(connection_for(settings.params, config()));
    return report_balance(host(), *api, module, BalanceRead::kThorough);
}

// With --module, that module. Without, every active module of this binary, as third-party
// modules do it: one that fails is logged and the others go on; the run fails only when none
// is refreshed.
std::string SslModule::getbalance(std::optional<long long> module) {
    XmlWriter doc("doc");
    if (module) {
        Balance balance = refresh_balance(*module);
        return doc.element("balance", balance.amount)
            .element("currency", balance.currency)
            .finish();
    }
    std::vector<long long> modules = host().active_modules(kModuleBinary);
    if (modules.empty())
        log_info("getbalance: no active processing module runs " + std::string(kModuleBinary));
    std::vector<std::string> failures;
    std::optional<Error> first_failure;
    for (long long id : modules) {
        try {
            Balance balance = refresh_balance(id);
            doc.open("module").attr("id", std::to_string(id));
            doc.element("balance", balance.amount).element("currency", balance.currency).close();
        } catch (const Error& e) {
            log_error("getbalance: processing module " + std::to_string(id) + " failed: [" +
                      e.type() + "] " + e.message());
            failures.push_back("module " + std::to_string(id) + ": " + e.message());
            if (!first_failure)
                first_failure = e;
        }
    }
    if (first_failure && failures.size() == modules.size())
        throw Error(
            first_failure->type(), first_failure->object(), first_failure->value(),
            "no processing module could refresh its upstream balance: " + join(failures, "; "));
    return doc.finish();
}

std::string SslModule::probe_upstream(long long module, std::optional<long long> item) {
    ModuleSettings settings = host().module(module);
    ProbeTarget target;
    if (item) {
        Item service = host().item(*item);
        if (service.processingmodule != module)
            throw Error(errtype::kValue, "item", std::to_string(*item),
                        "service " + std::to_string(*item) + " belongs to processing module " +
                            std::to_string(service.processingmodule) + ", not " +
                            std::to_string(module));
        target.certificate = service.param(param::kUpstreamId);
        target.pricelist = upstream_pricelist(service);
        target.note = "service " + std::to_string(*item) + ": upstream certificate " +
                      (target.certificate.empty() ? "(none yet)" : target.certificate) +
                      ", upstream tariff " + target.pricelist;
    }
    upstream::ApiClient client(connection_for(settings.params, config()));
    return pmb::probe_upstream(client, target);
}

}  // namespace pmb
