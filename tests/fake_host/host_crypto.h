// OpenSSL helpers for the fake host's CryptKey (etc/billmgr.pem).
#pragma once

#include <string>

namespace pmtest {

// An RSA private key, from any PEM form, as BILLmanager keeps its own: "BEGIN RSA PRIVATE KEY".
std::string traditional_rsa_key_pem(const std::string& private_key_pem);
// What BILLmanager stores for a crypted param: base64(RSA PKCS#1 v1.5 encrypt(value)) made
// with the public half of `private_key_pem`.
std::string billmgr_encrypt(const std::string& private_key_pem, const std::string& value);

}  // namespace pmtest
