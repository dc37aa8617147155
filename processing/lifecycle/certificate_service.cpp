#include "lifecycle/certificate_service.h"

#include <ctime>

#include "core/base64.h"
#include "core/digest.h"
#include "core/error.h"
#include "core/log.h"
#include "core/text.h"
#include "core/zip.h"
#include "lifecycle/certificate_file.h"
#include "lifecycle/csr.h"
#include "lifecycle/domain.h"
#include "lifecycle/item_params.h"
#include "lifecycle/order_builder.h"
#include "lifecycle/tariff_import.h"
#include "lifecycle/validation_data.h"
#include "model/status.h"

namespace pmb {
namespace {

using Failure = UpstreamError::Failure;
using Scope = ChargeGuard::Scope;

std::string date_of(std::time_t t) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
}

bool matches_order(const UpstreamCertificate& cert, const Item& item, const std::string& cn,
                   const std::string& since_date) {
    if (cert.item_status == kItemDeleted)
        return false;
    if (!cert.remoteid.empty())
        return cert.remoteid == std::to_string(item.id);
    // No remoteid column: the same domain and tariff, created since the order was sent (a day
    // of slack for the upstream's time zone).
    return cert.cn == cn && cert.pricelist == upstream_pricelist(item) &&
           date_part(cert.createdate) >= since_date;
}

// --domain of send_dv_dns: one of the service's domains, as the upstream knows it (ASCII).
std::string ordered_domain(const ServiceView& service, const std::string& domain) {
    if (trim(domain).empty())
        throw Error(errtype::kMissed, "domain", "", "send_dv_dns needs --domain");
    const std::string ascii = domain_to_ascii(std::string(trim(domain)));
    for (const std::string& name : service.domains().all())
        if (name == ascii)
            return ascii;
    throw Error(errtype::kValue, "domain", domain,
                domain + " is not a domain of service " + std::to_string(service.id()) + " (" +
                    join(service.domains().all(), ", ") + ")");
}

// What a reissue asked for, kept in its marker for staff.
std::string requested(const ServiceView& service, const ReissueRequest& request) {
    if (request.crt_type == "manual" && service.csr())
        return request.crt_type + ":" + service.csr()->sha256;
    return request.crt_type;
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

ServiceView CertificateService::read_service(long long item_id) {
    Item item = host_.item(item_id);
    std::optional<TariffTemplate> tariff = cached_template(item);
    return ServiceView(std::move(item), std::move(tariff));
}

ChargeGuard CertificateService::guard(const ServiceView& service, const char* marker, Scope scope) {
    return ChargeGuard(writeback_, service.id(), service.param(marker), marker, operation_, scope,
                       charging_);
}

std::string CertificateService::require_upstream_id(const Item& item, const std::string& action) {
    std::string id = item.param(param::kUpstreamId);
    if (id.empty())
        throw Error(errtype::kMissed, param::kUpstreamId, std::to_string(item.id),
                    "cannot " + action + " service " + std::to_string(item.id) +
                        ": it was never ordered upstream");
    return id;
}

std::optional<std::string> CertificateService::find_earlier_order(const ServiceView& service,
                                                                  std::time_t since) {
    const Item& item = service.item();
    const std::string since_date = date_of(since - 86400);
    const std::string& cn = service.domains().cn;
    std::optional<std::string> found;
    api_.each_certificate([&](const UpstreamCertificate& cert) {
        if (!matches_order(cert, item, cn, since_date))
            return true;
        // Without remoteid, two services for the same domain and tariff look alike: never
        // adopt a certificate another local service already owns.
        auto owner = host_.find_item_by_param(item.processingmodule, param::kUpstreamId, cert.id);
        if (!owner || *owner == item.id)
            found = cert.id;
        return !found;
    });
    return found;
}

std::string CertificateService::adopt_or_order(const ServiceView& service) {
    ChargeGuard order_guard = guard(service, param::kOrderAttempt, Scope::kAnyRun);
    if (order_guard.earlier().pending()) {
        std::optional<std::string> found =
            find_earlier_order(service, order_guard.earlier().started);
        switch (order_guard.judge(found.has_value())) {
            case EarlierCall::kReached:
                log_warning("adopting upstream certificate " + *found + " from an earlier attempt");
                writeback_.save_param(service.id(), param::kUpstreamId, *found);
                return *found;
            case EarlierCall::kWait:
                throw order_guard.still_unknown(
                    "certificate.order.param",
                    "a certificate for remote id " + std::to_string(service.id()));
            default:
                break;  // it never arrived: ordered anew
        }
    }
    return place_order(service, order_guard);
}

std::string CertificateService::place_order(const ServiceView& service, ChargeGuard& order_guard) {
    OrderRequest request = build_order(service);  // validates before anything is sent
    check_with_upstream_tariff(service);
    if (request.csr.empty())
        use_upstream_made_key(service, request);
    OrderResult result =
        order_guard.charge("certificate.order.param", {{"pricelist", request.pricelist}}, "",
                           [&] { return api_.order(request); });
    if (result.id.empty()) {
        order_guard.mark_unknown();  // it went through: a retry waits until it is listed
        result.id = find_earlier_order(service, order_guard.current().started).value_or("");
    }
    if (result.id.empty()) {
        throw Error(errtype::kBadResponse, "id", "",
                    "the upstream accepted the order but named no certificate, and none with "
                    "remote id " +
                        std::to_string(service.id()) +
                        " is listed yet; the next run looks for it again");
    }
    writeback_.save_param(service.id(), param::kUpstreamId, result.id);
    return result.id;
}

void CertificateService::check_with_upstream_tariff(const ServiceView& service) {
    // A cached template is what this would fetch again: its guesses stay unknown.
    if (!catalog_ || service.tariff() || !needs_unknown_capability(service))
        return;
    const std::string id = upstream_pricelist(service.item());
    std::optional<TariffTemplate> described;
    try {
        described = TariffImport(*catalog_, templates_).describe(id);
    } catch (const std::exception& e) {
        log_warning("could not read what upstream tariff " + id + " allows (" + e.what() +
                    "); the order is sent and the upstream decides");
        return;
    }
    if (!described) {
        log_warning("the upstream export does not list tariff " + id +
                    "; the order is sent and the upstream decides");
        return;
    }
    log_info("upstream tariff " + id + " described by the upstream's export and cached");
    check_tariff_allows(service.with_tariff(*described));
}

// No local CSR: the upstream makes the key pair, and it is stored before any money moves, so
// no lost answer or kill can leave an order whose key nobody has. A retry that orders anew
// makes a new pair; the one saved is always that of the last order sent.
void CertificateService::use_upstream_made_key(const ServiceView& service, OrderRequest& request) {
    attach_generated_key(request, api_.generate_key(request));
    writeback_.save_secret_param(service.id(), param::kPrivateKey, request.key);
}

void CertificateService::open(long long item_id) {
    ServiceView service = read_service(item_id);
    std::string upstream_id = service.param(param::kUpstreamId);
    if (!upstream_id.empty() && service.item().status == kItemActive) {
        log_info("service " + std::to_string(item_id) + " is already open as upstream " +
                 upstream_id + "; nothing to do");
        return;
    }
    if (upstream_id.empty())
        upstream_id = adopt_or_order(service);
    finish_open(service, upstream_id);
}

void CertificateService::finish_open(const ServiceView& service, const std::string& upstream_id) {
    // Done here, not at order time, so a run that died before it still records the hash
    // the next reissue compares against.
    if (service.csr() && !service.has_param(param::kCsrSha256))
        writeback_.save_param(service.id(), param::kCsrSha256, service.csr()->sha256);
    set_status_once(service.item(), kStatusRequested);
    writeback_.post_open(service.id());
    try {
        sync_service(read_service(service.id()), upstream_id);
    } catch (const std::exception& e) {
        // The order stands; BILLmanager's periodic sync_item will pick the status up.
        log_warning("first sync after open failed: " + std::string(e.what()));
    }
}

void CertificateService::sync(long long item_id, ListSnapshots* snapshots) {
    ServiceView service = read_service(item_id);
    const std::string upstream_id = require_upstream_id(service.item(), "sync");
    const ListSnapshot* snapshot = snapshots ? snapshots->get({upstream_id}) : nullptr;
    if (!snapshot) {
        sync_service(service, upstream_id);
        return;
    }
    const long recheck_s = snapshots->settings().pending_recheck_s;
    if (!needs_certificate_read(service, snapshot, upstream_id, recheck_s)) {
        log_debug("upstream certificate " + upstream_id + " of service " + std::to_string(item_id) +
                  " is unchanged in the list: nothing to read");
        return;
    }
    const ListedRow* row = snapshot->find(upstream_id);
    sync_service(service, upstream_id, row || snapshot->complete());
    if (row)
        writeback_.save_param(item_id, param::kListSeen,
                              ListSeen{row->fingerprint(), std::time(nullptr)}.text());
}

bool CertificateService::needs_certificate_read(const ServiceView& service,
                                                const ListSnapshot* snapshot,
                                                const std::string& upstream_id,
                                                long pending_recheck_s) const {
    const std::string status = service.param(param::kServiceStatus);
    const bool awaiting_validation =
        status != std::to_string(kStatusIssued) && status != std::to_string(kStatusFailed);
    return needs_edit_read(snapshot->find(upstream_id),
                           ListSeen::parse(service.param(param::kListSeen)), awaiting_validation,
                           std::time(nullptr), pending_recheck_s);
}

void CertificateService::sync_service(const ServiceView& service, const std::string& upstream_id,
                                      bool missing_means_deleted) {
    const Item& item = service.item();
    UpstreamCertificate cert;
    try {
        cert = api_.get(upstream_id);
    } catch (const UpstreamError& e) {
        if (e.failure() != Failure::kNotFound)
            throw;
        if (!missing_means_deleted)
            throw Error(errtype::kUpstream, param::kUpstreamId, upstream_id,
                        "upstream certificate " + upstream_id +
                            " is missing from an incomplete list and certificate.edit does not "
                            "find it; it is not taken as deleted until a complete list confirms "
                            "it");
        cert.item_status = kItemDeleted;
    }
    if (cert.item_status == kItemDeleted)
        throw Error(errtype::kState, param::kUpstreamId, upstream_id,
                    "upstream certificate " + upstream_id + " is deleted but service " +
                        std::to_string(item.id) + " is still open here; staff must decide");
    if (cert.service_status != kStatusIssued && cert.service_status != kStatusFailed)
        copy_validation_data(writeback_, item, cert);
    switch (cert.service_status) {
        case kStatusIssued:
            record_issued(service, cert, upstream_id);
            break;
        case 0:  // no status we can read: the certificate file itself tells
            if (issued_here(item)) {
                record_issued(service, cert, upstream_id);
                break;
            }
            if (auto file = probe_issued_file(service, upstream_id)) {
                record_issued(service, cert, upstream_id, &*file);
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
std::optional<IssuedFile> CertificateService::probe_issued_file(const ServiceView& service,
                                                                const std::string& upstream_id) {
    try {
        IssuedFile file = api_.download(upstream_id);
        if (read_issued_file(file, service.own_public_key()).covers(service.domains().cn))
            return file;
    } catch (const Error& e) {
        log_debug("upstream certificate " + upstream_id + " has no usable file yet: " + e.what());
    }
    return std::nullopt;
}

void CertificateService::record_issued(const ServiceView& service, const UpstreamCertificate& cert,
                                       const std::string& upstream_id, const IssuedFile* file) {
    const Item& item = service.item();
    if (!issued_here(item))
        save_certificate(service, file ? *file : api_.download(upstream_id), upstream_id);
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
void CertificateService::save_certificate(const ServiceView& service, const IssuedFile& file,
                                          const std::string& upstream_id) {
    IssuedCertificate issued = read_issued_file(file, service.own_public_key());
    const std::string& cn = service.domains().cn;
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
    std::string key = service.param(param::kPrivateKey);
    if (key.empty())
        writeback_.save_certificate(service.id(), issued.pem(), false);
    else
        writeback_.save_certificate(service.id(), base64_encode(bundle_with_key(issued, cn, key)),
                                    true);
}

void CertificateService::set_status_once(const Item& item, int service_status) {
    if (item.param(param::kServiceStatus) != std::to_string(service_status))
        writeback_.set_status(item.id, service_status);
}

void CertificateService::reissue(long long item_id) {
    ServiceView service = read_service(item_id);
    std::string upstream_id = require_upstream_id(service.item(), "reissue");
    ChargeGuard reissue_guard = guard(service, param::kReissueAttempt, Scope::kOperation);
    if (reissue_guard.finished()) {
        log_info("running operation " + operation_ + " already reissued service " +
                 std::to_string(item_id) + "; nothing to do");
        return;
    }
    ReissueRequest request = build_reissue(service, service.param(param::kCsrSha256));
    UpstreamSnapshot before = reissue_snapshot(upstream_id);
    switch (reissue_guard.judge(before)) {
        case EarlierCall::kReached:
            log_warning(
                "the reissue of this operation already reached the upstream: not "
                "sending it again");
            break;
        case EarlierCall::kWait:
            throw reissue_guard.still_unknown("certificate.reissue.step2",
                                              "a change of certificate " + upstream_id);
        default:
            reissue_guard.charge("certificate.reissue.step2", before, requested(service, request),
                                 [&] { api_.reissue(upstream_id, request); });
    }
    if (request.crt_type == "manual")
        writeback_.save_param(item_id, param::kCsrSha256, service.csr()->sha256);
    if (!request.altnames.empty())
        writeback_.save_param(item_id, param::kOldAltname, service.param("altname"));
    post_reopen(item_id);
    writeback_.set_status(item_id, kStatusRequested);
    reissue_guard.finish();
}

UpstreamSnapshot CertificateService::reissue_snapshot(const std::string& upstream_id) {
    UpstreamCertificate cert = api_.get(upstream_id);
    UpstreamSnapshot snapshot = snapshot_of(cert);
    if (cert.crt_sha256.empty() && cert.service_status == kStatusIssued)
        snapshot["file"] = file_fingerprint(upstream_id);
    return snapshot;
}

// The issued certificate's fingerprint, or "none" when the upstream has no usable file: a
// file that goes away or changes is a change too. A failure that may pass is thrown, since
// the retry must read what the first run read.
std::string CertificateService::file_fingerprint(const std::string& upstream_id) {
    try {
        return sha256_hex(read_issued_file(api_.download(upstream_id)).certificate);
    } catch (const UpstreamError& e) {
        if (e.retryable())
            throw;
    } catch (const Error&) {
    }
    return "none";
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

void CertificateService::prolong(long long item_id) {
    ServiceView service = read_service(item_id);
    std::string upstream_id = require_upstream_id(service.item(), "renew");
    ChargeGuard renewal = guard(service, param::kProlongAttempt, Scope::kOperation);
    if (renewal.finished()) {
        log_info("running operation " + operation_ + " already renewed service " +
                 std::to_string(item_id) + "; nothing to do");
        return;
    }
    UpstreamCertificate cert = api_.get(upstream_id);
    UpstreamSnapshot before = snapshot_of(cert);
    std::string new_expiry;
    switch (renewal.judge(before)) {
        case EarlierCall::kReached:
            new_expiry = adopted_renewal(renewal, upstream_id, date_part(cert.expiredate));
            break;
        case EarlierCall::kWait:
            throw renewal.still_unknown("service.prolong",
                                        "a new expiry of certificate " + upstream_id);
        default:
            new_expiry = renew(service, upstream_id, renewal, before);
    }
    writeback_.set_expiredate(item_id, new_expiry);
    writeback_.post_prolong(item_id);
    renewal.finish();
}

std::string CertificateService::adopted_renewal(const ChargeGuard& renewal,
                                                const std::string& upstream_id,
                                                const std::string& current_expiry) {
    auto before = renewal.earlier().snapshot.find("expiredate");
    if (before == renewal.earlier().snapshot.end() || current_expiry > before->second) {
        log_warning("upstream expiry moved to " + current_expiry +
                    ": this operation's earlier renewal went through; not renewing again");
        return current_expiry;
    }
    // Its status shows the renewal, its expiry not yet: nothing to write back, nothing to send.
    throw UpstreamError(
        Failure::kTransport, errtype::kUnknownOutcome, "service.prolong", upstream_id,
        "the earlier renewal of certificate " + upstream_id +
            " reached the upstream, but its new expiry is not shown yet (still " + current_expiry +
            "); nothing was sent again. Run the operation again later");
}

std::string CertificateService::renew(const ServiceView& service, const std::string& upstream_id,
                                      ChargeGuard& renewal, const UpstreamSnapshot& before) {
    std::string new_expiry = date_part(renewal.charge("service.prolong", before, "", [&] {
        return api_.prolong(upstream_id, service.item().period);
    }));
    // Some upstreams answer a renewal without newexpiredate: read what it became.
    if (new_expiry.empty())
        new_expiry = date_part(api_.get(upstream_id).expiredate);
    return new_expiry;
}

void CertificateService::resend_approver_email(long long item_id, const std::string& function,
                                               const std::string& emails) {
    if (function.empty())
        throw Error(errtype::kUnsupported, "DcvEmailFunction", "",
                    "send_dv_email needs the upstream's re-send function: set DcvEmailFunction "
                    "in etc/pmbillmgrssl.conf (probe_upstream --module <id> lists the candidates)");
    const std::vector<std::string> addresses = split(emails, ", \t\r\n");
    if (addresses.empty())
        throw Error(errtype::kMissed, "emails", "", "send_dv_email needs --emails a,b");
    for (const std::string& address : addresses)
        if (address.find('@') == std::string::npos)
            throw Error(errtype::kValue, "emails", address,
                        "'" + address + "' is not an e-mail address");
    ServiceView service = read_service(item_id);
    const std::string upstream_id = require_upstream_id(service.item(), "re-send the mail of");
    api_.resend_approver_email(function, upstream_id, addresses);
    writeback_.save_param(item_id, "approver_email", join(addresses, ","));
    sync_service(service, upstream_id);  // the sync reads no approver
}

void CertificateService::recheck_dns(long long item_id, const std::string& function,
                                     const std::string& domain) {
    ServiceView service = read_service(item_id);
    const std::string upstream_id = require_upstream_id(service.item(), "re-check the DNS of");
    if (function.empty()) {
        log_info("DcvDnsFunction is not set: send_dv_dns of service " + std::to_string(item_id) +
                 " only syncs (the upstream checks the record by itself)");
    } else {
        api_.recheck_dns(function, upstream_id, ordered_domain(service, domain));
    }
    sync_service(service, upstream_id);
}

void CertificateService::close(long long item_id) {
    ServiceView service = read_service(item_id);
    std::string upstream_id = service.param(param::kUpstreamId);
    ChargeMarker order = ChargeMarker::read(service.param(param::kOrderAttempt));
    if (upstream_id.empty() && order.pending())
        upstream_id = find_earlier_order(service, order.started).value_or("");
    if (!upstream_id.empty() && !api_.remove(upstream_id))
        log_info("upstream certificate " + upstream_id + " was already deleted");
    writeback_.post_close(item_id);
}

}  // namespace pmb
