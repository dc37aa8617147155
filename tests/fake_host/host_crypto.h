// OpenSSL helpers for the fake host's CryptKey (etc/billmgr.pem).
#pragma once

#include <string>

namespace pmtest {

// A fresh RSA 2048 private key, PEM ("BEGIN RSA PRIVATE KEY", like BILLmanager's own).
std::string generate_rsa_key_pem();
// What BILLmanager stores for a crypted param: base64(RSA PKCS#1 v1.5 encrypt(value)) made
// with the public half of `private_key_pem`.
std::string billmgr_encrypt(const std::string& private_key_pem, const std::string& value);

}  // namespace pmtest
