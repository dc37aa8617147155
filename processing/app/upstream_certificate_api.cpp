#include "app/upstream_certificate_api.h"

#include <functional>
#include <optional>

#include "core/log.h"
#include "core/text.h"
#include "upstream/certificate_list.h"
#include "upstream/functions.h"
#include "upstream/response.h"

namespace pmb {

// The adapter speaks the upstream client's terms throughout.
using namespace upstream;

void UpstreamCertificateApi::check_access() {
    client_.call(functions::check_access());
}

GeneratedKey UpstreamCertificateApi::generate_key(const OrderRequest& request) {
    // Nothing is bought yet, so a lost answer may be asked again (it only makes another key).
    return parse_generated_key(client_.call(functions::generate_key(request)));
}

OrderResult UpstreamCertificateApi::order(const OrderRequest& request) {
    return parse_order(client_.call(functions::order(request)));
}

ListRead UpstreamCertificateApi::each_certificate(const CertificateVisitor& visit) {
    if (!list_client_)
        list_client_ = std::make_unique<ApiClient>(connection_);
    return read_certificate_list(*list_client_, connection_.list_page_size, visit);
}

UpstreamCertificate UpstreamCertificateApi::get(const std::string& id) {
    return parse_certificate_form(client_.call(functions::get(id)), id);
}

IssuedFile UpstreamCertificateApi::download(const std::string& id) {
    // Some panels answer with the file itself (a download), not an API document; a list
    // answer names its files, read one by one on the same connection.
    HttpResponse answer = client_.fetch_file(functions::download(id));
    FileAnswer files = parse_file_answer(answer.status, answer.body, client_.origin());
    for (const FileRow& row : files.rows)
        files.file.files.push_back(
            parse_file_row(client_.call(functions::download_row(id, row.id)), row));
    return files.file;
}

void UpstreamCertificateApi::reissue(const std::string& id, const ReissueRequest& request) {
    // Not a read: a repeated reissue would restart validation at the CA.
    Request call = functions::reissue(id, request);
    expect_ok(client_.call(call), call.func());
}

bool UpstreamCertificateApi::remove(const std::string& id) {
    Request call = functions::remove(id);
    try {
        // Deleting twice ends the same way, so a lost answer may be retried.
        expect_ok(client_.call(call), call.func());
    } catch (const UpstreamError& error) {
        if (error.failure() == UpstreamError::Failure::kNotFound)
            return false;
        throw;
    }
    return true;
}

std::string UpstreamCertificateApi::prolong(const std::string& id, int period_months) {
    return parse_new_expire_date(client_.call(functions::prolong(id, period_months)));
}

void UpstreamCertificateApi::resend_approver_email(const std::string& function,
                                                   const std::string& id,
                                                   const std::vector<std::string>& emails) {
    Request call = functions::resend_approver_email(function, id, emails);
    expect_ok(client_.call(call), call.func());
}

void UpstreamCertificateApi::recheck_dns(const std::string& function, const std::string& id,
                                         const std::string& domain) {
    Request call = functions::recheck_dns(function, id, domain);
    expect_ok(client_.call(call), call.func());
}

namespace {

// A source that answers an API error (no such function, no access) gives way to the next;
// a failure of the connection or of the account ends the search, since every source would
// fail the same way.
bool source_unavailable(const UpstreamError& error) {
    return error.failure() == UpstreamError::Failure::kApi ||
           error.failure() == UpstreamError::Failure::kNotFound;
}

}  // namespace

Balance UpstreamCertificateApi::balance(BalanceRead how) {
    std::string currency;  // the account's, when a source names it without an amount
    std::vector<std::string> tried;
    auto read = [&](const Request& request,
                    const std::function<Balance(const XmlDoc&)>& parse) -> std::optional<Balance> {
        std::string outcome;
        try {
            Request sent = request;
            if (how == BalanceRead::kQuick)
                sent.mark_single_try();
            Balance found = parse(client_.call(sent));
            if (found.complete())
                return found;
            if (currency.empty())
                currency = found.currency;
            outcome = found.amount.empty() ? "no balance" : "a balance without a known currency";
        } catch (const UpstreamError& error) {
            if (!source_unavailable(error))
                throw;
            outcome = error.message();
        }
        log_info("upstream balance: " + request.func() + " gives " + outcome);
        tried.push_back(request.func() + ": " + outcome);
        return std::nullopt;
    };
    if (auto found = read(functions::whoami(), parse_whoami_balance))
        return *found;
    if (auto found = read(functions::subaccounts(), [&](const XmlDoc& doc) {
            return parse_subaccount_balance(doc, currency);
        }))
        return *found;
    if (how == BalanceRead::kThorough)
        if (auto found = read(functions::notices(), parse_notify_balance))
            return *found;
    std::string message =
        "the upstream " + client_.origin() + " reports no balance (" + join(tried, "; ") + ")";
    throw UpstreamError(UpstreamError::Failure::kBadResponse, errtype::kBadResponse, "balance",
                        message, message);
}

}  // namespace pmb
