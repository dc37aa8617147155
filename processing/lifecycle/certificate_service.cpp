#include "lifecycle/certificate_service.h"

#include <ctime>

#include "core/base64.h"
#include "core/error.h"
#include "core/log.h"
#include "core/text.h"
#include "core/zip.h"
#include "lifecycle/certificate_file.h"
#include "lifecycle/csr.h"
#include "lifecycle/item_params.h"
#include "lifecycle/order_builder.h"
#include "lifecycle/tariff_import.h"
#include "model/status.h"

namespace pmb {
namespace {

using Failure = UpstreamError::Failure;

// The value of a finished operation's attempt marker.
constexpr const char* kAttemptDone = "done";

std::string today_utc(int days_offset = 0) {
    std::time_t t = std::time(nullptr) + static_cast<std::time_t>(days_offset) * 86400;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
}

// An error document means the upstream refused: nothing was bought. Anything else (no
// reply, a broken reply) leaves the outcome unknown.
bool surely_not_bought(const UpstreamError& e) {
    switch (e.failure()) {
        case Failure::kAuth:
        case Failure::kTwoFactor:
        case Failure::kNotFound:
        case Failure::kBalance:
        case Failure::kApi:
            return true;
        case Failure::kHttp:
            return e.http_status() < 500;
        default:
            return false;
    }
}

bool matches_attempt(const UpstreamCertificate& cert, const Item& item, const std::string& cn,
                     const std::string& attempt_date) {
    if (cert.item_status == kItemDeleted)
        return false;
    if (!cert.remoteid.empty())
        return cert.remoteid == std::to_string(item.id);
    // No remoteid column: the same domain and tariff, created since the attempt (a day of
    // slack for the upstream's time zone).
    std::string pricelist = upstream_pricelist(item);
    return cert.cn == cn && (cert.pricelist == pricelist) &&
           date_part(cert.createdate) >= attempt_date;
}

std::string day_before(const std::string& date) {
    std::tm tm{};
    if (!strptime(date.c_str(), "%Y-%m-%d", &tm))
        return date;
    std::time_t t = timegm(&tm) - 86400;
    gmtime_r(&t, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
}

}  // namespace

// Cached under the intname an import gives the tariff (the upstream id), or under the upstream
// id a tariff made by hand names in its settings.
std::optional<TariffTemplate> CertificateService::cached_template(const Item& item) const {
    if (!item.pricelist_intname.empty())
        if (auto found = templates_.find(item.pricelist_intname))
            return found;
    auto upstream_id = item.pricelist_params.find("upstream_pricelist");
    if (upstream_id != item.pricelist_params.end() && !upstream_id->second.empty())
        return templates_.find(upstream_id->second);
    return std::nullopt;
}

Item CertificateService::read_item(long long item_id) {
    Item item = host_.item(item_id);
    item.tariff_template = cached_template(item);
    return item;
}

std::string CertificateService::require_upstream_id(const Item& item, const std::string& action) {
    std::string id = item.param(param::kUpstreamId);
    if (id.empty())
        throw Error(errtype::kMissed, param::kUpstreamId, std::to_string(item.id),
                    "cannot " + action + " service " + std::to_string(item.id) +
                        ": it was never ordered upstream");
    return id;
}

std::optional<std::string> CertificateService::find_earlier_order(const Item& item,
                                                                  const std::string& attempt) {
    std::string attempt_date = day_before(date_part(attempt));
    std::string cn = ordered_domains(item).cn;
    for (const UpstreamCertificate& cert : api_.list()) {
        if (!matches_attempt(cert, item, cn, attempt_date))
            continue;
        // Without remoteid, two services for the same domain and tariff look alike: never
        // adopt a certificate another local service already owns.
        auto owner = host_.find_item_by_param(item.processingmodule, param::kUpstreamId, cert.id);
        if (!owner || *owner == item.id)
            return cert.id;
    }
    return std::nullopt;
}

std::string CertificateService::place_order(const Item& item) {
    OrderRequest request = build_order(item);  // validates before anything is sent
    check_with_upstream_tariff(item);
    if (request.csr.empty())
        use_upstream_made_key(item, request);
    writeback_.save_param(item.id, param::kOrderAttempt, today_utc() + " " + request.pricelist);
    OrderResult result;
    try {
        result = api_.order(request);
    } catch (const UpstreamError& e) {
        if (surely_not_bought(e))
            writeback_.drop_param(item.id, param::kOrderAttempt);
        throw;
    }
    if (result.id.empty())
        result.id = find_earlier_order(item, today_utc()).value_or("");
    if (result.id.empty())
        throw Error(errtype::kBadResponse, "id", "",
                    "the upstream accepted the order but named no certificate, and none with "
                    "remote id " +
                        std::to_string(item.id) +
                        " is listed yet; the next run looks for it again");
    writeback_.save_param(item.id, param::kUpstreamId, result.id);
    return result.id;
}

void CertificateService::check_with_upstream_tariff(const Item& item) {
    // A cached template is what this would fetch again: its guesses stay unknown.
    if (!catalog_ || item.tariff_template || !needs_unknown_capability(item))
        return;
    const std::string id = upstream_pricelist(item);
    Item described = item;
    try {
        described.tariff_template = TariffImport(*catalog_, templates_).describe(id);
    } catch (const std::exception& e) {
        log_warning("could not read what upstream tariff " + id + " allows (" + e.what() +
                    "); the order is sent and the upstream decides");
        return;
    }
    if (!described.tariff_template) {
        log_warning("the upstream export does not list tariff " + id +
                    "; the order is sent and the upstream decides");
        return;
    }
    log_info("upstream tariff " + id + " described by the upstream's export and cached");
    check_tariff_allows(described, ordered_domains(described));
}

// No local CSR: the upstream makes the key pair, and it is stored before any money moves, so
// no lost answer or kill can leave an order whose key nobody has. A retry that orders anew
// makes a new pair; the one saved is always that of the last order sent.
void CertificateService::use_upstream_made_key(const Item& item, OrderRequest& request) {
    attach_generated_key(request, api_.generate_key(request));
    writeback_.save_secret_param(item.id, param::kPrivateKey, request.key);
}

void CertificateService::open(long long item_id) {
    Item item = read_item(item_id);
    std::string upstream_id = item.param(param::kUpstreamId);
    if (!upstream_id.empty() && item.status == kItemActive) {
        log_info("service " + std::to_string(item_id) + " is already open as upstream " +
                 upstream_id + "; nothing to do");
        return;
    }
    if (upstream_id.empty() && item.has_param(param::kOrderAttempt)) {
        if (auto found = find_earlier_order(item, item.param(param::kOrderAttempt))) {
            log_warning("adopting upstream certificate " + *found + " from an earlier attempt");
            upstream_id = *found;
            writeback_.save_param(item.id, param::kUpstreamId, upstream_id);
        }
    }
    if (upstream_id.empty())
        upstream_id = place_order(item);
    finish_open(item, upstream_id);
}

void CertificateService::finish_open(const Item& item, const std::string& upstream_id) {
    // Done here, not at order time, so a run that died before it still records the hash
    // the next reissue compares against.
    if (!item.certificate.csr.empty() && !item.has_param(param::kCsrSha256))
        writeback_.save_param(item.id, param::kCsrSha256, parse_csr(item.certificate.csr).sha256);
    set_status_once(item, kStatusRequested);
    writeback_.post_open(item.id);
    try {
        Item fresh = read_item(item.id);
        sync_item(fresh, upstream_id);
    } catch (const std::exception& e) {
        // The order stands; BILLmanager's periodic sync_item will pick the status up.
        log_warning("first sync after open failed: " + std::string(e.what()));
    }
}

void CertificateService::sync(long long item_id) {
    Item item = read_item(item_id);
    sync_item(item, require_upstream_id(item, "sync"));
}

void CertificateService::sync_item(const Item& item, const std::string& upstream_id) {
    UpstreamCertificate cert;
    try {
        cert = api_.get(upstream_id);
    } catch (const UpstreamError& e) {
        if (e.failure() != Failure::kNotFound)
            throw;
        cert.item_status = kItemDeleted;
    }
    if (cert.item_status == kItemDeleted)
        throw Error(errtype::kState, param::kUpstreamId, upstream_id,
                    "upstream certificate " + upstream_id + " is deleted but service " +
                        std::to_string(item.id) + " is still open here; staff must decide");
    switch (cert.service_status) {
        case kStatusIssued:
            record_issued(item, cert, upstream_id);
            break;
        case 0:  // no status we can read: the certificate file itself tells
            if (issued_here(item)) {
                record_issued(item, cert, upstream_id);
                break;
            }
            if (auto file = probe_issued_file(item, upstream_id)) {
                record_issued(item, cert, upstream_id, &*file);
                break;
            }
            set_status_once(item, kStatusPending);
            break;
        case kStatusFailed:
            if (item.param(param::kServiceStatus) != std::to_string(kStatusFailed)) {
                writeback_.certificate_failed(item.id);
                writeback_.set_status(item.id, kStatusFailed);
            }
            break;
        default:
            set_status_once(item, kStatusPending);
    }
}

bool CertificateService::issued_here(const Item& item) {
    return item.param(param::kServiceStatus) == std::to_string(kStatusIssued) &&
           !item.certificate.crt.empty();
}

// Once per sync, for a certificate whose status says nothing: a valid certificate for the
// ordered domain in certificate.file means issued.
std::optional<IssuedFile> CertificateService::probe_issued_file(const Item& item,
                                                                const std::string& upstream_id) {
    try {
        IssuedFile file = api_.download(upstream_id);
        std::string own_key = leaf_public_key(item.certificate.csr, item.param(param::kPrivateKey));
        if (read_issued_file(file, own_key).covers(ordered_domains(item).cn))
            return file;
    } catch (const Error& e) {
        log_debug("upstream certificate " + upstream_id + " has no usable file yet: " + e.what());
    }
    return std::nullopt;
}

void CertificateService::record_issued(const Item& item, const UpstreamCertificate& cert,
                                       const std::string& upstream_id, const IssuedFile* file) {
    if (!issued_here(item))
        save_certificate(item, file ? *file : api_.download(upstream_id), upstream_id);
    std::string expiry = date_part(cert.expiredate);
    if (!expiry.empty() && date_part(item.expiredate) != expiry)
        writeback_.set_expiredate(item.id, expiry);
    set_status_once(item, kStatusIssued);
    if (!item.has_param(param::kCertificateOpened)) {
        writeback_.certificate_open(item.id);
        writeback_.save_param(item.id, param::kCertificateOpened, "yes");
    }
}

// Only a real certificate for the ordered domain is saved; a key the upstream sent along is
// never passed on, while a key the upstream made at order time reaches the client in a zip.
void CertificateService::save_certificate(const Item& item, const IssuedFile& file,
                                          const std::string& upstream_id) {
    IssuedCertificate issued = read_issued_file(
        file, leaf_public_key(item.certificate.csr, item.param(param::kPrivateKey)));
    std::string cn = ordered_domains(item).cn;
    if (!issued.covers(cn))
        throw Error(errtype::kBadResponse, "crt", cn,
                    "the certificate upstream " + upstream_id + " sent is not for " + cn +
                        " (it names " + issued.name_list() + "); it was not saved");
    if (issued.key_stripped)
        log_warning("the upstream sent a private key with certificate " + upstream_id +
                    "; the key was left out and not saved");
    if (issued.left_out > 0)
        log_info(std::to_string(issued.left_out) + " certificate(s) upstream " + upstream_id +
                 " sent are not in the chain of the one for " + cn + "; left out");
    std::string key = item.param(param::kPrivateKey);
    if (key.empty())
        writeback_.save_certificate(item.id, issued.pem(), false);
    else
        writeback_.save_certificate(item.id, base64_encode(bundle_with_key(issued, cn, key)), true);
}

void CertificateService::set_status_once(const Item& item, int service_status) {
    if (item.param(param::kServiceStatus) != std::to_string(service_status))
        writeback_.set_status(item.id, service_status);
}

// Attempt markers say "this operation may already have charged upstream". Each holds the
// running operation that saved it, so a marker left by a run killed after its last write
// (or by an older operation) never suppresses a later renewal or reissue: only a retry of
// the same operation reads it. A marker is saved before the charging call, dropped when the
// upstream surely refused (nothing was bought), and turned into "<operation>;done" after the
// last write-back: a rerun of a finished operation (killed before it could exit, or waiting
// on the lock while the first run finished) then does nothing instead of charging again.
// Without a running operation (a manual run) there is nothing to tell runs apart by, so the
// marker is dropped as before.
std::optional<std::string> CertificateService::own_attempt(const Item& item,
                                                           const char* name) const {
    const std::string marker = item.param(name);
    const size_t split = marker.find(';');
    if (split == std::string::npos || marker.substr(0, split) != operation_)
        return std::nullopt;
    return marker.substr(split + 1);
}

void CertificateService::save_attempt(const Item& item, const char* name,
                                      const std::string& value) {
    writeback_.save_param(item.id, name, operation_ + ";" + value);
}

bool CertificateService::attempt_done(const Item& item, const char* name) const {
    return !operation_.empty() && own_attempt(item, name) == kAttemptDone;
}

void CertificateService::finish_attempt(const Item& item, const char* name) {
    if (operation_.empty())
        writeback_.drop_param(item.id, name);
    else
        save_attempt(item, name, kAttemptDone);
}

// Kill points, in order: before the marker nothing was sent, the retry sends; after it and
// before the upstream applied, the upstream is still issued, so the retry sends again;
// after the upstream applied, the retry sees it validating and only writes back; after the
// last write-back and before the marker says done, the retry writes the same values again
// (and a later operation ignores the leftover marker); after it, a rerun does nothing.
void CertificateService::reissue(long long item_id) {
    Item item = read_item(item_id);
    std::string upstream_id = require_upstream_id(item, "reissue");
    if (attempt_done(item, param::kReissueAttempt)) {
        log_info("running operation " + operation_ + " already reissued service " +
                 std::to_string(item_id) + "; nothing to do");
        return;
    }
    ReissueRequest request = build_reissue(item, item.param(param::kCsrSha256));
    if (reissue_reached(item, upstream_id)) {
        log_warning("the reissue of this operation already reached the upstream (the " +
                    std::string("certificate is being validated again): not sending it again"));
    } else {
        send_reissue(item, upstream_id, request);
    }
    if (request.crt_type == "manual")
        writeback_.save_param(item.id, param::kCsrSha256, parse_csr(request.csr).sha256);
    if (!request.altnames.empty())
        writeback_.save_param(item.id, param::kOldAltname, item.param("altname"));
    post_reopen(item.id);
    writeback_.set_status(item.id, kStatusRequested);
    finish_attempt(item, param::kReissueAttempt);
}

// BILLmanager 6 finishes a reissue with service.postreopen (ISPsystem's GlobalSign module);
// an older panel without the function answers "unknown function", which is no failure.
void CertificateService::post_reopen(long long item_id) {
    try {
        writeback_.post_reopen(item_id);
    } catch (const Error& e) {
        if (!is_unknown_function(e))
            throw;
        log_info("this BILLmanager has no service.postreopen (" + e.message() + "); going on");
    }
}

// A reissue reached the upstream when this operation marked it and the upstream no longer
// shows the certificate issued: the CA validates it again. What was requested is kept in
// the marker for staff, but not compared: the write-back of the first run (csr_sha256,
// old_altname) changes what the retry would build from the same order form.
bool CertificateService::reissue_reached(const Item& item, const std::string& upstream_id) {
    if (!own_attempt(item, param::kReissueAttempt))
        return false;
    return api_.get(upstream_id).service_status != kStatusIssued;
}

void CertificateService::send_reissue(const Item& item, const std::string& upstream_id,
                                      const ReissueRequest& request) {
    std::string requested = request.crt_type;
    if (request.crt_type == "manual")
        requested += ";" + parse_csr(request.csr).sha256;
    save_attempt(item, param::kReissueAttempt, requested);
    try {
        api_.reissue(upstream_id, request);
    } catch (const UpstreamError& e) {
        if (surely_not_bought(e))
            writeback_.drop_param(item.id, param::kReissueAttempt);
        throw;
    }
}

// Kill points, in order: before the marker nothing was bought; after it and before the
// upstream renewed, the retry finds the expiry where the marker started and renews; after
// the upstream renewed, the retry finds the expiry moved past the marker and adopts it;
// after service.postprolong and before the marker says done, only this same operation would
// adopt (BILLmanager's next renewal is another operation and renews); after it, a rerun of
// this operation does nothing.
void CertificateService::prolong(long long item_id) {
    Item item = read_item(item_id);
    std::string upstream_id = require_upstream_id(item, "renew");
    if (attempt_done(item, param::kProlongAttempt)) {
        log_info("running operation " + operation_ + " already renewed service " +
                 std::to_string(item_id) + "; nothing to do");
        return;
    }
    std::string current = date_part(api_.get(upstream_id).expiredate);
    std::optional<std::string> started_from = own_attempt(item, param::kProlongAttempt);
    std::string new_expiry;
    if (started_from && current > *started_from) {
        log_warning("upstream expiry already moved to " + current +
                    ": this operation's earlier renewal went through; not renewing again");
        new_expiry = current;
    } else {
        new_expiry = renew(item, upstream_id, started_from, current);
    }
    writeback_.set_expiredate(item.id, new_expiry);
    writeback_.post_prolong(item.id);
    finish_attempt(item, param::kProlongAttempt);
}

std::string CertificateService::renew(const Item& item, const std::string& upstream_id,
                                      const std::optional<std::string>& started_from,
                                      const std::string& current_expiry) {
    if (!started_from)  // supersedes a marker of another operation
        save_attempt(item, param::kProlongAttempt, current_expiry);
    std::string new_expiry;
    try {
        new_expiry = date_part(api_.prolong(upstream_id, item.period));
    } catch (const UpstreamError& e) {
        if (surely_not_bought(e))
            writeback_.drop_param(item.id, param::kProlongAttempt);
        throw;
    }
    // Some upstreams answer a renewal without newexpiredate: read what it became.
    if (new_expiry.empty())
        new_expiry = date_part(api_.get(upstream_id).expiredate);
    return new_expiry;
}

void CertificateService::close(long long item_id) {
    Item item = read_item(item_id);
    std::string upstream_id = item.param(param::kUpstreamId);
    if (upstream_id.empty() && item.has_param(param::kOrderAttempt))
        upstream_id = find_earlier_order(item, item.param(param::kOrderAttempt)).value_or("");
    if (!upstream_id.empty() && !api_.remove(upstream_id))
        log_info("upstream certificate " + upstream_id + " was already deleted");
    writeback_.post_close(item.id);
}

}  // namespace pmb
