#include "app/upstream_probe.h"

#include <optional>
#include <utility>
#include <vector>

#include "core/scrub.h"
#include "core/text.h"
#include "core/zip.h"
#include "model/status.h"
#include "upstream/functions.h"
#include "upstream/response.h"

namespace pmb {
namespace {

using namespace upstream;

constexpr size_t kShownChars = 16 * 1024;
constexpr int kListRows = 20;
constexpr int kOrderFormMonths = 12;

std::string count(size_t n, const char* what) {
    return std::to_string(n) + " " + what;
}

std::string listed_or_none(const std::vector<std::string>& names) {
    return names.empty() ? std::string("none") : join(names, " ");
}

// An answer as the admin can read it: its text (scrubbed before it is cut, so no secret is
// cut into an unrecognisable half), a zip as the names of its files.
std::string shown(const std::string& body) {
    if (looks_like_zip(body)) {
        std::vector<std::string> names;
        try {
            for (const ZipEntry& entry : read_zip(body))
                names.push_back(entry.name);
        } catch (const Error& error) {
            names.push_back("(unreadable: " + error.message() + ")");
        }
        return "(a zip archive of " + count(body.size(), "bytes") + ": " + join(names, " ") + ")";
    }
    if (!is_valid_utf8(body))
        return "(" + count(body.size(), "bytes") + " that are not text)";
    std::string clean = Scrubber::global().clean(body);
    std::string cut = shorten(clean, kShownChars);
    return cut.size() == clean.size() ? clean : cut + " (" + count(body.size(), "bytes in all)");
}

// The names config keys take, among the functions the upstream offers.
std::vector<std::string> candidates(const std::vector<std::string>& offered,
                                    std::initializer_list<const char*> words) {
    std::vector<std::string> out;
    for (const std::string& func : offered)
        if (contains_any(lowercase(func), words))
            out.push_back(func);
    return out;
}

class Probe {
public:
    explicit Probe(ApiClient& client) : client_(client) {}

    std::string run(const ProbeTarget& target);

private:
    void section(const std::string& title) { out_ += "\n=== " + title + " ===\n"; }
    void line(const std::string& text) { out_ += text + "\n"; }
    void failed(const Error& error);
    // Sends the request and shows its answer; nullopt (the failure shown) when none came.
    std::optional<HttpResponse> ask(const Request& request);
    // The API document of an answer; nullopt (the failure shown) for an error document or
    // anything else.
    std::optional<XmlDoc> document(const HttpResponse& answer);
    std::optional<XmlDoc> read(const Request& request);
    // Asks again with out=devel, else out=xjson, and shows the functions offered.
    void toolbar(Request request, const std::string& where);

    void whoami();
    std::vector<UpstreamCertificate> certificate_list();
    void certificate_edit(const std::string& id, std::string& pricelist);
    void order_form(const std::string& pricelist);
    void certificate_file(const std::string& id);
    void config_keys();

    ApiClient& client_;
    std::string out_;
    std::optional<Error> first_failure_;
    bool answered_ = false;
    std::vector<std::string> offered_;  // every function offered, each once
    std::vector<std::string> approver_methods_;
};

void Probe::failed(const Error& error) {
    if (!first_failure_)
        first_failure_ = error;
    line("failed: [" + error.type() + "] " + error.message());
}

std::optional<HttpResponse> Probe::ask(const Request& request) {
    line("request: " + public_body(request));
    try {
        HttpResponse answer = client_.fetch_raw(request);
        line("answer: HTTP " + std::to_string(answer.status) + ", " +
             count(answer.body.size(), "bytes"));
        line(shown(answer.body));
        return answer;
    } catch (const Error& error) {
        failed(error);
        return std::nullopt;
    }
}

std::optional<XmlDoc> Probe::document(const HttpResponse& answer) {
    try {
        XmlDoc doc = parse_document(answer.status, answer.body, client_.origin());
        answered_ = true;
        return doc;
    } catch (const Error& error) {
        failed(error);
        return std::nullopt;
    }
}

std::optional<XmlDoc> Probe::read(const Request& request) {
    auto answer = ask(request);
    return answer ? document(*answer) : std::nullopt;
}

void Probe::toolbar(Request request, const std::string& where) {
    std::vector<std::string> tried;
    for (const char* format : {"devel", "xjson"}) {
        request.output(format);
        try {
            HttpResponse answer = client_.fetch_raw(request);
            std::vector<std::string> offered = offered_functions(answer.body, request.func());
            if (!offered.empty()) {
                line("functions the " + where + " offers (out=" + format +
                     "): " + join(offered, " "));
                for (const std::string& func : offered)
                    if (std::find(offered_.begin(), offered_.end(), func) == offered_.end())
                        offered_.push_back(func);
                return;
            }
            tried.push_back(std::string("out=") + format + ": no metadata in the answer");
        } catch (const Error& error) {
            tried.push_back(std::string("out=") + format + ": " + error.message());
        }
    }
    line("functions the " + where + " offers: none found (" + join(tried, "; ") + ")");
}

void Probe::whoami() {
    section("whoami");
    auto doc = read(functions::whoami());
    if (!doc)
        return;
    Balance balance = parse_whoami_balance(*doc);
    line(balance.complete()
             ? "balance: " + balance.amount + " " + balance.currency
             : "balance: not in whoami; getbalance then asks subaccount, then notify");
}

std::vector<UpstreamCertificate> Probe::certificate_list() {
    section("certificate list (one page)");
    Request list = functions::list_page(1, kListRows);
    std::vector<UpstreamCertificate> listed;
    if (auto doc = read(list)) {
        listed = parse_certificate_list(*doc);
        line("certificates on this page: " + std::to_string(listed.size()));
    }
    toolbar(list, "certificate list");
    return listed;
}

void Probe::certificate_edit(const std::string& id, std::string& pricelist) {
    section("certificate.edit of certificate " + (id.empty() ? "(none)" : id));
    if (id.empty()) {
        line("skipped: no certificate is listed; run it with --item <service> once one is ordered");
        return;
    }
    Request edit = functions::get(id);
    if (auto doc = read(edit)) {
        line("fields that may carry validation data: " +
             listed_or_none(validation_field_names(*doc)));
        if (pricelist.empty())
            pricelist = parse_certificate_form(*doc, id).pricelist;
    }
    toolbar(edit, "certificate form");
}

void Probe::order_form(const std::string& pricelist) {
    section("order form of tariff " + (pricelist.empty() ? "(none)" : pricelist) +
            ", without sok: nothing is ordered");
    if (pricelist.empty()) {
        line("skipped: no tariff is known; run it with --item <service>");
        return;
    }
    Request form = functions::order_form(pricelist, kOrderFormMonths);
    if (auto doc = read(form)) {
        approver_methods_ = slist_keys(*doc, "approver_method");
        line("approver_method offers: " + listed_or_none(approver_methods_));
    }
    toolbar(form, "order form");
}

void Probe::certificate_file(const std::string& id) {
    section("certificate.file of certificate " + (id.empty() ? "(none)" : id));
    if (id.empty()) {
        line("skipped: no certificate is listed");
        return;
    }
    Request file = functions::download(id);
    if (auto answer = ask(file)) {
        if (is_file_download(answer->body)) {
            answered_ = true;
            line("the answer is the file itself (a zip or PEM text), not an API document");
        } else {
            document(*answer);
        }
    }
    toolbar(file, "file list");
}

void Probe::config_keys() {
    section("config keys");
    line("DcvEmailFunction (re-send the validation e-mail): " +
         listed_or_none(candidates(offered_, {"mail", "approver"})));
    line("DcvDnsFunction (re-check the DNS validation): " +
         listed_or_none(candidates(offered_, {"dns", "txt"})));
    line("approver_method values of the order form: " + listed_or_none(approver_methods_));
    line("every function offered: " + listed_or_none(offered_));
}

std::string Probe::run(const ProbeTarget& target) {
    line("pmbillmgrssl probe_upstream: " + client_.origin());
    line("Secrets (the password, authinfo, private keys) are shown as " +
         std::string(Scrubber::kMask) +
         ". The order form is asked without sok: nothing is bought.");
    if (!target.note.empty())
        line(target.note);
    whoami();
    std::vector<UpstreamCertificate> listed = certificate_list();
    std::string certificate = target.certificate;
    std::string issued = target.certificate;
    std::string pricelist = target.pricelist;
    for (const UpstreamCertificate& cert : listed) {
        if (certificate.empty())
            certificate = cert.id;
        if (issued.empty() && cert.service_status == kStatusIssued)
            issued = cert.id;
        if (pricelist.empty() && cert.id == certificate)
            pricelist = cert.pricelist;
    }
    certificate_edit(certificate, pricelist);
    order_form(pricelist);
    certificate_file(issued.empty() ? certificate : issued);
    config_keys();
    if (!answered_ && first_failure_)
        throw *first_failure_;
    return Scrubber::global().clean(out_);
}

}  // namespace

std::string probe_upstream(upstream::ApiClient& client, const ProbeTarget& target) {
    return Probe(client).run(target);
}

}  // namespace pmb
