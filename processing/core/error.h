// The one error type of the module. It renders itself as BILLmanager's error XML.
#pragma once

#include <stdexcept>
#include <string>

namespace pmb {

// Error types the module emits. The platform's own types (unsupported, missed, value,
// invalid_login_or_passwd) keep BILLmanager's texts: the descriptor's msgerror table is merged
// into the panel's one table, so the module never redefines them. The module's own types carry
// the prefix pmbillmgrssl_ and each has a msg_error_<type> in the descriptor.
namespace errtype {
inline constexpr const char* kUnsupported = "unsupported";
inline constexpr const char* kMissed = "missed";
inline constexpr const char* kValue = "value";
inline constexpr const char* kAuth = "invalid_login_or_passwd";
inline constexpr const char* kTwoFactor = "pmbillmgrssl_twofactor";
inline constexpr const char* kConnection = "pmbillmgrssl_connection";
inline constexpr const char* kUpstream = "pmbillmgrssl_upstream";
inline constexpr const char* kBadResponse = "pmbillmgrssl_bad_response";
inline constexpr const char* kConfig = "pmbillmgrssl_config";
inline constexpr const char* kDb = "pmbillmgrssl_db";
inline constexpr const char* kMgrctl = "pmbillmgrssl_mgrctl";
inline constexpr const char* kCrypt = "pmbillmgrssl_crypt";
inline constexpr const char* kState = "pmbillmgrssl_state";
// Module-own rather than the platform's "internal": its text points at the module's log.
inline constexpr const char* kInternal = "pmbillmgrssl_internal";
inline constexpr const char* kBalance = "pmbillmgrssl_balance";
// A charging call whose answer was lost after it may have reached the upstream.
inline constexpr const char* kUnknownOutcome = "pmbillmgrssl_unknown_outcome";
// Another run holds the service; retry later.
inline constexpr const char* kBusy = "pmbillmgrssl_busy";
}  // namespace errtype

class Error : public std::runtime_error {
public:
    Error(std::string type, std::string object, std::string value, const std::string& message);

    const std::string& type() const { return type_; }
    const std::string& object() const { return object_; }
    const std::string& value() const { return value_; }
    std::string message() const { return what(); }
    // Whether repeating the same call later may succeed (network trouble, 5xx, busy upstream).
    virtual bool retryable() const { return false; }

    // <doc><error type object value><param name="object" …/><param
    // name="value">…</param><msg/></error></doc>
    std::string to_xml() const;

    // The same error with value and message each cut to at most limit bytes (on a UTF-8
    // character boundary), followed by "… shortened, N bytes in all".
    Error shortened(size_t limit) const;

private:
    std::string type_;
    std::string object_;
    std::string value_;
};

}  // namespace pmb
