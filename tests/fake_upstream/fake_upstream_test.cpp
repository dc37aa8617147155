// Tests of the fake upstream itself, over real TLS, through the client library.
#include <curl/curl.h>
#include <doctest/doctest.h>
#include <httplib.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>

#include "core/base64.h"
#include "core/zip.h"
#include "crypto.h"
#include "fake_upstream_client.h"

namespace {

using pmtest::FakeUpstream;
using pmtest::FakeUpstreamOptions;
using Params = std::vector<std::pair<std::string, std::string>>;

// One CA directory for the whole suite: RSA key generation is the slow part of a start.
const std::string& shared_tls_dir() {
    static const struct Dir {
        std::string path = pmtest::make_temp_dir("fake_upstream_test.");
        ~Dir() { pmtest::remove_tree(path); }
    } dir;
    return dir.path;
}

FakeUpstreamOptions tls_options() {
    FakeUpstreamOptions options;
    options.tls_dir = shared_tls_dir();
    return options;
}

struct XmlDocFree {
    void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
using XmlDocPtr = std::unique_ptr<xmlDoc, XmlDocFree>;

XmlDocPtr parse(const std::string& body) {
    return XmlDocPtr(
        xmlReadMemory(body.data(), static_cast<int>(body.size()), "answer.xml", nullptr,
                      XML_PARSE_NONET | XML_PARSE_HUGE | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
}

// The string value of an XPath expression over the answer ("" when it does not match).
std::string xpath(const std::string& body, const std::string& expression) {
    XmlDocPtr doc = parse(body);
    REQUIRE_MESSAGE(doc, "not XML: " << body.substr(0, 300));
    xmlXPathContextPtr context = xmlXPathNewContext(doc.get());
    std::string wrapped = "string(" + expression + ")";
    xmlXPathObjectPtr result =
        xmlXPathEvalExpression(reinterpret_cast<const xmlChar*>(wrapped.c_str()), context);
    std::string value =
        result && result->stringval ? reinterpret_cast<const char*>(result->stringval) : "";
    xmlXPathFreeObject(result);
    xmlXPathFreeContext(context);
    return value;
}

Params order_params(const std::string& cn, const std::string& remoteid,
                    const std::string& altname = "") {
    return {{"func", "certificate.order.param"},
            {"sok", "ok"},
            {"skipbasket", "on"},
            {"clicked_button", "finish"},
            {"pricelist", "115"},
            {"period", "12"},
            {"crt_type", "manual"},
            {"csr", fake_upstream::generate_csr(cn).csr_pem},
            {"altname", altname},
            {"remoteid", remoteid},
            {"adm_email", "admin@" + cn},
            {"approver_method", "auth_email"},
            {"approver_email_1", "admin@" + cn}};
}

class Api {
public:
    explicit Api(FakeUpstream& fake, std::string path = "/billmgr")
        : fake_(fake), path_(std::move(path)) {}

    httplib::Client client(int read_timeout_ms = 10000) const {
        httplib::Client client(fake_.base_url());
        if (fake_.tls()) {
            client.set_ca_cert_path(fake_.ca_file().c_str());
            client.enable_server_certificate_verification(true);
        }
        client.set_read_timeout(std::chrono::milliseconds(read_timeout_ms));
        return client;
    }

    httplib::Result post(Params params, bool with_auth = true, int read_timeout_ms = 10000) const {
        params.insert(params.begin(), {"out", "xml"});
        if (with_auth)
            params.insert(params.begin(), {"authinfo", fake_.user() + ":" + fake_.password()});
        return client(read_timeout_ms)
            .Post(path_.c_str(), pmtest::form_encode(params), "application/x-www-form-urlencoded");
    }

    // POSTs and returns the XML body; the HTTP exchange itself must succeed with 200.
    std::string call(const Params& params, bool with_auth = true) const {
        auto result = post(params, with_auth);
        REQUIRE_MESSAGE(result, httplib::to_string(result.error()));
        REQUIRE(result->status == 200);
        CHECK(result->get_header_value("Content-Type") == "text/xml; charset=UTF-8");
        return result->body;
    }

    std::string order_manual(const std::string& cn, const std::string& remoteid,
                             const std::string& altname = "") const {
        return call(order_params(cn, remoteid, altname));
    }

    std::string issued_certificate(const std::string& cn) const {
        std::string id = xpath(order_manual(cn, "77"), "/doc/id");
        fake_.advance(id, "issued");
        return id;
    }

private:
    FakeUpstream& fake_;
    std::string path_;
};

std::string error_type(const std::string& body) {
    return xpath(body, "/doc/error/@type");
}
std::string error_object(const std::string& body) {
    return xpath(body, "/doc/error/@object");
}

struct X509Free {
    void operator()(X509* cert) const { X509_free(cert); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

X509Ptr first_certificate(const std::string& pem) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    X509Ptr cert(PEM_read_bio_X509(bio, nullptr, nullptr, nullptr));
    BIO_free(bio);
    return cert;
}

bool verifies_against_ca(X509* leaf, const std::string& ca_pem) {
    X509Ptr ca = first_certificate(ca_pem);
    X509_STORE* store = X509_STORE_new();
    X509_STORE_add_cert(store, ca.get());
    X509_STORE_CTX* context = X509_STORE_CTX_new();
    X509_STORE_CTX_init(context, store, leaf, nullptr);
    bool ok = X509_verify_cert(context) == 1;
    X509_STORE_CTX_free(context);
    X509_STORE_free(store);
    return ok;
}

// Unpacked by the module's reader (libzip), which checks every CRC.
std::map<std::string, std::string> unzip(const std::string& zip) {
    std::map<std::string, std::string> files;
    for (pmb::ZipEntry& entry : pmb::read_zip(zip))
        files[entry.name] = std::move(entry.data);
    return files;
}

}  // namespace

TEST_CASE("authinfo, sessions, bad passwords and two-factor") {
    FakeUpstream fake(tls_options());
    Api api(fake);
    CHECK(error_type(api.call({{"func", "certificate"}})).empty());

    std::string bad =
        api.call({{"func", "certificate"}, {"authinfo", "reseller@example.com:nope"}});
    CHECK(error_type(bad) == "auth");
    CHECK(error_object(bad) == "badpassword");
    CHECK(xpath(bad, "/doc/error/msg") == "Invalid username or password");
    CHECK(error_type(api.call({{"func", "certificate"}}, false)) == "auth");

    std::string session =
        xpath(api.call({{"func", "auth"}, {"username", fake.user()}, {"password", fake.password()}},
                       false),
              "/doc/auth/@id");
    CHECK(!session.empty());
    CHECK(error_type(api.call({{"func", "certificate"}, {"auth", session}}, false)).empty());

    fake.set_two_factor(true);
    CHECK(error_object(api.call({{"func", "certificate"}})) == "totp");
}

TEST_CASE("a password with a colon and special characters splits on the first colon") {
    FakeUpstreamOptions options = tls_options();
    options.user = "user@example.com";
    options.password = "p:a&ss=w+rd%";
    FakeUpstream fake(options);
    CHECK(error_type(Api(fake).call({{"func", "certificate"}})).empty());
}

TEST_CASE("manual order, issue, download: the PEM chain verifies against ca.pem") {
    FakeUpstream fake(tls_options());
    Api api(fake);
    std::string answer = api.order_manual("example.com", "42", "www.example.com");
    REQUIRE(xpath(answer, "count(/doc/ok)") == "1");
    CHECK(xpath(answer, "/doc/id") == "5001");
    CHECK(fake.balance() == "990.00");

    std::string list = api.call({{"func", "certificate"}});
    CHECK(xpath(list, "/doc/elem[id='5001']/CN") == "example.com");
    CHECK(xpath(list, "/doc/elem[id='5001']/remoteid") == "42");
    CHECK(xpath(list, "/doc/elem[id='5001']/item_status") == "5");
    CHECK(error_object(api.call({{"func", "certificate.file"}, {"elid", "5001"}})) == "status");

    std::string expiredate = fake.advance("5001", "issued");
    CHECK(expiredate ==
          xpath(api.call({{"func", "certificate.edit"}, {"elid", "5001"}}), "/doc/expiredate"));
    std::string chain =
        xpath(api.call({{"func", "certificate.file"}, {"elid", "5001"}}), "/doc/crt");
    X509Ptr leaf = first_certificate(chain);
    REQUIRE(leaf);
    CHECK(verifies_against_ca(leaf.get(), pmtest::read_file(fake.ca_file())));
    CHECK(X509_check_host(leaf.get(), "www.example.com", 0, 0, nullptr) == 1);
    CHECK(chain.find(pmtest::read_file(fake.ca_file())) != std::string::npos);
    CHECK(fake.state().at(0).service_status == "5");
}

TEST_CASE("the key step makes a pair for free; the generate order takes it back") {
    FakeUpstream fake(tls_options());
    Api api(fake);
    Params key_step = {{"func", "certificate.order.csr"},
                       {"sok", "ok"},
                       {"snext", "ok"},
                       {"crt_type", "generate"},
                       {"pricelist", "116"},
                       {"period", "24"},
                       {"CN", "*.example.org"}};
    std::string pair = api.call(key_step);
    const std::string csr = xpath(pair, "/doc/model/csr");
    const std::string key = xpath(pair, "/doc/model/key");
    CHECK(csr.find("BEGIN CERTIFICATE REQUEST") != std::string::npos);
    CHECK(key.find("PRIVATE KEY") != std::string::npos);
    CHECK(fake_upstream::key_matches_csr(key, csr));
    CHECK(fake.balance() == "1000.00");
    CHECK(fake.state().empty());

    Params order = {{"func", "certificate.order.param"},
                    {"sok", "ok"},
                    {"skipbasket", "on"},
                    {"pricelist", "116"},
                    {"period", "24"},
                    {"crt_type", "generate"},
                    {"CN", "*.example.org"},
                    {"csr", csr},
                    {"key", key},
                    {"adm_email", "a@example.org"},
                    {"approver_method", "auth_dnstxt"}};
    auto with = [](const Params& params, const std::string& name, const std::string& value) {
        Params changed = params;
        for (auto& param : changed) {
            if (param.first == name)
                param.second = value;
        }
        return changed;
    };
    const std::string other_key = fake_upstream::generate_csr("*.example.org").key_pem;
    CHECK(error_object(api.call(with(order, "key", other_key))) == "key");
    CHECK(error_object(api.call(with(order, "key", ""))) == "key");
    CHECK(error_object(api.call(with(order, "CN", "example.org"))) == "CN");
    CHECK(error_object(api.call(with(order, "csr", ""))) == "csr");
    CHECK(error_object(api.call(with(order, "pricelist", "999"))) == "pricelist");
    CHECK(error_object(api.call(with(order, "period", "36"))) == "period");
    CHECK(error_object(api.call(with(order, "skipbasket", "off"))) == "skipbasket");
    // names the plan does not cover: a wildcard on a single-domain plan, a SAN on a plan
    // without multidomain
    CHECK(error_object(api.call(with(order, "pricelist", "115"))) == "CN");
    Params with_san = order;
    with_san.emplace_back("altname", "shop.example.org");
    CHECK(error_object(api.call(with_san)) == "altname");
    CHECK(error_object(api.call(with(key_step, "pricelist", "999"))) == "pricelist");
    CHECK(error_object(api.call(with(key_step, "crt_type", "manual"))) == "crt_type");
    CHECK(fake.state().empty());

    CHECK(xpath(api.call(order), "/doc/id") == "5001");
    CHECK(fake.balance() == "825.00");
    REQUIRE(fake.state().size() == 1);
    CHECK(fake.state().at(0).CN == "*.example.org");
}

TEST_CASE("insufficient balance is refused and nothing is created") {
    FakeUpstream fake(tls_options());
    fake.set_balance("5.00");
    std::string answer = Api(fake).order_manual("example.com", "1");
    CHECK(error_type(answer) == "balance");
    CHECK(xpath(answer, "/doc/error/msg") == "Insufficient funds on the account balance");
    CHECK(fake.state().empty());
    CHECK(fake.balance() == "5.00");
}

TEST_CASE("reissue and prolong") {
    FakeUpstream fake(tls_options());
    Api api(fake);
    std::string id = api.issued_certificate("example.com");
    std::string expiredate = fake.state().at(0).expiredate;

    Params reissue = {{"func", "certificate.reissue.step2"},
                      {"elid", id},
                      {"sok", "ok"},
                      {"crt_type", "altname"},
                      {"altname", "www.example.com"},
                      {"approver_method", "auth_email"},
                      {"approver_email_1", "admin@example.com"}};
    CHECK(xpath(api.call(reissue), "count(/doc/ok)") == "1");
    auto cert = fake.state().at(0);
    CHECK(cert.service_status == "4");
    CHECK(cert.reissue_count == "1");
    CHECK(cert.altname == "www.example.com");
    CHECK(error_object(api.call(reissue)) == "status");

    fake.advance(id, "issued");
    Params other_cn = {{"func", "certificate.reissue.step2"},
                       {"elid", id},
                       {"sok", "ok"},
                       {"crt_type", "manual"},
                       {"csr", fake_upstream::generate_csr("other.com").csr_pem},
                       {"approver_method", "auth_email"}};
    CHECK(error_object(api.call(other_cn)) == "csr");

    std::string prolonged =
        api.call({{"func", "service.prolong"}, {"elid", id}, {"period", "12"}, {"sok", "ok"}});
    std::string newexpiredate = xpath(prolonged, "/doc/doc/newexpiredate");
    CHECK(newexpiredate.substr(0, 4) == std::to_string(std::stoi(expiredate.substr(0, 4)) + 1));
    CHECK(newexpiredate.substr(4) == expiredate.substr(4));
    CHECK(fake.balance() == "980.00");
}

TEST_CASE("delete twice: the second is missed; deleted certificates stay listed") {
    FakeUpstream fake(tls_options());
    Api api(fake);
    std::string id = xpath(api.order_manual("example.com", "9"), "/doc/id");
    Params remove = {{"func", "certificate.delete"}, {"elid", id}, {"sok", "ok"}};
    CHECK(xpath(api.call(remove), "count(/doc/ok)") == "1");
    std::string again = api.call(remove);
    CHECK(error_type(again) == "missed");
    CHECK(error_object(again) == "elid");
    CHECK(xpath(again, "/doc/error/@value") == id);
    CHECK(xpath(api.call({{"func", "certificate"}}), "/doc/elem/item_status") == "4");
}

TEST_CASE("zip mode: base64 zip holding CN.crt and CN.ca.crt") {
    FakeUpstream fake(tls_options());
    Api api(fake);
    std::string id = api.issued_certificate("example.com");
    fake.set_zip(id);
    std::string answer = api.call({{"func", "certificate.file"}, {"elid", id}});
    CHECK(xpath(answer, "/doc/crt_type") == "zip");
    auto files = unzip(pmb::base64_decode(xpath(answer, "/doc/crt")));
    REQUIRE(files.count("example.com.crt") == 1);
    CHECK(files["example.com.ca.crt"] == pmtest::read_file(fake.ca_file()));
    CHECK(verifies_against_ca(first_certificate(files["example.com.crt"]).get(),
                              files["example.com.ca.crt"]));
}

TEST_CASE("unknown func, unknown path, --paths and --list-without-remoteid") {
    FakeUpstreamOptions options = tls_options();
    options.paths = {"/manager/billmgr"};
    options.list_without_remoteid = true;
    FakeUpstream fake(options);
    auto missing = Api(fake, "/billmgr").post({{"func", "certificate"}});
    REQUIRE(missing);
    CHECK(missing->status == 404);
    CHECK(missing->body.find("<html>") != std::string::npos);

    Api api(fake, "/manager/billmgr");
    std::string unknown = api.call({{"func", "nosuch.func"}});
    CHECK(error_type(unknown) == "missed");
    CHECK(error_object(unknown) == "func");
    CHECK(xpath(unknown, "/doc/error/msg") == "Function 'nosuch.func' not found");

    api.order_manual("example.com", "5");
    std::string list = api.call({{"func", "certificate"}});
    CHECK(xpath(list, "/doc/elem/CN") == "example.com");
    CHECK(xpath(list, "count(/doc/elem/remoteid)") == "0");
}

TEST_CASE("requests are recorded in order with their source; values are escaped") {
    FakeUpstream fake(tls_options());
    auto client = Api(fake).client();
    std::string remoteid = "<&\"'> Кириллица";
    std::string body = pmtest::form_encode(
        {{"authinfo", fake.user() + ":" + fake.password()}, {"remoteid", remoteid}});
    auto result =
        client.Post("/billmgr?func=certificate&out=xml", body, "application/x-www-form-urlencoded");
    REQUIRE(result);
    auto requests = fake.requests();
    REQUIRE(requests.size() == 1);
    const auto& request = requests[0];
    CHECK(request.method == "POST");
    CHECK(request.query == "func=certificate&out=xml");
    CHECK(request.func == "certificate");
    CHECK(request.content_type == "application/x-www-form-urlencoded");
    REQUIRE(request.params.size() == 4);
    CHECK(request.params[0].first == "func");
    CHECK(request.source("func") == "query");
    CHECK(request.source("authinfo") == "body");
    CHECK(request.param("remoteid") == remoteid);
    CHECK(fake.count("certificate") == 1);
    fake.clear_requests();
    CHECK(fake.requests().empty());
    CHECK(fake.count("certificate") == 0);
}

TEST_CASE("pricelist.export works without auth and streams a large export") {
    FakeUpstreamOptions options = tls_options();
    options.large_export = 2000;
    FakeUpstream fake(options);
    Api api(fake);
    std::string body = api.call(
        {{"func", "pricelist.export"}, {"itemtype", "certificate"}, {"onlyavailable", "on"}},
        false);
    CHECK(body.size() > 4 * 1024 * 1024);
    CHECK(xpath(body, "count(/doc/pricelist)") == "2006");
    CHECK(
        xpath(body, "/doc/pricelist[id='115']/price[@currency='EUR']/period[@length='12']/@cost") ==
        "10.00");
    CHECK(xpath(body, "/doc/pricelist[id='116']/wildcard") == "on");
}

TEST_CASE("plain HTTP mode still issues certificates from ca.pem") {
    FakeUpstreamOptions options;
    options.tls = false;
    FakeUpstream fake(options);
    CHECK(fake.base_url().rfind("http://", 0) == 0);
    Api api(fake);
    std::string id = api.issued_certificate("plain.example.com");
    std::string chain = xpath(api.call({{"func", "certificate.file"}, {"elid", id}}), "/doc/crt");
    CHECK(verifies_against_ca(first_certificate(chain).get(), pmtest::read_file(fake.ca_file())));
}

TEST_CASE("faults that answer something broken") {
    FakeUpstream fake(tls_options());
    Api api(fake);
    Params list = {{"func", "certificate"}};

    fake.fault("certificate", "http500");
    CHECK(api.post(list)->status == 500);
    fake.fault("certificate", "http502");
    CHECK(api.post(list)->status == 502);
    fake.fault("certificate", "html");
    auto html = api.post(list);
    CHECK(html->status == 200);
    CHECK(html->get_header_value("Content-Type").rfind("text/html", 0) == 0);
    fake.fault("certificate", "empty");
    CHECK(api.post(list)->body.empty());
    fake.fault("certificate", "error_xml", {1, -1, "access", "certificate", "Access denied"});
    std::string error = api.post(list)->body;
    CHECK(error_type(error) == "access");
    CHECK(xpath(error, "/doc/error/msg") == "Access denied");
    CHECK(error_type(api.post(list)->body).empty());  // count=1 is used up

    fake.fault("certificate.order.param", "truncated");
    auto truncated = api.post({{"func", "certificate.order.param"}, {"sok", "ok"}});
    REQUIRE(truncated);
    CHECK(truncated->get_header_value("Content-Length") == std::to_string(truncated->body.size()));
    CHECK(truncated->body.rfind("<?xml", 0) == 0);
    CHECK_FALSE(parse(truncated->body));

    fake.fault("certificate", "delay", {2, 300});
    auto start = std::chrono::steady_clock::now();
    CHECK(error_type(api.call(list)).empty());
    CHECK(error_type(api.call(list)).empty());
    CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(600));

    fake.fault("*", "http502", {0});
    CHECK(api.post(list)->status == 502);
    CHECK(api.post({{"func", "auth"}})->status == 502);
    fake.clear_faults();
    CHECK(api.post(list)->status == 200);
}

TEST_CASE("truncated answers do not commit; drop/hang after commit do") {
    FakeUpstream fake(tls_options());
    Api api(fake);
    fake.fault("certificate.order.param", "truncated");
    api.order_manual("a.example.com", "1");
    CHECK(fake.state().empty());

    fake.fault("certificate.order.param", "drop_after_commit");
    auto dropped = api.post({{"func", "certificate.order.param"},
                             {"sok", "ok"},
                             {"skipbasket", "on"},
                             {"pricelist", "115"},
                             {"period", "12"},
                             {"crt_type", "manual"},
                             {"csr", fake_upstream::generate_csr("b.example.com").csr_pem},
                             {"remoteid", "2"},
                             {"adm_email", "a@b.example.com"},
                             {"approver_method", "auth_email"},
                             {"approver_email_1", "admin@b.example.com"}});
    CHECK_FALSE(dropped);
    CHECK(fake.count("certificate.order.param") == 2);
    REQUIRE(fake.state().size() == 1);
    CHECK(fake.state().at(0).remoteid == "2");
    CHECK(fake.balance() == "990.00");

    fake.fault("certificate.delete", "hang_after_commit", {1, 300});
    auto hung = api.post({{"func", "certificate.delete"}, {"elid", "5001"}, {"sok", "ok"}});
    CHECK_FALSE(hung);
    CHECK(fake.state().at(0).item_status == "4");
}

TEST_CASE("hang: the client times out, the fake keeps answering other calls") {
    FakeUpstream fake(tls_options());
    Api api(fake);
    fake.fault("certificate", "hang");
    std::thread hanging([&api] {
        auto start = std::chrono::steady_clock::now();
        auto result = api.post({{"func", "certificate"}}, true, 1500);
        CHECK_FALSE(result);
        CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(1400));
    });
    CHECK(pmtest::wait_until([&fake] { return fake.count("certificate") == 1; }));
    CHECK(error_type(api.call({{"func", "certificate.edit"}, {"elid", "1"}})) == "missed");
    hanging.join();

    fake.fault("certificate", "hang", {1, 200});
    auto result = api.post({{"func", "certificate"}});
    REQUIRE_FALSE(result);
    CHECK(result.error() == httplib::Error::Read);
}

namespace {

size_t append_to_string(char* data, size_t size, size_t count, void* out) {
    static_cast<std::string*>(out)->append(data, size * count);
    return size * count;
}

// Plain libcurl on one easy handle, as a client without any protection would use it.
class CurlSession {
public:
    explicit CurlSession(FakeUpstream& fake) : fake_(fake), handle_(curl_easy_init()) {
        REQUIRE(handle_);
    }
    ~CurlSession() { curl_easy_cleanup(handle_); }
    CurlSession(const CurlSession&) = delete;
    CurlSession& operator=(const CurlSession&) = delete;

    // fresh: a new connection, closed afterwards (CURLOPT_FRESH_CONNECT + CURLOPT_FORBID_REUSE).
    CURLcode post(Params params, bool fresh = false, long timeout_ms = 10000) {
        params.insert(params.begin(), {"out", "xml"});
        params.insert(params.begin(), {"authinfo", fake_.user() + ":" + fake_.password()});
        form_ = pmtest::form_encode(params);
        url_ = fake_.base_url() + "/billmgr";
        ca_ = fake_.ca_file();
        body_.clear();
        curl_easy_setopt(handle_, CURLOPT_URL, url_.c_str());
        curl_easy_setopt(handle_, CURLOPT_CAINFO, ca_.c_str());
        curl_easy_setopt(handle_, CURLOPT_POSTFIELDS, form_.c_str());
        curl_easy_setopt(handle_, CURLOPT_POSTFIELDSIZE, static_cast<long>(form_.size()));
        curl_easy_setopt(handle_, CURLOPT_WRITEFUNCTION, append_to_string);
        curl_easy_setopt(handle_, CURLOPT_WRITEDATA, &body_);
        curl_easy_setopt(handle_, CURLOPT_FRESH_CONNECT, fresh ? 1L : 0L);
        curl_easy_setopt(handle_, CURLOPT_FORBID_REUSE, fresh ? 1L : 0L);
        curl_easy_setopt(handle_, CURLOPT_TIMEOUT_MS, timeout_ms);
        return curl_easy_perform(handle_);
    }
    const std::string& body() const { return body_; }
    std::string content_type() const {
        char* type = nullptr;
        curl_easy_getinfo(handle_, CURLINFO_CONTENT_TYPE, &type);
        return type ? type : "";
    }

private:
    FakeUpstream& fake_;
    CURL* handle_;
    std::string form_, url_, ca_, body_;
};

std::vector<pmtest::Request> requests_of(FakeUpstream& fake, const std::string& func) {
    std::vector<pmtest::Request> matching;
    for (const auto& request : fake.requests()) {
        if (request.func == func)
            matching.push_back(request);
    }
    return matching;
}

}  // namespace

TEST_CASE("drop_silently_after_commit: plain libcurl re-sends the POST on a reused connection") {
    FakeUpstream fake(tls_options());
    CurlSession curl(fake);
    REQUIRE(curl.post({{"func", "certificate"}}) == CURLE_OK);
    fake.fault("certificate.order.param", "drop_silently_after_commit");
    CHECK(curl.post(order_params("a.example.com", "1")) == CURLE_OK);
    CHECK(xpath(curl.body(), "/doc/id") == "5002");  // the answer to the silent re-send

    auto orders = requests_of(fake, "certificate.order.param");
    REQUIRE(orders.size() == 2);
    CHECK(orders[0].client_port == requests_of(fake, "certificate").at(0).client_port);
    CHECK(orders[1].client_port != orders[0].client_port);
    CHECK(fake.count_committing("certificate.order.param") == 2);
    CHECK(fake.state().size() == 2);
    CHECK(fake.balance() == "980.00");
}

TEST_CASE("drop_silently_after_commit: a fresh, unreused connection is charged once") {
    FakeUpstream fake(tls_options());
    CurlSession curl(fake);
    REQUIRE(curl.post({{"func", "certificate"}}) == CURLE_OK);
    fake.fault("service.prolong", "drop_silently_after_commit", {0});  // persists
    fake.fault("certificate.order.param", "drop_silently_after_commit");
    CHECK(curl.post(order_params("a.example.com", "1"), true) == CURLE_GOT_NOTHING);
    CHECK(curl.body().empty());
    CHECK(fake.count_requests("certificate.order.param") == 1);
    CHECK(fake.state().size() == 1);  // committed although nothing was answered

    fake.advance("5001", "issued");
    std::string expiredate = fake.state().at(0).expiredate;
    Params prolong = {
        {"func", "service.prolong"}, {"elid", "5001"}, {"period", "12"}, {"sok", "ok"}};
    CHECK(curl.post(prolong, true) == CURLE_GOT_NOTHING);
    CHECK(curl.post(prolong, true) == CURLE_GOT_NOTHING);
    CHECK(fake.count_committing("service.prolong") == 2);
    CHECK(fake.state().at(0).expiredate != expiredate);
    CHECK(fake.balance() == "970.00");
}

TEST_CASE("partial and trickle; skip picks the Nth request; commit=1 applies first") {
    FakeUpstream fake(tls_options());
    CurlSession curl(fake);
    Params list = {{"func", "certificate"}};

    fake.fault("certificate.order.param", "partial");
    CHECK(curl.post(order_params("a.example.com", "1")) == CURLE_PARTIAL_FILE);
    CHECK(curl.body().rfind("<?xml", 0) == 0);
    CHECK(fake.state().empty());
    pmtest::FaultOptions committed;
    committed.commit = true;
    fake.fault("certificate.order.param", "partial", committed);
    CHECK(curl.post(order_params("b.example.com", "2")) == CURLE_PARTIAL_FILE);
    CHECK(fake.state().size() == 1);

    fake.fault("certificate", "trickle", {1, 100});
    auto start = std::chrono::steady_clock::now();
    CHECK(curl.post(list, false, 1000) == CURLE_OPERATION_TIMEDOUT);
    CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(950));
    CHECK(!curl.body().empty());
    CHECK(curl.body().size() < 20);  // about one byte per 100 ms
    CHECK(curl.post(list) == CURLE_OK);
    CHECK(xpath(curl.body(), "/doc/elem/remoteid") == "2");

    pmtest::FaultOptions second;
    second.skip = 1;
    fake.fault("certificate.edit", "http500", second);
    Params edit = {{"func", "certificate.edit"}, {"elid", "5001"}};
    CHECK(curl.post(edit) == CURLE_OK);
    CHECK(xpath(curl.body(), "/doc/id") == "5001");
    CHECK(curl.post(edit) == CURLE_OK);
    CHECK(curl.body().find("500 Internal Server Error") != std::string::npos);
    CHECK(curl.post(edit) == CURLE_OK);
    CHECK(xpath(curl.body(), "/doc/id") == "5001");
}

TEST_CASE("every fault kind is per function and leaves the other functions alone") {
    FakeUpstream fake(tls_options());
    Api api(fake);
    Params list = {{"func", "certificate"}};
    Params edit = {{"func", "certificate.edit"}, {"elid", "1"}};
    fake.fault("certificate.edit", "error_xml", {1, -1, "access", "elid", "Access denied"});
    CHECK(error_type(api.call(list)).empty());
    std::string error = api.call(edit);
    CHECK(error_type(error) == "access");
    CHECK(error_object(error) == "elid");
    CHECK(xpath(error, "/doc/error/msg") == "Access denied");
    CHECK(error_object(api.call(edit)) == "elid");  // the model's own answer again: missed elid
    CHECK(error_type(api.call(edit)) == "missed");
    for (std::string kind : {"http500", "html", "empty", "truncated", "partial"}) {
        CAPTURE(kind);
        fake.fault("certificate.edit", kind);
        CHECK(error_type(api.call(list)).empty());
        auto broken = api.post(edit);
        XmlDocPtr doc = broken ? parse(broken->body) : nullptr;
        bool answer_doc = doc && xmlStrcmp(xmlDocGetRootElement(doc.get())->name,
                                           reinterpret_cast<const xmlChar*>("doc")) == 0;
        CHECK_FALSE((broken && broken->status == 200 && answer_doc));
        CHECK(error_type(api.call(edit)) == "missed");
    }
}

TEST_CASE("shape edit_without_service_status: status_msg and item_status only") {
    FakeUpstream fake(tls_options());
    Api api(fake);
    std::string id = api.issued_certificate("example.com");
    fake.set_shape("edit_without_service_status");
    Params edit = {{"func", "certificate.edit"}, {"elid", id}};
    std::string answer = api.call(edit);
    CHECK(xpath(answer, "count(/doc/service_status)") == "0");
    CHECK(xpath(answer, "/doc/status_msg") == "Issued");
    CHECK(xpath(answer, "/doc/item_status") == "2");
    CHECK(xpath(api.call({{"func", "certificate"}}), "count(/doc/elem/service_status)") == "0");

    fake.set_shape("edit_without_service_status", true, {{"lang", "ru"}});
    CHECK(xpath(api.call(edit), "/doc/status_msg") == "Выпущен");
    fake.advance(id, "pending");
    CHECK(xpath(api.call(edit), "/doc/status_msg") == "Ожидает проверки домена");
    fake.set_shape("edit_without_service_status", true, {{"lang", "de"}});
    CHECK(xpath(api.call(edit), "/doc/status_msg") == "Domainprüfung läuft");
    fake.set_shape("edit_without_service_status", false);
    CHECK(xpath(api.call(edit), "/doc/service_status") == "4");
    CHECK(xpath(api.call(edit), "/doc/status_msg") == "Awaiting domain control validation");
}

TEST_CASE("shapes file_as_zip and file_as_pem: the file itself, not XML") {
    FakeUpstream fake(tls_options());
    Api api(fake);
    std::string id = api.issued_certificate("example.com");
    Params file = {{"func", "certificate.file"}, {"elid", id}};
    const std::string ca = pmtest::read_file(fake.ca_file());

    fake.set_shape("file_as_zip");
    auto zip = api.post(file);
    REQUIRE(zip);
    CHECK(zip->get_header_value("Content-Type") == "application/zip");
    CHECK(zip->body.rfind("PK", 0) == 0);
    auto files = unzip(zip->body);
    CHECK(files["example.com.ca.crt"] == ca);
    CHECK(verifies_against_ca(first_certificate(files["example.com.crt"]).get(), ca));

    fake.set_shape("file_as_pem");
    auto pem = api.post(file);
    REQUIRE(pem);
    CHECK(pem->get_header_value("Content-Type") == "text/plain");
    CHECK(pem->body.rfind("-----BEGIN CERTIFICATE-----", 0) == 0);
    CHECK(verifies_against_ca(first_certificate(pem->body).get(), ca));
    CHECK(pem->body.find(ca) != std::string::npos);

    fake.set_shape("file_as_pem", true, {{"content_type", "application/x-pem-file"}});
    CHECK(api.post(file)->get_header_value("Content-Type") == "application/x-pem-file");
    fake.set_shape("file_as_pem", false);
    CHECK(first_certificate(xpath(api.call(file), "/doc/crt")));
}

// The certificates (as PEM) of a DER or PEM PKCS#7.
std::vector<std::string> pkcs7_certificates(const std::string& p7b) {
    BIO* bio = BIO_new_mem_buf(p7b.data(), static_cast<int>(p7b.size()));
    PKCS7* p7 = p7b.rfind("-----BEGIN PKCS7-----", 0) == 0
                    ? PEM_read_bio_PKCS7(bio, nullptr, nullptr, nullptr)
                    : d2i_PKCS7_bio(bio, nullptr);
    BIO_free(bio);
    std::vector<std::string> pems;
    REQUIRE(p7);
    REQUIRE(PKCS7_type_is_signed(p7));
    STACK_OF(X509)* certs = p7->d.sign->cert;
    for (int i = 0; i < sk_X509_num(certs); ++i)
        pems.push_back(fake_upstream::cert_to_pem(sk_X509_value(certs, i)));
    PKCS7_free(p7);
    return pems;
}

TEST_CASE("shape file_as_list: one row per file, each read with certificate.file.edit") {
    FakeUpstream fake(tls_options());
    Api api(fake);
    std::string id = api.issued_certificate("example.com");
    const std::string ca = pmtest::read_file(fake.ca_file());
    auto row = [&](const std::string& elid) {
        return api.call({{"func", "certificate.file.edit"}, {"plid", id}, {"elid", elid}});
    };

    fake.set_shape("file_as_list");
    std::string list = api.call({{"func", "certificate.file"}, {"elid", id}});
    CHECK(xpath(list, "count(/doc/elem)") == "3");
    CHECK(xpath(list, "/doc/elem[1]/id") == "1");
    CHECK(xpath(list, "/doc/elem[1]/name") == "example_com.p7b");
    CHECK(xpath(list, "/doc/elem[2]/name") == "example.com.crt");
    CHECK(xpath(list, "/doc/elem[3]/name") == "example.com.ca.crt");
    auto p7b = pkcs7_certificates(pmb::base64_decode(xpath(row("1"), "/doc/content")));
    REQUIRE(p7b.size() == 2);
    CHECK(p7b[1] == ca);
    std::string leaf = xpath(row("2"), "/doc/content");
    CHECK(p7b[0] == leaf);
    CHECK(verifies_against_ca(first_certificate(leaf).get(), ca));
    CHECK(xpath(row("3"), "/doc/content") == ca);
    CHECK(xpath(row("3"), "/doc/name") == "example.com.ca.crt");
    CHECK(error_type(row("4")) == "missed");
    CHECK(error_type(api.call({{"func", "certificate.file.edit"}, {"plid", "1"}, {"elid", "1"}})) ==
          "missed");

    fake.set_shape("file_as_list", true, {{"id_field", "name"}, {"p7b", "pem"}});
    list = api.call({{"func", "certificate.file"}, {"elid", id}});
    CHECK(xpath(list, "count(/doc/elem/id)") == "0");
    CHECK(pkcs7_certificates(xpath(row("example_com.p7b"), "/doc/content")) == p7b);
    fake.set_shape("file_as_list", true, {{"id_field", "elid"}});
    CHECK(xpath(api.call({{"func", "certificate.file"}, {"elid", id}}), "/doc/elem[2]/elid") ==
          "2");

    std::string key = xpath(fake.set_shape("file_with_private_key"), "/doc/key");
    list = api.call({{"func", "certificate.file"}, {"elid", id}});
    CHECK(xpath(list, "/doc/elem[4]/name") == "example.com.key");
    CHECK(xpath(row("4"), "/doc/content") == key);
}

TEST_CASE("shape file_as_zip with layout=globalsign: the .p7b and a .crt per certificate") {
    FakeUpstream fake(tls_options());
    Api api(fake);
    std::string id = api.issued_certificate("example.com");
    const std::string ca = pmtest::read_file(fake.ca_file());
    fake.set_shape("file_as_zip", true, {{"layout", "globalsign"}});
    auto zip = api.post({{"func", "certificate.file"}, {"elid", id}});
    REQUIRE(zip);
    auto files = unzip(zip->body);
    REQUIRE(files.size() == 3);
    auto p7b = pkcs7_certificates(files["example_com.p7b"]);
    REQUIRE(p7b.size() == 2);
    CHECK(p7b[0] == files["example.com.crt"]);
    CHECK(p7b[1] == ca);
    CHECK(files["CA.crt"] == ca);
}

TEST_CASE("shapes file_with_private_key and file_garbage_pem") {
    FakeUpstream fake(tls_options());
    Api api(fake);
    std::string id = api.issued_certificate("example.com");
    Params file = {{"func", "certificate.file"}, {"elid", id}};

    std::string key = xpath(fake.set_shape("file_with_private_key"), "/doc/key");
    CHECK(key.find("-----BEGIN PRIVATE KEY-----") != std::string::npos);
    std::string crt = xpath(api.call(file), "/doc/crt");
    CHECK(crt.find(key) != std::string::npos);
    CHECK(first_certificate(crt));
    fake.set_shape("file_as_pem");
    CHECK(api.post(file)->body.find(key) != std::string::npos);
    fake.clear_shapes();
    CHECK(xpath(api.call(file), "/doc/crt").find("PRIVATE KEY") == std::string::npos);

    fake.set_shape("file_garbage_pem");
    std::string junk = xpath(api.call(file), "/doc/crt");
    CHECK(junk.rfind("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n",
                     0) == 0);
    CHECK_FALSE(first_certificate(junk));
}

TEST_CASE("shape order_billorder_only: the certificate is found by remoteid") {
    FakeUpstream fake(tls_options());
    Api api(fake);
    fake.set_shape("order_billorder_only");
    std::string answer = api.order_manual("example.com", "314");
    CHECK(xpath(answer, "count(/doc/ok)") == "1");
    CHECK(xpath(answer, "count(/doc/id)") == "0");
    CHECK(xpath(answer, "/doc/billorder.id") == "90001");
    CHECK(error_type(api.call({{"func", "certificate.edit"}, {"elid", "90001"}})) == "missed");
    CHECK(xpath(api.call({{"func", "certificate"}}), "/doc/elem[remoteid='314']/id") == "5001");
    CHECK(fake.balance() == "990.00");
}

TEST_CASE("shape prolong_without_newexpiredate: the expiry still moves") {
    FakeUpstream fake(tls_options());
    Api api(fake);
    std::string id = api.issued_certificate("example.com");
    std::string expiredate = fake.state().at(0).expiredate;
    fake.set_shape("prolong_without_newexpiredate");
    std::string answer =
        api.call({{"func", "service.prolong"}, {"elid", id}, {"period", "12"}, {"sok", "ok"}});
    CHECK(xpath(answer, "count(/doc/ok)") == "1");
    CHECK(answer.find("newexpiredate") == std::string::npos);
    std::string moved =
        xpath(api.call({{"func", "certificate.edit"}, {"elid", id}}), "/doc/expiredate");
    CHECK(moved.substr(0, 4) == std::to_string(std::stoi(expiredate.substr(0, 4)) + 1));
}

TEST_CASE("shapes export_numeric_itemtype, export_addons and export_without_flags") {
    FakeUpstream fake(tls_options());
    Api api(fake);
    fake.set_shape("export_numeric_itemtype");
    std::string numeric =
        api.call({{"func", "pricelist.export"}, {"itemtype", "certificate"}}, false);
    CHECK(xpath(numeric, "count(/doc/pricelist)") == "6");
    CHECK(xpath(numeric, "/doc/pricelist[id='115']/itemtype") == "48");
    CHECK(xpath(numeric, "count(/doc/pricelist/itemtype_info)") == "0");
    CHECK(xpath(api.call({{"func", "pricelist.export"}, {"itemtype", "48"}}, false),
                "count(/doc/pricelist)") == "6");

    std::string plain = api.call({{"func", "pricelist.export"}}, false);
    CHECK(xpath(plain, "count(/doc/pricelist/addon)") == "0");
    fake.set_shape("export_addons");
    std::string with_addons = api.call({{"func", "pricelist.export"}}, false);
    CHECK(xpath(with_addons, "count(/doc/pricelist/addon)") == "2");  // 117 and 120
    CHECK(xpath(with_addons, "count(/doc/pricelist[id='115']/addon)") == "0");
    const std::string addon = "/doc/pricelist[id='117']/addon";
    CHECK(xpath(with_addons, addon + "/id") == "1171");
    CHECK(xpath(with_addons, addon + "/intname") == "additional_domain");
    CHECK(xpath(with_addons, addon + "/addonlimit") == "3");
    CHECK(xpath(with_addons, addon + "/measure") == "domain");
    CHECK(xpath(with_addons, addon + "/price[@currency='EUR']/period[@length='12']/@cost") ==
          "3.00");
    CHECK(xpath(with_addons, addon + "/price[@currency='RUB']/period[@length='24']/@cost") ==
          "530.00");

    CHECK(xpath(plain, "/doc/pricelist[id='116']/wildcard") == "on");
    fake.set_shape("export_without_flags");
    std::string bare = api.call({{"func", "pricelist.export"}}, false);
    for (const char* flag : {"wildcard", "multidomain", "orginfo"})
        CHECK(xpath(bare, std::string("count(/doc/pricelist/") + flag + ")") == "0");
}

TEST_CASE("shape reissue_keeps_issued: only the status text and the item status tell") {
    FakeUpstream fake(tls_options());
    Api api(fake);
    std::string id = api.issued_certificate("example.com");
    fake.set_shape("reissue_keeps_issued");
    CHECK(xpath(api.call({{"func", "certificate.reissue.step2"},
                          {"elid", id},
                          {"sok", "ok"},
                          {"crt_type", "oldrequest"},
                          {"approver_method", "auth_email"}}),
                "count(/doc/ok)") == "1");
    std::string edit = api.call({{"func", "certificate.edit"}, {"elid", id}});
    CHECK(xpath(edit, "/doc/service_status") == "5");
    CHECK(xpath(edit, "/doc/item_status") == "5");
    CHECK(xpath(edit, "/doc/status_msg") == "Reissue requested");
    CHECK(fake.state().at(0).reissue_count == "1");
    fake.advance(id, "issued");
    edit = api.call({{"func", "certificate.edit"}, {"elid", id}});
    CHECK(xpath(edit, "/doc/item_status") == "2");
    CHECK(xpath(edit, "/doc/status_msg") == "Issued");
}

TEST_CASE("shape views_lag: reads after a charging call show the state before it") {
    FakeUpstream fake(tls_options());
    Api api(fake);
    std::string id = api.issued_certificate("example.com");
    const std::string expiredate = fake.state().at(0).expiredate;
    fake.set_shape("views_lag", true, {{"reads", "2"}});
    api.order_manual("shop.example.com", "78");
    const Params list = {{"func", "certificate"}};
    CHECK(xpath(api.call(list), "count(/doc/elem)") == "1");
    CHECK(xpath(api.call(list), "count(/doc/elem)") == "1");
    CHECK(xpath(api.call(list), "count(/doc/elem)") == "2");  // caught up
    CHECK(fake.state().size() == 2);                          // the books had it all along

    api.call({{"func", "service.prolong"}, {"elid", id}, {"period", "12"}, {"sok", "ok"}});
    const Params edit = {{"func", "certificate.edit"}, {"elid", id}};
    CHECK(xpath(api.call(edit), "/doc/expiredate") == expiredate);
    CHECK(xpath(api.call(list), "/doc/elem[id='" + id + "']/expiredate") == expiredate);
    CHECK(xpath(api.call(edit), "/doc/expiredate") != expiredate);
}

TEST_CASE("fault proxy_4xx: an HTML 403, the request applied only with commit=1") {
    FakeUpstream fake(tls_options());
    Api api(fake);
    fake.fault("certificate.order.param", "proxy_4xx");
    auto refused = api.post(order_params("example.com", "77"));
    REQUIRE(refused);
    CHECK(refused->status == 403);
    CHECK(refused->get_header_value("Content-Type").rfind("text/html", 0) == 0);
    CHECK(fake.state().empty());
    pmtest::FaultOptions committing(1);
    committing.commit = true;
    fake.fault("certificate.order.param", "proxy_4xx", committing);
    CHECK(api.post(order_params("example.com", "77"))->status == 403);
    CHECK(fake.state().size() == 1);
}

TEST_CASE("whoami, subaccount and notify carry the balance; the order pays from it") {
    FakeUpstream fake(tls_options());
    Api api(fake);
    std::string whoami = api.call({{"func", "whoami"}});
    CHECK(xpath(whoami, "/doc/user/@balance") == "1000.00");
    CHECK(xpath(whoami, "/doc/user/@currency") == "EUR");
    CHECK(xpath(whoami, "/doc/user/@name") == fake.user());
    api.order_manual("example.com", "1");
    CHECK(xpath(api.call({{"func", "whoami"}}), "/doc/user/@balance") == "990.00");
    std::string accounts = api.call({{"func", "subaccount"}});
    CHECK(xpath(accounts, "count(/doc/elem)") == "2");
    CHECK(xpath(accounts, "/doc/elem[1]/currency") == "RUB");
    CHECK(xpath(accounts, "/doc/elem[currency='EUR']/balance") == "990.00");
    CHECK(xpath(api.call({{"func", "notify"}}), "/doc/notify/item[@balance='yes']/value") ==
          "990.00 EUR");
    CHECK(error_type(api.call({{"func", "whoami"}}, false)) == "auth");
}

TEST_CASE("shapes whoami_balance_elements and whoami_without_balance") {
    FakeUpstream fake(tls_options());
    Api api(fake);
    fake.set_balance("1234.50");
    fake.set_shape("whoami_balance_elements");
    std::string elements = api.call({{"func", "whoami"}});
    CHECK(xpath(elements, "count(/doc/user/@balance)") == "0");
    CHECK(xpath(elements, "/doc/user/balance") ==
          "1\xC2\xA0"
          "234,50");
    CHECK(xpath(elements, "/doc/user/currency") == "EUR");
    fake.clear_shapes();
    fake.set_shape("whoami_without_balance", true, {{"currency_field", "iso"}});
    std::string bare = api.call({{"func", "whoami"}});
    CHECK(xpath(bare, "count(/doc/user/@balance)") == "0");
    CHECK(xpath(bare, "/doc/user/@currency") == "EUR");
    CHECK(xpath(api.call({{"func", "subaccount"}}), "/doc/elem[iso='EUR']/balance") == "1234.50");
}

TEST_CASE("out=devel adds the toolbar's metadata; out=xjson answers it as JSON") {
    FakeUpstream fake(tls_options());
    Api api(fake);
    std::string empty = api.call({{"func", "certificate"}, {"out", "devel"}});  // <doc/> before
    CHECK(xpath(empty, "count(/doc/metadata/toolbar/toolbtn)") == "7");
    std::string id = api.issued_certificate("example.com");
    std::string list = api.call({{"func", "certificate"}, {"out", "devel"}});
    CHECK(xpath(list, "count(/doc/metadata/toolbar/toolbtn)") == "7");
    CHECK(xpath(list, "/doc/metadata/toolbar/toolbtn[4]/@func") == "certificate.dcv.email");
    CHECK(xpath(list, "/doc/elem/id") == id);  // the data is still there
    CHECK(xpath(api.call({{"func", "certificate"}}), "count(/doc/metadata)") == "0");
    std::string edit = api.call({{"func", "certificate.edit"}, {"elid", id}, {"out", "devel"}});
    CHECK(xpath(edit, "/doc/metadata/toolbar/toolbtn[2]/@func") == "certificate.dcv.dns");
    std::string form = api.call({{"func", "certificate.order.param"},
                                 {"pricelist", "115"},
                                 {"period", "12"},
                                 {"out", "devel"}});
    CHECK(xpath(form, "count(/doc/metadata)") == "0");  // a form without a toolbar
    CHECK(xpath(form, "/doc/slist[@name='approver_method']/val[2]/@key") == "auth_dnstxt");
    CHECK(fake.count_committing("certificate.order.param") == 1);  // only the order

    auto json = api.post({{"func", "certificate"}, {"out", "xjson"}});
    REQUIRE(json);
    CHECK(json->get_header_value("Content-Type") == "application/json");
    CHECK(json->body.find("{\"$func\":\"certificate.dcv.dns\"}") != std::string::npos);
    fake.set_shape("toolbar_xjson_only");
    CHECK(xpath(api.call({{"func", "certificate"}, {"out", "devel"}}), "count(/doc/metadata)") ==
          "0");
    CHECK(
        api.post({{"func", "certificate"}, {"out", "xjson"}})->body.find("certificate.dcv.email") !=
        std::string::npos);
}

namespace {

Params with_method(Params params, const std::string& method, const std::string& protocol = "") {
    for (auto& param : params)
        if (param.first == "approver_method")
            param.second = method;
    params.erase(std::remove_if(params.begin(), params.end(),
                                [&](const auto& param) {
                                    return method != "auth_email" &&
                                           param.first == "approver_email_1";
                                }),
                 params.end());
    if (!protocol.empty())
        params.emplace_back("auth_file_protocol", protocol);
    return params;
}

std::string edit_of(const Api& api, const std::string& id) {
    return api.call({{"func", "certificate.edit"}, {"elid", id}});
}

}  // namespace

TEST_CASE("the order takes approver_method: e-mail with approvers, DNS, file with its protocol") {
    FakeUpstream fake(tls_options());
    Api api(fake);
    const Params email = order_params("mail.example.com", "1");
    Params no_approver = email;
    no_approver.pop_back();  // approver_email_1
    CHECK(error_object(api.call(no_approver)) == "approver_email_1");
    CHECK(error_object(api.call(with_method(email, "auth_cname"))) == "approver_method");
    CHECK(error_object(api.call(with_method(email, "auth_file"))) == "auth_file_protocol");
    CHECK(error_object(api.call(with_method(email, "auth_file", "maybe"))) == "auth_file_protocol");
    CHECK(fake.state().empty());

    CHECK(xpath(api.call(email), "/doc/id") == "5001");
    CHECK(xpath(api.call(with_method(order_params("dns.example.com", "2"), "auth_dnstxt")),
                "/doc/id") == "5002");
    CHECK(xpath(api.call(with_method(order_params("file.example.com", "3"), "auth_file", "on")),
                "/doc/id") == "5003");
    auto state = fake.state();
    REQUIRE(state.size() == 3);
    CHECK(state[0].approver_method == "auth_email");
    CHECK(state[0].field("approver_email_1") == "admin@mail.example.com");
    CHECK(state[1].approver_method == "auth_dnstxt");
    CHECK(state[1].field("approver_email_1").empty());
    CHECK(state[2].approver_method == "auth_file");
    CHECK(state[2].field("auth_file_protocol") == "on");

    // e-mail: nothing to publish; DNS: the names and the TXT value; file: name and content
    CHECK(xpath(edit_of(api, "5001"), "/doc/domains_list").empty());
    CHECK(xpath(edit_of(api, "5001"), "/doc/auth_dnstxt_value").empty());
    CHECK(xpath(edit_of(api, "5002"), "/doc/domains_list") == "dns.example.com");
    CHECK(xpath(edit_of(api, "5002"), "/doc/auth_dnstxt_value") == "pmb-dcv-5002-1");
    CHECK(xpath(edit_of(api, "5003"), "/doc/auth_file_name") == "pmb5003.txt");
    CHECK(xpath(edit_of(api, "5003"), "/doc/auth_file_value") == "pmb-dcv-5003-1");
    CHECK(xpath(edit_of(api, "5003"), "/doc/auth_dnstxt_value").empty());

    // a new value after dcv_rotate; none once issued
    CHECK(xpath(fake.admin("dcv_rotate", {{"id", "5002"}}), "/doc/token") == "pmb-dcv-5002-2");
    CHECK(xpath(edit_of(api, "5002"), "/doc/auth_dnstxt_value") == "pmb-dcv-5002-2");
    fake.advance("5002", "issued");
    CHECK(xpath(edit_of(api, "5002"), "/doc/auth_dnstxt_value").empty());
    CHECK(xpath(edit_of(api, "5002"), "/doc/domains_list").empty());
}

TEST_CASE("shapes dcv_fields and dcv_extra_fields: the validation data under other names") {
    FakeUpstream fake(tls_options());
    Api api(fake);
    api.call(
        with_method(order_params("dns.example.com", "1", "www.dns.example.com"), "auth_dnstxt"));
    api.call(with_method(order_params("file.example.com", "2"), "auth_file", "off"));
    fake.set_shape("dcv_fields", true,
                   {{"txt", "dcv_dns_value"},
                    {"names", "verification_fqdn"},
                    {"file_name", "dcv_file_name"},
                    {"file_value", "file_content"}});
    const std::string dns = edit_of(api, "5001");
    CHECK(xpath(dns, "/doc/dcv_dns_value") == "pmb-dcv-5001-1");
    CHECK(xpath(dns, "/doc/verification_fqdn") == "dns.example.com,www.dns.example.com");
    CHECK(xpath(dns, "/doc/auth_dnstxt_value").empty());
    CHECK(xpath(dns, "/doc/domains_list").empty());
    CHECK(xpath(dns, "/doc/dcv_status").empty());
    const std::string file = edit_of(api, "5002");
    CHECK(xpath(file, "/doc/dcv_file_name") == "pmb5002.txt");
    CHECK(xpath(file, "/doc/file_content") == "pmb-dcv-5002-1");

    CHECK_THROWS(fake.set_shape("dcv_fields", true, {{"txt", "the_txt"}}));
    fake.set_shape("dcv_extra_fields");
    CHECK(xpath(edit_of(api, "5001"), "/doc/dcv_status") == "pending");
    CHECK(xpath(edit_of(api, "5001"), "/doc/auth_dnstxt_host") == "_dnsauth.dns.example.com");
    fake.clear_shapes();
    CHECK(xpath(edit_of(api, "5001"), "/doc/auth_dnstxt_value") == "pmb-dcv-5001-1");
    CHECK(xpath(edit_of(api, "5001"), "/doc/dcv_status").empty());
}

TEST_CASE("shape dcv_functions: the re-send functions under the configured names, else none") {
    FakeUpstream fake(tls_options());
    Api api(fake);
    api.call(order_params("example.com", "1", "www.example.com"));
    const Params email = {{"func", "certificate.dcv.email"},
                          {"elid", "5001"},
                          {"sok", "ok"},
                          {"approver_email_1", "hostmaster@example.com"},
                          {"approver_email_2", "webmaster@example.com"}};
    const Params dns = {{"func", "certificate.dcv.dns"},
                        {"elid", "5001"},
                        {"sok", "ok"},
                        {"domain", "example.com"}};
    CHECK(error_type(api.call(email)) == "missed");
    CHECK(error_object(api.call(email)) == "func");
    CHECK(error_object(api.call(dns)) == "func");

    fake.set_shape("dcv_functions", true,
                   {{"email", "certificate.dcv.email"}, {"dns", "certificate.dcv.dns"}});
    CHECK(error_type(api.call(email)).empty());
    CHECK(error_type(api.call(dns)).empty());
    Params other_domain = dns;
    other_domain.back().second = "example.org";
    CHECK(error_object(api.call(other_domain)) == "domain");
    CHECK(error_object(
              api.call({{"func", "certificate.dcv.email"}, {"elid", "5001"}, {"sok", "ok"}})) ==
          "approver_email_1");
    CHECK(error_object(api.call({{"func", "certificate.dcv.dns"}, {"elid", "9"}, {"sok", "ok"}})) ==
          "elid");
    auto state = fake.state();
    REQUIRE(state.size() == 1);
    CHECK(state[0].field("approver_email_1") == "hostmaster@example.com");
    CHECK(state[0].field("approver_email_2") == "webmaster@example.com");
    CHECK(state[0].field("dns_rechecks") == "example.com");
    CHECK(fake.count("certificate.dcv.email") == 4);

    fake.advance("5001", "issued");
    CHECK(error_object(api.call(dns)) == "status");
    fake.set_shape("dcv_functions", false);
    CHECK(error_object(api.call(dns)) == "func");
}

TEST_CASE("the certificate list pages with p_cnt/p_num and declares p_elems; bulk adds cheaply") {
    FakeUpstream fake(tls_options());
    Api api(fake);
    long first = fake.add_bulk(5, "issued", 300);
    fake.add_bulk(2, "deleted");
    Params page2 = {{"func", "certificate"}, {"p_cnt", "3"}, {"p_num", "2"}};
    std::string answer = api.call(page2);
    CHECK(xpath(answer, "count(/doc/elem)") == "3");
    CHECK(xpath(answer, "/doc/elem[1]/id") == std::to_string(first + 3));
    CHECK(xpath(answer, "/doc/elem[1]/remoteid") == "303");
    CHECK(xpath(answer, "/doc/elem[1]/CN") == "c" + std::to_string(first + 3) + ".bulk.example");
    CHECK(xpath(answer, "/doc/elem[3]/item_status") == "4");
    CHECK(xpath(answer, "/doc/p_elems") == "7");
    CHECK(xpath(answer, "/doc/p_num") == "2");
    Params last = {{"func", "certificate"}, {"p_cnt", "3"}, {"p_num", "3"}};
    CHECK(xpath(api.call(last), "count(/doc/elem)") == "1");  // the short last page
    Params beyond = {{"func", "certificate"}, {"p_cnt", "3"}, {"p_num", "4"}};
    CHECK(xpath(api.call(beyond), "count(/doc/elem)") == "0");
    CHECK(xpath(api.call({{"func", "certificate"}}), "count(/doc/elem)") == "7");

    fake.set_shape("list_ignores_paging");
    CHECK(xpath(api.call(page2), "count(/doc/elem)") == "7");
    CHECK(xpath(api.call(page2), "/doc/p_elems") == "7");
    fake.set_shape("list_without_p_elems");
    CHECK(xpath(api.call(page2), "count(/doc/p_elems)") == "0");
    fake.clear_shapes();

    fake.set_shape("list_hides", true, {{"ids", std::to_string(first + 1)}});
    std::string hidden = api.call({{"func", "certificate"}, {"p_cnt", "3"}, {"p_num", "1"}});
    CHECK(xpath(hidden, "count(/doc/elem)") == "2");
    CHECK(xpath(hidden, "/doc/p_elems") == "7");
    fake.clear_shapes();

    fake.set_expiry(first, "2031-01-02");
    fake.forget(first + 1);
    std::string after = api.call({{"func", "certificate"}});
    CHECK(xpath(after, "/doc/elem[1]/expiredate") == "2031-01-02");
    CHECK(xpath(after, "count(/doc/elem)") == "6");
    Params gone = {{"func", "certificate.edit"}, {"elid", std::to_string(first + 1)}};
    CHECK(error_type(api.call(gone)) == "missed");
}

TEST_CASE("shape status_cells: localized text with orig=, or with a real_status column") {
    FakeUpstream fake(tls_options());
    Api api(fake);
    std::string id = api.issued_certificate("example.com");
    Params edit = {{"func", "certificate.edit"}, {"elid", id}};
    fake.set_shape("status_cells", true, {{"lang", "ru"}});
    std::string list = api.call({{"func", "certificate"}});
    CHECK(xpath(list, "/doc/elem/item_status") == "Активна");
    CHECK(xpath(list, "/doc/elem/item_status/@orig") == "2");
    CHECK(xpath(list, "/doc/elem/service_status") == "Выпущен");
    CHECK(xpath(list, "/doc/elem/service_status/@orig") == "5");
    CHECK(xpath(api.call(edit), "/doc/item_status/@orig") == "2");

    fake.set_shape("status_cells", true, {{"form", "real_status"}});
    std::string plain = api.call({{"func", "certificate"}});
    CHECK(xpath(plain, "/doc/elem/item_status") == "Active");
    CHECK(xpath(plain, "count(/doc/elem/item_status/@orig)") == "0");
    CHECK(xpath(plain, "/doc/elem/real_status") == "2");
    CHECK(xpath(api.call(edit), "/doc/real_status") == "2");
    fake.set_shape("status_cells", false);
    CHECK(xpath(api.call(edit), "/doc/item_status") == "2");
}
