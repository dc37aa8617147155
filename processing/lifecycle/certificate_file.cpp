#include "lifecycle/certificate_file.h"

#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <stdexcept>
#include <string_view>

#include "core/base64.h"
#include "core/error.h"
#include "core/text.h"
#include "core/zip.h"
#include "lifecycle/csr.h"

namespace pmb {
namespace {

struct X509Free {
    void operator()(X509* x) const { X509_free(x); }
};
struct BioFree {
    void operator()(BIO* b) const { BIO_free(b); }
};
struct Pkcs7Free {
    void operator()(PKCS7* p) const { PKCS7_free(p); }
};
struct KeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using BioPtr = std::unique_ptr<BIO, BioFree>;
using Pkcs7Ptr = std::unique_ptr<PKCS7, Pkcs7Free>;

// Layers of wrapping one file may have: base64 of a zip holding base64 of a PKCS#7, ...
constexpr int kMaxDepth = 4;
constexpr size_t kNamedInMessages = 5;

[[noreturn]] void refuse(const std::string& why) {
    throw Error(errtype::kBadResponse, "crt", "",
                "the upstream's certificate answer is not a usable certificate: " + why);
}

BioPtr memory_bio(const std::string& data) {
    return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

// What the files held, in the order met.
struct Found {
    std::vector<X509Ptr> certificates;  // each once
    std::vector<std::string> ders;      // their DER encodings, to drop repeats
    bool key_stripped = false;
    std::vector<std::string> unread;  // files that hold nothing this reader knows
};

std::string der_of(X509* x) {
    unsigned char* der = nullptr;
    int len = i2d_X509(x, &der);
    std::string out = len > 0 ? std::string(reinterpret_cast<char*>(der), len) : std::string();
    OPENSSL_free(der);
    return out;
}

void add_certificate(Found& found, X509Ptr x) {
    std::string der = der_of(x.get());
    if (std::find(found.ders.begin(), found.ders.end(), der) != found.ders.end())
        return;
    found.ders.push_back(std::move(der));
    found.certificates.push_back(std::move(x));
}

// The certificates of a signed PKCS#7 (a .p7b is a signature-less "certs only" one).
void add_pkcs7(Found& found, PKCS7* p7) {
    STACK_OF(X509)* certs = nullptr;
    if (PKCS7_type_is_signed(p7) && p7->d.sign)
        certs = p7->d.sign->cert;
    else if (PKCS7_type_is_signedAndEnveloped(p7) && p7->d.signed_and_enveloped)
        certs = p7->d.signed_and_enveloped->cert;
    for (int i = 0; certs && i < sk_X509_num(certs); ++i) {
        X509* x = sk_X509_value(certs, i);
        X509_up_ref(x);
        add_certificate(found, X509Ptr(x));
    }
}

struct PemBlock {
    std::string label;  // CERTIFICATE, PRIVATE KEY, ...
    std::string text;   // the whole block, BEGIN to END line
};

std::vector<PemBlock> pem_blocks(const std::string& text) {
    static const std::string kBegin = "-----BEGIN ";
    std::vector<PemBlock> blocks;
    size_t pos = 0;
    while ((pos = text.find(kBegin, pos)) != std::string::npos) {
        size_t label_end = text.find("-----", pos + kBegin.size());
        if (label_end == std::string::npos)
            refuse("a PEM block without its header end");
        std::string label = text.substr(pos + kBegin.size(), label_end - pos - kBegin.size());
        std::string end_line = "-----END " + label + "-----";
        size_t end = text.find(end_line, label_end);
        if (end == std::string::npos)
            refuse("a " + label + " PEM block without its END line");
        end += end_line.size();
        blocks.push_back({label, text.substr(pos, end - pos) + "\n"});
        pos = end;
    }
    return blocks;
}

bool is_private_key(const std::string& label) {
    return label.size() >= 11 && label.compare(label.size() - 11, 11, "PRIVATE KEY") == 0;
}

void read_pem_block(const PemBlock& block, Found& found) {
    const std::string& label = block.label;
    if (is_private_key(label)) {
        found.key_stripped = true;
    } else if (label == "CERTIFICATE" || label == "X509 CERTIFICATE") {
        X509Ptr x(PEM_read_bio_X509(memory_bio(block.text).get(), nullptr, nullptr, nullptr));
        if (!x)
            refuse("a CERTIFICATE PEM block that is not an X.509 certificate");
        add_certificate(found, std::move(x));
    } else if (label == "PKCS7" || label == "PKCS #7 SIGNED DATA") {
        Pkcs7Ptr p7(PEM_read_bio_PKCS7(memory_bio(block.text).get(), nullptr, nullptr, nullptr));
        if (!p7)
            refuse("a PKCS7 PEM block that is not a PKCS#7 structure");
        add_pkcs7(found, p7.get());
    } else if (label != "CERTIFICATE REQUEST" && label != "NEW CERTIFICATE REQUEST") {
        // (a list of the certificate's files may show its CSR too: not a certificate, no harm)
        refuse("a PEM block of an unexpected kind (" + label + ")");
    }
}

// d2i reads one object from the front; only an object filling the whole file counts.
template <class T, class Read, class Free>
T* whole_der(const std::string& bytes, Read read, Free free) {
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    const unsigned char* end = p + bytes.size();
    T* object = read(nullptr, &p, static_cast<long>(bytes.size()));
    if (object && p != end) {
        free(object);
        object = nullptr;
    }
    return object;
}

// A DER PKCS#7, certificate or private key; false when the bytes are none of these.
bool read_der(const std::string& bytes, Found& found) {
    if (Pkcs7Ptr p7{whole_der<PKCS7>(bytes, d2i_PKCS7, PKCS7_free)}) {
        add_pkcs7(found, p7.get());
        return true;
    }
    if (X509Ptr x{whole_der<X509>(bytes, d2i_X509, X509_free)}) {
        add_certificate(found, std::move(x));
        return true;
    }
    if (std::unique_ptr<EVP_PKEY, KeyFree> key{
            whole_der<EVP_PKEY>(bytes, d2i_AutoPrivateKey, EVP_PKEY_free)}) {
        found.key_stripped = true;
        return true;
    }
    return false;
}

bool is_base64_text(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '+' || c == '/' || c == '=' || std::isspace(c);
    });
}

std::string_view trimmed(const std::string& content) {
    std::string_view text(content);
    if (text.substr(0, 3) == "\xEF\xBB\xBF")  // a UTF-8 byte order mark
        text.remove_prefix(3);
    return trim(text);
}

bool named_as_key(const std::string& name) {
    std::string lower = lowercase(name);
    return lower.size() >= 4 && lower.compare(lower.size() - 4, 4, ".key") == 0;
}

void read_content(const std::string& name, const std::string& content, Found& found, int depth);

void read_base64(const std::string& name, std::string_view text, Found& found, int depth) {
    std::string compact;
    for (char c : text)
        if (!std::isspace(static_cast<unsigned char>(c)))
            compact += c;
    try {
        read_content(name, base64_decode(compact), found, depth + 1);
    } catch (const std::invalid_argument&) {
        found.unread.push_back(name);
    }
}

void read_content(const std::string& name, const std::string& content, Found& found, int depth) {
    std::string_view text = trimmed(content);
    if (text.empty())
        return;
    if (named_as_key(name)) {  // never parsed: whatever is in it stays out
        found.key_stripped = true;
        return;
    }
    if (depth > kMaxDepth) {
        found.unread.push_back(name);
    } else if (looks_like_zip(content)) {
        for (const ZipEntry& entry : read_zip(content))
            read_content(entry.name, entry.data, found, depth + 1);
    } else if (text.find("-----BEGIN ") != std::string_view::npos) {
        for (const PemBlock& block : pem_blocks(content))
            read_pem_block(block, found);
    } else if (!read_der(content, found)) {
        if (is_base64_text(text))
            read_base64(name, text, found, depth);
        else
            found.unread.push_back(name);
    }
}

std::string pem_of(X509* x) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_X509(bio.get(), x);
    char* data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<size_t>(len));
}

std::string spki_of(X509* x) {
    unsigned char* der = nullptr;
    int len = i2d_PUBKEY(X509_get0_pubkey(x), &der);
    std::string out = len > 0 ? std::string(reinterpret_cast<char*>(der), len) : std::string();
    OPENSSL_free(der);
    return out;
}

std::string unread_list(const std::vector<std::string>& unread) {
    std::string list;
    for (size_t i = 0; i < unread.size() && i < kNamedInMessages; ++i) {
        std::string name = unread[i].empty() ? "the answer itself" : unread[i].substr(0, 64);
        list += (list.empty() ? "" : ", ") + name;
    }
    if (unread.size() > kNamedInMessages)
        list += " and " + std::to_string(unread.size() - kNamedInMessages) + " more";
    return list;
}

[[noreturn]] void refuse_empty(const Found& found) {
    if (!found.unread.empty())
        refuse("no certificate in it (not readable as one: " + unread_list(found.unread) + ")");
    refuse(found.key_stripped ? "only a private key, no certificate" : "no certificate in it");
}

size_t leaf_index(const Found& found, const std::string& leaf_key) {
    const auto& certs = found.certificates;
    for (size_t i = 0; i < certs.size(); ++i) {
        if (leaf_key.empty() ? X509_check_ca(certs[i].get()) == 0
                             : spki_of(certs[i].get()) == leaf_key)
            return i;
    }
    if (!leaf_key.empty())
        refuse("none of its " + std::to_string(certs.size()) +
               " certificates carries this service's public key (its CSR's, or the key the "
               "upstream made)");
    refuse("only CA certificates, no server certificate");
}

// The leaf's issuer, then that one's, while the files hold it and it is not self-issued.
std::vector<size_t> chain_from(const Found& found, size_t leaf) {
    const auto& certs = found.certificates;
    std::vector<bool> used(certs.size(), false);
    used[leaf] = true;
    std::vector<size_t> chain;
    for (size_t current = leaf;
         X509_check_issued(certs[current].get(), certs[current].get()) != X509_V_OK;) {
        size_t issuer = 0;
        while (issuer < certs.size() &&
               (used[issuer] ||
                X509_check_issued(certs[issuer].get(), certs[current].get()) != X509_V_OK))
            ++issuer;
        if (issuer == certs.size())
            break;
        used[issuer] = true;
        chain.push_back(issuer);
        current = issuer;
    }
    return chain;
}

std::string common_name(X509* x) {
    X509_NAME* name = X509_get_subject_name(x);
    int pos = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    if (pos < 0)
        return {};
    unsigned char* utf8 = nullptr;
    int len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, pos)));
    if (len < 0)
        return {};
    std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
    OPENSSL_free(utf8);
    return out;
}

std::vector<std::string> names_of(X509* x) {
    std::vector<std::string> names;
    std::string cn = common_name(x);
    if (!cn.empty())
        names.push_back(lowercase(cn));
    auto* sans =
        static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x, NID_subject_alt_name, nullptr, nullptr));
    for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans); ++i) {
        const GENERAL_NAME* gn = sk_GENERAL_NAME_value(sans, i);
        if (gn->type != GEN_DNS)
            continue;
        const ASN1_IA5STRING* dns = gn->d.dNSName;
        names.push_back(
            lowercase(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                                  static_cast<size_t>(ASN1_STRING_length(dns)))));
    }
    GENERAL_NAMES_free(sans);
    return names;
}

bool name_covers(const std::string& name, const std::string& domain) {
    if (name == domain)
        return true;
    if (name.rfind("*.", 0) != 0)
        return false;
    size_t dot = domain.find('.');
    return dot != std::string::npos && dot > 0 && domain.substr(dot) == name.substr(1);
}

}  // namespace

bool IssuedCertificate::covers(const std::string& domain) const {
    std::string wanted = lowercase(domain);
    for (const std::string& name : names)
        if (name_covers(name, wanted))
            return true;
    return false;
}

std::string IssuedCertificate::name_list() const {
    std::string list;
    for (const std::string& name : names)
        list += (list.empty() ? "" : ", ") + name;
    return list.empty() ? "no name" : list;
}

std::string leaf_public_key(const std::string& csr_pem, const std::string& private_key_pem) {
    try {
        if (!csr_pem.empty())
            return parse_csr(csr_pem).public_key;
    } catch (const Error&) {
        // an unreadable CSR cannot say which certificate is ours: the key may
    }
    try {
        if (!private_key_pem.empty())
            return public_key_of(private_key_pem);
    } catch (const Error&) {
        // nor can an unreadable key: the first server certificate is taken
    }
    return {};
}

IssuedCertificate read_issued_file(const IssuedFile& file, const std::string& leaf_key) {
    Found found;
    for (const DeliveredFile& delivered : file.files)
        read_content(delivered.name, delivered.content, found, 0);
    if (found.certificates.empty())
        refuse_empty(found);
    const size_t leaf = leaf_index(found, leaf_key);
    IssuedCertificate issued;
    issued.certificate = pem_of(found.certificates[leaf].get());
    issued.names = names_of(found.certificates[leaf].get());
    const std::vector<size_t> chain = chain_from(found, leaf);
    for (size_t index : chain)
        issued.chain += pem_of(found.certificates[index].get());
    issued.key_stripped = found.key_stripped;
    issued.left_out = static_cast<int>(found.certificates.size() - 1 - chain.size());
    return issued;
}

std::string bundle_with_key(const IssuedCertificate& issued, const std::string& cn,
                            const std::string& private_key) {
    std::string base = cn.rfind("*.", 0) == 0 ? "star" + cn.substr(1) : cn;
    std::vector<ZipEntry> files = {{base + ".crt", issued.certificate}};
    if (!issued.chain.empty())
        files.push_back({base + ".ca-bundle", issued.chain});
    files.push_back({base + ".key", private_key});
    return make_zip(files);
}

}  // namespace pmb
