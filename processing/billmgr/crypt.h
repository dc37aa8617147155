// Crypted module params: base64 of RSA-encrypted data (PKCS#1 v1.5) under BILLmanager's key.
#pragma once

#include <string>

namespace pmb {

class ParamDecryptor {
public:
    explicit ParamDecryptor(std::string key_path) : key_path_(std::move(key_path)) {}
    // An empty value is an empty string. Throws pmb::Error(crypt) naming the param; never
    // includes the data in the message.
    std::string decrypt(const std::string& param_name, const std::string& base64_value) const;

private:
    std::string key_path_;
};

}  // namespace pmb
