#include "lifecycle/validation_data.h"

#include <algorithm>

#include "core/log.h"
#include "core/scrub.h"
#include "core/text.h"
#include "lifecycle/item_params.h"

namespace pmb {
namespace {

struct ParamSource {
    const char* param;
    std::vector<const char*> fields;  // first found wins
};

const std::vector<ParamSource>& sources() {
    static const std::vector<ParamSource> kSources = {
        {param::kAuthDnstxtValue,
         {"auth_dnstxt_value", "dnstxt", "txt_value", "dcv_dns_value", "dns_value"}},
        {param::kDomainsList, {"domains_list", "verification_fqdn", "dcv_fqdn"}},
        {param::kAuthFileName, {"auth_file_name", "file_name", "dcv_file_name"}},
        {param::kAuthFileValue, {"auth_file_value", "file_content", "dcv_file_content"}},
    };
    return kSources;
}

// Fields the order itself sent, echoed by the form: no validation data.
bool order_field(const std::string& name) {
    return name == "approver_method" || name == "auth_file_protocol" ||
           name.rfind("approver_email", 0) == 0;
}

bool accepted_field(const std::string& name) {
    for (const ParamSource& source : sources())
        for (const char* field : source.fields)
            if (name == field)
                return true;
    return false;
}

bool looks_like_validation_data(const std::string& name) {
    return contains_any(lowercase(name), {"auth_", "dcv", "dnstxt", "approver"}) &&
           !order_field(name) && !accepted_field(name);
}

const std::string* field_value(const UpstreamCertificate& cert, const char* name) {
    for (const auto& [field, value] : cert.fields)
        if (field == name && !trim(value).empty())
            return &value;
    return nullptr;
}

// A names field may separate by spaces, commas or newlines; the param is comma-separated.
std::string param_value(const char* param, const std::string& value) {
    if (std::string(param) == param::kDomainsList)
        return join(split(value, ", \t\r\n"), ",");
    return std::string(trim(value));
}

constexpr size_t kLoggedValue = 200;

// What the log shows of an unknown field: its value, cut short, unless its name says secret.
std::string shown(const std::string& name, const std::string& value) {
    if (contains_any(lowercase(name), {"key", "pass", "secret"}))
        return Scrubber::kMask;
    return value.substr(0, kLoggedValue);
}

}  // namespace

ValidationData read_validation_data(const UpstreamCertificate& cert) {
    ValidationData data;
    for (const ParamSource& source : sources()) {
        for (const char* field : source.fields) {
            if (const std::string* value = field_value(cert, field)) {
                data.params[source.param] = param_value(source.param, *value);
                break;
            }
        }
    }
    for (const auto& [name, value] : cert.fields)
        if (looks_like_validation_data(name))
            data.unknown_fields.push_back(name + "=" + shown(name, value));
    return data;
}

void copy_validation_data(Writeback& writeback, const Item& item, const UpstreamCertificate& cert) {
    const ValidationData data = read_validation_data(cert);
    for (const auto& [name, value] : data.params)
        if (item.param(name) != value)
            writeback.save_param(item.id, name, value);
    if (data.unknown_fields.empty())
        return;
    std::vector<std::string> names;
    for (const std::string& field : data.unknown_fields)
        names.push_back(field.substr(0, field.find('=')));
    const std::string logged = join(names, ",");
    if (item.param(param::kDcvFieldsLogged) == logged)
        return;
    log_info(
        "upstream certificate " + cert.id + " of service " + std::to_string(item.id) +
        " carries validation fields the module does not read: " + join(data.unknown_fields, "; "));
    writeback.save_param(item.id, param::kDcvFieldsLogged, logged);
}

}  // namespace pmb
