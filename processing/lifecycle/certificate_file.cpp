#include "lifecycle/certificate_file.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string_view>

#include "core/base64.h"
#include "core/error.h"
#include "core/text.h"
#include "core/zip.h"

namespace pmb {
namespace {

struct X509Free {
    void operator()(X509* x) const { X509_free(x); }
};
struct BioFree {
    void operator()(BIO* b) const { BIO_free(b); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

[[noreturn]] void refuse(const std::string& why) {
    throw Error(errtype::kBadResponse, "crt", "",
                "the upstream's certificate answer is not a usable certificate: " + why);
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

X509Ptr read_x509(const std::string& pem) {
    std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
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

IssuedCertificate parse_issued_certificate(const std::string& text) {
    IssuedCertificate issued;
    bool have_server = false;
    for (const PemBlock& block : pem_blocks(text)) {
        if (is_private_key(block.label)) {
            issued.key_stripped = true;
            continue;
        }
        if (block.label != "CERTIFICATE")
            refuse("a PEM block of an unexpected kind (" + block.label + ")");
        X509Ptr x509 = read_x509(block.text);
        if (!x509)
            refuse("a CERTIFICATE PEM block that is not an X.509 certificate");
        // The server certificate is the first one that is not a CA; the rest is the chain.
        if (!have_server && X509_check_ca(x509.get()) == 0) {
            issued.certificate = block.text;
            issued.names = names_of(x509.get());
            have_server = true;
        } else {
            issued.chain += block.text;
        }
    }
    if (!have_server)
        refuse(issued.chain.empty() ? "no PEM certificate in it"
                                    : "only CA certificates, no server certificate");
    return issued;
}

IssuedCertificate read_issued_file(const IssuedFile& file) {
    if (!file.zip)
        return parse_issued_certificate(file.content);
    std::string archive;
    try {
        archive = base64_decode(file.content);
    } catch (const std::invalid_argument&) {
        refuse("a zip that is not valid base64");
    }
    std::string pems;
    for (const ZipEntry& entry : read_zip(archive))
        if (entry.data.find("-----BEGIN ") != std::string::npos)
            pems += entry.data + "\n";
    return parse_issued_certificate(pems);
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
