#include "billmgr/crypt.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <cstdio>
#include <memory>
#include <stdexcept>

#include "core/base64.h"
#include "core/error.h"

namespace pmb {
namespace {

struct PkeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CtxFree {
    void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};

std::unique_ptr<EVP_PKEY, PkeyFree> load_key(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "r");
    if (!f)
        throw Error(errtype::kCrypt, "CryptKey", path, "cannot read the BILLmanager key " + path);
    EVP_PKEY* key = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    if (!key)
        throw Error(errtype::kCrypt, "CryptKey", path,
                    "the BILLmanager key " + path + " is not a PEM private key");
    return std::unique_ptr<EVP_PKEY, PkeyFree>(key);
}

}  // namespace

std::string ParamDecryptor::decrypt(const std::string& param_name,
                                    const std::string& base64_value) const {
    // BILLmanager stores an empty crypted param as an empty string (ISPsystem's own decrypt:
    // `if (value.empty()) return value;`); it is not a cipher and needs no key.
    if (base64_value.empty())
        return base64_value;
    auto key = load_key(key_path_);
    std::string cipher;
    try {
        cipher = base64_decode(base64_value);
    } catch (const std::invalid_argument&) {
        throw Error(errtype::kCrypt, param_name, "",
                    "the crypted parameter " + param_name + " is not valid base64");
    }
    std::unique_ptr<EVP_PKEY_CTX, CtxFree> ctx(EVP_PKEY_CTX_new(key.get(), nullptr));
    size_t out_len = 0;
    const auto* in = reinterpret_cast<const unsigned char*>(cipher.data());
    bool ok = ctx && EVP_PKEY_decrypt_init(ctx.get()) > 0 &&
              EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) > 0 &&
              EVP_PKEY_decrypt(ctx.get(), nullptr, &out_len, in, cipher.size()) > 0;
    std::string plain(out_len, '\0');
    ok = ok && EVP_PKEY_decrypt(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &out_len,
                                in, cipher.size()) > 0;
    if (!ok)
        throw Error(errtype::kCrypt, param_name, "",
                    "cannot decrypt the crypted parameter " + param_name + " with " + key_path_ +
                        " (wrong key or corrupt data)");
    plain.resize(out_len);
    return plain;
}

}  // namespace pmb
