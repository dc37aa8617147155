// The fake BILLmanager host for integration tests: a private MariaDB server holding
// BILLmanager's tables, a temporary mgr root, and a fake sbin/mgrctl that records each call
// and applies it to that database (see fake_mgrctl.cpp).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fake_host_db.h"
#include "fake_host_files.h"
#include "mgrctl_call.h"
#include "process.h"

namespace pmtest {

using ParamMap = std::map<std::string, std::string>;
// Ordered subject fields for a CSR, e.g. {{"O", "Org"}, {"C", "RU"}}.
using SubjectFields = std::vector<std::pair<std::string, std::string>>;

// One MariaDB server per test process, started on first use, killed at process exit.
class MariaDbServer {
public:
    static constexpr const char* kBillmgrUser = "billmgr";
    // A secret on purpose: tests check it never leaks out of the module.
    static constexpr const char* kBillmgrPassword = "db-s3cret-Пароль";

    static MariaDbServer& shared();
    ~MariaDbServer();
    MariaDbServer(const MariaDbServer&) = delete;
    MariaDbServer& operator=(const MariaDbServer&) = delete;

    const std::string& socket_path() const { return socket_path_; }
    // Superuser over the socket (unix_socket auth as the current OS user).
    DbConnection admin_connection(const std::string& database = "") const;
    // The credentials BILLmanager's paramlist hands to modules.
    DbParams billmgr_params(const std::string& database) const;

private:
    MariaDbServer();
    void install();
    void start();
    void wait_until_ready();
    void create_billmgr_user();
    void stop();

    std::string dir_;
    std::string socket_path_;
    std::string os_user_;
    Child server_;
};

struct CsrPair {
    std::string csr_pem;
    std::string key_pem;
};

// Runs the real `openssl req -new` with the next RSA 2048 key of the fixture pool
// (fixture_keys.h: calls in a row get different keys). `altnames` become the
// subjectAltName DNS entries verbatim (pass the CN too if it belongs there); none → no SAN.
CsrPair make_csr(const std::string& cn, const std::vector<std::string>& altnames = {},
                 const SubjectFields& subject = {});

struct CertificateOrderOptions {
    int module = 0;                           // processingmodule id (from add_module)
    std::string tariff = "positivessl";       // pricelist.intname
    std::string upstream_pricelist = "7001";  // pricelistparam upstream_pricelist
    int period = 12;
    std::string cn = "example.com";
    std::vector<std::string> altnames;  // SANs besides the CN (itemparam altname)
    std::string approver_method = "auth_email";
};

struct CertificateOrder {
    int item = 0;
    int pricelist = 0;
    int itemtype = 0;
    int module = 0;
    std::string tariff;
    std::string upstream_pricelist;
    std::vector<std::string> domains;  // the CN, then the altnames
    ParamMap params;                   // every itemparam written
    CsrPair csr;                       // also stored in the certificate table
};

struct ItemRow {
    int pricelist = 0;
    int period = 0;
    int status = 0;
    std::optional<std::string> expiredate;  // YYYY-MM-DD
    std::optional<std::string> remoteid;
    int processingmodule = 0;
};

struct CertificateRow {
    std::optional<std::string> csr;
    std::optional<std::string> pkey;
    std::optional<std::string> crt;
};

// What processing.savebalance left on a processing module (fake-only columns).
struct ModuleBalanceRow {
    std::optional<std::string> balance;
    std::optional<std::string> currency;
    std::optional<std::string> notify_time;
};

struct RunningOperationRow {
    int trycount = 0;
    std::optional<std::string> errorxml;
    std::string manual;  // "on" once runningoperation.setmanual was called
};

// One per test case: a fresh database and mgr root, both removed on destruction.
class HostSandbox {
public:
    HostSandbox();
    ~HostSandbox();
    HostSandbox(const HostSandbox&) = delete;
    HostSandbox& operator=(const HostSandbox&) = delete;

    const std::string& root() const { return root_; }
    const std::string& db_name() const { return db_name_; }
    // Environment for running the module against this host (PMBILLMGRSSL_ROOT).
    std::map<std::string, std::string> env() const;
    std::string mgrctl_path() const { return root_ + "/sbin/mgrctl"; }
    // Admin connection to this sandbox's database.
    DbConnection& db() { return db_; }

    // Fixtures; each returns the new row id.
    int add_itemtype(const std::string& intname);
    int add_pricelist(const std::string& intname, int itemtype);
    int add_pricelist_param(int pricelist, const std::string& intname, const std::string& value);
    // Crypted params are stored as BILLmanager does (see crypt()).
    int add_module(const std::string& name, const ParamMap& params, const ParamMap& crypted = {},
                   const std::string& module = "pmbillmgrssl");
    // processingmodule.active: 'on' (as add_module leaves it) or 'off'.
    void set_module_active(int module, bool active);
    int add_item(int pricelist, int period, int status, int module,
                 const std::optional<std::string>& remoteid = std::nullopt);
    void set_item_param(int item, const std::string& name, const std::string& value);
    // BILLmanager's item.lastpricelist: the tariff before a change setparam applies.
    void set_item_lastpricelist(int item, int pricelist);
    void set_certificate(int item, const std::string& csr, const std::string& pkey,
                         const std::optional<std::string>& crt = std::nullopt);
    int add_running_operation(int trycount = 0);
    void set_trycount(int running_operation, int trycount);
    // A complete paid certificate order (reuses the itemtype and tariff if they exist).
    CertificateOrder add_certificate_order(const CertificateOrderOptions& options);
    // base64(RSA PKCS#1 v1.5 encrypt(value)) with the public half of etc/billmgr.pem.
    std::string crypt(const std::string& value) const;

    // Readers for assertions.
    std::optional<std::string> item_param(int item, const std::string& name);
    ParamMap item_params(int item);
    int item_status(int item);
    std::optional<std::string> item_expiredate(int item);
    ItemRow item_row(int item);
    std::optional<CertificateRow> certificate_row(int item);
    RunningOperationRow running_operation(int id);
    ModuleBalanceRow module_balance(int module);
    // A processingparam of the module (processing.saveparam writes them).
    std::optional<std::string> module_param(int module, const std::string& name);
    // Test-only convenience: the first column of the first row of raw SQL.
    std::optional<std::string> query_scalar(const std::string& sql,
                                            const std::vector<DbValue>& params = {});

    // The fake mgrctl's call log.
    std::vector<MgrctlCall> calls() const;
    void clear_calls();

    // Fault injection, read by fake_mgrctl on every call. `match` is "name=value" that the
    // call must carry, or just "name" (the call carries that param); empty: every call.
    void fail(const std::string& func, const std::string& match = "");
    // Sleeps before (nothing applied or recorded yet) or after applying and recording; with a
    // skip, only once that many matching calls went through.
    void hang(const std::string& func, const std::string& match, HangWhen when, double seconds,
              int skip = 0);
    // How many hangs of func (at when) have begun: a hanging call is an event to wait for.
    int hangs_begun(const std::string& func, HangWhen when) const;
    // Ends every hang now and any begun later, until the next fault is set or cleared.
    void release_hangs();
    // Kills every fake mgrctl still held by a hang. The module runs mgrctl in a process group
    // of its own, so a kill -9 of the module's group leaves it running: it would apply its
    // call once the hang ends, long after the run it belonged to.
    void kill_held_calls();
    // fake_mgrctl answers `func` as a panel that has no such function.
    void unknown_function(const std::string& func);
    // fake_mgrctl refuses `func` when it carries `param`: <error type="value" object=param>,
    // as a panel refuses a param it does not take; nothing is applied.
    void refuse_param(const std::string& func, const std::string& param);
    // fake_mgrctl dies of SIGSEGV on `func` after half an answer, as a crashing mgrctl; the
    // call is recorded, nothing applied.
    void crash(const std::string& func, const std::string& match = "");
    // fake_mgrctl answers `func` with a line of text, not XML (exit 0); nothing applied.
    void answer_garbage(const std::string& func, const std::string& match = "");
    // paramlist hands modules database credentials that fail: a socket nothing listens on
    // (the panel's database down), or a password the server refuses. The fake's own calls
    // keep working.
    enum class DbFault { kUnreachable, kBadLogin };
    void break_panel_db(DbFault fault);
    void clear_faults();

private:
    void create_schema();
    void create_root();
    void add_fault(const Fault& fault);
    int find_or_add_itemtype(const std::string& intname);
    int find_or_add_tariff(const std::string& intname, int itemtype,
                           const std::string& upstream_pricelist);
    int insert(const std::string& sql, const std::vector<DbValue>& params);
    void remove_all();

    std::string db_name_;
    DbConnection db_;
    std::string root_;
    std::string key_pem_;
    FakeHostConfig config_;
};

}  // namespace pmtest
