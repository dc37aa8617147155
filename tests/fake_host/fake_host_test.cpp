// Tests of the fake BILLmanager host itself: server, schema, fixtures and fake mgrctl.
#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <memory>
#include <regex>
#include <set>

#include "fixture_keys.h"
#include "host_sandbox.h"

using namespace pmtest;

namespace {

std::vector<std::string> mgrctl_argv(const HostSandbox& host,
                                     const std::vector<std::string>& args) {
    std::vector<std::string> argv = {host.mgrctl_path(), "-m", "billmgr", "-o", "xml"};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

RunResult mgrctl(const HostSandbox& host, const std::vector<std::string>& args,
                 const std::map<std::string, std::string>& env = {},
                 std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    RunOptions options;
    options.env_set = env;
    options.cwd = host.root();
    options.timeout = timeout;
    return run(mgrctl_argv(host, args), options);
}

Child start_mgrctl(const HostSandbox& host, const std::vector<std::string>& args) {
    RunOptions options;
    options.cwd = host.root();
    return Child(mgrctl_argv(host, args), options);
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

bool exists(const std::string& path) {
    struct stat st {};
    return stat(path.c_str(), &st) == 0;
}

std::string xml_element(const std::string& xml, const std::string& name) {
    std::smatch match;
    std::regex pattern("<" + name + ">([^<]*)</" + name + ">");
    return std::regex_search(xml, match, pattern) ? match[1].str() : "";
}

using PkeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using ReqPtr = std::unique_ptr<X509_REQ, decltype(&X509_REQ_free)>;

PkeyPtr read_key(const std::string& pem) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), -1), &BIO_free);
    return PkeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
}

ReqPtr read_csr(const std::string& pem) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), -1), &BIO_free);
    return ReqPtr(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr), &X509_REQ_free);
}

// What a module does with a processingcryptedparam value.
std::string billmgr_decrypt(const std::string& key_pem, const std::string& encoded) {
    std::string raw(encoded.size(), '\0');
    auto* out = reinterpret_cast<unsigned char*>(raw.data());
    int n = EVP_DecodeBlock(out, reinterpret_cast<const unsigned char*>(encoded.data()),
                            static_cast<int>(encoded.size()));
    REQUIRE(n > 0);
    size_t padding = encoded.size() - encoded.find_last_not_of('=') - 1;
    raw.resize(static_cast<size_t>(n) - padding);
    PkeyPtr key = read_key(key_pem);
    REQUIRE(key);
    std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
        EVP_PKEY_CTX_new(key.get(), nullptr), &EVP_PKEY_CTX_free);
    REQUIRE(EVP_PKEY_decrypt_init(ctx.get()) == 1);
    REQUIRE(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) == 1);
    size_t size = 0;
    const auto* in = reinterpret_cast<const unsigned char*>(raw.data());
    REQUIRE(EVP_PKEY_decrypt(ctx.get(), nullptr, &size, in, raw.size()) == 1);
    std::string plain(size, '\0');
    REQUIRE(EVP_PKEY_decrypt(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &size, in,
                             raw.size()) == 1);
    plain.resize(size);
    return plain;
}

std::string subject_entry(X509_REQ* req, int nid) {
    char buf[256] = {};
    X509_NAME_get_text_by_NID(X509_REQ_get_subject_name(req), nid, buf, sizeof buf);
    return buf;
}

std::vector<std::string> csr_dns_names(X509_REQ* req) {
    std::vector<std::string> names;
    STACK_OF(X509_EXTENSION)* extensions = X509_REQ_get_extensions(req);
    auto* sans = static_cast<GENERAL_NAMES*>(
        X509V3_get_d2i(extensions, NID_subject_alt_name, nullptr, nullptr));
    for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans); ++i) {
        const GENERAL_NAME* name = sk_GENERAL_NAME_value(sans, i);
        if (name->type == GEN_DNS)
            names.emplace_back(
                reinterpret_cast<const char*>(ASN1_STRING_get0_data(name->d.dNSName)));
    }
    GENERAL_NAMES_free(sans);
    sk_X509_EXTENSION_pop_free(extensions, X509_EXTENSION_free);
    return names;
}

int first_item(HostSandbox& host) {
    int itemtype = host.add_itemtype("certificate");
    int pricelist = host.add_pricelist("positivessl", itemtype);
    int module = host.add_module("Upstream", {{"url", "http://127.0.0.1:1/"}});
    return host.add_item(pricelist, 12, 1, module);
}

}  // namespace

TEST_CASE("one MariaDB server serves the process and authenticates the billmgr user") {
    MariaDbServer& server = MariaDbServer::shared();
    CHECK(&server == &MariaDbServer::shared());
    CHECK(exists(server.socket_path()));
    CHECK(server.admin_connection().scalar("SELECT 1") == "1");

    DbConnection billmgr(server.billmgr_params(""));
    CHECK(billmgr.scalar("SELECT CURRENT_USER()") == "billmgr@localhost");

    DbParams wrong = server.billmgr_params("");
    wrong.password = "not-the-password";
    CHECK_THROWS(DbConnection(wrong));
}

TEST_CASE("the sandbox database has BILLmanager's tables in utf8mb4") {
    HostSandbox host;
    const std::map<std::string, std::set<std::string>> expected = {
        {"item",
         {"id", "pricelist", "lastpricelist", "period", "status", "expiredate", "remoteid",
          "processingmodule"}},
        {"itemparam", {"id", "item", "intname", "value"}},
        {"pricelist", {"id", "intname", "itemtype"}},
        {"itemtype", {"id", "intname"}},
        {"pricelistparam", {"id", "pricelist", "intname", "value"}},
        {"processingmodule",
         {"id", "module", "name", "active", "balance", "currency", "notify_time"}},
        {"processingparam", {"id", "processingmodule", "intname", "value"}},
        {"processingcryptedparam", {"id", "processingmodule", "intname", "value"}},
        {"certificate", {"item", "csr", "pkey", "crt"}},
        {"runningoperation", {"id", "trycount", "errorxml", "manual"}},
        {"task", {"id", "item", "runningoperation", "type"}},
        {"fake_tasktype", {"operation", "type"}},
    };
    for (const auto& [table, columns] : expected) {
        CAPTURE(table);
        std::set<std::string> actual;
        for (const DbRow& row : host.db().query("SELECT column_name FROM information_schema.columns"
                                                " WHERE table_schema = ? AND table_name = ?",
                                                {host.db_name(), table})) {
            actual.insert(*row[0]);
        }
        CHECK(actual == columns);
        CHECK(host.query_scalar("SELECT table_collation FROM information_schema.tables"
                                " WHERE table_schema = ? AND table_name = ?",
                                {host.db_name(), table})
                  ->rfind("utf8mb4", 0) == 0);
    }
    CHECK(host.query_scalar("SELECT COUNT(*) FROM information_schema.tables"
                            " WHERE table_schema = ?",
                            {host.db_name()}) == "12");
}

TEST_CASE("the sandbox root holds the crypt key, the mgrctl wrapper and the host config") {
    HostSandbox host;
    CHECK(host.env().at("PMBILLMGRSSL_ROOT") == host.root());
    CHECK(contains(read_file(host.root() + "/etc/billmgr.pem"), "BEGIN RSA PRIVATE KEY"));
    CHECK(read_key(read_file(host.root() + "/etc/billmgr.pem")));
    CHECK(access(host.mgrctl_path().c_str(), X_OK) == 0);
    CHECK(exists(host.root() + "/var"));
    // The fake's own files must not hold the secret, so tests can grep the root for leaks.
    CHECK_FALSE(
        contains(read_file(fake_host_config_path(host.root())), MariaDbServer::kBillmgrPassword));
}

TEST_CASE("two sandboxes are independent and clean up after themselves") {
    std::string root;
    std::string db_name;
    {
        HostSandbox first;
        HostSandbox second;
        CHECK(first.db_name() != second.db_name());
        CHECK(first.root() != second.root());
        root = first.root();
        db_name = first.db_name();
        first.add_itemtype("certificate");
        CHECK(second.query_scalar("SELECT COUNT(*) FROM itemtype") == "0");
    }
    CHECK_FALSE(exists(root));
    CHECK(MariaDbServer::shared().admin_connection().scalar(
              "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?",
              {db_name}) == "0");
}

TEST_CASE("fixtures round-trip values, Cyrillic included") {
    HostSandbox host;
    int itemtype = host.add_itemtype("certificate");
    int pricelist = host.add_pricelist("positivessl", itemtype);
    host.add_pricelist_param(pricelist, "upstream_pricelist", "4242");
    int module = host.add_module(
        "Реселлинг SSL", {{"url", "https://api.example/billmgr"}, {"username", "reseller"}});
    int item = host.add_item(pricelist, 12, 1, module, std::string("777"));
    host.set_item_param(item, "org_name", "ООО «Ромашка»");
    host.set_item_param(item, "org_name", "ООО «Лютик»");  // upsert, not a duplicate
    host.set_certificate(item, "CSR\nPEM", "KEY\nPEM");
    int operation = host.add_running_operation(3);
    host.set_trycount(operation, 9);

    CHECK(host.query_scalar("SELECT value FROM pricelistparam WHERE pricelist = ?",
                            {std::to_string(pricelist)}) == "4242");
    CHECK(host.query_scalar("SELECT name FROM processingmodule WHERE id = ?",
                            {std::to_string(module)}) == "Реселлинг SSL");
    CHECK(host.query_scalar("SELECT module FROM processingmodule WHERE id = ?",
                            {std::to_string(module)}) == "pmbillmgrssl");
    CHECK(host.query_scalar("SELECT COUNT(*) FROM processingparam WHERE processingmodule = ?",
                            {std::to_string(module)}) == "2");
    CHECK(host.item_param(item, "org_name") == "ООО «Лютик»");
    CHECK(host.item_params(item).size() == 1);
    CHECK_FALSE(host.item_param(item, "missing"));

    ItemRow row = host.item_row(item);
    CHECK(row.pricelist == pricelist);
    CHECK(row.period == 12);
    CHECK(row.status == 1);
    CHECK(row.remoteid == "777");
    CHECK(row.processingmodule == module);
    CHECK_FALSE(row.expiredate);

    auto certificate = host.certificate_row(item);
    REQUIRE(certificate);
    CHECK(certificate->csr == "CSR\nPEM");
    CHECK(certificate->pkey == "KEY\nPEM");
    CHECK_FALSE(certificate->crt);
    CHECK_FALSE(host.certificate_row(item + 1));

    RunningOperationRow op = host.running_operation(operation);
    CHECK(op.trycount == 9);
    CHECK_FALSE(op.errorxml);
    CHECK(op.manual == "off");
}

TEST_CASE("crypted module params decrypt with the private key in etc/billmgr.pem") {
    HostSandbox host;
    const std::string secret = "upstream-Пароль-42";
    int module = host.add_module("Upstream", {{"username", "reseller"}}, {{"password", secret}});
    auto stored = host.query_scalar(
        "SELECT value FROM processingcryptedparam WHERE processingmodule = ? AND intname = ?",
        {std::to_string(module), "password"});
    REQUIRE(stored);
    CHECK_FALSE(contains(*stored, secret));
    CHECK(billmgr_decrypt(read_file(host.root() + "/etc/billmgr.pem"), *stored) == secret);
}

TEST_CASE("make_csr runs openssl and yields a CSR that matches its key") {
    CsrPair pair = make_csr("example.com", {"example.com", "www.example.com"},
                            {{"C", "RU"}, {"O", "Ромашка"}, {"emailAddress", "admin@example.com"}});
    ReqPtr req = read_csr(pair.csr_pem);
    REQUIRE(req);
    PkeyPtr key = read_key(pair.key_pem);
    REQUIRE(key);
    CHECK(X509_REQ_verify(req.get(), key.get()) == 1);
    CHECK(subject_entry(req.get(), NID_commonName) == "example.com");
    CHECK(subject_entry(req.get(), NID_organizationName) == "Ромашка");
    CHECK(subject_entry(req.get(), NID_pkcs9_emailAddress) == "admin@example.com");
    CHECK(csr_dns_names(req.get()) == std::vector<std::string>{"example.com", "www.example.com"});

    CsrPair bare = make_csr("host.example.net");
    ReqPtr bare_req = read_csr(bare.csr_pem);
    REQUIRE(bare_req);
    CHECK(csr_dns_names(bare_req.get()).empty());
}

TEST_CASE("add_certificate_order builds a complete paid certificate item") {
    HostSandbox host;
    int module = host.add_module("Upstream", {{"url", "http://127.0.0.1:1/"}});
    CertificateOrderOptions options;
    options.module = module;
    options.upstream_pricelist = "5150";
    options.cn = "shop.example.com";
    options.altnames = {"www.shop.example.com", "api.example.com"};
    CertificateOrder order = host.add_certificate_order(options);

    CHECK(order.domains ==
          std::vector<std::string>{"shop.example.com", "www.shop.example.com", "api.example.com"});
    CHECK(host.item_params(order.item) == order.params);
    CHECK(order.params.at("altname") == "www.shop.example.com api.example.com");
    CHECK(order.params.at("approver_email") ==
          "admin@shop.example.com,admin@shop.example.com,admin@api.example.com");
    CHECK(order.params.at("approver_method") == "auth_email");
    CHECK(order.params.at("org_country") == "182");
    CHECK(order.params.at("CN") == "shop.example.com");
    for (const char* name :
         {"adm_fname", "adm_lname", "adm_jtitle", "adm_email", "adm_phone", "tech_fname",
          "tech_email", "org_name", "org_address", "org_city", "org_state", "org_postcode",
          "org_phone", "O", "OU", "L", "ST", "emailAddress"}) {
        CAPTURE(name);
        CHECK_FALSE(order.params.at(name).empty());
    }
    ItemRow row = host.item_row(order.item);
    CHECK(row.status == 1);
    CHECK(row.period == 12);
    CHECK(row.processingmodule == module);
    CHECK(host.query_scalar("SELECT intname FROM pricelist WHERE id = ?",
                            {std::to_string(order.pricelist)}) == "positivessl");
    CHECK(host.query_scalar("SELECT value FROM pricelistparam WHERE pricelist = ?"
                            " AND intname = 'upstream_pricelist'",
                            {std::to_string(order.pricelist)}) == "5150");
    auto certificate = host.certificate_row(order.item);
    REQUIRE(certificate);
    CHECK(certificate->csr == order.csr.csr_pem);
    CHECK(certificate->pkey == order.csr.key_pem);
    ReqPtr req = read_csr(order.csr.csr_pem);
    REQUIRE(req);
    CHECK(csr_dns_names(req.get()) == order.domains);

    CertificateOrder second = host.add_certificate_order(options);
    CHECK(second.item != order.item);
    CHECK(second.pricelist == order.pricelist);
    CHECK(second.itemtype == order.itemtype);
}

TEST_CASE("fake mgrctl: paramlist hands out credentials that work") {
    HostSandbox host;
    RunResult result = mgrctl(host, {"paramlist"});
    REQUIRE(result.exit_code == 0);
    CHECK(xml_element(result.out, "DBHost") == "localhost");
    CHECK(xml_element(result.out, "DBName") == host.db_name());
    CHECK(xml_element(result.out, "DBPassword") == MariaDbServer::kBillmgrPassword);
    CHECK(xml_element(result.out, "CryptKey") == "etc/billmgr.pem");
    DbConnection db(DbParams{xml_element(result.out, "DBSocket"), xml_element(result.out, "DBUser"),
                             xml_element(result.out, "DBPassword"),
                             xml_element(result.out, "DBName")});
    CHECK(db.scalar("SELECT COUNT(*) FROM item") == "0");
    REQUIRE(host.calls().size() == 1);
    CHECK(host.calls()[0].func == "paramlist");
    CHECK(host.calls()[0].argv ==
          std::vector<std::string>{"-m", "billmgr", "-o", "xml", "paramlist"});
}

TEST_CASE("fake mgrctl applies service and certificate functions") {
    HostSandbox host;
    int item = first_item(host);
    std::string elid = "elid=" + std::to_string(item);
    const std::pair<const char*, int> transitions[] = {
        {"service.postopen", 2},    {"service.postsuspend", 3}, {"service.postresume", 2},
        {"service.postprolong", 2}, {"service.postclose", 4},   {"certificate.open", 2}};
    for (const auto& [func, status] : transitions) {
        CAPTURE(func);
        RunResult result = mgrctl(host, {func, elid, "sok=ok"});
        CHECK(result.exit_code == 0);
        CHECK(contains(result.out, "<doc><ok/></doc>"));
        CHECK(host.item_status(item) == status);
    }

    mgrctl(host, {"service.setstatus", elid, "service_status=4"});
    CHECK(host.item_param(item, "service_status") == "4");
    mgrctl(host, {"service.setexpiredate", elid, "expiredate=2027-03-31"});
    CHECK(host.item_expiredate(item) == "2027-03-31");
    RunResult bad_date = mgrctl(host, {"service.setexpiredate", elid, "expiredate=31.03.2027"});
    CHECK(contains(bad_date.out, "<error type=\"value\" object=\"expiredate\""));
    CHECK(host.item_expiredate(item) == "2027-03-31");

    const std::string pem = "-----BEGIN CERTIFICATE-----\nMIIB\tx\n-----END CERTIFICATE-----\n";
    mgrctl(host, {"certificate.save", elid, "crt=" + pem, "sok=ok"});
    CHECK(host.certificate_row(item)->crt == pem);
    CHECK(host.calls().back().param("crt") == pem);
    mgrctl(host, {"certificate.failed", elid, "sok=ok"});
    CHECK(host.item_param(item, "service_status") == "6");

    RunResult missing = mgrctl(host, {"service.postopen", "elid=999999", "sok=ok"});
    CHECK(missing.exit_code == 0);
    CHECK(contains(missing.out, "<error type=\"missing\" object=\"item\" value=\"999999\""));
    CHECK(host.calls().size() == 12);
}

TEST_CASE("fake mgrctl resolves -e params from the environment and records both forms") {
    HostSandbox host;
    int item = first_item(host);
    const std::string secret = "line one\tПароль\nline two";
    RunResult result = mgrctl(host,
                              {"service.saveparam", "elid=" + std::to_string(item), "name=key",
                               "-e", "value=$SECRET_VAL", "crypted=on", "sok=ok"},
                              {{"SECRET_VAL", secret}});
    CHECK(contains(result.out, "<ok/>"));
    CHECK(host.item_param(item, "key") == secret);

    std::vector<MgrctlCall> calls = host.calls();
    REQUIRE(calls.size() == 1);
    const MgrctlCall& call = calls[0];
    CHECK(call.func == "service.saveparam");
    CHECK(call.argv[7] == "-e");
    CHECK(call.argv[8] == "value=$SECRET_VAL");
    for (const auto& arg : call.argv)
        CHECK_FALSE(contains(arg, "Пароль"));
    CHECK(call.param("value") == secret);
    CHECK(call.env_params == std::vector<std::string>{"value"});
    CHECK(call.param("crypted") == "on");
    CHECK(call.has("sok"));
    CHECK_FALSE(call.has("missing"));

    RunResult unset = mgrctl(host, {"service.saveparam", "elid=" + std::to_string(item),
                                    "name=other", "-e", "value=$PMTEST_UNSET_VAR"});
    CHECK(contains(unset.out, "<error"));
    CHECK(contains(unset.out, "PMTEST_UNSET_VAR"));
    CHECK_FALSE(host.item_param(item, "other"));

    mgrctl(host, {"service.saveparam", "elid=" + std::to_string(item), "name=key"});
    CHECK_FALSE(host.item_param(item, "key"));
    host.clear_calls();
    CHECK(host.calls().empty());
}

TEST_CASE("fake mgrctl imports services and handles running operations") {
    HostSandbox host;
    int itemtype = host.add_itemtype("certificate");
    int pricelist = host.add_pricelist("positivessl", itemtype);
    int module = host.add_module("Upstream", {});
    RunResult imported =
        mgrctl(host, {"processing.import.service", "module=" + std::to_string(module),
                      "import_itemtype_intname=certificate", "import_pricelist_intname=positivessl",
                      "import_service_name=example.com", "status=2", "service_status=5",
                      "expiredate=2027-01-02", "period=12", "remote_order=R-1", "sok=ok"});
    std::string service_id = xml_element(imported.out, "service_id");
    REQUIRE_FALSE(service_id.empty());
    int item = std::stoi(service_id);
    ItemRow row = host.item_row(item);
    CHECK(row.pricelist == pricelist);
    CHECK(row.status == 2);
    CHECK(row.period == 12);
    CHECK(row.expiredate == "2027-01-02");
    CHECK(row.processingmodule == module);
    CHECK(host.item_params(item) == ParamMap{{"service_status", "5"}, {"remote_order", "R-1"}});
    RunResult unknown_tariff =
        mgrctl(host, {"processing.import.service", "module=" + std::to_string(module),
                      "import_pricelist_intname=nope"});
    CHECK(contains(unknown_tariff.out, "object=\"pricelist\""));

    const std::string id = "processingmodule=" + std::to_string(module);
    CHECK(contains(mgrctl(host, {"processing.savebalance", id, "balance=10.5", "currency=RUB",
                                 "notify_time=2025-06-01 10:00:00", "sok=ok"})
                       .out,
                   "<ok/>"));
    ModuleBalanceRow balance = host.module_balance(module);
    CHECK(balance.balance == "10.5");
    CHECK(balance.currency == "RUB");
    CHECK(balance.notify_time == "2025-06-01 10:00:00");
    mgrctl(host, {"processing.savebalance", id, "balance=-3"});  // the two-param form
    CHECK(host.module_balance(module).balance == "-3");
    CHECK(host.module_balance(module).currency == "RUB");
    CHECK(
        contains(mgrctl(host, {"processing.savebalance", "processingmodule=999", "balance=1"}).out,
                 "object=\"processingmodule\""));
    std::string elid = "elid=" + std::to_string(module);
    mgrctl(host, {"processing.saveparam", elid, "param=currency", "value=EUR"});
    mgrctl(host, {"processing.saveparam", elid, "param=currency", "value=USD"});
    CHECK(host.module_param(module, "currency") == "USD");
    CHECK(host.query_scalar("SELECT COUNT(*) FROM processingparam WHERE intname = 'currency'") ==
          "1");

    host.refuse_param("processing.savebalance", "notify_time");
    RunResult refused = mgrctl(
        host, {"processing.savebalance", id, "balance=7", "notify_time=2025-06-01 11:00:00"});
    CHECK(contains(refused.out, "<error type=\"value\" object=\"notify_time\""));
    CHECK(host.module_balance(module).balance == "-3");  // nothing applied
    CHECK(contains(mgrctl(host, {"processing.savebalance", id, "balance=7"}).out, "<ok/>"));
    host.clear_faults();

    int operation = host.add_running_operation(10);
    std::string ro = "elid=" + std::to_string(operation);
    mgrctl(host,
           {"runningoperation.edit", ro, "errorxml=<doc><error type=\"x\"/></doc>", "sok=ok"});
    CHECK(host.running_operation(operation).errorxml == "<doc><error type=\"x\"/></doc>");
    mgrctl(host, {"runningoperation.setmanual", ro});
    CHECK(host.running_operation(operation).manual == "on");
    CHECK(xml_element(mgrctl(host, {"task.gettype", "operation=open"}).out, "task_type") == "7");
    CHECK(contains(mgrctl(host, {"task.edit", "item=1", ro, "type=7", "sok=ok"}).out, "<ok/>"));
    std::string link = "runningoperation=" + std::to_string(operation);
    CHECK(contains(mgrctl(host, {"task.edit", "item=1", link, "type=7", "sok=ok"}).out, "<ok/>"));
    CHECK(host.query_scalar("SELECT type FROM task WHERE runningoperation = ?",
                            {std::to_string(operation)}) == "7");
    host.db().execute("INSERT INTO fake_tasktype (operation, type) VALUES ('prolong', '')");
    CHECK(
        xml_element(mgrctl(host, {"task.gettype", "operation=prolong"}).out, "task_type").empty());

    RunResult unknown = mgrctl(host, {"no.such.func", "elid=1"});
    CHECK(unknown.exit_code == 0);
    CHECK(contains(unknown.out, "<error type=\"missed\" object=\"func\" value=\"no.such.func\""));
    CHECK(contains(unknown.out, "<msg>Unknown function no.such.func</msg>"));
}

TEST_CASE("fault injection: fail answers an error without applying the call") {
    HostSandbox host;
    int item = first_item(host);
    int other = host.add_item(host.item_row(item).pricelist, 12, 1, 0);
    host.fail("service.postopen", "elid=" + std::to_string(item));

    RunResult failed = mgrctl(host, {"service.postopen", "elid=" + std::to_string(item)});
    CHECK(failed.exit_code == 0);
    CHECK(contains(failed.out, "<error type=\"value\" object=\"fake_host\""));
    CHECK(host.item_status(item) == 1);
    CHECK(
        contains(mgrctl(host, {"service.postopen", "elid=" + std::to_string(other)}).out, "<ok/>"));
    CHECK(host.item_status(other) == 2);
    CHECK(host.calls().size() == 2);

    host.clear_faults();
    CHECK(
        contains(mgrctl(host, {"service.postopen", "elid=" + std::to_string(item)}).out, "<ok/>"));
    CHECK(host.item_status(item) == 2);
}

TEST_CASE("fault injection: a hang lets tests kill mid-call before or after the effect") {
    HostSandbox host;
    int item = first_item(host);
    std::string elid = "elid=" + std::to_string(item);
    const auto kill_after = std::chrono::milliseconds(1500);

    host.hang("service.postopen", "", HangWhen::kBefore, 30);
    RunResult before = mgrctl(host, {"service.postopen", elid}, {}, kill_after);
    CHECK(before.timed_out);
    CHECK(host.calls().empty());
    CHECK(host.item_status(item) == 1);
    // the one trace of a hang before the call: the event a kill test waits for
    CHECK(host.hangs_begun("service.postopen", HangWhen::kBefore) == 1);
    CHECK(host.hangs_begun("service.postopen", HangWhen::kAfter) == 0);

    host.clear_faults();
    host.hang("service.postopen", elid, HangWhen::kAfter, 30);
    Child after = start_mgrctl(host, {"service.postopen", elid});
    CHECK(wait_until([&] { return host.item_status(item) == 2; }));
    CHECK(after.running());  // the effect is in, the reply is not out
    CHECK(wait_until([&] { return host.hangs_begun("service.postopen", HangWhen::kAfter) == 1; }));
    after.signal_group(SIGKILL);
    after.wait();
    CHECK(host.calls().size() == 1);

    host.clear_faults();
    host.hang("service.postclose", "", HangWhen::kAfter, 0.3);
    auto start = std::chrono::steady_clock::now();
    RunResult slow = mgrctl(host, {"service.postclose", elid});
    CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(300));
    CHECK(contains(slow.out, "<ok/>"));
    CHECK(host.item_status(item) == 4);

    // with a skip the first matching calls go through: the second is held
    host.clear_faults();
    host.hang("service.saveparam", "name=marker", HangWhen::kBefore, 30, 1);
    CHECK(mgrctl(host, {"service.saveparam", elid, "name=other", "value=1"}).exit_code == 0);
    CHECK(mgrctl(host, {"service.saveparam", elid, "name=marker", "value=1"}).exit_code == 0);
    RunResult second =
        mgrctl(host, {"service.saveparam", elid, "name=marker", "value=2"}, {}, kill_after);
    CHECK(second.timed_out);
    CHECK(host.item_param(item, "marker") == "1");
    CHECK(host.hangs_begun("service.saveparam", HangWhen::kBefore) == 1);

    // a held call goes on, and applies, once the test releases it
    host.clear_faults();
    host.hang("service.postopen", "", HangWhen::kBefore, 30);
    Child held = start_mgrctl(host, {"service.postopen", elid});
    REQUIRE(
        wait_until([&] { return host.hangs_begun("service.postopen", HangWhen::kBefore) == 2; }));
    CHECK(host.item_status(item) == 4);
    host.release_hangs();
    CHECK(held.wait() == 0);
    CHECK(host.item_status(item) == 2);

    // a held call killed: it never applies
    host.clear_faults();
    host.hang("service.postclose", "", HangWhen::kBefore, 30);
    Child killed = start_mgrctl(host, {"service.postclose", elid});
    REQUIRE(
        wait_until([&] { return host.hangs_begun("service.postclose", HangWhen::kBefore) == 1; }));
    host.kill_held_calls();
    CHECK(killed.wait() == -SIGKILL);
    CHECK(host.item_status(item) == 2);
}

TEST_CASE("fake mgrctl: changepricelist.rollback puts back the tariff before the change") {
    HostSandbox host;
    int item = first_item(host);
    const int changed_to = host.item_row(item).pricelist;
    const int before = host.add_pricelist("rollback-old", host.add_itemtype("rollback-type"));
    host.set_item_lastpricelist(item, before);
    int other = host.add_item(changed_to, 12, 1, 0);  // changed too, not rolled back
    host.set_item_lastpricelist(other, before);
    const std::string elid = "elid=" + std::to_string(item);
    const std::string lastpricelist = "SELECT lastpricelist FROM item WHERE id = ?";

    RunResult rolled = mgrctl(host, {"service.changepricelist.rollback", elid, "sok=ok"});
    CHECK(contains(rolled.out, "<doc><ok/></doc>"));
    CHECK(host.item_row(item).pricelist == before);
    CHECK_FALSE(host.query_scalar(lastpricelist, {std::to_string(item)}));
    CHECK(host.item_row(other).pricelist == changed_to);
    CHECK(host.query_scalar(lastpricelist, {std::to_string(other)}) == std::to_string(before));
    CHECK(host.calls().back().func == "service.changepricelist.rollback");

    // the change is spent: a second rollback keeps the tariff it put back
    RunResult again = mgrctl(host, {"service.changepricelist.rollback", elid, "sok=ok"});
    CHECK(contains(again.out, "<doc><ok/></doc>"));
    CHECK(host.item_row(item).pricelist == before);

    RunResult missing = mgrctl(host, {"service.changepricelist.rollback", "elid=999999"});
    CHECK(contains(missing.out, "<error type=\"missing\" object=\"item\" value=\"999999\""));
}

TEST_CASE("fault injection: a crashing mgrctl dies of SIGSEGV after half an answer") {
    HostSandbox host;
    int item = first_item(host);
    std::string elid = "elid=" + std::to_string(item);
    host.crash("service.postopen", elid);

    RunResult crashed = mgrctl(host, {"service.postopen", elid});
    CHECK(crashed.signal == SIGSEGV);
    CHECK(crashed.exit_code == -1);
    CHECK_FALSE(crashed.out.empty());
    CHECK_FALSE(contains(crashed.out, "</doc>"));
    CHECK(host.item_status(item) == 1);  // nothing applied
    REQUIRE(host.calls().size() == 1);   // but recorded
    CHECK(host.calls()[0].func == "service.postopen");

    host.clear_faults();
    CHECK(contains(mgrctl(host, {"service.postopen", elid}).out, "<ok/>"));
    CHECK(host.item_status(item) == 2);
}

TEST_CASE("fault injection: mgrctl answering text that is not XML, exit 0, nothing applied") {
    HostSandbox host;
    int item = first_item(host);
    std::string elid = "elid=" + std::to_string(item);
    host.answer_garbage("service.postopen");

    RunResult garbage = mgrctl(host, {"service.postopen", elid});
    CHECK(garbage.exit_code == 0);
    CHECK_FALSE(garbage.out.empty());
    CHECK(garbage.out.find('<') == std::string::npos);
    CHECK(host.item_status(item) == 1);
    CHECK(host.calls().size() == 1);
    // other functions answer as ever
    CHECK(contains(mgrctl(host, {"service.postclose", elid}).out, "<ok/>"));
    CHECK(host.item_status(item) == 4);
}

TEST_CASE("fault injection: paramlist hands out database credentials that fail") {
    const std::pair<HostSandbox::DbFault, const char*> cases[] = {
        {HostSandbox::DbFault::kUnreachable, "unreachable"},
        {HostSandbox::DbFault::kBadLogin, "refused login"},
    };
    for (const auto& [fault, name] : cases) {
        CAPTURE(name);
        HostSandbox host;
        int item = first_item(host);
        host.break_panel_db(fault);
        RunResult result = mgrctl(host, {"paramlist"});
        REQUIRE(result.exit_code == 0);
        const DbParams handed{
            xml_element(result.out, "DBSocket"), xml_element(result.out, "DBUser"),
            xml_element(result.out, "DBPassword"), xml_element(result.out, "DBName")};
        CHECK(handed.database == host.db_name());
        CHECK_THROWS(DbConnection{handed});
        if (fault == HostSandbox::DbFault::kUnreachable)
            CHECK_FALSE(exists(handed.socket));
        // the fake's own calls still reach the database
        CHECK(contains(mgrctl(host, {"service.postopen", "elid=" + std::to_string(item)}).out,
                       "<ok/>"));
        CHECK(host.item_status(item) == 2);

        host.clear_faults();
        result = mgrctl(host, {"paramlist"});
        DbConnection db(
            DbParams{xml_element(result.out, "DBSocket"), xml_element(result.out, "DBUser"),
                     xml_element(result.out, "DBPassword"), xml_element(result.out, "DBName")});
        CHECK(db.scalar("SELECT status FROM item WHERE id = ?", {std::to_string(item)}) == "2");
    }
}

TEST_CASE("make_csr takes its keys from the fixture pool, a different one each call") {
    CsrPair first = make_csr("a.example.com");
    CsrPair second = make_csr("b.example.com");
    CHECK(first.key_pem != second.key_pem);
    bool pooled = false;
    for (size_t i = 0; i < fixture_key_count(); ++i)
        pooled = pooled || fixture_key_pem(i) == first.key_pem;
    CHECK(pooled);
    for (const CsrPair* pair : {&first, &second}) {
        ReqPtr req = read_csr(pair->csr_pem);
        REQUIRE(req);
        PkeyPtr key = read_key(pair->key_pem);
        REQUIRE(key);
        CHECK(X509_REQ_verify(req.get(), key.get()) == 1);
    }
}
