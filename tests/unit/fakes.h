// In-memory fakes for the lifecycle layer: a BILLmanager host that keeps items and records
// every function call, an upstream that keeps certificates and records every request, and
// test CSRs made in-process with OpenSSL. No database, no network.
#pragma once

#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <ctime>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "billmgr/host.h"
#include "core/error.h"
#include "core/text.h"
#include "core/xml.h"
#include "lifecycle/certificate_api.h"

namespace doctest {
template <>
struct StringMaker<std::vector<std::string>> {
    static String convert(const std::vector<std::string>& lines) {
        std::string out = "{";
        for (const auto& line : lines)
            out += "\n    " + line;
        out += lines.empty() ? "}" : "\n}";
        return String(out.c_str());
    }
};
}  // namespace doctest

namespace pmtest {

using Lines = std::vector<std::string>;
using Failure = pmb::UpstreamError::Failure;

// "YYYY-MM-DD" in UTC, the way the lifecycle stamps its attempts.
inline std::string today_utc() {
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
}

// "2025-06-01" + 12 → "2026-06-01" (day kept; good enough for the fake's dates).
inline std::string add_months(const std::string& date, int months) {
    int y = std::stoi(date.substr(0, 4));
    int m = std::stoi(date.substr(5, 2)) - 1 + months;
    y += m / 12;
    m %= 12;
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%s", y, m + 1, date.substr(8, 2).c_str());
    return buf;
}

// ---------------------------------------------------------------------------------------
// FakeHost: items in memory; every call(func, args) recorded and applied to the items.

class FakeHost : public pmb::Host {
public:
    struct Call {
        std::string func;
        std::vector<pmb::MgrctlArg> args;
        std::string arg(const std::string& name) const {
            for (const auto& a : args)
                if (a.name == name)
                    return a.value;
            return {};
        }
        bool has_arg(const std::string& name) const {
            for (const auto& a : args)
                if (a.name == name)
                    return true;
            return false;
        }
    };

    std::map<long long, pmb::Item> items;
    std::vector<Call> calls;

    void add(const pmb::Item& item) { items[item.id] = item; }
    pmb::Item& at(long long id) { return items.at(id); }

    // Throw pmb::Error(mgrctl) on `func`; with `arg` ("name=upstream_id"), only on calls
    // carrying that argument. The failed call is still recorded (it was attempted).
    void fail_on(std::string func, std::string arg = {}) {
        fail_func_ = std::move(func);
        fail_arg_ = std::move(arg);
        fail_panel_type_.clear();
    }
    // Answer `func` as a panel without it (an older BILLmanager): mgrctl's type "missed".
    void unknown_function(std::string func) {
        fail_on(std::move(func));
        fail_panel_type_ = "missed";
    }
    // Refuse `func` when it carries `param`, as a panel refuses a param it does not know:
    // the error names the param, as Mgrctl reports the panel's error object.
    void refuse_param(std::string func, std::string param) {
        refused_func_ = std::move(func);
        refused_param_ = std::move(param);
    }
    void heal() {
        refused_func_.clear();
        fail_func_.clear();
        fail_arg_.clear();
        fail_panel_type_.clear();
    }
    void clear() { calls.clear(); }

    // Each call as "func name=value …"; a secret argument as "name[secret]=value".
    Lines journal() const {
        Lines out;
        for (const auto& c : calls) {
            std::string line = c.func;
            for (const auto& a : c.args)
                line += " " + a.name + (a.secret ? "[secret]" : "") + "=" + a.value;
            out.push_back(line);
        }
        return out;
    }

    pmb::Item item(long long id) override {
        auto it = items.find(id);
        if (it == items.end())
            throw pmb::Error(pmb::errtype::kMissed, "item", std::to_string(id), "no such item");
        return it->second;
    }

    long long item_module(long long id) override { return item(id).processingmodule; }

    pmb::ModuleSettings module(long long id) override {
        pmb::ModuleSettings m;
        m.id = id;
        m.module = "pmbillmgrssl";
        return m;
    }

    std::vector<long long> active_modules(const std::string& module) override {
        return module == "pmbillmgrssl" ? active : std::vector<long long>{};
    }
    std::vector<long long> active;  // what active_modules answers for pmbillmgrssl

    int trycount(long long) override { return 0; }
    bool has_task(long long) override { return false; }

    bool item_exists(long long id) override { return items.count(id) > 0; }

    std::optional<long long> find_item_by_param(long long module, const std::string& name,
                                                const std::string& value) override {
        for (const auto& [id, item] : items)
            if (item.processingmodule == module && item.has_param(name) &&
                item.param(name) == value)
                return id;
        return std::nullopt;
    }

    std::vector<std::pair<long long, std::string>> open_items_with_param(
        long long module, const std::string& name) override {
        std::vector<std::pair<long long, std::string>> out;
        for (const auto& [id, item] : items)
            if (item.processingmodule == module && item.status != 1 && item.status != 4 &&
                !item.param(name).empty())
                out.emplace_back(id, item.param(name));
        return out;
    }

    pmb::XmlDoc call(const std::string& func, const std::vector<pmb::MgrctlArg>& args) override {
        calls.push_back({func, args});
        const Call& c = calls.back();
        if (!refused_func_.empty() && func == refused_func_ && c.has_arg(refused_param_))
            throw pmb::Error(
                pmb::errtype::kMgrctl, func, "value",
                "BILLmanager function " + func + " failed: Invalid value (" + refused_param_ + ")");
        if (!fail_func_.empty() && func == fail_func_ && matches(c, fail_arg_))
            throw pmb::Error(pmb::errtype::kMgrctl, func,
                             fail_panel_type_.empty() ? c.arg("elid") : fail_panel_type_,
                             "fake mgrctl refused " + func);
        apply(c);
        return pmb::XmlDoc("doc");
    }

private:
    static bool matches(const Call& c, const std::string& arg) {
        if (arg.empty())
            return true;
        size_t eq = arg.find('=');
        return c.has_arg(arg.substr(0, eq)) && c.arg(arg.substr(0, eq)) == arg.substr(eq + 1);
    }

    void apply(const Call& c) {
        auto it = items.find(std::stoll(c.arg("elid").empty() ? "0" : c.arg("elid")));
        if (it == items.end())
            return;
        pmb::Item& item = it->second;
        if (c.func == "service.saveparam") {
            if (c.has_arg("value"))
                item.params[c.arg("name")] = c.arg("value");
            else
                item.params.erase(c.arg("name"));
        } else if (c.func == "service.setstatus") {
            item.params["service_status"] = c.arg("service_status");
        } else if (c.func == "service.setexpiredate") {
            item.expiredate = c.arg("expiredate");
        } else if (c.func == "service.postopen" || c.func == "service.postresume") {
            item.status = 2;
        } else if (c.func == "service.postsuspend") {
            item.status = 3;
        } else if (c.func == "service.postclose") {
            item.status = 4;
        } else if (c.func == "service.changepricelist.rollback") {
            item.pricelist = item.lastpricelist;
            item.lastpricelist = 0;
        } else if (c.func == "certificate.save") {
            item.certificate.present = true;
            item.certificate.crt = c.arg("crt");
        }
    }

    std::string refused_func_;
    std::string refused_param_;
    std::string fail_func_;
    std::string fail_arg_;
    std::string fail_panel_type_;
};

// ---------------------------------------------------------------------------------------
// FakeApi: upstream certificates in a map; every request recorded; injectable failures.

// A key pair made in-process: what the upstream's certificate.order.csr answers.
inline pmb::GeneratedKey make_generated_key(const std::string& cn);

class FakeApi : public pmb::CertificateApi {
public:
    struct Fault {
        Failure failure = Failure::kTransport;
        bool after_commit =
            false;  // order/prolong/reissue: the upstream did it, the reply was lost
        long http_status = 0;
        int times = 1;  // -1: every time
    };

    std::map<std::string, pmb::UpstreamCertificate> certs;
    std::map<std::string, pmb::IssuedFile> files;
    std::vector<std::string> calls;         // "order", "get 1001", "prolong 1001 12"…
    std::vector<pmb::OrderRequest> orders;  // every order that reached the upstream
    std::vector<std::pair<std::string, pmb::ReissueRequest>> reissues;
    int prolongs = 0;  // prolongs that reached the upstream

    bool expose_remoteid = true;       // false: the list has no remoteid column
    bool order_returns_id = true;      // false: a committed order answers without an id
    bool prolong_returns_date = true;  // false: prolong answers without the new expiry
    int new_service_status = 4;        // of a freshly ordered certificate
    long next_id = 1001;
    std::vector<pmb::GeneratedKey> generated;  // every pair the upstream made
    bool mismatched_pair = false;              // generate_key answers a key that is not the CSR's
    // A reissue leaves service_status 5 (the old certificate stays valid while the new one is
    // validated); only the status text and the item status change.
    bool reissue_keeps_issued = false;

    void fail(const std::string& method, Fault fault) { faults_[method] = fault; }
    void fail(const std::string& method, Failure failure, bool after_commit = false) {
        Fault f;
        f.failure = failure;
        f.after_commit = after_commit;
        faults_[method] = f;
    }
    void heal() { faults_.clear(); }
    void clear() { calls.clear(); }

    void check_access() override {
        calls.push_back("check_access");
        maybe_fail("check_access", false);
    }

    pmb::GeneratedKey generate_key(const pmb::OrderRequest& request) override {
        calls.push_back("generate_key");
        maybe_fail("generate_key", false);
        pmb::GeneratedKey pair = make_generated_key(request.subject.cn);
        if (mismatched_pair)
            pair.key = make_generated_key(request.subject.cn).key;
        generated.push_back(pair);
        return pair;
    }

    pmb::OrderResult order(const pmb::OrderRequest& request) override {
        calls.push_back("order");
        maybe_fail("order", false);
        pmb::UpstreamCertificate cert;
        cert.id = std::to_string(next_id++);
        cert.cn = request.subject.cn;
        cert.altname = request.altnames;
        cert.pricelist = request.pricelist;
        cert.createdate = today_utc() + " 10:00:00";
        cert.remoteid = request.remoteid;
        cert.period = request.period_months;
        cert.item_status = 2;
        cert.service_status = new_service_status;
        certs[cert.id] = cert;
        orders.push_back(request);
        maybe_fail("order", true);
        pmb::OrderResult result;
        if (order_returns_id)
            result.id = cert.id;
        return result;
    }

    pmb::ListRead each_certificate(const pmb::CertificateVisitor& visit) override {
        calls.push_back("list");
        maybe_fail("list", false);
        pmb::ListRead read;
        read.declared = static_cast<long>(certs.size());
        for (auto [id, cert] : certs) {
            if (!expose_remoteid)
                cert.remoteid.clear();
            ++read.rows;
            if (!visit(cert)) {
                read.stopped = true;
                break;
            }
        }
        return read;
    }

    pmb::UpstreamCertificate get(const std::string& id) override {
        calls.push_back("get " + id);
        maybe_fail("get", false);
        return find(id);
    }

    pmb::IssuedFile download(const std::string& id) override {
        calls.push_back("download " + id);
        maybe_fail("download", false);
        find(id);
        auto file = files.find(id);
        if (file == files.end())
            throw pmb::UpstreamError(Failure::kApi, pmb::errtype::kUpstream, "certificate", id,
                                     "no certificate file yet");
        return file->second;
    }

    void reissue(const std::string& id, const pmb::ReissueRequest& request) override {
        calls.push_back("reissue " + id);
        maybe_fail("reissue", false);
        auto& cert = find(id);
        if (reissue_keeps_issued) {
            cert.status_msg = "Reissue requested";
            cert.item_status = 5;
        } else {
            cert.service_status = 3;
        }
        reissues.emplace_back(id, request);
        maybe_fail("reissue", true);
    }

    bool remove(const std::string& id) override {
        calls.push_back("remove " + id);
        maybe_fail("remove", false);
        auto it = certs.find(id);
        if (it == certs.end() || it->second.item_status == 4)
            return false;
        it->second.item_status = 4;
        return true;
    }

    std::string prolong(const std::string& id, int period_months) override {
        calls.push_back("prolong " + id + " " + std::to_string(period_months));
        maybe_fail("prolong", false);
        auto& cert = find(id);
        cert.expiredate = add_months(cert.expiredate, period_months) + " 00:00:00";
        ++prolongs;
        maybe_fail("prolong", true);
        return prolong_returns_date ? cert.expiredate.substr(0, 10) : std::string();
    }

    // Recorded as "resend_email F 1001 a,b" and "recheck_dns F 1001 example.com".
    void resend_approver_email(const std::string& function, const std::string& id,
                               const std::vector<std::string>& emails) override {
        calls.push_back("resend_email " + function + " " + id + " " + pmb::join(emails, ","));
        maybe_fail("resend_email", false);
    }
    void recheck_dns(const std::string& function, const std::string& id,
                     const std::string& domain) override {
        calls.push_back("recheck_dns " + function + " " + id + " " + domain);
        maybe_fail("recheck_dns", false);
    }

    // What balance() answers; every read recorded as "balance quick|thorough".
    pmb::Balance upstream_balance{"990.00", "EUR", "whoami"};
    pmb::Balance balance(pmb::BalanceRead how) override {
        calls.push_back(how == pmb::BalanceRead::kQuick ? "balance quick" : "balance thorough");
        maybe_fail("balance", false);
        return upstream_balance;
    }

private:
    pmb::UpstreamCertificate& find(const std::string& id) {
        auto it = certs.find(id);
        if (it == certs.end())
            throw pmb::UpstreamError(Failure::kNotFound, pmb::errtype::kUpstream, "certificate", id,
                                     "no such certificate");
        return it->second;
    }

    void maybe_fail(const std::string& method, bool committed) {
        auto it = faults_.find(method);
        if (it == faults_.end() || it->second.after_commit != committed)
            return;
        Fault f = it->second;
        if (f.times > 0 && --it->second.times == 0)
            faults_.erase(it);
        throw pmb::UpstreamError(f.failure, type_of(f.failure), method, "",
                                 "fake upstream fault in " + method, f.http_status);
    }

    static std::string type_of(Failure f) {
        switch (f) {
            case Failure::kAuth:
                return pmb::errtype::kAuth;
            case Failure::kTwoFactor:
                return pmb::errtype::kTwoFactor;
            case Failure::kBalance:
                return pmb::errtype::kBalance;
            case Failure::kTransport:
                return pmb::errtype::kConnection;
            case Failure::kBadResponse:
                return pmb::errtype::kBadResponse;
            default:
                return pmb::errtype::kUpstream;
        }
    }

    std::map<std::string, Fault> faults_;
};

// ---------------------------------------------------------------------------------------
// Test CSRs, generated in-process (EC P-256: fast, and self-signed like any CSR).

struct CsrSpec {
    std::string cn;
    std::vector<std::string> sans;  // "IP:…" kept as is, anything else becomes "DNS:…"
    std::string o, ou, l, st, c, email;
    bool tamper = false;  // swap the public key after signing: the signature no longer verifies
};

namespace detail {
struct PkeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct ReqFree {
    void operator()(X509_REQ* r) const { X509_REQ_free(r); }
};
struct BioFree {
    void operator()(BIO* b) const { BIO_free(b); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

inline Pkey new_key() {
    Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    if (!key)
        throw std::runtime_error("EC key generation failed");
    return key;
}

inline void add_field(X509_NAME* name, int nid, const std::string& value) {
    if (value.empty())
        return;
    X509_NAME_add_entry_by_NID(name, nid, MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0);
}
template <typename Object, typename Writer>
std::string pem_of(Object* object, Writer write) {
    std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
    write(bio.get(), object);
    char* data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<size_t>(len));
}
}  // namespace detail

inline pmb::GeneratedKey make_key_and_csr(const CsrSpec& spec) {
    detail::Pkey key = detail::new_key();
    std::unique_ptr<X509_REQ, detail::ReqFree> req(X509_REQ_new());
    X509_REQ_set_version(req.get(), 0);
    X509_NAME* name = X509_REQ_get_subject_name(req.get());
    detail::add_field(name, NID_countryName, spec.c);
    detail::add_field(name, NID_stateOrProvinceName, spec.st);
    detail::add_field(name, NID_localityName, spec.l);
    detail::add_field(name, NID_organizationName, spec.o);
    detail::add_field(name, NID_organizationalUnitName, spec.ou);
    detail::add_field(name, NID_commonName, spec.cn);
    detail::add_field(name, NID_pkcs9_emailAddress, spec.email);
    X509_REQ_set_pubkey(req.get(), key.get());
    if (!spec.sans.empty()) {
        std::string value;
        for (const auto& san : spec.sans)
            value += (value.empty() ? "" : ",") + (san.rfind("IP:", 0) == 0 ? san : "DNS:" + san);
        X509_EXTENSION* ext =
            X509V3_EXT_nconf_nid(nullptr, nullptr, NID_subject_alt_name, value.c_str());
        if (!ext)
            throw std::runtime_error("bad SAN " + value);
        STACK_OF(X509_EXTENSION)* exts = sk_X509_EXTENSION_new_null();
        sk_X509_EXTENSION_push(exts, ext);
        X509_REQ_add_extensions(req.get(), exts);
        sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    }
    if (X509_REQ_sign(req.get(), key.get(), EVP_sha256()) <= 0)
        throw std::runtime_error("CSR signing failed");
    detail::Pkey other;
    if (spec.tamper) {
        other = detail::new_key();
        X509_REQ_set_pubkey(req.get(), other.get());
    }
    return {detail::pem_of(req.get(), PEM_write_bio_X509_REQ),
            detail::pem_of(key.get(), [](BIO* bio, const EVP_PKEY* k) {
                return PEM_write_bio_PrivateKey(bio, k, nullptr, nullptr, 0, nullptr, nullptr);
            })};
}

inline std::string make_csr(const CsrSpec& spec) {
    return make_key_and_csr(spec).csr;
}

inline pmb::GeneratedKey make_generated_key(const std::string& cn) {
    CsrSpec spec;
    spec.cn = cn;
    return make_key_and_csr(spec);
}

// SHA-256 of the CSR's DER encoding, computed here independently of the product code.
inline std::string csr_der_sha256(const std::string& pem) {
    std::unique_ptr<BIO, detail::BioFree> bio(
        BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    std::unique_ptr<X509_REQ, detail::ReqFree> req(
        PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
    if (!req)
        throw std::runtime_error("not a CSR");
    unsigned char* der = nullptr;
    int len = i2d_X509_REQ(req.get(), &der);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_Digest(der, static_cast<size_t>(len), digest, &size, EVP_sha256(), nullptr);
    OPENSSL_free(der);
    std::string hex;
    for (unsigned i = 0; i < size; ++i) {
        char buf[3];
        std::snprintf(buf, sizeof buf, "%02x", digest[i]);
        hex += buf;
    }
    return hex;
}

inline std::string make_csr(const std::string& cn, const std::vector<std::string>& sans = {}) {
    CsrSpec spec;
    spec.cn = cn;
    spec.sans = sans;
    return make_csr(spec);
}

// ---------------------------------------------------------------------------------------
// A certificate order as BILLmanager hands it over: item 42, tariff "sectigo-positivessl"
// (single domain, no wildcard) mapped to upstream tariff 1042, a year, the admin contact.

inline pmb::Item base_item() {
    pmb::Item item;
    item.id = 42;
    item.itemtype = "certificate";
    item.pricelist = 7;
    item.pricelist_intname = "sectigo-positivessl";
    item.period = 12;
    item.status = 1;
    item.processingmodule = 3;
    item.pricelist_params = {{"upstream_pricelist", "1042"}};
    item.params = {
        {"CN", "www.example.com"},
        {"adm_fname", "Ivan"},
        {"adm_lname", "Petrov"},
        {"adm_jtitle", "CTO"},
        {"adm_email", "ivan@example.com"},
        {"adm_phone", "+7 999 123-45-67"},
        {"country", "182"},
        {"approver_email", "admin@www.example.com"},
    };
    return item;
}

// Catches the pmb::Error a call throws; fails the test when it throws nothing.
template <class F>
std::pair<std::string, std::string> error_of(F&& f) {
    try {
        f();
    } catch (const pmb::Error& e) {
        return {e.type(), e.object()};
    }
    FAIL("expected a pmb::Error");
    return {};
}

}  // namespace pmtest
