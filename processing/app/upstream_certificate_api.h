// CertificateApi over the real upstream: a thin adapter that picks the request
// (upstream/functions.h), the retry policy, and the parser (upstream/response.h) for each
// operation. It lives in app/, with the wiring, because it knows both sides: the lifecycle's
// port it implements and the upstream client it calls; upstream/ stays free of lifecycle/.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "lifecycle/certificate_api.h"
#include "upstream/client.h"

namespace pmb {

class UpstreamCertificateApi : public CertificateApi {
public:
    explicit UpstreamCertificateApi(upstream::Connection connection)
        : connection_(connection), client_(std::move(connection)) {}

    void check_access() override;
    GeneratedKey generate_key(const OrderRequest& request) override;
    OrderResult order(const OrderRequest& request) override;
    ListRead each_certificate(const CertificateVisitor& visit) override;
    UpstreamCertificate get(const std::string& id) override;
    IssuedFile download(const std::string& id) override;
    void reissue(const std::string& id, const ReissueRequest& request) override;
    bool remove(const std::string& id) override;
    std::string prolong(const std::string& id, int period_months) override;
    void resend_approver_email(const std::string& function, const std::string& id,
                               const std::vector<std::string>& emails) override;
    void recheck_dns(const std::string& function, const std::string& id,
                     const std::string& domain) override;
    // whoami, else subaccount, else (kThorough only) notify; kQuick never retries.
    Balance balance(BalanceRead how) override;

    // HTTP requests made so far (reported by the benchmark).
    int round_trips() const {
        return client_.round_trips() + (list_client_ ? list_client_->round_trips() : 0);
    }

private:
    upstream::Connection connection_;
    upstream::ApiClient client_;
    // The list streams on a connection of its own: a visitor may call the upstream (import
    // reads each new certificate's form) while the list's transfer is still open.
    std::unique_ptr<upstream::ApiClient> list_client_;
};

}  // namespace pmb
