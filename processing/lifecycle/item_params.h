// The names of the item params the module itself writes on a service (service.saveparam);
// the order form's own params are named in the descriptor, xml/billmgr_mod_pmbillmgrssl.xml.
#pragma once

namespace pmb {

namespace param {
inline constexpr const char* kUpstreamId = "upstream_id";
inline constexpr const char* kOrderAttempt = "order_attempt";
// "<running operation>;<expiry the renewal started from>" (lifecycle/certificate_service.cpp)
inline constexpr const char* kProlongAttempt = "prolong_attempt";
// "<running operation>;<crt_type>[;<csr sha256>]": a reissue that may have reached the upstream
inline constexpr const char* kReissueAttempt = "reissue_attempt";
inline constexpr const char* kCsrSha256 = "csr_sha256";
inline constexpr const char* kPrivateKey = "private_key";
inline constexpr const char* kServiceStatus = "service_status";
inline constexpr const char* kCertificateOpened = "certificate_opened";
}  // namespace param

}  // namespace pmb
