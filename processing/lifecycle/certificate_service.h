// The certificate lifecycle: each BILLmanager event becomes the right upstream calls and the
// right write-back. Knows the Host and CertificateApi interfaces only — neither libcurl nor
// MariaDB — so it runs the same against fakes and the real thing. Every call that may charge
// (order, renewal, reissue) goes through one ChargeGuard (lifecycle/charge_guard.h).
#pragma once

#include <ctime>
#include <optional>
#include <string>
#include <utility>

#include "billmgr/host.h"
#include "billmgr/writeback.h"
#include "lifecycle/certificate_api.h"
#include "lifecycle/charge_guard.h"
#include "lifecycle/list_snapshot.h"
#include "lifecycle/service_view.h"
#include "lifecycle/tariff_catalog.h"
#include "lifecycle/template_cache.h"

namespace pmb {

class CertificateService {
public:
    // templates: the tariff capabilities cached by the last tariff import. operation: the
    // running operation of this run (empty: none), which the charge markers are keyed to.
    // catalog: where an order whose tariff nothing describes learns what the tariff allows
    // (null: such an order is sent and the upstream decides).
    CertificateService(Host& host, CertificateApi& api, const TemplateCache& templates,
                       std::string operation = {}, TariffCatalog* catalog = nullptr,
                       ChargeGuard::Settings charging = {})
        : host_(host),
          api_(api),
          templates_(templates),
          writeback_(host),
          operation_(std::move(operation)),
          catalog_(catalog),
          charging_(std::move(charging)) {}

    // An order whose reply was lost is found upstream and adopted, never repeated.
    void open(long long item_id);
    // With snapshots, certificate.edit is asked only when the service's list row changed
    // since it was last read, is missing, or a certificate awaiting validation is due.
    void sync(long long item_id, ListSnapshots* snapshots = nullptr);
    // A reissue, a renewal: a retry of the same operation first reads the upstream and sends
    // nothing when the earlier call reached it.
    void reissue(long long item_id);
    void prolong(long long item_id);
    void close(long long item_id);
    // send_dv_email: the upstream's function (empty: none configured, an unsupported error)
    // re-sends the approver mail to emails (comma-separated), which then become the item's
    // approver_email; then one sync. Never a reissue.
    void resend_approver_email(long long item_id, const std::string& function,
                               const std::string& emails);
    // send_dv_dns: the upstream's function (empty: none configured, then only the sync)
    // checks the DNS record of one of the service's domains again; then one sync.
    void recheck_dns(long long item_id, const std::string& function, const std::string& domain);
    // Local only: a certificate cannot be suspended at the CA, so no upstream is needed.
    static void suspend(Host& host, long long item_id) { Writeback(host).post_suspend(item_id); }
    static void resume(Host& host, long long item_id) { Writeback(host).post_resume(item_id); }

private:
    // The item with its tariff's cached template: the view every step of one command asks.
    ServiceView read_service(long long item_id);
    std::optional<TariffTemplate> cached_template(const Item& item) const;
    ChargeGuard guard(const ServiceView& service, const char* marker, ChargeGuard::Scope scope);
    // The upstream certificate of this service's order sent since `since`, if listed.
    std::optional<std::string> find_earlier_order(const ServiceView& service, std::time_t since);
    std::string adopt_or_order(const ServiceView& service);
    std::string place_order(const ServiceView& service, ChargeGuard& guard);
    // The third source of evidence, after the tariff's settings and the import cache: the
    // upstream's export of that one tariff. Asked only when the order needs a capability
    // nobody describes; an answer that does not come leaves the decision to the upstream.
    void check_with_upstream_tariff(const ServiceView& service);
    void use_upstream_made_key(const ServiceView& service, OrderRequest& request);
    void finish_open(const ServiceView& service, const std::string& upstream_id);
    // missing_means_deleted: a certificate.edit answering missed proves the certificate gone
    // (false when the incomplete list it was missing from cannot confirm it).
    void sync_service(const ServiceView& service, const std::string& upstream_id,
                      bool missing_means_deleted = true);
    // Whether the sync of this service must read its certificate with certificate.edit,
    // given the snapshot (null: always).
    bool needs_certificate_read(const ServiceView& service, const ListSnapshot* snapshot,
                                const std::string& upstream_id, long pending_recheck_s) const;
    // Issued and saved here already: the upstream's file is not fetched again.
    static bool issued_here(const Item& item);
    std::optional<IssuedFile> probe_issued_file(const ServiceView& service,
                                                const std::string& upstream_id);
    // file: the certificate file already fetched, or null to fetch it when needed.
    void record_issued(const ServiceView& service, const UpstreamCertificate& cert,
                       const std::string& upstream_id, const IssuedFile* file = nullptr);
    void save_certificate(const ServiceView& service, const IssuedFile& file,
                          const std::string& upstream_id);
    void set_status_once(const Item& item, int service_status);
    void post_reopen(long long item_id);
    std::string require_upstream_id(const Item& item, const std::string& action);
    // What the upstream shows before a reissue: certificate.edit and, when that form carries
    // no certificate, the fingerprint of the issued file.
    UpstreamSnapshot reissue_snapshot(const std::string& upstream_id);
    std::string file_fingerprint(const std::string& upstream_id);
    std::string renew(const ServiceView& service, const std::string& upstream_id,
                      ChargeGuard& guard, const UpstreamSnapshot& before);
    // The renewal of this operation reached the upstream: its new expiry, once shown.
    std::string adopted_renewal(const ChargeGuard& guard, const std::string& upstream_id,
                                const std::string& current_expiry);

    Host& host_;
    CertificateApi& api_;
    const TemplateCache& templates_;
    Writeback writeback_;
    std::string operation_;
    TariffCatalog* catalog_;
    ChargeGuard::Settings charging_;
};

}  // namespace pmb
