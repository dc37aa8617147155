#include "admin.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

namespace fake_upstream {
namespace {

struct AdminFailure {
    int status;
    ApiError error;
};

using AdminHandler = std::function<XmlNode(Shared&, const ApiRequest&)>;

[[noreturn]] void reject(const std::string& object, const std::string& value,
                         const std::string& msg) {
    throw AdminFailure{400, ApiError{"admin", object, value, msg}};
}

XmlNode ok_document() {
    XmlNode doc("doc");
    doc.add("ok");
    return doc;
}

bool flag_on(const ApiRequest& params, const std::string& name, bool fallback) {
    if (!params.has(name))
        return fallback;
    std::string value = params.get(name);
    return value == "1" || value == "on" || value == "true" || value == "yes";
}

int integer_param(const ApiRequest& params, const std::string& name, int fallback) {
    if (!params.has(name))
        return fallback;
    try {
        return std::stoi(params.get(name));
    } catch (const std::exception&) {
        reject(name, params.get(name), "not an integer");
    }
}

Certificate& certificate_param(Shared& shared, const ApiRequest& params) {
    Certificate* cert = shared.state.find_certificate(params.get("id"));
    if (!cert)
        reject("id", params.get("id"), "no such certificate");
    return *cert;
}

// SAN list: the CN first, then the altnames, without duplicates.
std::vector<std::string> dns_names(const Certificate& cert) {
    std::vector<std::string> names{cert.cn};
    for (const auto& name : cert.altnames()) {
        if (std::find(names.begin(), names.end(), name) == names.end())
            names.push_back(name);
    }
    return names;
}

// A reissue keeps the expiry date of the certificate it replaces.
void issue(Shared& shared, Certificate& cert) {
    if (cert.expiredate.empty())
        cert.expiredate = add_months(today(), cert.period);
    cert.crt = issue_certificate(shared.ca, cert.csr, cert.cn, dns_names(cert),
                                 end_of_day(cert.expiredate));
    cert.service_status = kIssued;
    cert.item_status = kItemActive;
    cert.reissue_pending = false;
}

XmlNode admin_advance(Shared& shared, const ApiRequest& params) {
    Certificate& cert = certificate_param(shared, params);
    if (cert.deleted())
        reject("id", params.get("id"), "certificate is deleted");
    std::string to = params.get("to");
    if (to == "issued") {
        issue(shared, cert);
    } else if (to == "failed") {
        cert.service_status = kFailed;
    } else if (to == "pending") {
        cert.service_status = kAwaitingDcv;
    } else {
        reject("to", to, "expected issued, failed or pending");
    }
    XmlNode doc = ok_document();
    doc.add("expiredate", cert.expiredate);
    return doc;
}

// The CA asks for a new TXT value (and file content): a new token.
XmlNode admin_dcv_rotate(Shared& shared, const ApiRequest& params) {
    Certificate& cert = certificate_param(shared, params);
    ++cert.dcv_round;
    XmlNode doc = ok_document();
    doc.add("token", cert.dcv_token());
    return doc;
}

// Many certificates at once, cheaply (no key, CSR or certificate file): what a big reseller
// account lists. Each is "<prefix><id>.bulk.example"; remoteid_from numbers their remoteids.
XmlNode admin_bulk(Shared& shared, const ApiRequest& params) {
    const int count = integer_param(params, "count", 1);
    const std::string status = params.has("status") ? params.get("status") : "issued";
    if (status != "issued" && status != "pending" && status != "deleted")
        reject("status", status, "expected issued, pending or deleted");
    if (count < 1 || count > 1000000)
        reject("count", params.get("count"), "expected 1 to 1000000");
    const int remoteid_from = integer_param(params, "remoteid_from", 0);
    const std::string prefix = params.has("prefix") ? params.get("prefix") : "c";
    State& state = shared.state;
    const long first = state.next_id;
    for (int i = 0; i < count; ++i) {
        Certificate cert;
        cert.id = state.next_id++;
        cert.cn = prefix + std::to_string(cert.id) + ".bulk.example";
        cert.pricelist = state.tariffs.front().id;
        cert.createdate = today();
        cert.expiredate = add_months(today(), cert.period);
        cert.item_status = status == "deleted" ? kItemDeleted : kItemActive;
        cert.service_status = status == "pending" ? kAwaitingDcv : kIssued;
        if (status == "pending")
            cert.item_status = kItemProcessing;
        if (remoteid_from > 0)
            cert.remoteid = std::to_string(remoteid_from + i);
        state.certificates.emplace(cert.id, std::move(cert));
    }
    XmlNode doc = ok_document();
    doc.add("first", std::to_string(first));
    doc.add("last", std::to_string(state.next_id - 1));
    return doc;
}

// A change made on the upstream's side (a renewal there, an admin's edit): a new expiry.
XmlNode admin_expire(Shared& shared, const ApiRequest& params) {
    certificate_param(shared, params).expiredate = params.get("date");
    return ok_document();
}

// The certificate is gone from the upstream altogether: not listed, certificate.edit
// answers missed (a purge after deletion).
XmlNode admin_forget(Shared& shared, const ApiRequest& params) {
    Certificate& cert = certificate_param(shared, params);
    shared.state.certificates.erase(cert.id);
    return ok_document();
}

std::set<long> id_set(const std::string& text) {
    std::string spaced = text;
    std::replace(spaced.begin(), spaced.end(), ',', ' ');
    std::set<long> ids;
    for (const std::string& word : split_words(spaced))
        ids.insert(std::atol(word.c_str()));
    return ids;
}

XmlNode admin_zip(Shared& shared, const ApiRequest& params) {
    certificate_param(shared, params).zip = flag_on(params, "on", true);
    return ok_document();
}

XmlNode request_node(const RecordedRequest& request) {
    XmlNode node("request");
    node.attr("n", std::to_string(request.n))
        .attr("method", request.method)
        .attr("path", request.path)
        .attr("query", request.query)
        .attr("content_type", request.content_type)
        .attr("func", request.func)
        .attr("client_port", std::to_string(request.client_port));
    for (const auto& param : request.params) {
        node.add("param", param.value).attr("name", param.name).attr("source", param.source);
    }
    return node;
}

XmlNode admin_requests(Shared& shared, const ApiRequest&) {
    XmlNode doc("doc");
    for (const auto& request : shared.requests)
        doc.add(request_node(request));
    return doc;
}

XmlNode admin_clear_requests(Shared& shared, const ApiRequest&) {
    shared.requests.clear();
    return ok_document();
}

XmlNode certificate_node(const State& state, const Certificate& cert) {
    XmlNode node("certificate");
    node.add("id", std::to_string(cert.id));
    node.add("CN", cert.cn);
    node.add("altname", cert.altname);
    node.add("pricelist", cert.pricelist);
    const Tariff* tariff = state.find_tariff(cert.pricelist);
    node.add("pricelist_name", tariff ? tariff->name : "");
    node.add("period", std::to_string(cert.period));
    node.add("createdate", cert.createdate);
    node.add("expiredate", cert.expiredate);
    node.add("item_status", std::to_string(cert.item_status));
    node.add("service_status", std::to_string(cert.service_status));
    node.add("status_msg", cert.status_msg());
    node.add("remoteid", cert.remoteid);
    node.add("approver_method", cert.approver_method);
    for (size_t i = 0; i < cert.approver_emails.size(); ++i) {
        node.add("approver_email_" + std::to_string(i + 1), cert.approver_emails[i]);
    }
    node.add("auth_file_protocol", cert.auth_file_protocol);
    node.add("dcv_token", cert.dcv_token());
    std::string rechecks;
    for (const auto& domain : cert.dns_rechecks)
        rechecks += (rechecks.empty() ? "" : ",") + domain;
    node.add("dns_rechecks", rechecks);
    node.add("adm_email", cert.adm_email);
    node.add("csr", cert.csr);
    node.add("crt", cert.crt);
    node.add("reissue_count", std::to_string(cert.reissue_count));
    node.add("zip", cert.zip ? "on" : "off");
    return node;
}

XmlNode admin_state(Shared& shared, const ApiRequest&) {
    XmlNode doc("doc");
    doc.add("balance", format_money(shared.state.balance));
    doc.add("two_factor", shared.state.two_factor ? "on" : "off");
    for (const auto& entry : shared.state.certificates) {
        doc.add(certificate_node(shared.state, entry.second));
    }
    return doc;
}

XmlNode admin_balance(Shared& shared, const ApiRequest& params) {
    auto amount = parse_money(params.get("amount"));
    if (!amount)
        reject("amount", params.get("amount"), "not a decimal amount");
    shared.state.balance = *amount;
    return ok_document();
}

XmlNode admin_two_factor(Shared& shared, const ApiRequest& params) {
    shared.state.two_factor = flag_on(params, "on", true);
    return ok_document();
}

int default_delay_ms(FaultKind kind) {
    switch (kind) {
        case FaultKind::kHang:
        case FaultKind::kHangAfterCommit:
            return 120000;
        case FaultKind::kDelay:
            return 1000;
        case FaultKind::kTrickle:
            return 500;
        default:
            return 0;
    }
}

ApiError injected_error(const ApiRequest& params) {
    ApiError error;
    error.type = params.has("type") ? params.get("type") : "value";
    error.object = params.has("object") ? params.get("object") : "fault";
    error.value = params.get("value");
    error.msg = params.has("msg") ? params.get("msg") : "Injected fault";
    return error;
}

XmlNode admin_fault(Shared& shared, const ApiRequest& params) {
    if (params.get("func").empty())
        reject("func", "", "func is required");
    auto kind = parse_fault_kind(params.get("kind"));
    if (!kind)
        reject("kind", params.get("kind"), "unknown fault kind");
    Fault fault;
    fault.func = params.get("func");
    fault.kind = *kind;
    fault.remaining = integer_param(params, "count", 1);
    fault.skip = integer_param(params, "skip", 0);
    fault.commit = flag_on(params, "commit", false);
    fault.delay_ms = integer_param(params, "delay_ms", default_delay_ms(*kind));
    fault.error = injected_error(params);
    if (fault.remaining < 0)
        reject("count", params.get("count"), "count must be >= 0");
    if (fault.skip < 0)
        reject("skip", params.get("skip"), "skip must be >= 0");
    shared.faults.push_back(fault);
    return ok_document();
}

XmlNode admin_clear_faults(Shared& shared, const ApiRequest&) {
    shared.faults.clear();
    return ok_document();
}

XmlNode admin_counts(Shared& shared, const ApiRequest&) {
    std::map<std::string, long> counts;
    for (const auto& request : shared.requests)
        ++counts[request.func];
    XmlNode doc("doc");
    for (const auto& [func, count] : counts) {
        doc.add("count", std::to_string(count)).attr("func", func);
    }
    for (const auto& entry : counts) {
        doc.add("committing", std::to_string(shared.count(entry.first, true)))
            .attr("func", entry.first);
    }
    return doc;
}

using ShapeSwitch = std::function<void(AnswerShapes&, bool on, const ApiRequest&)>;

// One of the accepted names of a validation field (issue 14 §4), or the default when absent.
std::string dcv_field_name(const ApiRequest& params, const std::string& key, bool on,
                           const std::vector<std::string>& accepted) {
    if (!on || !params.has(key))
        return accepted.front();
    const std::string name = params.get(key);
    if (std::find(accepted.begin(), accepted.end(), name) == accepted.end())
        reject(key, name, "not an accepted name of that validation field");
    return name;
}

void set_dcv_fields(AnswerShapes& shapes, bool on, const ApiRequest& params) {
    shapes.dcv_txt_field =
        dcv_field_name(params, "txt", on,
                       {"auth_dnstxt_value", "dnstxt", "txt_value", "dcv_dns_value", "dns_value"});
    shapes.dcv_names_field =
        dcv_field_name(params, "names", on, {"domains_list", "verification_fqdn", "dcv_fqdn"});
    shapes.dcv_file_name_field =
        dcv_field_name(params, "file_name", on, {"auth_file_name", "file_name", "dcv_file_name"});
    shapes.dcv_file_value_field = dcv_field_name(
        params, "file_value", on, {"auth_file_value", "file_content", "dcv_file_content"});
}

const std::map<std::string, ShapeSwitch>& shape_switches() {
    static const std::map<std::string, ShapeSwitch> kSwitches = {
        {"edit_without_service_status",
         [](AnswerShapes& shapes, bool on, const ApiRequest& params) {
             shapes.edit_without_service_status = on;
             const std::string lang = params.get("lang");
             shapes.status_lang = on && (lang == "ru" || lang == "de") ? lang : "en";
         }},
        {"file_as_zip",
         [](AnswerShapes& shapes, bool on, const ApiRequest& params) {
             shapes.file_format = on ? "zip" : "xml";
             shapes.zip_globalsign = on && params.get("layout") == "globalsign";
         }},
        {"file_as_list",
         [](AnswerShapes& shapes, bool on, const ApiRequest& params) {
             shapes.file_format = on ? "list" : "xml";
             const std::string field = params.get("id_field");
             shapes.list_id_field = field == "elid" || field == "name" ? field : "id";
             shapes.list_p7b_pem = on && params.get("p7b") == "pem";
         }},
        {"file_as_pem",
         [](AnswerShapes& shapes, bool on, const ApiRequest& params) {
             shapes.file_format = on ? "pem" : "xml";
             shapes.pem_content_type =
                 params.has("content_type") ? params.get("content_type") : "text/plain";
         }},
        {"file_with_private_key",
         [](AnswerShapes& shapes, bool on, const ApiRequest&) {
             shapes.appended_key_pem = on ? generate_csr("leaked-key.invalid").key_pem : "";
         }},
        {"file_garbage_pem",
         [](AnswerShapes& shapes, bool on, const ApiRequest&) { shapes.file_garbage_pem = on; }},
        {"order_billorder_only", [](AnswerShapes& shapes, bool on,
                                    const ApiRequest&) { shapes.order_billorder_only = on; }},
        {"prolong_without_newexpiredate",
         [](AnswerShapes& shapes, bool on, const ApiRequest&) {
             shapes.prolong_without_newexpiredate = on;
         }},
        {"export_numeric_itemtype", [](AnswerShapes& shapes, bool on,
                                       const ApiRequest&) { shapes.export_numeric_itemtype = on; }},
        {"export_addons",
         [](AnswerShapes& shapes, bool on, const ApiRequest&) { shapes.export_addons = on; }},
        {"export_without_flags", [](AnswerShapes& shapes, bool on,
                                    const ApiRequest&) { shapes.export_without_flags = on; }},
        {"reissue_keeps_issued", [](AnswerShapes& shapes, bool on,
                                    const ApiRequest&) { shapes.reissue_keeps_issued = on; }},
        {"views_lag",
         [](AnswerShapes& shapes, bool on, const ApiRequest& params) {
             shapes.views_lag = on ? std::max(1, std::atoi(params.get("reads").c_str())) : 0;
         }},
        {"whoami_balance_elements", [](AnswerShapes& shapes, bool on,
                                       const ApiRequest&) { shapes.whoami_balance_elements = on; }},
        {"whoami_without_balance",
         [](AnswerShapes& shapes, bool on, const ApiRequest& params) {
             shapes.whoami_without_balance = on;
             const std::string field = params.get("currency_field");
             shapes.subaccount_currency_field =
                 on && (field == "currency_iso" || field == "iso") ? field : "currency";
         }},
        {"dcv_fields", set_dcv_fields},
        {"dcv_extra_fields",
         [](AnswerShapes& shapes, bool on, const ApiRequest&) { shapes.dcv_extra_fields = on; }},
        {"dcv_functions",
         [](AnswerShapes& shapes, bool on, const ApiRequest& params) {
             shapes.dcv_email_function = on ? params.get("email") : "";
             shapes.dcv_dns_function = on ? params.get("dns") : "";
         }},
        {"toolbar_xjson_only",
         [](AnswerShapes& shapes, bool on, const ApiRequest&) { shapes.toolbar_xjson_only = on; }},
        {"list_ignores_paging",
         [](AnswerShapes& shapes, bool on, const ApiRequest&) {
             shapes.list_paging = on ? "ignored" : "honoured";
         }},
        {"list_without_p_elems", [](AnswerShapes& shapes, bool on,
                                    const ApiRequest&) { shapes.list_without_p_elems = on; }},
        {"status_cells",
         [](AnswerShapes& shapes, bool on, const ApiRequest& params) {
             const std::string form = params.get("form");
             shapes.status_cells = on && form == "real_status" ? form : on ? "orig" : "numbers";
             shapes.status_lang = on && params.get("lang") == "ru" ? "ru" : "en";
         }},
        {"list_hides",
         [](AnswerShapes& shapes, bool on, const ApiRequest& params) {
             shapes.list_hidden = on ? id_set(params.get("ids")) : std::set<long>{};
         }},
    };
    return kSwitches;
}

XmlNode admin_shape(Shared& shared, const ApiRequest& params) {
    auto it = shape_switches().find(params.get("name"));
    if (it == shape_switches().end())
        reject("name", params.get("name"), "unknown answer shape");
    it->second(shared.config.shapes, flag_on(params, "on", true), params);
    XmlNode doc = ok_document();
    if (!shared.config.shapes.appended_key_pem.empty())
        doc.add("key", shared.config.shapes.appended_key_pem);
    return doc;
}

XmlNode admin_clear_shapes(Shared& shared, const ApiRequest&) {
    shared.config.shapes = AnswerShapes{};
    return ok_document();
}

const std::map<std::string, AdminHandler>& admin_handlers() {
    static const std::map<std::string, AdminHandler> kHandlers = {
        {"advance", admin_advance},
        {"bulk", admin_bulk},
        {"expire", admin_expire},
        {"forget", admin_forget},
        {"zip", admin_zip},
        {"dcv_rotate", admin_dcv_rotate},
        {"requests", admin_requests},
        {"requests/clear", admin_clear_requests},
        {"state", admin_state},
        {"balance", admin_balance},
        {"twofactor", admin_two_factor},
        {"fault", admin_fault},
        {"fault/clear", admin_clear_faults},
        {"counts", admin_counts},
        {"shape", admin_shape},
        {"shape/clear", admin_clear_shapes},
    };
    return kHandlers;
}

}  // namespace

AdminAnswer handle_admin(Shared& shared, const std::string& path, const ApiRequest& params) {
    auto it = admin_handlers().find(path);
    try {
        if (it == admin_handlers().end()) {
            throw AdminFailure{404, ApiError{"admin", "path", path, "no such admin endpoint"}};
        }
        std::lock_guard<std::mutex> lock(shared.mutex);
        return {200, xml_document(it->second(shared, params))};
    } catch (const AdminFailure& failure) {
        return {failure.status, xml_document(error_document(failure.error))};
    } catch (const std::exception& failure) {
        return {500, xml_document(error_document(ApiError{"admin", path, "", failure.what()}))};
    }
}

}  // namespace fake_upstream
