// Turning upstream answers into typed results. Pure functions over the HTTP status and body,
// kept apart from fetching so every answer shape is tested from fixture files.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/xml.h"
#include "model/balance.h"
#include "model/certificate.h"
#include "model/tariff.h"
#include "model/upstream_error.h"

namespace pmb::upstream {

// The API document of an answer. Throws UpstreamError: kHttp for a non-2xx status,
// kBadResponse for an empty, HTML, non-XML or truncated body, and the mapped failure
// (kAuth, kTwoFactor, kNotFound, kBalance, kApi) for a <doc><error> document.
// origin (scheme://host[:port]) names the upstream in messages.
XmlDoc parse_document(long http_status, const std::string& body, const std::string& origin);

// The failure an <error> element stands for.
UpstreamError error_from_element(const XmlNode& error, const std::string& origin);

// The pieces of parse_document, for answers parsed as they stream in:
// throws kHttp for a status other than 2xx;
void check_http_status(long http_status, const std::string& origin);
// what is wrong with an answer that starts with head ("an empty body", "an HTML page instead
// of XML", "an answer that is not XML"), or empty when it may be an API document;
std::string unusable_start(std::string_view head);
// what is wrong with an XML answer whose root element is root, or empty for <doc>;
std::string unusable_root(const std::string& root);
// what an unparsable XML answer is: truncated (it ended inside <doc>) or malformed;
std::string unparsable_xml(bool truncated);
// the kBadResponse failure for an answer from origin that is `what`.
UpstreamError bad_answer_from(const std::string& origin, const std::string& what);

// Throws kBadResponse unless a committing call (sok=ok) answered <ok/>.
void expect_ok(const XmlDoc& doc, const std::string& func);

// The id of a new item: <id> or <item.id> (at any depth); empty if none. <billorder.id> is
// the id of a billing order, never of the item.
std::string find_new_id(const XmlDoc& doc);

// The answer of certificate.order.param: the certificate id, or empty when the upstream
// accepted the order (<ok/>, <billorder.id>) without naming it; throws kBadResponse when it
// carries neither.
OrderResult parse_order(const XmlDoc& doc);
// The answer of certificate.order.csr (csr and key, at any depth); registers the key as a
// secret; throws kBadResponse when either is missing.
GeneratedKey parse_generated_key(const XmlDoc& doc);

// <elem> rows of func=certificate; rows without an id are skipped, unknown columns ignored.
// A status (item_status, status, service_status) is read as BILLmanager writes its cells: the
// orig attribute, else a numeric text, else (item status) real_status, else the text mapped
// by item_status_from_text / service_status_from_text. certificate.edit reads the same way.
std::vector<UpstreamCertificate> parse_certificate_list(const XmlDoc& doc);
// One <elem> row of func=certificate; nullopt for a row without an id.
std::optional<UpstreamCertificate> parse_certificate_row(const XmlNode& row);

// The form view of certificate.edit; id is used when the form does not echo its own.
UpstreamCertificate parse_certificate_form(const XmlDoc& doc, const std::string& id);

// certificate.file's answer by what it is: the file itself (a download), a document with
// the content, or a list of files (BILLmanager's nested list, one <elem> per file) whose
// contents certificate.file.edit gives row by row.
struct FileRow {
    std::string id;    // elid of certificate.file.edit: the row's id, elid or name
    std::string name;  // the row's name, else its id
};
struct FileAnswer {
    IssuedFile file;            // the files the answer holds itself
    std::vector<FileRow> rows;  // a list answer: the rows still to read
};

// The document form of certificate.file: <elem> rows (each with an id, elid or name), else
// the content in the first non-empty of content, file, data, crt, text or value (at any
// depth), else the text of <doc> itself. Throws kBadResponse when it carries none, or only
// rows without an id. What the content is, is not judged here.
FileAnswer parse_file_document(const XmlDoc& doc);

// One row's file from certificate.file.edit: its content from the same fields (empty when
// none), named by the form's <name>, else by the row.
DeliveredFile parse_file_row(const XmlDoc& doc, const FileRow& row);

// Whether an answer is the certificate file itself rather than an API document: a zip
// archive (PK magic, served as application/zip), DER (a PKCS#7 or certificate) or PEM text.
bool is_file_download(const std::string& body);

// certificate.file's whole answer: a download as it came (bytes intact), else the API
// document parse_file_document reads.
FileAnswer parse_file_answer(long http_status, const std::string& body, const std::string& origin);

// newexpiredate of service.prolong (it arrives nested as /doc/doc/newexpiredate); empty when
// the answer lacks it: the caller then reads the new expiry with certificate.edit.
std::string parse_new_expire_date(const XmlDoc& doc);

// One <pricelist> of pricelist.export.
ExportedTariff parse_exported_tariff(const XmlNode& pricelist);

// service_status from status_msg when the number is missing, in English or Russian (the
// text follows the upstream account's language); 0 when the text says nothing we know.
int service_status_from_text(const std::string& text);

// item_status from a status text when the number is missing, in English or Russian; 0 for a
// text in any other language or one that says nothing we know.
int item_status_from_text(const std::string& text);

// The balance in the answer of whoami: balance and currency of /doc/user, as attributes or
// as child elements (currency also as currency_iso or iso); what is missing stays empty.
Balance parse_whoami_balance(const XmlDoc& doc);
// The personal account in the answer of subaccount: the row in currency (an ISO code),
// else the first row with a balance; its currency from currency_iso, iso or currency.
// Empty when no row has a balance.
Balance parse_subaccount_balance(const XmlDoc& doc, const std::string& currency);
// The balance notice in the answer of notify: the <value> ("12221243.00 RUB") of an <item
// balance="yes">, at any depth. Empty when there is none.
Balance parse_notify_balance(const XmlDoc& doc);

// The functions an answer with metadata (out=devel as XML, out=xjson as JSON) offers: the
// func of its toolbar buttons and of any other element, in order, each once, without
// own_func (the function that answered). Empty for an answer that is neither.
std::vector<std::string> offered_functions(const std::string& body, const std::string& own_func);
// The keys of a form's <slist name="name"> (the values a select field offers), at any depth.
std::vector<std::string> slist_keys(const XmlDoc& doc, const std::string& name);
// The names of a form's fields (value elements and <slist name>s) that may carry domain
// validation data: those that mention auth_, dcv, dns, txt, file or approver.
std::vector<std::string> validation_field_names(const XmlDoc& doc);

}  // namespace pmb::upstream
