#include "host_sandbox.h"

#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "fixture_keys.h"
#include "host_crypto.h"

#ifndef FAKE_MGRCTL_EXE
#error "FAKE_MGRCTL_EXE must name the fake_mgrctl executable"
#endif

namespace pmtest {
namespace {

constexpr auto kServerStartTimeout = std::chrono::seconds(60);

std::string current_os_user() {
    const passwd* entry = getpwuid(geteuid());
    if (!entry)
        throw std::runtime_error("cannot resolve the current OS user");
    return entry->pw_name;
}

// Non-root PATHs often lack /usr/sbin, where Debian installs mariadbd.
std::string mariadbd_program() {
    const std::string debian_path = "/usr/sbin/mariadbd";
    return access(debian_path.c_str(), X_OK) == 0 ? debian_path : "mariadbd";
}

std::string tail(const std::string& text, size_t max_chars) {
    return text.size() <= max_chars ? text : text.substr(text.size() - max_chars);
}

void make_dir(const std::string& path) {
    if (mkdir(path.c_str(), 0755) != 0)
        throw std::runtime_error("cannot create " + path);
}

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
    std::string out;
    for (size_t i = 0; i < parts.size(); ++i) {
        out += (i > 0 ? separator : "") + parts[i];
    }
    return out;
}

std::string unique_database_name() {
    static std::atomic<int> counter{0};
    return "pmtest_" + std::to_string(getpid()) + "_" + std::to_string(++counter);
}

// Sandboxes share one server, so each gets its own freshly created database.
DbConnection create_fresh_database(const std::string& name) {
    MariaDbServer& server = MariaDbServer::shared();
    server.admin_connection().execute_text("CREATE DATABASE " + quote_identifier(name) +
                                           " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
    return server.admin_connection(name);
}

// BILLmanager's tables, reduced to the columns modules read. Distinct AUTO_INCREMENT starts
// make a module that mixes up item, tariff and module ids fail loudly.
const char* const kSchema[] = {
    "CREATE TABLE itemtype (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, intname VARCHAR(255))",
    "CREATE TABLE pricelist (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
    " intname VARCHAR(255), itemtype INT) AUTO_INCREMENT=101",
    "CREATE TABLE pricelistparam (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, pricelist INT,"
    " intname VARCHAR(255), value TEXT)",
    // balance, currency and notify_time are fake-only: they make processing.savebalance
    // visible.
    "CREATE TABLE processingmodule (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
    " module VARCHAR(255), name VARCHAR(255), active VARCHAR(3) NOT NULL DEFAULT 'on',"
    " balance VARCHAR(64) NULL, currency VARCHAR(16) NULL, notify_time VARCHAR(32) NULL)"
    " AUTO_INCREMENT=11",
    "CREATE TABLE processingparam (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
    " processingmodule INT, intname VARCHAR(255), value TEXT)",
    "CREATE TABLE processingcryptedparam (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
    " processingmodule INT, intname VARCHAR(255), value TEXT)",
    "CREATE TABLE item (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, pricelist INT,"
    " lastpricelist INT NULL, period INT,"
    " status INT, expiredate DATE NULL, remoteid VARCHAR(255) NULL, processingmodule INT)"
    " AUTO_INCREMENT=1001",
    "CREATE TABLE itemparam (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, item INT,"
    " intname VARCHAR(255), value TEXT, UNIQUE KEY item_intname (item, intname))",
    "CREATE TABLE certificate (item INT NOT NULL PRIMARY KEY, csr TEXT, pkey TEXT,"
    " crt MEDIUMTEXT)",
    // errorxml and manual are fake-only: they make runningoperation.edit/setmanual visible.
    "CREATE TABLE runningoperation (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
    " trycount INT NOT NULL DEFAULT 0, errorxml MEDIUMTEXT NULL,"
    " manual VARCHAR(3) NOT NULL DEFAULT 'off') AUTO_INCREMENT=501",
    // A staff task links to its running operation by task.runningoperation.
    "CREATE TABLE task (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, item INT NULL,"
    " runningoperation INT NULL, type INT NULL) AUTO_INCREMENT=701",
    // Fake-only: what task.gettype answers for an operation; without a row, type 7.
    "CREATE TABLE fake_tasktype (operation VARCHAR(64) NOT NULL PRIMARY KEY,"
    " type VARCHAR(16) NOT NULL)",
};

// `openssl req -subj` syntax: /type=value, with '/', '+' and '\' escaped.
std::string subject_component(const std::string& type, const std::string& value) {
    std::string escaped;
    for (char c : value) {
        if (c == '/' || c == '+' || c == '\\')
            escaped += '\\';
        escaped += c;
    }
    return "/" + type + "=" + escaped;
}

std::string openssl_subject(const std::string& cn, const SubjectFields& subject) {
    std::string out;
    std::string email;
    for (const auto& [type, value] : subject) {
        if (value.empty())
            continue;  // openssl would only warn and skip it
        if (type == "emailAddress") {
            email = value;
        } else {
            out += subject_component(type, value);
        }
    }
    out += subject_component("CN", cn);
    if (!email.empty())
        out += subject_component("emailAddress", email);
    return out;
}

std::string subject_alt_name(const std::vector<std::string>& altnames) {
    std::vector<std::string> entries;
    for (const auto& name : altnames)
        entries.push_back("DNS:" + name);
    return "subjectAltName=" + join(entries, ",");
}

// The registrable part an approver address lives at: *.a.com and www.a.com → a.com.
std::string approver_domain(const std::string& domain) {
    for (const std::string prefix : {"*.", "www."}) {
        if (domain.compare(0, prefix.size(), prefix) == 0)
            return domain.substr(prefix.size());
    }
    return domain;
}

ParamMap contact_params(const std::string& prefix, const std::string& fname,
                        const std::string& lname, const std::string& jtitle,
                        const std::string& email) {
    return {{prefix + "_fname", fname},
            {prefix + "_lname", lname},
            {prefix + "_jtitle", jtitle},
            {prefix + "_email", email},
            {prefix + "_phone", "+7 (111) 111-11-11"},
            {prefix + "_phone_country", "182"}};
}

ParamMap organisation_params() {
    return {{"org_name", "ООО «Ромашка»"},
            {"org_address", "ул. Ленина, д. 1"},
            {"org_city", "Москва"},
            {"org_state", "Москва"},
            {"org_postcode", "111111"},
            {"org_phone", "+7 (111) 111-11-11"},
            {"org_phone_country", "182"},
            {"org_country", "182"},
            {"country", "182"}};
}

SubjectFields order_subject(const std::string& cn) {
    return {{"C", "RU"},     {"ST", "Moscow"},
            {"L", "Moscow"}, {"O", "Romashka LLC"},
            {"OU", "IT"},    {"emailAddress", "admin@" + approver_domain(cn)}};
}

ParamMap certificate_order_params(const CertificateOrderOptions& options,
                                  const std::vector<std::string>& domains) {
    std::string base = approver_domain(options.cn);
    ParamMap params = organisation_params();
    params.merge(contact_params("adm", "Иван", "Петров", "Директор", "admin@" + base));
    params.merge(
        contact_params("tech", "Пётр", "Сидоров", "Системный администратор", "tech@" + base));
    std::vector<std::string> approvers;
    for (const auto& domain : domains)
        approvers.push_back("admin@" + approver_domain(domain));
    params["approver_email"] = join(approvers, ",");
    params["approver_method"] = options.approver_method;
    params["altname"] = join(options.altnames, " ");
    params["CN"] = options.cn;
    for (const auto& [type, value] : order_subject(options.cn)) {
        if (type != "C")
            params[type] = value;
    }
    return params;
}

int to_int(const DbValue& value) {
    return value ? std::stoi(*value) : 0;
}

}  // namespace

// ---- MariaDbServer ----

MariaDbServer& MariaDbServer::shared() {
    static MariaDbServer server;
    return server;
}

MariaDbServer::MariaDbServer()
    : dir_(make_temp_dir("pmtest-mariadb-")),
      socket_path_(dir_ + "/mysql.sock"),
      os_user_(current_os_user()) {
    try {
        install();
        start();
        wait_until_ready();
        create_billmgr_user();
    } catch (...) {
        stop();
        remove_tree(dir_);
        throw;
    }
}

MariaDbServer::~MariaDbServer() {
    stop();
    remove_tree(dir_);
}

void MariaDbServer::install() {
    // A private tmpdir: parallel test binaries bootstrapping at once must not share /tmp's
    // temporary tables (seen: "Could not remove temporary table … Aborting").
    std::filesystem::create_directories(dir_ + "/tmp");
    // Socket auth for the OS user (root in CI) gives a real superuser without a password.
    RunResult result =
        run({"mariadb-install-db", "--no-defaults", "--datadir=" + dir_ + "/data",
             "--auth-root-authentication-method=socket", "--skip-test-db", "--skip-name-resolve",
             "--user=" + os_user_, "--tmpdir=" + dir_ + "/tmp"},
            RunOptions{{}, {}, "", dir_, std::chrono::seconds(120)});
    if (result.exit_code != 0)
        throw std::runtime_error("mariadb-install-db failed: " +
                                 tail(result.out + result.err, 4000));
}

void MariaDbServer::start() {
    std::vector<std::string> argv = {
        mariadbd_program(), "--no-defaults", "--datadir=" + dir_ + "/data",
        "--socket=" + socket_path_, "--skip-networking", "--pid-file=" + dir_ + "/mariadbd.pid",
        "--log-error=" + dir_ + "/err.log", "--user=" + os_user_, "--character-set-server=utf8mb4",
        "--collation-server=utf8mb4_unicode_ci", "--skip-name-resolve", "--skip-log-bin",
        "--performance-schema=OFF", "--tmpdir=" + dir_ + "/tmp",
        // Throwaway data: trade durability for speed; no native AIO, which containers may lack.
        "--innodb-buffer-pool-size=16M", "--innodb-flush-log-at-trx-commit=0",
        "--innodb-doublewrite=0", "--innodb-use-native-aio=0"};
    // PDEATHSIG: the server dies with the test process even when that one is killed -9.
    if (access("/usr/bin/setpriv", X_OK) == 0) {
        argv.insert(argv.begin(), {"/usr/bin/setpriv", "--pdeathsig", "KILL", "--"});
    }
    server_ = Child(argv, RunOptions{{}, {}, "", dir_, {}});
}

void MariaDbServer::wait_until_ready() {
    auto deadline = std::chrono::steady_clock::now() + kServerStartTimeout;
    std::string last_error;
    while (std::chrono::steady_clock::now() < deadline) {
        if (!server_.running())
            break;
        try {
            admin_connection();
            return;
        } catch (const std::exception& e) {
            last_error = e.what();
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw std::runtime_error("MariaDB did not start (" + last_error + "); error log:\n" +
                             tail(read_file(dir_ + "/err.log"), 4000));
}

void MariaDbServer::create_billmgr_user() {
    DbConnection admin = admin_connection();
    std::string password = admin.escape_string(kBillmgrPassword);
    admin.execute_text("CREATE USER 'billmgr'@'localhost' IDENTIFIED BY '" + password + "'");
    admin.execute_text("GRANT ALL PRIVILEGES ON *.* TO 'billmgr'@'localhost'");
}

void MariaDbServer::stop() {
    if (server_.running()) {
        server_.signal_group(SIGKILL);
        server_.wait();
    }
}

DbConnection MariaDbServer::admin_connection(const std::string& database) const {
    return DbConnection(DbParams{socket_path_, os_user_, "", database});
}

DbParams MariaDbServer::billmgr_params(const std::string& database) const {
    return DbParams{socket_path_, kBillmgrUser, kBillmgrPassword, database};
}

// ---- make_csr ----

CsrPair make_csr(const std::string& cn, const std::vector<std::string>& altnames,
                 const SubjectFields& subject) {
    std::string dir = make_temp_dir("pmtest-csr-");
    // The key is no test's subject here: the next one of the fixture pool, not a fresh one.
    write_file(dir + "/key.pem", next_fixture_key_pem(), 0600);
    std::vector<std::string> argv = {"openssl", "req",    "-new",  "-key",
                                     "key.pem", "-utf8",  "-subj", openssl_subject(cn, subject),
                                     "-out",    "req.pem"};
    if (!altnames.empty())
        argv.insert(argv.end(), {"-addext", subject_alt_name(altnames)});
    RunResult result = run(argv, RunOptions{{}, {}, "", dir, std::chrono::seconds(60)});
    CsrPair pair{read_file(dir + "/req.pem"), read_file(dir + "/key.pem")};
    remove_tree(dir);
    if (result.exit_code != 0 || pair.csr_pem.empty())
        throw std::runtime_error("openssl req failed: " + result.err);
    return pair;
}

// ---- HostSandbox: lifecycle ----

HostSandbox::HostSandbox()
    : db_name_(unique_database_name()), db_(create_fresh_database(db_name_)) {
    try {
        create_schema();
        create_root();
    } catch (...) {
        remove_all();
        throw;
    }
}

HostSandbox::~HostSandbox() {
    remove_all();
}

void HostSandbox::remove_all() {
    try {
        db_.execute_text("DROP DATABASE IF EXISTS " + quote_identifier(db_name_));
    } catch (const std::exception&) {
        // Best effort: the server goes away with the test process anyway.
    }
    if (!root_.empty())
        remove_tree(root_);
}

void HostSandbox::create_schema() {
    for (const char* statement : kSchema) {
        db_.execute_text(std::string(statement) +
                         " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci");
    }
}

void HostSandbox::create_root() {
    root_ = make_temp_dir("pmtest-host-");
    for (const char* dir : {"/etc", "/var", "/sbin"})
        make_dir(root_ + dir);
    // The next key of the fixture pool, not a fresh one (about 180 ms each): two sandboxes
    // in a row still have different keys, as a test of the wrong key needs.
    key_pem_ = traditional_rsa_key_pem(next_fixture_key_pem());
    write_file(root_ + "/etc/billmgr.pem", key_pem_, 0600);
    config_.db = MariaDbServer::shared().billmgr_params(db_name_);
    save_fake_host_config(root_, config_);
    // A symlink, not a wrapper script: fake_mgrctl finds the root from the path it was run
    // by, and a shell per call was a tenth of a soak's CPU.
    if (symlink(FAKE_MGRCTL_EXE, mgrctl_path().c_str()) != 0)
        throw std::runtime_error("cannot link " + mgrctl_path());
}

std::map<std::string, std::string> HostSandbox::env() const {
    return {{"PMBILLMGRSSL_ROOT", root_}};
}

// ---- HostSandbox: fixtures ----

int HostSandbox::insert(const std::string& sql, const std::vector<DbValue>& params) {
    return static_cast<int>(db_.insert(sql, params));
}

int HostSandbox::add_itemtype(const std::string& intname) {
    return insert("INSERT INTO itemtype (intname) VALUES (?)", {intname});
}

int HostSandbox::add_pricelist(const std::string& intname, int itemtype) {
    return insert("INSERT INTO pricelist (intname, itemtype) VALUES (?, ?)",
                  {intname, std::to_string(itemtype)});
}

int HostSandbox::add_pricelist_param(int pricelist, const std::string& intname,
                                     const std::string& value) {
    return insert("INSERT INTO pricelistparam (pricelist, intname, value) VALUES (?, ?, ?)",
                  {std::to_string(pricelist), intname, value});
}

int HostSandbox::add_module(const std::string& name, const ParamMap& params,
                            const ParamMap& crypted, const std::string& module) {
    int id = insert("INSERT INTO processingmodule (module, name) VALUES (?, ?)", {module, name});
    for (const auto& [intname, value] : params) {
        insert("INSERT INTO processingparam (processingmodule, intname, value) VALUES (?, ?, ?)",
               {std::to_string(id), intname, value});
    }
    for (const auto& [intname, value] : crypted) {
        insert(
            "INSERT INTO processingcryptedparam (processingmodule, intname, value)"
            " VALUES (?, ?, ?)",
            {std::to_string(id), intname, crypt(value)});
    }
    return id;
}

void HostSandbox::set_module_active(int module, bool active) {
    db_.execute("UPDATE processingmodule SET active = ? WHERE id = ?",
                {active ? "on" : "off", std::to_string(module)});
}

int HostSandbox::add_item(int pricelist, int period, int status, int module,
                          const std::optional<std::string>& remoteid) {
    return insert(
        "INSERT INTO item (pricelist, period, status, processingmodule, remoteid)"
        " VALUES (?, ?, ?, ?, ?)",
        {std::to_string(pricelist), std::to_string(period), std::to_string(status),
         std::to_string(module), remoteid});
}

void HostSandbox::set_item_param(int item, const std::string& name, const std::string& value) {
    db_.execute(
        "INSERT INTO itemparam (item, intname, value) VALUES (?, ?, ?)"
        " ON DUPLICATE KEY UPDATE value = VALUES(value)",
        {std::to_string(item), name, value});
}

void HostSandbox::set_item_lastpricelist(int item, int pricelist) {
    db_.execute("UPDATE item SET lastpricelist = ? WHERE id = ?",
                {std::to_string(pricelist), std::to_string(item)});
}

void HostSandbox::set_certificate(int item, const std::string& csr, const std::string& pkey,
                                  const std::optional<std::string>& crt) {
    db_.execute("REPLACE INTO certificate (item, csr, pkey, crt) VALUES (?, ?, ?, ?)",
                {std::to_string(item), csr, pkey, crt});
}

int HostSandbox::add_running_operation(int trycount) {
    return insert("INSERT INTO runningoperation (trycount) VALUES (?)", {std::to_string(trycount)});
}

void HostSandbox::set_trycount(int running_operation, int trycount) {
    db_.execute("UPDATE runningoperation SET trycount = ? WHERE id = ?",
                {std::to_string(trycount), std::to_string(running_operation)});
}

int HostSandbox::find_or_add_itemtype(const std::string& intname) {
    DbValue id = db_.scalar("SELECT id FROM itemtype WHERE intname = ?", {intname});
    return id ? std::stoi(*id) : add_itemtype(intname);
}

int HostSandbox::find_or_add_tariff(const std::string& intname, int itemtype,
                                    const std::string& upstream_pricelist) {
    DbValue id = db_.scalar("SELECT id FROM pricelist WHERE intname = ? AND itemtype = ?",
                            {intname, std::to_string(itemtype)});
    if (id)
        return std::stoi(*id);
    int pricelist = add_pricelist(intname, itemtype);
    add_pricelist_param(pricelist, "upstream_pricelist", upstream_pricelist);
    return pricelist;
}

CertificateOrder HostSandbox::add_certificate_order(const CertificateOrderOptions& options) {
    CertificateOrder order;
    order.module = options.module;
    order.tariff = options.tariff;
    order.upstream_pricelist = options.upstream_pricelist;
    order.itemtype = find_or_add_itemtype("certificate");
    order.pricelist =
        find_or_add_tariff(options.tariff, order.itemtype, options.upstream_pricelist);
    order.item = add_item(order.pricelist, options.period, 1, options.module);
    order.domains = {options.cn};
    order.domains.insert(order.domains.end(), options.altnames.begin(), options.altnames.end());
    order.params = certificate_order_params(options, order.domains);
    for (const auto& [name, value] : order.params)
        set_item_param(order.item, name, value);
    order.csr = make_csr(options.cn, order.domains, order_subject(options.cn));
    set_certificate(order.item, order.csr.csr_pem, order.csr.key_pem);
    return order;
}

std::string HostSandbox::crypt(const std::string& value) const {
    // BILLmanager's Crypt leaves an empty value empty.
    return value.empty() ? value : billmgr_encrypt(key_pem_, value);
}

// ---- HostSandbox: readers ----

std::optional<std::string> HostSandbox::item_param(int item, const std::string& name) {
    return db_.scalar("SELECT value FROM itemparam WHERE item = ? AND intname = ?",
                      {std::to_string(item), name});
}

ParamMap HostSandbox::item_params(int item) {
    ParamMap params;
    for (const DbRow& row :
         db_.query("SELECT intname, value FROM itemparam WHERE item = ?", {std::to_string(item)})) {
        params[row[0].value_or("")] = row[1].value_or("");
    }
    return params;
}

ItemRow HostSandbox::item_row(int item) {
    std::vector<DbRow> rows = db_.query(
        "SELECT pricelist, period, status, expiredate, remoteid, processingmodule"
        " FROM item WHERE id = ?",
        {std::to_string(item)});
    if (rows.empty())
        throw std::runtime_error("no item " + std::to_string(item));
    const DbRow& row = rows.front();
    return ItemRow{to_int(row[0]), to_int(row[1]), to_int(row[2]), row[3], row[4], to_int(row[5])};
}

int HostSandbox::item_status(int item) {
    return item_row(item).status;
}

std::optional<std::string> HostSandbox::item_expiredate(int item) {
    return item_row(item).expiredate;
}

std::optional<CertificateRow> HostSandbox::certificate_row(int item) {
    std::vector<DbRow> rows =
        db_.query("SELECT csr, pkey, crt FROM certificate WHERE item = ?", {std::to_string(item)});
    if (rows.empty())
        return std::nullopt;
    return CertificateRow{rows[0][0], rows[0][1], rows[0][2]};
}

ModuleBalanceRow HostSandbox::module_balance(int module) {
    std::vector<DbRow> rows =
        db_.query("SELECT balance, currency, notify_time FROM processingmodule WHERE id = ?",
                  {std::to_string(module)});
    if (rows.empty())
        throw std::runtime_error("no processingmodule " + std::to_string(module));
    return ModuleBalanceRow{rows[0][0], rows[0][1], rows[0][2]};
}

std::optional<std::string> HostSandbox::module_param(int module, const std::string& name) {
    return db_.scalar(
        "SELECT value FROM processingparam WHERE processingmodule = ? AND intname = ?",
        {std::to_string(module), name});
}

RunningOperationRow HostSandbox::running_operation(int id) {
    std::vector<DbRow> rows =
        db_.query("SELECT trycount, errorxml, manual FROM runningoperation WHERE id = ?",
                  {std::to_string(id)});
    if (rows.empty())
        throw std::runtime_error("no runningoperation " + std::to_string(id));
    return RunningOperationRow{to_int(rows[0][0]), rows[0][1], rows[0][2].value_or("")};
}

std::optional<std::string> HostSandbox::query_scalar(const std::string& sql,
                                                     const std::vector<DbValue>& params) {
    return db_.scalar(sql, params);
}

// ---- HostSandbox: call log and faults ----

std::vector<MgrctlCall> HostSandbox::calls() const {
    std::vector<MgrctlCall> calls;
    for (const auto& record : read_records(mgrctl_calls_path(root_))) {
        calls.push_back(call_from_record(record));
    }
    return calls;
}

int HostSandbox::hangs_begun(const std::string& func, HangWhen when) const {
    int begun = 0;
    for (const auto& record : read_records(mgrctl_hangs_path(root_)))
        begun += record.at(0) == func && record.at(1) == hang_when_name(when) ? 1 : 0;
    return begun;
}

void HostSandbox::kill_held_calls() {
    for (const auto& record : read_records(mgrctl_hangs_path(root_))) {
        const pid_t pid = static_cast<pid_t>(std::stol(record.at(2)));
        // only a fake mgrctl: a pid of a call long gone may belong to another process now
        // (its executable, not its argv: sbin/mgrctl is a symlink to fake_mgrctl)
        std::error_code gone;
        const auto exe = std::filesystem::read_symlink("/proc/" + record.at(2) + "/exe", gone);
        if (!gone && exe.filename().string().find("fake_mgrctl") != std::string::npos)
            ::kill(pid, SIGKILL);
    }
}

void HostSandbox::release_hangs() {
    write_file(mgrctl_release_path(root_), "");
}

void HostSandbox::clear_calls() {
    write_file(mgrctl_calls_path(root_), "");
}

void HostSandbox::add_fault(const Fault& fault) {
    config_.faults.push_back(fault);
    save_fake_host_config(root_, config_);
    std::remove(mgrctl_release_path(root_).c_str());
}

void HostSandbox::fail(const std::string& func, const std::string& match) {
    add_fault(Fault{Fault::Kind::kFail, func, match, HangWhen::kBefore, 0});
}

void HostSandbox::refuse_param(const std::string& func, const std::string& param) {
    add_fault(Fault{Fault::Kind::kRefuseParam, func, param, HangWhen::kBefore, 0});
}

void HostSandbox::crash(const std::string& func, const std::string& match) {
    add_fault(Fault{Fault::Kind::kCrash, func, match, HangWhen::kBefore, 0});
}

void HostSandbox::answer_garbage(const std::string& func, const std::string& match) {
    add_fault(Fault{Fault::Kind::kGarbage, func, match, HangWhen::kBefore, 0});
}

void HostSandbox::break_panel_db(DbFault fault) {
    const auto kind =
        fault == DbFault::kUnreachable ? Fault::Kind::kDbUnreachable : Fault::Kind::kDbBadLogin;
    add_fault(Fault{kind, "paramlist", "", HangWhen::kBefore, 0});
}

void HostSandbox::unknown_function(const std::string& func) {
    add_fault(Fault{Fault::Kind::kUnknown, func, "", HangWhen::kBefore, 0});
}

void HostSandbox::hang(const std::string& func, const std::string& match, HangWhen when,
                       double seconds, int skip) {
    add_fault(Fault{Fault::Kind::kHang, func, match, when, seconds, skip});
}

void HostSandbox::clear_faults() {
    config_.faults.clear();
    save_fake_host_config(root_, config_);
    std::remove(mgrctl_hang_matches_path(root_).c_str());
    std::remove(mgrctl_release_path(root_).c_str());
}

}  // namespace pmtest
