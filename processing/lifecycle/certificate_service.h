// The certificate lifecycle: each BILLmanager event becomes the right upstream calls and the
// right write-back. Knows the Host and CertificateApi interfaces only — neither libcurl nor
// MariaDB — so it runs the same against fakes and the real thing.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "billmgr/host.h"
#include "billmgr/template_cache.h"
#include "billmgr/writeback.h"
#include "lifecycle/certificate_api.h"
#include "lifecycle/tariff_catalog.h"

namespace pmb {

class CertificateService {
public:
    // templates: the tariff capabilities cached by the last tariff import. operation: the
    // running operation of this run (empty: none), which the attempt markers are keyed to.
    // catalog: where an order whose tariff nothing describes learns what the tariff allows
    // (null: such an order is sent and the upstream decides).
    CertificateService(Host& host, CertificateApi& api, const TemplateCache& templates,
                       std::string operation = {}, TariffCatalog* catalog = nullptr)
        : host_(host),
          api_(api),
          templates_(templates),
          writeback_(host),
          operation_(std::move(operation)),
          catalog_(catalog) {}

    // Idempotent: an order whose reply was lost is found upstream and adopted, never repeated.
    void open(long long item_id);
    void sync(long long item_id);
    // Never sent twice by one operation: a retry whose reissue already reached the upstream
    // (see reissue_reached) only writes the result back.
    void reissue(long long item_id);
    // Never charged twice: a retry of the same operation first checks whether the upstream
    // expiry already moved past the one its attempt started from.
    void prolong(long long item_id);
    void close(long long item_id);
    // Local only: a certificate cannot be suspended at the CA, so no upstream is needed.
    static void suspend(Host& host, long long item_id) { Writeback(host).post_suspend(item_id); }
    static void resume(Host& host, long long item_id) { Writeback(host).post_resume(item_id); }

private:
    // The item with its tariff's cached template, which order checks ask for capabilities.
    Item read_item(long long item_id);
    // The upstream certificate of this item's order sent on attempt (date first), if listed.
    std::optional<std::string> find_earlier_order(const Item& item, const std::string& attempt);
    std::optional<TariffTemplate> cached_template(const Item& item) const;
    std::string place_order(const Item& item);
    // The third source of evidence, after the tariff's settings and the import cache: the
    // upstream's export of that one tariff. Asked only when the order needs a capability
    // nobody describes; an answer that does not come leaves the decision to the upstream.
    void check_with_upstream_tariff(const Item& item);
    void use_upstream_made_key(const Item& item, OrderRequest& request);
    void finish_open(const Item& item, const std::string& upstream_id);
    void sync_item(const Item& item, const std::string& upstream_id);
    // Issued and saved here already: the upstream's file is not fetched again.
    static bool issued_here(const Item& item);
    std::optional<IssuedFile> probe_issued_file(const Item& item, const std::string& upstream_id);
    // file: the certificate file already fetched, or null to fetch it when needed.
    void record_issued(const Item& item, const UpstreamCertificate& cert,
                       const std::string& upstream_id, const IssuedFile* file = nullptr);
    void save_certificate(const Item& item, const IssuedFile& file, const std::string& upstream_id);
    void set_status_once(const Item& item, int service_status);
    void post_reopen(long long item_id);
    std::string require_upstream_id(const Item& item, const std::string& action);
    std::string renew(const Item& item, const std::string& upstream_id,
                      const std::optional<std::string>& started_from,
                      const std::string& current_expiry);
    bool reissue_reached(const Item& item, const std::string& upstream_id);
    void send_reissue(const Item& item, const std::string& upstream_id,
                      const ReissueRequest& request);
    // The value of the marker `name` saved by this same operation; nullopt when there is
    // none, or when another operation left it (it then never suppresses anything).
    std::optional<std::string> own_attempt(const Item& item, const char* name) const;
    void save_attempt(const Item& item, const char* name, const std::string& value);
    // Whether this same running operation already finished the step the marker guards.
    bool attempt_done(const Item& item, const char* name) const;
    // After the last write-back: "<operation>;done", or dropped for a manual run.
    void finish_attempt(const Item& item, const char* name);

    Host& host_;
    CertificateApi& api_;
    const TemplateCache& templates_;
    Writeback writeback_;
    std::string operation_;
    TariffCatalog* catalog_;
};

}  // namespace pmb
