// The names of the item params the module itself writes on a service (service.saveparam): the
// one list of them. The order form's own params are named in the descriptor,
// xml/billmgr_mod_pmbillmgrssl.xml.
#pragma once

#include <string>

namespace pmb {

namespace param {
inline constexpr const char* kUpstreamId = "upstream_id";
// The charge guard's markers (lifecycle/charge_guard.h): a call that may have charged.
inline constexpr const char* kOrderAttempt = "order_attempt";
inline constexpr const char* kProlongAttempt = "prolong_attempt";
inline constexpr const char* kReissueAttempt = "reissue_attempt";
inline constexpr const char* kCsrSha256 = "csr_sha256";
inline constexpr const char* kPrivateKey = "private_key";
inline constexpr const char* kServiceStatus = "service_status";
inline constexpr const char* kCertificateOpened = "certificate_opened";
// The altname the last reissue was sent with: a different altname needs a reissue.
inline constexpr const char* kOldAltname = "old_altname";
// What sync last saw of its certificate in the list, and when it last read it with
// certificate.edit (lifecycle/list_snapshot.h: "<row fingerprint> <unix time>").
inline constexpr const char* kListSeen = "list_seen";

// What the client must publish to validate the domains, copied from the upstream on every
// sync while the certificate awaits validation (ISPsystem's names; lifecycle/validation_data.h).
inline constexpr const char* kAuthDnstxtValue = "auth_dnstxt_value";
inline constexpr const char* kDomainsList = "domains_list";
inline constexpr const char* kAuthFileName = "auth_file_name";
inline constexpr const char* kAuthFileValue = "auth_file_value";
// The upstream's other validation fields already logged for this item: logged once.
inline constexpr const char* kDcvFieldsLogged = "dcv_fields_logged";

// Every param above, in one place: setparam tells them from what the client changed.
inline constexpr const char* kWritten[] = {
    kUpstreamId,      kOrderAttempt,  kProlongAttempt,    kReissueAttempt, kCsrSha256,
    kPrivateKey,      kServiceStatus, kCertificateOpened, kOldAltname,     kListSeen,
    kAuthDnstxtValue, kDomainsList,   kAuthFileName,      kAuthFileValue,  kDcvFieldsLogged,
};

inline bool written_by_module(const std::string& name) {
    for (const char* written : kWritten)
        if (name == written)
            return true;
    return false;
}
}  // namespace param

}  // namespace pmb
