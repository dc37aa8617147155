#include "upstream/response.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <deque>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string_view>

#include "core/base64.h"
#include "core/digest.h"
#include "core/money.h"
#include "core/scrub.h"
#include "core/text.h"
#include "core/zip.h"
#include "model/status.h"

namespace pmb::upstream {
namespace {

using Failure = UpstreamError::Failure;

bool starts_with(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

// Also drops a UTF-8 byte order mark, which some upstreams put before their text.
std::string_view trim_answer(std::string_view text) {
    if (starts_with(text, "\xEF\xBB\xBF"))
        text.remove_prefix(3);
    return trim(text);
}

UpstreamError bad_response(const std::string& detail, const std::string& message) {
    return UpstreamError(Failure::kBadResponse, errtype::kBadResponse, "upstream", detail, message);
}

UpstreamError missing_in_answer(const std::string& func, const std::string& what) {
    std::string message = "the upstream answer to " + func + " carries no " + what;
    return bad_response(message, message);
}

UpstreamError http_error(long status, const std::string& origin) {
    std::string what = "HTTP " + std::to_string(status);
    if (status >= 300 && status < 400)
        what += " (a redirect, which is not followed; check the URL)";
    return UpstreamError(Failure::kHttp, errtype::kBadResponse, "http_status", origin + ": " + what,
                         "the upstream " + origin + " answered " + what, status);
}

bool looks_like_html(std::string_view text) {
    std::string head = lowercase(text.substr(0, 1024));
    return starts_with(head, "<!doctype html") || starts_with(head, "<html") ||
           (starts_with(head, "<?xml") && head.find("<html") != std::string::npos);
}

std::string unparsable_xml_kind(std::string_view text) {
    bool opens_doc = text.find("<doc") != std::string_view::npos;
    bool closes_doc = text.find("</doc>") != std::string_view::npos;
    return unparsable_xml(opens_doc && !closes_doc);
}

// Breadth-first, so the shallowest element of that name wins. <tparams> is skipped: it
// echoes our own request (our CSR, even authinfo), which is not part of the answer.
std::optional<XmlNode> find_descendant(const XmlNode& root, const std::string& name) {
    std::deque<XmlNode> queue{root};
    while (!queue.empty()) {
        XmlNode node = queue.front();
        queue.pop_front();
        for (const XmlNode& child : node.children()) {
            if (child.name() == "tparams")
                continue;
            if (child.name() == name)
                return child;
            queue.push_back(child);
        }
    }
    return std::nullopt;
}

std::string descendant_text(const XmlNode& root, const std::string& name) {
    auto node = find_descendant(root, name);
    return node ? std::string(trim_answer(node->text())) : std::string();
}

std::string field(const XmlNode& node, std::initializer_list<const char*> names) {
    for (const char* name : names) {
        std::string text(trim_answer(node.child_text(name)));
        if (!text.empty())
            return text;
    }
    return {};
}

std::optional<int> to_int(const std::string& text) {
    if (auto value = parse_number(text))
        return static_cast<int>(*value);
    return std::nullopt;
}

// The number of a status cell: BILLmanager writes localized text with the number in the
// orig attribute (<item_status orig="2">Активна</item_status>); older answers the bare number.
std::optional<int> status_cell_number(const XmlNode& node, const char* name) {
    auto cell = node.child(name);
    if (!cell)
        return std::nullopt;
    if (auto orig = cell->attr("orig"))
        if (auto number = to_int(std::string(trim_answer(*orig))))
            return number;
    return to_int(std::string(trim_answer(cell->text())));
}

int item_status_of(const XmlNode& node) {
    for (const char* name : {"item_status", "status"})
        if (auto number = status_cell_number(node, name))
            return *number;
    if (auto number = to_int(field(node, {"real_status"})))
        return *number;
    for (const char* name : {"item_status", "status", "status_msg"})
        if (int mapped = item_status_from_text(field(node, {name})))
            return mapped;
    return 0;
}

int service_status_of(const XmlNode& node) {
    if (auto number = status_cell_number(node, "service_status"))
        return *number;
    for (const char* name : {"status_msg", "service_status"})
        if (int mapped = service_status_from_text(field(node, {name})))
            return mapped;
    return 0;
}

std::string without_whitespace(const std::string& text) {
    std::string out;
    for (char c : text)
        if (!std::isspace(static_cast<unsigned char>(c)))
            out += c;
    return out;
}

UpstreamCertificate certificate_from(const XmlNode& node) {
    UpstreamCertificate c;
    c.id = field(node, {"id", "elid"});
    c.cn = field(node, {"CN", "cn", "domain"});
    c.altname = field(node, {"altname"});
    c.pricelist = field(node, {"pricelist"});
    c.createdate = date_part(field(node, {"createdate"}));
    c.expiredate = date_part(field(node, {"expiredate"}));
    c.remoteid = field(node, {"remoteid"});
    c.status_msg = field(node, {"status_msg"});
    c.period = to_int(field(node, {"period"})).value_or(0);
    c.item_status = item_status_of(node);
    c.item_status_text = field(node, {"item_status"});
    c.status_text = field(node, {"status"});
    std::string crt = without_whitespace(field(node, {"crt"}));
    c.crt_sha256 = crt.empty() ? "" : sha256_hex(crt);
    c.service_status = service_status_of(node);
    return c;
}

// Text directly inside the element, not inside its children.
std::string own_text(const XmlNode& node) {
    std::string text;
    for (xmlNodePtr c = node.raw()->children; c; c = c->next) {
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content)
            text += reinterpret_cast<const char*>(c->content);
    }
    return std::string(trim_answer(text));
}

bool mentions_two_factor(const std::string& lowered) {
    return lowered == "otp" ||
           contains_any(lowered, {"totp", "2fa", "twofactor", "two_factor", "two-factor",
                                  "two factor", "one-time password"});
}

bool mentions_low_balance(const std::string& lowered) {
    return contains_any(lowered,
                        {"balance", "insufficient funds", "not enough money", "not enough funds"});
}

}  // namespace

XmlDoc parse_document(long http_status, const std::string& body, const std::string& origin) {
    check_http_status(http_status, origin);
    std::string start_problem = unusable_start(body);
    if (!start_problem.empty())
        throw bad_answer_from(origin, start_problem);
    std::optional<XmlDoc> doc;
    try {
        doc.emplace(XmlDoc::parse(body, errtype::kBadResponse));
    } catch (const Error&) {
        throw bad_answer_from(origin, unparsable_xml_kind(trim_answer(body)));
    }
    std::string root_problem = unusable_root(doc->root().name());
    if (!root_problem.empty())
        throw bad_answer_from(origin, root_problem);
    if (auto error = doc->root().child("error"))
        throw error_from_element(*error, origin);
    return std::move(*doc);
}

void check_http_status(long http_status, const std::string& origin) {
    if (http_status < 200 || http_status >= 300)
        throw http_error(http_status, origin);
}

std::string unusable_start(std::string_view head) {
    std::string_view text = trim_answer(head);
    if (text.empty())
        return "an empty body";
    if (looks_like_html(text))
        return "an HTML page instead of XML";
    if (text.front() != '<')
        return "an answer that is not XML";
    return {};
}

std::string unusable_root(const std::string& root) {
    if (root == "html")
        return "an HTML page instead of XML";
    if (root != "doc")
        return "an XML document without <doc>";
    return {};
}

std::string unparsable_xml(bool truncated) {
    return truncated ? "a truncated XML document (no closing </doc>)" : "malformed XML";
}

UpstreamError bad_answer_from(const std::string& origin, const std::string& what) {
    return bad_response(origin + ": " + what, "the upstream " + origin + " returned " + what);
}

UpstreamError error_from_element(const XmlNode& error, const std::string& origin) {
    std::string type = error.attr("type").value_or("");
    std::string object = error.attr("object").value_or("");
    std::string value = error.attr("value").value_or("");
    std::string msg(trim_answer(error.child_text("msg")));
    if (msg.empty())
        msg = type;
    std::string lowered_msg = lowercase(msg);

    if (mentions_two_factor(lowercase(type)) || mentions_two_factor(lowercase(object)) ||
        (type == "auth" && mentions_two_factor(lowered_msg)))
        return UpstreamError(Failure::kTwoFactor, errtype::kTwoFactor, object, origin,
                             "the upstream account has two-factor authentication enabled; "
                             "create a separate API user without it");
    if (type == "auth")
        return UpstreamError(Failure::kAuth, errtype::kAuth, object, origin,
                             "the upstream " + origin + " rejected the username or password");
    if (type == "missed" ||
        (object == "elid" && lowered_msg.find("not found") != std::string::npos))
        return UpstreamError(Failure::kNotFound, errtype::kMissed, object, value,
                             "upstream error (" + type + "): " + msg);
    if (type == "balance" || mentions_low_balance(lowered_msg))
        return UpstreamError(Failure::kBalance, errtype::kBalance, object, msg,
                             "upstream error (" + type + "): " + msg);
    // The descriptor shows __value__ to the admin: the upstream's own words say the most.
    return UpstreamError(Failure::kApi, errtype::kUpstream, object, msg.empty() ? value : msg,
                         "upstream error (" + type + "): " + msg);
}

void expect_ok(const XmlDoc& doc, const std::string& func) {
    if (!find_descendant(doc.root(), "ok"))
        throw missing_in_answer(func, "<ok/> confirmation");
}

std::string find_new_id(const XmlDoc& doc) {
    for (const char* name : {"id", "item.id"}) {
        std::string id = descendant_text(doc.root(), name);
        if (!id.empty())
            return id;
    }
    return {};
}

OrderResult parse_order(const XmlDoc& doc) {
    OrderResult result;
    result.id = find_new_id(doc);
    // <ok/> or a billing order id alone: the order went through, the certificate is found
    // by its remote id. A billing order id is never a certificate id.
    bool accepted =
        find_descendant(doc.root(), "ok") || find_descendant(doc.root(), "billorder.id");
    if (result.id.empty() && !accepted)
        throw missing_in_answer("certificate.order.param", "certificate id or <ok/>");
    return result;
}

GeneratedKey parse_generated_key(const XmlDoc& doc) {
    GeneratedKey generated{descendant_text(doc.root(), "csr"), descendant_text(doc.root(), "key")};
    if (generated.key.empty())
        throw missing_in_answer("certificate.order.csr", "private key");
    Scrubber::global().add_secret(generated.key);
    if (generated.csr.empty())
        throw missing_in_answer("certificate.order.csr", "CSR");
    return generated;
}

std::vector<UpstreamCertificate> parse_certificate_list(const XmlDoc& doc) {
    std::vector<UpstreamCertificate> certificates;
    for (const XmlNode& row : doc.root().children("elem"))
        if (auto certificate = parse_certificate_row(row))
            certificates.push_back(std::move(*certificate));
    return certificates;
}

std::optional<UpstreamCertificate> parse_certificate_row(const XmlNode& row) {
    UpstreamCertificate certificate = certificate_from(row);
    if (certificate.id.empty())
        return std::nullopt;
    return certificate;
}

UpstreamCertificate parse_certificate_form(const XmlDoc& doc, const std::string& id) {
    UpstreamCertificate certificate = certificate_from(doc.root());
    if (certificate.id.empty())
        certificate.id = id;
    for (const XmlNode& child : doc.root().children())
        if (child.children().empty())
            certificate.fields.emplace_back(child.name(), std::string(trim_answer(child.text())));
    return certificate;
}

namespace {

// Where a file's content may be, in this order: certificate.file.edit's form field is not
// documented, and certificate.file's document has carried it in <crt>.
constexpr std::initializer_list<const char*> kContentFields = {"content", "file", "data",
                                                               "crt",     "text", "value"};

std::string file_content(const XmlNode& root) {
    for (const char* name : kContentFields) {
        std::string text = descendant_text(root, name);
        if (!text.empty())
            return text;
    }
    return {};
}

// The rows of a list answer (BILLmanager's nested list: one <elem> per file).
std::vector<FileRow> file_rows(const XmlDoc& doc) {
    std::vector<FileRow> rows;
    bool listed = false;
    for (const XmlNode& elem : doc.root().children("elem")) {
        listed = true;
        FileRow row{field(elem, {"id", "elid", "name"}), field(elem, {"name"})};
        if (!row.id.empty())
            rows.push_back(row.name.empty() ? FileRow{row.id, row.id} : row);
    }
    if (listed && rows.empty())
        throw missing_in_answer("certificate.file", "file row id (id, elid or name)");
    return rows;
}

// An ASN.1 SEQUENCE with a long length: the start of a DER certificate or PKCS#7.
bool looks_like_der(const std::string& body) {
    return body.size() > 2 && body[0] == 0x30 &&
           (static_cast<unsigned char>(body[1]) & 0xF0) == 0x80;
}

}  // namespace

FileAnswer parse_file_document(const XmlDoc& doc) {
    FileAnswer answer;
    answer.rows = file_rows(doc);
    if (!answer.rows.empty())
        return answer;
    std::string content = file_content(doc.root());
    if (content.empty())
        content = own_text(doc.root());
    if (content.empty())
        throw missing_in_answer("certificate.file", "certificate");
    answer.file.files.push_back({"", content});
    return answer;
}

DeliveredFile parse_file_row(const XmlDoc& doc, const FileRow& row) {
    std::string name = descendant_text(doc.root(), "name");
    return {name.empty() ? row.name : name, file_content(doc.root())};
}

bool is_file_download(const std::string& body) {
    return looks_like_zip(body) || looks_like_der(body) ||
           starts_with(trim_answer(body), "-----BEGIN ");
}

FileAnswer parse_file_answer(long http_status, const std::string& body, const std::string& origin) {
    if (is_file_download(body)) {
        FileAnswer answer;
        answer.file.files.push_back({"", body});
        return answer;
    }
    return parse_file_document(parse_document(http_status, body, origin));
}

std::string parse_new_expire_date(const XmlDoc& doc) {
    return date_part(descendant_text(doc.root(), "newexpiredate"));
}

namespace {

std::map<std::string, std::string> text_fields(const XmlNode& node) {
    std::map<std::string, std::string> fields;
    for (const XmlNode& child : node.children())
        if (child.children().empty())
            fields.emplace(child.name(), std::string(trim_answer(child.text())));
    return fields;
}

std::vector<TariffPrice> parse_prices(const XmlNode& node) {
    std::vector<TariffPrice> prices;
    for (const XmlNode& price : node.children("price")) {
        TariffPrice& added = prices.emplace_back();
        added.currency = price.attr("currency").value_or("");
        for (const XmlNode& period : price.children("period"))
            added.periods.push_back(
                {period.attr("cost").value_or(""), period.attr("type").value_or(""),
                 period.attr("length").value_or(""), std::string(trim_answer(period.text()))});
    }
    return prices;
}

}  // namespace

ExportedTariff parse_exported_tariff(const XmlNode& pricelist) {
    ExportedTariff tariff;
    tariff.properties = text_fields(pricelist);
    auto property = [&](const char* name) {
        auto it = tariff.properties.find(name);
        return it == tariff.properties.end() ? std::string() : it->second;
    };
    tariff.id = property("id");
    tariff.intname = property("intname");
    tariff.name = property("name");
    tariff.name_ru = property("name_ru");
    tariff.name_en = property("name_en");
    tariff.description = property("description");
    tariff.description_ru = property("description_ru");
    tariff.description_en = property("description_en");
    auto info = pricelist.child("itemtype_info");
    tariff.itemtype = info ? field(*info, {"intname"}) : "";
    if (tariff.itemtype.empty())
        tariff.itemtype = property("itemtype");
    tariff.active = property("active") != "off";
    tariff.archived = property("archived") == "on";
    tariff.prices = parse_prices(pricelist);
    for (const XmlNode& addon : pricelist.children("addon"))
        tariff.addons.push_back({text_fields(addon), parse_prices(addon)});
    return tariff;
}

int service_status_from_text(const std::string& text) {
    std::string lowered = fold_case(text);
    // Failure first: "Issuance failed" / "Ошибка выпуска" name the issuance too.
    if (contains_any(lowered, {"fail", "reject", "error", "ошибк", "отклон", "отказ"}))
        return kStatusFailed;
    if (contains_any(lowered, {"issued", "выпущен", "выдан"}))
        return kStatusIssued;
    if (contains_any(lowered, {"await", "pending", "validation", "ожида", "провер"}))
        return kStatusPending;
    if (contains_any(lowered, {"requested", "заказан"}))
        return kStatusRequested;
    return 0;  // unknown
}

int item_status_from_text(const std::string& text) {
    std::string lowered = fold_case(text);
    if (contains_any(lowered, {"delet", "closed", "удал", "закрыт"}))
        return kItemDeleted;
    if (contains_any(lowered, {"suspend", "stopped", "blocked", "останов", "приостан", "заблок"}))
        return kItemSuspended;
    if (contains_any(lowered, {"process", "progress", "обрабат", "обработк"}))
        return kItemProcessing;
    if (contains_any(lowered, {"order", "unpaid", "not paid", "заказан", "не оплач"}))
        return kItemOrdered;
    if (contains_any(lowered, {"active", "issued", "активн", "активен", "выпущен"}))
        return kItemActive;
    return 0;  // unknown
}

namespace {

// Every element below node, depth first, in document order; <tparams> (the echo of our own
// request) and what is in it are skipped.
void for_each_element(const XmlNode& node, const std::function<void(const XmlNode&)>& visit) {
    for (const XmlNode& child : node.children()) {
        if (child.name() == "tparams")
            continue;
        visit(child);
        for_each_element(child, visit);
    }
}

// A value BILLmanager puts either way: as an attribute or as a child element.
std::string attr_or_child(const XmlNode& node, const char* name) {
    if (auto value = node.attr(name))
        return std::string(trim_answer(*value));
    return std::string(trim_answer(node.child_text(name)));
}

std::string currency_of(const XmlNode& node) {
    for (const char* name : {"currency_iso", "iso", "currency"}) {
        std::string iso = iso_currency(attr_or_child(node, name));
        if (!iso.empty())
            return iso;
    }
    return {};
}

// An amount, with the currency the text itself names when the node names none.
Balance balance_from(const std::string& text, std::string currency, const char* source) {
    Balance balance;
    balance.source = source;
    if (auto money = parse_money_text(text)) {
        balance.amount = money->amount;
        balance.currency = currency.empty() ? money->currency : currency;
    }
    return balance;
}

void add_once(std::vector<std::string>& names, const std::string& name, const std::string& except) {
    if (!name.empty() && name != except &&
        std::find(names.begin(), names.end(), name) == names.end())
        names.push_back(name);
}

// The "$func" members of an xjson answer (attributes are "$name" there).
std::vector<std::string> json_functions(const std::string& body, const std::string& own_func) {
    std::vector<std::string> names;
    const std::string key = "\"$func\"";
    for (size_t at = body.find(key); at != std::string::npos; at = body.find(key, at + 1)) {
        size_t colon = body.find_first_not_of(" \t\r\n", at + key.size());
        if (colon == std::string::npos || body[colon] != ':')
            continue;
        size_t open = body.find_first_not_of(" \t\r\n", colon + 1);
        if (open == std::string::npos || body[open] != '"')
            continue;
        size_t close = body.find('"', open + 1);
        if (close != std::string::npos)
            add_once(names, body.substr(open + 1, close - open - 1), own_func);
    }
    return names;
}

}  // namespace

Balance parse_whoami_balance(const XmlDoc& doc) {
    auto user = doc.root().child("user");
    if (!user)
        return Balance{"", "", "whoami"};
    Balance balance = balance_from(attr_or_child(*user, "balance"), currency_of(*user), "whoami");
    if (balance.currency.empty())
        balance.currency = currency_of(*user);  // a currency without an amount still matches
    return balance;
}

Balance parse_subaccount_balance(const XmlDoc& doc, const std::string& currency) {
    std::optional<Balance> first;
    for (const XmlNode& row : doc.root().children("elem")) {
        Balance balance =
            balance_from(attr_or_child(row, "balance"), currency_of(row), "subaccount");
        if (balance.amount.empty())
            continue;
        if (!currency.empty() && balance.currency == currency)
            return balance;
        if (!first)
            first = balance;
    }
    return first.value_or(Balance{"", "", "subaccount"});
}

Balance parse_notify_balance(const XmlDoc& doc) {
    std::optional<Balance> found;
    for_each_element(doc.root(), [&](const XmlNode& node) {
        if (!found && node.name() == "item" && node.attr("balance") == std::string("yes"))
            found = balance_from(std::string(trim_answer(node.child_text("value"))), "", "notify");
    });
    return found.value_or(Balance{"", "", "notify"});
}

std::vector<std::string> offered_functions(const std::string& body, const std::string& own_func) {
    std::string_view text = trim_answer(body);
    if (!text.empty() && (text.front() == '{' || text.front() == '['))
        return json_functions(body, own_func);
    std::vector<std::string> names;
    try {
        XmlDoc doc = XmlDoc::parse(std::string(text), errtype::kBadResponse);
        for_each_element(doc.root(), [&](const XmlNode& node) {
            add_once(names, node.attr("func").value_or(""), own_func);
        });
    } catch (const Error&) {
        return {};  // neither XML nor JSON: nothing offered that we can read
    }
    return names;
}

std::vector<std::string> slist_keys(const XmlDoc& doc, const std::string& name) {
    std::vector<std::string> keys;
    for_each_element(doc.root(), [&](const XmlNode& node) {
        if (node.name() != "slist" || node.attr("name") != name)
            return;
        for (const XmlNode& val : node.children("val"))
            add_once(keys, val.attr("key").value_or(""), "");
    });
    return keys;
}

std::vector<std::string> validation_field_names(const XmlDoc& doc) {
    std::vector<std::string> names;
    for_each_element(doc.root(), [&](const XmlNode& node) {
        // A field is its value's element, or the <slist name=…> of its choices.
        std::string name = node.name() == "slist" ? node.attr("name").value_or("") : node.name();
        if (contains_any(lowercase(name), {"auth_", "dcv", "dns", "txt", "file", "approver"}))
            add_once(names, name, "");
    });
    return names;
}

}  // namespace pmb::upstream
