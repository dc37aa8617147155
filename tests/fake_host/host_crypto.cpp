#include "host_crypto.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <memory>
#include <stdexcept>
#include <vector>

namespace pmtest {
namespace {

using PkeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)>;
using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;

void check(bool ok, const char* what) {
    if (!ok)
        throw std::runtime_error(std::string("OpenSSL: ") + what + " failed");
}

PkeyPtr read_private_key(const std::string& pem) {
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
    check(bio != nullptr, "BIO_new_mem_buf");
    PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
    check(key != nullptr, "PEM_read_bio_PrivateKey");
    return key;
}

std::string base64(const std::vector<unsigned char>& data) {
    std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data.data(),
                            static_cast<int>(data.size()));
    out.resize(static_cast<size_t>(n));
    return out;
}

std::string traditional_pem(EVP_PKEY* key) {
    BioPtr bio(BIO_new(BIO_s_mem()), &BIO_free);
    check(bio != nullptr, "BIO_new");
    check(PEM_write_bio_PrivateKey_traditional(bio.get(), key, nullptr, nullptr, 0, nullptr,
                                               nullptr) == 1,
          "PEM_write_bio_PrivateKey_traditional");
    char* data = nullptr;
    long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<size_t>(size));
}

}  // namespace

std::string traditional_rsa_key_pem(const std::string& private_key_pem) {
    PkeyPtr key = read_private_key(private_key_pem);
    return traditional_pem(key.get());
}

std::string billmgr_encrypt(const std::string& private_key_pem, const std::string& value) {
    PkeyPtr key = read_private_key(private_key_pem);
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new(key.get(), nullptr), &EVP_PKEY_CTX_free);
    check(ctx != nullptr, "EVP_PKEY_CTX_new");
    check(EVP_PKEY_encrypt_init(ctx.get()) == 1, "EVP_PKEY_encrypt_init");
    check(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) == 1, "set_rsa_padding");
    const auto* in = reinterpret_cast<const unsigned char*>(value.data());
    size_t size = 0;
    check(EVP_PKEY_encrypt(ctx.get(), nullptr, &size, in, value.size()) == 1, "EVP_PKEY_encrypt");
    std::vector<unsigned char> encrypted(size);
    check(EVP_PKEY_encrypt(ctx.get(), encrypted.data(), &size, in, value.size()) == 1,
          "EVP_PKEY_encrypt");
    encrypted.resize(size);
    return base64(encrypted);
}

}  // namespace pmtest
