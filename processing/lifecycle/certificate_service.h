// The certificate lifecycle: each BILLmanager event becomes the right upstream calls and the
// right write-back. Knows the Host and CertificateApi interfaces only — neither libcurl nor
// MariaDB — so it runs the same against fakes and the real thing.
#pragma once

#include <optional>
#include <string>

#include "billmgr/host.h"
#include "billmgr/template_cache.h"
#include "billmgr/writeback.h"
#include "lifecycle/certificate_api.h"

namespace pmb {

class CertificateService {
public:
    // templates: the tariff capabilities cached by the last tariff import.
    CertificateService(Host& host, upstream::CertificateApi& api, const TemplateCache& templates)
        : host_(host), api_(api), templates_(templates), writeback_(host) {}

    // Idempotent: an order whose reply was lost is found upstream and adopted, never repeated.
    void open(long long item_id);
    void sync(long long item_id);
    void reissue(long long item_id);
    // Never charged twice: a retry first checks whether the upstream expiry already moved.
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
    std::string place_order(const Item& item);
    void use_upstream_made_key(const Item& item, upstream::OrderRequest& request);
    void finish_open(const Item& item, const std::string& upstream_id);
    void sync_item(const Item& item, const std::string& upstream_id);
    std::optional<upstream::IssuedFile> probe_issued_file(const Item& item,
                                                          const std::string& upstream_id);
    // file: the certificate file already fetched, or null to fetch it when needed.
    void record_issued(const Item& item, const upstream::UpstreamCertificate& cert,
                       const std::string& upstream_id, const upstream::IssuedFile* file = nullptr);
    void save_certificate(const Item& item, const upstream::IssuedFile& file,
                          const std::string& upstream_id);
    void set_status_once(const Item& item, int service_status);
    std::string require_upstream_id(const Item& item, const std::string& action);

    Host& host_;
    upstream::CertificateApi& api_;
    const TemplateCache& templates_;
    Writeback writeback_;
};

}  // namespace pmb
