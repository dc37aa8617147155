#include "app/charge_watch.h"

namespace pmb {

template <typename Call>
auto ChargeWatch::watched(Call call) -> decltype(call()) {
    try {
        return call();
    } catch (const UpstreamError& error) {
        if (error.failure() == UpstreamError::Failure::kBalance)
            short_of_money_ = true;
        throw;
    }
}

void ChargeWatch::check_access() {
    watched([&] { inner_.check_access(); });
}

GeneratedKey ChargeWatch::generate_key(const OrderRequest& request) {
    return watched([&] { return inner_.generate_key(request); });
}

OrderResult ChargeWatch::order(const OrderRequest& request) {
    OrderResult result = watched([&] { return inner_.order(request); });
    charged_ = true;
    return result;
}

ListRead ChargeWatch::each_certificate(const CertificateVisitor& visit) {
    return watched([&] { return inner_.each_certificate(visit); });
}

UpstreamCertificate ChargeWatch::get(const std::string& id) {
    return watched([&] { return inner_.get(id); });
}

IssuedFile ChargeWatch::download(const std::string& id) {
    return watched([&] { return inner_.download(id); });
}

void ChargeWatch::reissue(const std::string& id, const ReissueRequest& request) {
    watched([&] { inner_.reissue(id, request); });
}

bool ChargeWatch::remove(const std::string& id) {
    return watched([&] { return inner_.remove(id); });
}

std::string ChargeWatch::prolong(const std::string& id, int period_months) {
    std::string new_expiry = watched([&] { return inner_.prolong(id, period_months); });
    charged_ = true;
    return new_expiry;
}

void ChargeWatch::resend_approver_email(const std::string& function, const std::string& id,
                                        const std::vector<std::string>& emails) {
    watched([&] { inner_.resend_approver_email(function, id, emails); });
}

void ChargeWatch::recheck_dns(const std::string& function, const std::string& id,
                              const std::string& domain) {
    watched([&] { inner_.recheck_dns(function, id, domain); });
}

Balance ChargeWatch::balance(BalanceRead how) {
    return inner_.balance(how);
}

}  // namespace pmb
