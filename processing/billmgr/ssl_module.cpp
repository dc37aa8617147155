#include "billmgr/ssl_module.h"

#include "core/error.h"
#include "core/scrub.h"
#include "core/xml.h"
#include "lifecycle/certificate_service.h"
#include "lifecycle/domain.h"
#include "upstream/upstream_certificate_api.h"

namespace pmb {
namespace {

// Module params as BILLmanager stores them; must equal the descriptor's form fields.
const char* const kParams[] = {"url", "username", "password", "timeout", "cafile"};
const char* const kCryptedParams[] = {"password"};

long number_or(const std::string& text, long fallback, const char* name) {
    if (text.empty()) return fallback;
    try {
        size_t used = 0;
        long value = std::stol(text, &used);
        if (used == text.size() && value > 0) return value;
    } catch (const std::exception&) {
    }
    throw Error(errtype::kValue, name, text, std::string(name) + " must be a positive number");
}

bool is_crypted(const std::string& name) {
    for (const char* c : kCryptedParams)
        if (name == c) return true;
    return false;
}

}  // namespace

SslModule::SslModule(MgrRoot root, Config config, HostFactory host_factory,
                     ApiFactory api_factory)
    : Module(std::move(root), std::move(config), std::move(host_factory)),
      api_factory_(std::move(api_factory)) {
    if (!api_factory_) {
        api_factory_ = [](const upstream::Connection& c) {
            return std::make_unique<upstream::UpstreamCertificateApi>(c);
        };
    }
}

bool SslModule::implements(const std::string&) const {
    return true;  // every command of the base table is a certificate command we handle
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
    c.password = get("password");
    Scrubber::global().add_secret(c.password);
    if (c.url.empty() || c.username.empty())
        throw Error(errtype::kMissed, c.url.empty() ? "url" : "username", "",
                    "the processing module has no upstream URL or username");
    c.ca_file = get("cafile").empty() ? config.ca_file : get("cafile");
    c.ca_path = config.ca_path;
    c.connect_timeout_s = config.connect_timeout_s;
    c.timeout_s = number_or(get("timeout"), config.timeout_s, "timeout");
    c.max_response_bytes = config.max_response_bytes;
    c.read_retries = config.read_retries;
    c.retry_delay_ms = config.retry_delay_ms;
    return c;
}

std::string SslModule::features() {
    XmlDoc doc("doc");
    doc.root().add("itemtypes").add("itemtype").set_attr("name", "certificate");
    XmlNode params = doc.root().add("params");
    for (const char* name : kParams) {
        XmlNode param = params.add("param");
        param.set_attr("name", name);
        if (is_crypted(name)) param.set_attr("crypted", "yes");
    }
    XmlNode features = doc.root().add("features");
    for (const auto& command : implemented_commands())
        features.add("feature").set_attr("name", command);
    doc.root().add("templates");  // filled by tariff import; BILLmanager keys them by intname
    return doc.to_string();
}

std::string SslModule::check_connection(const std::string& input) {
    XmlDoc doc = XmlDoc::parse(input, errtype::kValue);
    auto module = doc.root().child("processingmodule");
    if (!module)
        throw Error(errtype::kMissed, "processingmodule", "",
                    "check_connection expects <doc><processingmodule> on standard input");
    std::map<std::string, std::string> params;
    for (const XmlNode& field : module->children()) params[field.name()] = field.text();
    Scrubber::global().add_secret(params["password"]);
    api_factory_(connection_for(params, config()))->check_access();
    return "";
}

std::string SslModule::tune_connection(const std::string& input) {
    // Nothing to add to the form; BILLmanager expects its XML back unchanged.
    return XmlDoc::parse(input, errtype::kValue).to_string();
}

void SslModule::with_service(long long item,
                             const std::function<void(CertificateService&)>& step) {
    Item data = host().item(item);
    ModuleSettings module = host().module(data.processingmodule);
    auto api = api_factory_(connection_for(module.params, config()));
    CertificateService service(host(), *api);
    step(service);
}

std::string SslModule::open(long long item) {
    with_service(item, [&](CertificateService& s) { s.open(item); });
    return "";
}

std::string SslModule::sync_item(long long item) {
    with_service(item, [&](CertificateService& s) { s.sync(item); });
    return "";
}

std::string SslModule::reopen(long long item) {
    with_service(item, [&](CertificateService& s) { s.reissue(item); });
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

// Suspend and resume are local only: a certificate cannot be suspended at the CA.
std::string SslModule::suspend(long long item) {
    Writeback(host()).post_suspend(item);
    return "";
}

std::string SslModule::resume(long long item) {
    Writeback(host()).post_resume(item);
    return "";
}

std::string SslModule::approver(long long, const std::string& domain, const std::string&) {
    if (domain.empty())
        throw Error(errtype::kMissed, "domain", "", "the option --domain is required");
    XmlDoc doc("doc");
    XmlNode node = doc.root().add("domain");
    node.set_attr("name", domain);
    for (const auto& address : approver_addresses(domain)) node.add("approver", address);
    return doc.to_string();
}

}  // namespace pmb
