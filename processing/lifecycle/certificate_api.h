// The lifecycle's port to the upstream billing: what it needs, in its own terms. The real
// implementation (app/upstream_certificate_api.h) turns each call into one or a few API
// functions; tests substitute an in-memory one.
#pragma once

#include <string>
#include <vector>

#include "model/balance.h"
#include "model/certificate.h"
#include "model/upstream_error.h"

namespace pmb {

class CertificateApi {
public:
    virtual ~CertificateApi() = default;
    // One cheap authenticated call; throws UpstreamError when it fails.
    virtual void check_access() = 0;
    // Costs nothing (the order's first wizard step): the upstream makes a key and CSR from
    // the request's subject, tariff and SANs.
    virtual GeneratedKey generate_key(const OrderRequest& request) = 0;
    // Spends money: sent once, never retried by the client.
    virtual OrderResult order(const OrderRequest& request) = 0;
    // The upstream's certificate list, one row at a time (never the whole list in memory),
    // until visit returns false.
    virtual ListRead each_certificate(const CertificateVisitor& visit) = 0;
    virtual UpstreamCertificate get(const std::string& id) = 0;
    virtual IssuedFile download(const std::string& id) = 0;
    virtual void reissue(const std::string& id, const ReissueRequest& request) = 0;
    // false when the upstream says the certificate is already gone.
    virtual bool remove(const std::string& id) = 0;
    // Spends money: sent once. Returns the new expiry date (YYYY-MM-DD), or empty when the
    // answer does not say it.
    virtual std::string prolong(const std::string& id, int period_months) = 0;
    // Domain validation again, through the upstream function the config names (not charging):
    // the approver mail to these addresses, which become the certificate's; the DNS record of
    // one domain checked again.
    virtual void resend_approver_email(const std::string& function, const std::string& id,
                                       const std::vector<std::string>& emails) = 0;
    virtual void recheck_dns(const std::string& function, const std::string& id,
                             const std::string& domain) = 0;
    // The balance of the upstream account, which pays for orders and renewals; throws
    // UpstreamError, kBadResponse when the upstream reports none.
    virtual Balance balance(BalanceRead how) = 0;
};

}  // namespace pmb
