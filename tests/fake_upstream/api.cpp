#include "api.h"

#include <algorithm>
#include <map>
#include <memory>
#include <random>

#include "core/base64.h"
#include "crypto.h"
#include "zip_writer.h"

namespace fake_upstream {
namespace {

using Handler = std::function<Body(State&, const ApiConfig&, const ApiRequest&)>;

Body document_body(const XmlNode& doc) {
    return whole_body(xml_document(doc));
}

XmlNode ok_document() {
    XmlNode doc("doc");
    doc.add("ok");
    return doc;
}

ApiError invalid_value(const std::string& field, const std::string& msg = "") {
    return {"value", field, "", msg.empty() ? "The '" + field + "' field has invalid value" : msg};
}

ApiError missed_elid(const std::string& elid) {
    return {"missed", "elid", elid, "Object '" + elid + "' not found"};
}

ApiError bad_password() {
    return {"auth", "badpassword", "", "Invalid username or password"};
}

std::string random_session_id() {
    static std::mt19937_64 generator{std::random_device{}()};
    static const char kHex[] = "0123456789abcdef";
    std::string id;
    for (int i = 0; i < 24; ++i)
        id += kHex[generator() % 16];
    return id;
}

bool committing(const ApiRequest& request) {
    return !request.get("sok").empty();
}

// --- authentication ---------------------------------------------------------------------------

void check_credentials(const State& state, const std::string& user, const std::string& password) {
    if (user != state.account.user || password != state.account.password)
        throw bad_password();
    if (state.two_factor) {
        ApiError totp{"auth", "totp", "", "Two-factor authentication code required"};
        totp.object_param = false;
        throw totp;
    }
}

void require_auth(const State& state, const ApiRequest& request) {
    if (request.has("auth") && state.sessions.count(request.get("auth")))
        return;
    std::string authinfo = request.get("authinfo");
    size_t colon = authinfo.find(':');
    if (colon == std::string::npos)
        throw bad_password();
    check_credentials(state, authinfo.substr(0, colon), authinfo.substr(colon + 1));
}

Body func_auth(State& state, const ApiConfig&, const ApiRequest& request) {
    check_credentials(state, request.get("username"), request.get("password"));
    std::string session = random_session_id();
    state.sessions.insert(session);
    XmlNode doc("doc");
    doc.add("auth", session).attr("id", session).attr("level", "16");
    return document_body(doc);
}

// --- lookups and validation -------------------------------------------------------------------

std::string trimmed(const std::string& text) {
    auto words = split_words(text);
    return words.empty() ? "" : words.front();
}

Certificate& existing_certificate(State& state, const ApiRequest& request) {
    std::string elid = trimmed(request.get("elid"));
    Certificate* cert = state.find_certificate(elid);
    if (!cert)
        throw missed_elid(elid);
    return *cert;
}

Certificate& issued_certificate(State& state, const ApiRequest& request) {
    Certificate& cert = existing_certificate(state, request);
    if (!cert.issued()) {
        throw invalid_value("status", "The operation is not allowed in the current status");
    }
    return cert;
}

const Tariff& requested_tariff(const State& state, const ApiRequest& request) {
    const Tariff* tariff = state.find_tariff(request.get("pricelist"));
    if (!tariff)
        throw invalid_value("pricelist");
    return *tariff;
}

int requested_period(const Tariff& tariff, const ApiRequest& request) {
    std::string period = request.get("period");
    for (const auto& [months, price] : tariff.price_eur) {
        if (std::to_string(months) == period)
            return months;
    }
    throw invalid_value("period");
}

std::string required(const ApiRequest& request, const std::string& name) {
    std::string value = request.get(name);
    if (split_words(value).empty())
        throw invalid_value(name);
    return value;
}

void charge(State& state, Cents price) {
    if (price > state.balance) {
        throw ApiError{"balance", "account", "", "Insufficient funds on the account balance"};
    }
    state.balance -= price;
}

// approver_email_1..N ordered by their number.
std::vector<std::string> approver_emails(const ApiRequest& request) {
    const std::string prefix = "approver_email_";
    std::map<long, std::string> numbered;
    for (const auto& param : request.params) {
        if (param.name.compare(0, prefix.size(), prefix) != 0)
            continue;
        std::string suffix = param.name.substr(prefix.size());
        bool numeric = !suffix.empty() && std::all_of(suffix.begin(), suffix.end(),
                                                      [](char c) { return c >= '0' && c <= '9'; });
        if (!numeric)
            continue;
        numbered[std::stol(suffix)] = param.value;
    }
    std::vector<std::string> emails;
    for (const auto& entry : numbered)
        emails.push_back(entry.second);
    return emails;
}

// --- certificate views ------------------------------------------------------------------------

// status_msg in the account's language. German is one the module has no words for: only the
// certificate file can tell it that a certificate was issued.
std::string status_text(const Certificate& cert, const std::string& lang) {
    static const std::map<std::string, std::map<int, std::string>> kTexts = {
        {"ru",
         {{kRequested, "Заказан"},
          {kAwaitingDcv, "Ожидает проверки домена"},
          {kIssued, "Выпущен"},
          {kFailed, "Ошибка выпуска"}}},
        {"de",
         {{kRequested, "Beantragt"},
          {kAwaitingDcv, "Domainprüfung läuft"},
          {kIssued, "Ausgestellt"},
          {kFailed, "Ausstellung fehlgeschlagen"}}},
    };
    auto texts = kTexts.find(lang);
    if (texts == kTexts.end())
        return cert.status_msg();
    if (cert.deleted())
        return lang == "ru" ? "Удалён" : "Gelöscht";
    auto text = texts->second.find(cert.service_status);
    return text == texts->second.end() ? cert.status_msg() : text->second;
}

// item_status as a panel in that language names it.
std::string item_status_text(int status, const std::string& lang) {
    static const std::map<int, std::pair<std::string, std::string>> kTexts = {
        {kItemOrdered, {"Ordered", "Заказан"}},
        {kItemActive, {"Active", "Активна"}},
        {kItemDeleted, {"Deleted", "Удалена"}},
        {kItemProcessing, {"Processing", "Обрабатывается"}},
    };
    auto text = kTexts.find(status);
    if (text == kTexts.end())
        return std::to_string(status);
    return lang == "ru" ? text->second.second : text->second.first;
}

// A status cell in the shape's form: the number; localized text with the number in orig=;
// or localized text alone (the number goes to real_status, see add_status_fields).
void add_status_cell(XmlNode& node, const AnswerShapes& shapes, const std::string& name, int number,
                     const std::string& text) {
    if (shapes.status_cells == "orig")
        node.add(name, text).attr("orig", std::to_string(number));
    else if (shapes.status_cells == "real_status")
        node.add(name, text);
    else
        node.add(name, std::to_string(number));
}

// The service_status unless the shape hides it; status_msg in the shape's language; the
// cells as the shape writes them.
void add_status_fields(XmlNode& node, const AnswerShapes& shapes, const Certificate& cert) {
    const std::string lang = shapes.status_lang == "ru" ? "ru" : "en";
    node.add("status_msg", status_text(cert, shapes.status_lang));
    add_status_cell(node, shapes, "item_status", cert.item_status,
                    item_status_text(cert.item_status, lang));
    if (shapes.status_cells == "real_status")
        node.add("real_status", std::to_string(cert.item_status));
    if (!shapes.edit_without_service_status)
        add_status_cell(node, shapes, "service_status", cert.service_status,
                        status_text(cert, shapes.status_lang));
}

std::string tariff_name(const State& state, const std::string& id) {
    const Tariff* tariff = state.find_tariff(id);
    return tariff ? tariff->name : "";
}

XmlNode list_row(const State& state, const ApiConfig& config, const Certificate& cert) {
    XmlNode elem("elem");
    elem.add("id", std::to_string(cert.id));
    elem.add("CN", cert.cn);
    elem.add("pricelist", cert.pricelist);
    elem.add("pricelist_name", tariff_name(state, cert.pricelist));
    elem.add("period", std::to_string(cert.period));
    elem.add("createdate", cert.createdate);
    elem.add("expiredate", cert.expiredate);
    add_status_fields(elem, config.shapes, cert);
    if (!config.list_without_remoteid)
        elem.add("remoteid", cert.remoteid);
    return elem;
}

size_t paging_number(const ApiRequest& request, const char* name, size_t fallback) {
    long value = std::atol(request.get(name).c_str());
    return value > 0 ? static_cast<size_t>(value) : fallback;
}

// Written row by row into the text, never as one tree: 200,000 rows stay cheap.
Body func_certificate_list(State& state, const ApiConfig& config, const ApiRequest& request) {
    const AnswerShapes& shapes = config.shapes;
    const size_t total = state.certificates.size();
    size_t rows = total, page = 1;
    if (shapes.list_paging == "honoured") {
        rows = paging_number(request, "p_cnt", total);
        page = paging_number(request, "p_num", 1);
    }
    std::string text = kXmlDeclaration;
    text += "<doc>";
    size_t index = 0;
    const size_t first = (page - 1) * rows;
    for (const auto& [id, cert] : state.certificates) {
        size_t at = index++;
        if (at >= first + rows)
            break;
        if (at < first)
            continue;
        if (!shapes.list_hidden.count(id))
            list_row(state, config, cert).write(text);
    }
    XmlNode paging("doc");
    paging.add("p_cnt", std::to_string(rows));
    paging.add("p_num", std::to_string(page));
    if (!shapes.list_without_p_elems)
        paging.add("p_elems", std::to_string(total));
    std::string tail = paging.str();
    text += tail.substr(5);  // the children and </doc>
    return whole_body(std::move(text));
}

void add_edit_fields(XmlNode& node, const AnswerShapes& shapes, const Certificate& cert) {
    node.add("id", std::to_string(cert.id));
    node.add("CN", cert.cn);
    node.add("altname", cert.altname);
    node.add("pricelist", cert.pricelist);
    node.add("period", std::to_string(cert.period));
    node.add("createdate", cert.createdate);
    node.add("expiredate", cert.expiredate);
    add_status_fields(node, shapes, cert);
    node.add("remoteid", cert.remoteid);
    node.add("approver_method", cert.approver_method);
}

std::string comma_joined(const std::vector<std::string>& names) {
    std::string joined;
    for (const auto& name : names)
        joined += (joined.empty() ? "" : ",") + name;
    return joined;
}

// What a DNS or file order awaiting validation asks the client to publish, under the names
// the shape chose; an e-mail order has nothing to publish.
void add_validation_fields(XmlNode& node, const AnswerShapes& shapes, const Certificate& cert) {
    if (!cert.awaits_validation())
        return;
    const bool dns = cert.approver_method == "auth_dnstxt";
    const bool file = cert.approver_method == "auth_file";
    if (!dns && !file)
        return;
    std::vector<std::string> names{cert.cn};
    for (const auto& name : cert.altnames())
        names.push_back(name);
    node.add(shapes.dcv_names_field, comma_joined(names));
    if (dns)
        node.add(shapes.dcv_txt_field, cert.dcv_token());
    if (file) {
        node.add(shapes.dcv_file_name_field, "pmb" + std::to_string(cert.id) + ".txt");
        node.add(shapes.dcv_file_value_field, cert.dcv_token());
    }
    if (shapes.dcv_extra_fields) {
        node.add("dcv_status", "pending");
        node.add("auth_dnstxt_host", "_dnsauth." + cert.cn);
    }
}

Body func_certificate_edit(State& state, const ApiConfig& config, const ApiRequest& request) {
    const Certificate& cert = existing_certificate(state, request);
    XmlNode doc("doc");
    doc.add("elid", std::to_string(cert.id));
    add_edit_fields(doc, config.shapes, cert);
    add_validation_fields(doc, config.shapes, cert);
    return document_body(doc);
}

// --- re-sending the validation (names configured by the dcv_functions shape) -----------------

Certificate& awaiting_certificate(State& state, const ApiRequest& request) {
    Certificate& cert = existing_certificate(state, request);
    if (!cert.awaits_validation())
        throw invalid_value("status", "The certificate is not awaiting validation");
    if (!committing(request))
        throw invalid_value("sok", "Confirm with sok=ok");
    return cert;
}

// Re-sends the approver mail, to the addresses given: they become the certificate's.
Body func_dcv_email(State& state, const ApiConfig&, const ApiRequest& request) {
    Certificate& cert = awaiting_certificate(state, request);
    auto emails = approver_emails(request);
    if (emails.empty())
        throw ApiError{"missed", "approver_email_1", "", "No approver address given"};
    cert.approver_emails = emails;
    return document_body(ok_document());
}

// Checks the DNS record of one of the certificate's domains again.
Body func_dcv_dns(State& state, const ApiConfig&, const ApiRequest& request) {
    Certificate& cert = awaiting_certificate(state, request);
    const std::string domain = trimmed(required(request, "domain"));
    auto names = cert.altnames();
    if (domain != cert.cn && std::find(names.begin(), names.end(), domain) == names.end())
        throw invalid_value("domain", "The domain is not in the certificate");
    cert.dns_rechecks.push_back(domain);
    return document_body(ok_document());
}

std::string file_stem(const std::string& cn) {
    std::string stem = cn;
    std::replace(stem.begin(), stem.end(), '/', '_');
    return stem;
}

// The certificate as the shape delivers it: a junk PEM instead of it, or a key appended.
std::string delivered_certificate(const AnswerShapes& shapes, const Certificate& cert) {
    std::string leaf =
        shapes.file_garbage_pem
            ? "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n"
            : cert.crt;
    return leaf + shapes.appended_key_pem;
}

// GlobalSign's name of a .p7b: the CN with "*" and "." made "_".
std::string p7b_name(const std::string& cn) {
    std::string stem = cn;
    std::replace_if(
        stem.begin(), stem.end(), [](char c) { return c == '*' || c == '.'; }, '_');
    return stem + ".p7b";
}

std::string certificate_zip(const AnswerShapes& shapes, const Certificate& cert,
                            const std::string& ca_pem) {
    std::string stem = file_stem(cert.cn);
    std::string leaf = delivered_certificate(shapes, cert);
    if (!shapes.zip_globalsign)
        return make_zip({{stem + ".crt", leaf}, {stem + ".ca.crt", ca_pem}});
    // As a GlobalSign module saves it: the PKCS#7, then each of its certificates again.
    return make_zip({{p7b_name(cert.cn), pkcs7_of({cert.crt, ca_pem}, false)},
                     {stem + ".crt", leaf},
                     {"CA.crt", ca_pem}});
}

// The files of certificate.file's list form, each with its row id.
struct ListedFile {
    std::string id, name, content;
};

std::vector<ListedFile> listed_files(const AnswerShapes& shapes, const Certificate& cert,
                                     const std::string& ca_pem) {
    std::string stem = file_stem(cert.cn);
    std::string p7b = pkcs7_of({cert.crt, ca_pem}, shapes.list_p7b_pem);
    std::vector<ListedFile> files = {
        {"", p7b_name(cert.cn), shapes.list_p7b_pem ? p7b : pmb::base64_encode(p7b)},
        {"", stem + ".crt", delivered_certificate(shapes, cert)},
        {"", stem + ".ca.crt", ca_pem},
    };
    if (!shapes.appended_key_pem.empty())
        files.push_back({"", stem + ".key", shapes.appended_key_pem});
    for (size_t i = 0; i < files.size(); ++i)
        files[i].id = shapes.list_id_field == "name" ? files[i].name : std::to_string(i + 1);
    return files;
}

Body file_list(const AnswerShapes& shapes, const Certificate& cert, const std::string& ca_pem) {
    XmlNode doc("doc");
    doc.attr("plid", std::to_string(cert.id));
    for (const ListedFile& file : listed_files(shapes, cert, ca_pem)) {
        XmlNode& elem = doc.add("elem");
        if (shapes.list_id_field != "name")
            elem.add(shapes.list_id_field, file.id);
        elem.add("name", file.name);
        elem.add("size", std::to_string(file.content.size()));
    }
    return document_body(doc);
}

Body raw_body(std::string bytes, std::string content_type) {
    Body body = whole_body(std::move(bytes));
    body.content_type = std::move(content_type);
    return body;
}

Body func_certificate_file(State& state, const ApiConfig& config, const ApiRequest& request) {
    const Certificate& cert = existing_certificate(state, request);
    if (!cert.issued())
        throw invalid_value("status", "Certificate is not issued yet");
    const AnswerShapes& shapes = config.shapes;
    std::string leaf = delivered_certificate(shapes, cert);
    if (shapes.file_format == "pem")
        return raw_body(leaf + config.ca_pem, shapes.pem_content_type);
    if (shapes.file_format == "zip")
        return raw_body(certificate_zip(shapes, cert, config.ca_pem), "application/zip");
    if (shapes.file_format == "list")
        return file_list(shapes, cert, config.ca_pem);
    XmlNode doc("doc");
    if (!cert.zip) {
        doc.add("crt", leaf + config.ca_pem);
        return document_body(doc);
    }
    doc.add("crt_type", "zip");
    doc.add("crt", pmb::base64_encode(certificate_zip(shapes, cert, config.ca_pem)));
    return document_body(doc);
}

// One file of the list, BILLmanager's nested-list way: plid the certificate, elid the row.
Body func_certificate_file_edit(State& state, const ApiConfig& config, const ApiRequest& request) {
    const std::string plid = trimmed(request.get("plid"));
    Certificate* cert = state.find_certificate(plid);
    if (!cert)
        throw missed_elid(plid);
    if (!cert->issued())
        throw invalid_value("status", "Certificate is not issued yet");
    const std::string elid = request.get("elid");
    for (const ListedFile& file : listed_files(config.shapes, *cert, config.ca_pem)) {
        if (file.id != elid)
            continue;
        XmlNode doc("doc");
        doc.add("plid", plid);
        doc.add("elid", elid);
        doc.add("name", file.name);
        doc.add("content", file.content);
        return document_body(doc);
    }
    throw missed_elid(elid);
}

// --- ordering ---------------------------------------------------------------------------------

// --- the account ------------------------------------------------------------------------------

// The account's currency: every price it pays is a price_eur.
const char kAccountCurrency[] = "EUR";

// 1234.50 as a Russian-locale panel prints it: "1 234,50" with no-break spaces.
std::string local_money(Cents amount) {
    std::string plain = format_money(amount);
    size_t dot = plain.find('.');
    size_t first_digit = plain[0] == '-' ? 1 : 0;
    std::string grouped = plain.substr(dot);
    grouped[0] = ',';
    for (size_t end = dot, digits = 0; end > first_digit; --end, ++digits) {
        if (digits > 0 && digits % 3 == 0)
            grouped.insert(0, "\xC2\xA0");
        grouped.insert(0, 1, plain[end - 1]);
    }
    return plain.substr(0, first_digit) + grouped;
}

// BILLmanager 6 answers the balance as attributes of <user> (a real 6.94 log); the shapes
// move it into child elements, or leave it out and name the currency only.
Body func_whoami(State& state, const ApiConfig& config, const ApiRequest&) {
    const AnswerShapes& shapes = config.shapes;
    XmlNode doc("doc");
    doc.attr("func", "whoami");
    XmlNode& user = doc.add("user");
    user.attr("realname", "Reseller").attr("level", "16").attr("name", state.account.user);
    user.attr("id", "4").attr("account", "3");
    if (shapes.whoami_balance_elements) {
        user.add("balance", local_money(state.balance));
        user.add("currency", kAccountCurrency);
        return document_body(doc);
    }
    if (!shapes.whoami_without_balance)
        user.attr("balance", format_money(state.balance));
    user.attr("currency", kAccountCurrency).attr("currency_id", "153");
    return document_body(doc);
}

// The account's personal accounts, one per currency: an empty rouble one first, then the
// one that pays.
Body func_subaccount(State& state, const ApiConfig& config, const ApiRequest&) {
    const std::string& field = config.shapes.subaccount_currency_field;
    XmlNode doc("doc");
    const std::pair<const char*, Cents> accounts[] = {{"RUB", 0},
                                                      {kAccountCurrency, state.balance}};
    int id = 7;
    for (const auto& [currency, balance] : accounts) {
        XmlNode& elem = doc.add("elem");
        elem.add("id", std::to_string(id++));
        elem.add("name", std::string(currency) + " account");
        elem.add("balance", format_money(balance));
        elem.add(field, currency);
    }
    return document_body(doc);
}

// The desktop notices; the balance one reads "990.00 EUR".
Body func_notify(State& state, const ApiConfig&, const ApiRequest&) {
    XmlNode doc("doc");
    XmlNode& notify = doc.add("notify");
    notify.add("item").attr("name", "tickets").attr("action", "ticket").add("value", "0");
    notify.add("item")
        .attr("balance", "yes")
        .attr("action", "desktop")
        .add("value", format_money(state.balance) + " " + kAccountCurrency);
    return document_body(doc);
}

// --- toolbar metadata (out=devel, out=xjson) --------------------------------------------------

// Invented but plausible: what the panel's toolbar would offer per list and form. The names
// of the re-send functions are not public (protocol-evidence §1); these stand in for them.
const std::vector<std::string>* toolbar_of(const std::string& func) {
    static const std::map<std::string, std::vector<std::string>> kToolbars = {
        {"certificate",
         {"certificate.order", "certificate.edit", "certificate.file", "certificate.dcv.email",
          "certificate.dcv.dns", "service.prolong", "certificate.delete"}},
        {"certificate.edit", {"certificate.dcv.email", "certificate.dcv.dns", "certificate.file"}},
        {"certificate.file", {"certificate.file.edit", "certificate.file.download"}},
    };
    auto it = kToolbars.find(func);
    return it == kToolbars.end() ? nullptr : &it->second;
}

XmlNode metadata_node(const std::string& func, const std::vector<std::string>& buttons) {
    XmlNode metadata("metadata");
    metadata.attr("name", func).attr("type", func == "certificate.edit" ? "form" : "list");
    XmlNode& toolbar = metadata.add("toolbar");
    for (const auto& button : buttons)
        toolbar.add("toolbtn")
            .attr("func", button)
            .attr("name", button.substr(button.rfind('.') + 1));
    return metadata;
}

std::string json_metadata(const std::string& func, const std::vector<std::string>& buttons) {
    std::string list;
    for (const auto& button : buttons)
        list += (list.empty() ? "" : ",") + std::string("{\"$func\":\"") + button + "\"}";
    return "{\"doc\":{\"$func\":\"" + func + "\",\"metadata\":{\"$name\":\"" + func +
           "\",\"toolbar\":{\"toolbtn\":[" + list + "]}}}}";
}

// out=devel: the XML answer with <metadata> first; out=xjson: the metadata as JSON (the
// data left out). An error answer stays as it is.
Body with_metadata(Body body, const ApiConfig& config, const ApiRequest& request) {
    const std::string out = request.get("out");
    const std::vector<std::string>* buttons = toolbar_of(request.get("func"));
    if (!buttons || (out != "devel" && out != "xjson"))
        return body;
    std::string text = body.joined();
    if (text.find("<error") != std::string::npos)
        return body;
    if (out == "xjson") {
        Body json = whole_body(json_metadata(request.get("func"), *buttons));
        json.content_type = "application/json";
        return json;
    }
    size_t open = text.find("<doc");
    size_t end = open == std::string::npos ? open : text.find('>', open);
    if (config.shapes.toolbar_xjson_only || end == std::string::npos)
        return body;
    const std::string metadata = metadata_node(request.get("func"), *buttons).str();
    if (text[end - 1] == '/')  // an empty list: <doc/>
        text.replace(end - 1, 2, ">" + metadata + "</doc>");
    else
        text.insert(end + 1, metadata);
    return whole_body(text);
}

XmlNode period_list(const Tariff* tariff) {
    XmlNode slist("slist");
    slist.attr("name", "period");
    std::map<int, Cents> prices =
        tariff ? tariff->price_eur : std::map<int, Cents>{{12, 0}, {24, 0}};
    for (const auto& [months, price] : prices) {
        slist.add("val", std::to_string(months) + " months").attr("key", std::to_string(months));
    }
    return slist;
}

Body order_form(const State& state, const ApiRequest& request) {
    static const char* const kFields[] = {
        "pricelist",  "period",     "crt_type",        "csr",         "CN",
        "altname",    "adm_fname",  "adm_lname",       "adm_jtitle",  "adm_email",
        "adm_phone",  "tech_fname", "tech_lname",      "tech_jtitle", "tech_email",
        "tech_phone", "remoteid",   "approver_method", "skipbasket"};
    XmlNode doc("doc");
    for (const char* field : kFields)
        doc.add(field, request.get(field));
    doc.add(period_list(state.find_tariff(request.get("pricelist"))));
    XmlNode& types = doc.add("slist");
    types.attr("name", "crt_type");
    types.add("val", "Generate a new CSR").attr("key", "generate");
    types.add("val", "Use my CSR").attr("key", "manual");
    XmlNode& methods = doc.add("slist");
    methods.attr("name", "approver_method");
    methods.add("val", "E-mail").attr("key", "auth_email");
    methods.add("val", "DNS record").attr("key", "auth_dnstxt");
    return document_body(doc);
}

struct OrderedRequest {
    std::string cn;
    std::string csr;
};

// crt_type=manual: the client's CSR. crt_type=generate: the pair certificate.order.csr made,
// sent back with the subject, as the upstream's own wizard does.
OrderedRequest csr_for_order(const ApiRequest& request) {
    std::string type = request.get("crt_type");
    if (type != "manual" && type != "generate")
        throw invalid_value("crt_type");
    auto parsed = parse_csr(request.get("csr"));
    if (!parsed || parsed->common_name.empty())
        throw invalid_value("csr");
    if (type == "generate") {
        if (trimmed(required(request, "CN")) != parsed->common_name)
            throw invalid_value("CN", "the CSR is for another domain");
        if (!key_matches_csr(required(request, "key"), request.get("csr")))
            throw invalid_value("key", "the key does not belong to the CSR");
    }
    return {parsed->common_name, request.get("csr")};
}

// What a CA does with names the tariff does not cover: refuses the order, nothing is bought.
// www.<CN> (or the bare domain of a www CN) is in every single-domain certificate.
void require_covered(const Tariff& tariff, const std::string& cn, const std::string& altnames) {
    const std::vector<std::string> sans = split_words(altnames);
    std::vector<std::string> names = sans;
    names.push_back(cn);
    for (const auto& name : names)
        if (name.rfind("*.", 0) == 0 && !tariff.wildcard)
            throw invalid_value(name == cn ? "CN" : "altname",
                                "The tariff plan does not allow wildcard domain names");
    const std::string bare = cn.rfind("www.", 0) == 0 ? cn.substr(4) : "";
    for (const auto& name : sans)
        if (name != "www." + cn && name != bare && !tariff.multidomain)
            throw invalid_value("altname", "The tariff plan does not allow additional domains");
}

// The order wizard's key step: a new key and CSR for the subject; nothing is bought.
Body func_order_csr(State& state, const ApiConfig&, const ApiRequest& request) {
    if (!committing(request))
        return order_form(state, request);
    if (request.get("crt_type") != "generate")
        throw invalid_value("crt_type");
    requested_period(requested_tariff(state, request), request);
    GeneratedRequest generated = generate_csr(trimmed(required(request, "CN")));
    XmlNode doc("doc");
    XmlNode& model = doc.add("model");  // the documented answer is model.csr and model.key
    model.add("csr", generated.csr_pem);
    model.add("key", generated.key_pem);
    return document_body(doc);
}

// The three methods; an e-mail order names its approvers, a file order its protocol.
void require_approval(const ApiRequest& request) {
    const std::string method = required(request, "approver_method");
    if (method == "auth_email" && approver_emails(request).empty())
        throw ApiError{"missed", "approver_email_1", "", "No approver address given"};
    if (method == "auth_file" && request.get("auth_file_protocol") != "on" &&
        request.get("auth_file_protocol") != "off")
        throw invalid_value("auth_file_protocol");
    if (method != "auth_email" && method != "auth_dnstxt" && method != "auth_file")
        throw invalid_value("approver_method");
}

Certificate& create_certificate(State& state, const ApiRequest& request, const OrderedRequest& csr,
                                int period) {
    Certificate cert;
    cert.id = state.next_id++;
    cert.cn = csr.cn;
    cert.altname = request.get("altname");
    cert.pricelist = request.get("pricelist");
    cert.period = period;
    cert.createdate = today();
    cert.remoteid = request.get("remoteid");
    cert.csr = csr.csr;
    cert.approver_method = request.get("approver_method");
    cert.auth_file_protocol = request.get("auth_file_protocol");
    cert.approver_emails = approver_emails(request);
    cert.adm_email = request.get("adm_email");
    return state.certificates[cert.id] = cert;
}

Body func_order(State& state, const ApiConfig& config, const ApiRequest& request) {
    if (!committing(request))
        return order_form(state, request);
    const Tariff& tariff = requested_tariff(state, request);
    int period = requested_period(tariff, request);
    OrderedRequest csr = csr_for_order(request);
    require_covered(tariff, csr.cn, request.get("altname"));
    required(request, "adm_email");
    require_approval(request);
    if (request.get("skipbasket") != "on") {
        throw invalid_value("skipbasket", "basket orders not supported by this fake");
    }
    charge(state, tariff.price_eur.at(period));
    const Certificate& cert = create_certificate(state, request, csr, period);
    XmlNode doc = ok_document();
    if (config.shapes.order_billorder_only) {
        doc.add("billorder.id", std::to_string(state.next_billorder++));
        return document_body(doc);
    }
    doc.add("id", std::to_string(cert.id));
    return document_body(doc);
}

// --- reissue, delete, prolong -----------------------------------------------------------------

Body reissue_form(const Certificate& cert) {
    XmlNode doc("doc");
    doc.add("elid", std::to_string(cert.id));
    doc.add("CN", cert.cn);
    doc.add("altname", cert.altname);
    doc.add("approver_method", cert.approver_method);
    XmlNode& types = doc.add("slist");
    types.attr("name", "crt_type");
    for (const char* type : {"oldrequest", "manual", "altname"}) {
        types.add("val", type).attr("key", type);
    }
    return document_body(doc);
}

void apply_reissue_request(Certificate& cert, const ApiRequest& request) {
    std::string type = request.get("crt_type");
    if (type == "manual") {
        auto parsed = parse_csr(request.get("csr"));
        if (!parsed || parsed->common_name != cert.cn)
            throw invalid_value("csr");
        cert.csr = request.get("csr");
    } else if (type == "altname") {
        cert.altname = required(request, "altname");
    } else if (type != "oldrequest") {
        throw invalid_value("crt_type");
    }
}

Body func_reissue(State& state, const ApiConfig& config, const ApiRequest& request) {
    Certificate& cert = issued_certificate(state, request);
    if (!committing(request))
        return reissue_form(cert);
    Certificate updated = cert;
    apply_reissue_request(updated, request);
    updated.approver_method = required(request, "approver_method");
    auto emails = approver_emails(request);
    if (!emails.empty())
        updated.approver_emails = emails;
    if (config.shapes.reissue_keeps_issued) {
        updated.reissue_pending = true;
        updated.item_status = kItemProcessing;
    } else {
        updated.service_status = kAwaitingDcv;
    }
    ++updated.reissue_count;
    cert = updated;
    return document_body(ok_document());
}

Body func_delete(State& state, const ApiConfig&, const ApiRequest& request) {
    Certificate& cert = existing_certificate(state, request);
    if (cert.deleted())
        throw missed_elid(std::to_string(cert.id));
    if (!committing(request)) {
        XmlNode doc("doc");
        doc.add("elid", std::to_string(cert.id));
        doc.add("msg", "Confirm deletion with sok=ok");
        return document_body(doc);
    }
    cert.item_status = kItemDeleted;
    return document_body(ok_document());
}

Body prolong_form(const State& state, const Certificate& cert) {
    XmlNode doc("doc");
    doc.add("elid", std::to_string(cert.id));
    doc.add("expiredate", cert.expiredate);
    doc.add(period_list(state.find_tariff(cert.pricelist)));
    return document_body(doc);
}

Body func_prolong(State& state, const ApiConfig& config, const ApiRequest& request) {
    Certificate& cert = existing_certificate(state, request);
    if (!committing(request))
        return prolong_form(state, cert);
    if (!cert.issued())
        throw invalid_value("status", "The service cannot be prolonged now");
    const Tariff* tariff = state.find_tariff(cert.pricelist);
    if (!tariff)
        throw invalid_value("pricelist");
    int period = requested_period(*tariff, request);
    charge(state, tariff->price_eur.at(period));
    cert.expiredate = add_months(cert.expiredate.empty() ? today() : cert.expiredate, period);
    XmlNode doc = ok_document();
    if (!config.shapes.prolong_without_newexpiredate)
        doc.add("doc").add("newexpiredate", cert.expiredate);
    return document_body(doc);
}

// --- price list export ------------------------------------------------------------------------

XmlNode price_node(const std::string& currency, const std::map<int, Cents>& prices) {
    XmlNode price("price");
    price.attr("currency", currency);
    for (const auto& [months, cost] : prices) {
        price.add("period", std::to_string(months) + " months")
            .attr("cost", format_money(cost))
            .attr("type", "month")
            .attr("length", std::to_string(months));
    }
    return price;
}

std::string on_off(bool value) {
    return value ? "on" : "off";
}

// The numeric certificate itemtype of the install C-DATAHATA documents (ids differ per install).
const char kNumericCertificateItemtype[] = "48";
constexpr int kIncludedDomains = 3;
constexpr int kMaxDomains = 250;

// Per extra domain, per period: a tenth of the plan's price.
std::map<int, Cents> addon_prices(const std::map<int, Cents>& plan) {
    std::map<int, Cents> prices;
    for (const auto& [months, cost] : plan)
        prices[months] = cost / 10;
    return prices;
}

// The additional-domain addon of a multi-domain plan, in the export's addon shape: ordered as
// addon_<id>=<total domains>, the first addonlimit domains included in the plan's price.
XmlNode domain_addon_node(const Tariff& tariff) {
    XmlNode addon("addon");
    addon.add("id", tariff.id + "1");
    addon.add("intname", "additional_domain");
    addon.add("name", "Additional domain");
    addon.add("name_ru", "Дополнительный домен");
    addon.add("addontype", "2");
    addon.add("billtype", "1");
    addon.add("addonmin", std::to_string(kIncludedDomains));
    addon.add("addonmax", std::to_string(kMaxDomains));
    addon.add("addonlimit", std::to_string(kIncludedDomains));
    addon.add("measure", "domain");
    addon.add("addon_itemtype_info").add("intname", "domain");
    addon.add(price_node("EUR", addon_prices(tariff.price_eur)));
    addon.add(price_node("RUB", addon_prices(tariff.price_rub)));
    return addon;
}

XmlNode tariff_node(const Tariff& tariff, const AnswerShapes& shapes) {
    XmlNode node("pricelist");
    node.add("id", tariff.id);
    node.add("name", tariff.name);
    node.add("name_ru", tariff.name_ru);
    node.add("description", tariff.description);
    if (shapes.export_numeric_itemtype) {
        node.add("itemtype", kNumericCertificateItemtype);
    } else {
        node.add("itemtype", "certificate");
        node.add("itemtype_info").add("intname", "certificate");
    }
    node.add("intname", tariff.intname);
    node.add("active", "on");
    node.add("hideinorder", "off");
    node.add("archived", "off");
    if (!shapes.export_without_flags) {
        node.add("wildcard", on_off(tariff.wildcard));
        node.add("multidomain", on_off(tariff.multidomain));
        node.add("orginfo", on_off(tariff.orginfo));
    }
    node.add(price_node("EUR", tariff.price_eur));
    node.add(price_node("RUB", tariff.price_rub));
    if (shapes.export_addons && tariff.multidomain)
        node.add(domain_addon_node(tariff));
    return node;
}

// Pieces: the opening, every built-in tariff, every generated tariff, the closing.
Body func_export(State& state, const ApiConfig& config, const ApiRequest& request) {
    std::string itemtype = request.get("itemtype");
    bool wanted =
        itemtype.empty() || itemtype == "certificate" ||
        (config.shapes.export_numeric_itemtype && itemtype == kNumericCertificateItemtype);
    AnswerShapes shapes = config.shapes;
    auto builtin = std::make_shared<const std::vector<Tariff>>(state.tariffs);
    size_t generated = wanted ? config.large_export : 0;
    size_t listed = wanted ? builtin->size() : 0;
    std::string only = request.get("pricelist");
    Body body;
    body.pieces = listed + generated + 2;
    body.piece = [builtin, listed, generated, only, shapes](size_t index) -> std::string {
        if (index == 0)
            return std::string(kXmlDeclaration) + "<doc>";
        if (index == listed + generated + 1)
            return "</doc>\n";
        Tariff tariff =
            index <= listed ? (*builtin)[index - 1] : generated_tariff(index - 1 - listed);
        if (!only.empty() && only != tariff.id)
            return "";
        return tariff_node(tariff, shapes).str();
    };
    return body;
}

const std::map<std::string, Handler>& handlers() {
    static const std::map<std::string, Handler> kHandlers = {
        {"auth", func_auth},
        {"certificate", func_certificate_list},
        {"certificate.edit", func_certificate_edit},
        {"certificate.file", func_certificate_file},
        {"certificate.file.edit", func_certificate_file_edit},
        {"certificate.order.csr", func_order_csr},
        {"certificate.order.param", func_order},
        {"certificate.reissue.step2", func_reissue},
        {"certificate.delete", func_delete},
        {"service.prolong", func_prolong},
        {"pricelist.export", func_export},
        {"whoami", func_whoami},
        {"subaccount", func_subaccount},
        {"notify", func_notify},
    };
    return kHandlers;
}

// The re-send functions exist only under the names a test configured.
Handler resend_handler(const AnswerShapes& shapes, const std::string& func) {
    if (func.empty())
        return nullptr;
    if (func == shapes.dcv_email_function)
        return func_dcv_email;
    if (func == shapes.dcv_dns_function)
        return func_dcv_dns;
    return nullptr;
}

bool needs_auth(const std::string& func) {
    return func != "auth" && func != "pricelist.export";
}

}  // namespace

std::string ApiRequest::get(const std::string& name) const {
    for (auto it = params.rbegin(); it != params.rend(); ++it) {
        if (it->name == name)
            return it->value;
    }
    return "";
}

bool ApiRequest::has(const std::string& name) const {
    return std::any_of(params.begin(), params.end(),
                       [&](const Param& param) { return param.name == name; });
}

XmlNode error_document(const ApiError& error) {
    XmlNode doc("doc");
    XmlNode& node = doc.add("error");
    node.attr("type", error.type).attr("object", error.object);
    if (!error.value.empty())
        node.attr("value", error.value);
    node.attr("lang", "en");
    if (error.object_param) {
        node.add("param", error.object)
            .attr("name", "object")
            .attr("type", "msg")
            .attr("msg", error.object);
        if (!error.value.empty())
            node.add("param", error.value).attr("name", "value");
    }
    node.add("msg", error.msg);
    return doc;
}

std::string Body::joined() const {
    std::string text;
    for (size_t i = 0; i < pieces; ++i)
        text += piece(i);
    return text;
}

Body whole_body(std::string text) {
    auto shared = std::make_shared<const std::string>(std::move(text));
    return Body{1, [shared](size_t) { return *shared; }};
}

namespace {

bool charges(const std::string& func, const ApiRequest& request) {
    return committing(request) && (func == "certificate.order.param" || func == "service.prolong" ||
                                   func == "certificate.reissue.step2");
}

// A read while the views lag: answered from the certificates as they were.
std::optional<Body> lagging_answer(State& state, const ApiConfig& config, const ApiRequest& request,
                                   const Handler& handler) {
    std::string func = request.get("func");
    if (state.lagging_reads == 0 || (func != "certificate" && func != "certificate.edit"))
        return std::nullopt;
    --state.lagging_reads;
    State view = state;
    view.certificates = state.lagging_view;
    return handler(view, config, request);
}

}  // namespace

Body handle_api(State& state, const ApiConfig& config, const ApiRequest& request) {
    std::string func = request.get("func");
    try {
        if (needs_auth(func))
            require_auth(state, request);
        if (auto resend = resend_handler(config.shapes, func))
            return resend(state, config, request);
        auto it = handlers().find(func);
        if (it == handlers().end()) {
            throw ApiError{"missed", "func", func, "Function '" + func + "' not found"};
        }
        if (auto lagging = lagging_answer(state, config, request, it->second))
            return *lagging;
        if (config.shapes.views_lag > 0 && charges(func, request)) {
            state.lagging_view = state.certificates;
            state.lagging_reads = config.shapes.views_lag;
        }
        return with_metadata(it->second(state, config, request), config, request);
    } catch (const ApiError& error) {
        return document_body(error_document(error));
    }
}

}  // namespace fake_upstream
