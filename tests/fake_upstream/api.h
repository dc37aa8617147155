// The upstream BILLmanager functions (func=...) the module under test calls.
#pragma once

#include <cstddef>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "model.h"
#include "xml_writer.h"

namespace fake_upstream {

struct Param {
    std::string name;
    std::string value;
    std::string source;  // "query" or "body"
};

struct ApiRequest {
    std::vector<Param> params;  // in the order received

    // The last occurrence wins (the body comes after the query string); "" when absent.
    std::string get(const std::string& name) const;
    bool has(const std::string& name) const;
};

struct ApiError {
    std::string type;
    std::string object;
    std::string value;
    std::string msg;
    bool object_param = true;  // the totp error carries no <param> children
};

XmlNode error_document(const ApiError& error);

// A response body produced piece by piece, so huge exports never sit in memory at once.
struct Body {
    size_t pieces = 0;
    std::function<std::string(size_t)> piece;
    std::string content_type = "text/xml; charset=UTF-8";

    std::string joined() const;
};

Body whole_body(std::string text);

// Answer shapes a real upstream may use instead of the fake's default ones (admin.h lists the
// switches that set them).
struct AnswerShapes {
    bool edit_without_service_status = false;
    std::string status_lang = "en";  // "ru": status_msg in Russian ("Выпущен"); "de": German
    std::string file_format = "xml";   // "zip" or "pem": the file itself; "list": a list of files
    std::string list_id_field = "id";  // file_format "list": the row field holding its id
    bool list_p7b_pem = false;         // file_format "list": the .p7b row as PEM, not base64 DER
    bool zip_globalsign = false;       // file_format "zip": <CN_>.p7b and a .crt per certificate
    std::string pem_content_type = "text/plain";  // for file_format "pem"
    std::string appended_key_pem;                 // non-empty: appended to the certificate PEM
    bool file_garbage_pem = false;                // PEM armour around bytes that are no certificate
    bool order_billorder_only = false;  // the order answers billorder.id, no certificate id
    bool prolong_without_newexpiredate = false;
    bool export_numeric_itemtype = false;  // <itemtype>48</itemtype>, no itemtype_info
    bool export_addons = false;            // multi-domain plans carry an additional-domain addon
    bool export_without_flags = false;     // no wildcard / multidomain / orginfo elements
    bool reissue_keeps_issued = false;     // a reissue leaves the certificate issued meanwhile
    int views_lag = 0;  // reads after a charging call that still show the state before it
    bool whoami_balance_elements = false;  // <user><balance>990,00</balance>…, not attributes
    bool whoami_without_balance = false;   // whoami names the currency only: see subaccount
    std::string subaccount_currency_field = "currency";  // or currency_iso, iso
    bool toolbar_xjson_only = false;  // out=devel answers without metadata; out=xjson has it
    // While a DNS or file order awaits validation, certificate.edit carries its data under
    // these names (dcv_fields); dcv_extra_fields adds fields the module does not know.
    std::string dcv_txt_field = "auth_dnstxt_value";
    std::string dcv_names_field = "domains_list";
    std::string dcv_file_name_field = "auth_file_name";
    std::string dcv_file_value_field = "auth_file_value";
    bool dcv_extra_fields = false;
    // The re-send functions (dcv_functions); empty: the upstream has none ("not found").
    std::string dcv_email_function;
    std::string dcv_dns_function;
    // The certificate list: "honoured" (p_cnt rows of page p_num) or "ignored" (every row at
    // once, whatever was asked); p_elems declared unless list_without_p_elems.
    std::string list_paging = "honoured";
    bool list_without_p_elems = false;
    // Status cells: "numbers" (<item_status>2</item_status>), "orig" (localized text with the
    // number in orig=, as BILLmanager writes list cells) or "real_status" (localized text, the
    // number only in a real_status column). In the list and in certificate.edit.
    std::string status_cells = "numbers";
    // Rows left out of the list while p_elems still counts them (a replica that lags).
    std::set<long> list_hidden;
};

struct ApiConfig {
    bool list_without_remoteid = false;
    size_t large_export = 0;
    std::string ca_pem;
    AnswerShapes shapes;
};

// Runs func=... against the state (the caller holds the state lock). Application errors are
// answered as error documents, as the real upstream does.
Body handle_api(State& state, const ApiConfig& config, const ApiRequest& request);

}  // namespace fake_upstream
