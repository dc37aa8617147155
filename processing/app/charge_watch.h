// A CertificateApi that passes every call on and notes whether the step it serves touched
// the upstream balance: an order or a renewal that went through, or a refusal for lack of
// money from any call. SslModule then refreshes the dashboard balance, so that it does not
// wait up to twelve hours for BILLmanager's next processing.checkbalance.
//
// A reissue does not count: the CAs behind the usual upstreams reissue within the paid
// period for free. An upstream that does charge for it is refreshed by the next
// processing.checkbalance, or at once when it refuses a reissue for lack of money.
#pragma once

#include <string>
#include <vector>

#include "lifecycle/certificate_api.h"

namespace pmb {

class ChargeWatch : public CertificateApi {
public:
    explicit ChargeWatch(CertificateApi& inner) : inner_(inner) {}

    // Whether a paid call went through or the upstream refused one for lack of money.
    bool balance_touched() const { return charged_ || short_of_money_; }

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
    Balance balance(BalanceRead how) override;

private:
    // Runs one call of the inner api, noting a refusal for lack of money.
    template <typename Call>
    auto watched(Call call) -> decltype(call());

    CertificateApi& inner_;
    bool charged_ = false;
    bool short_of_money_ = false;
};

}  // namespace pmb
