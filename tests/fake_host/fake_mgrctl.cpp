// fake_mgrctl --root R -m billmgr -o xml FUNC [k=v …] [-e 'k=$VAR' …], or the same args
// to R/sbin/mgrctl, a symlink to it
//
// Stands in for BILLmanager's sbin/mgrctl in tests: records every call in R/var/mgrctl.calls,
// applies it to the sandbox database the way BILLmanager would, and answers with mgrctl's
// `-o xml` output. Faults from R/fake_host.conf make it fail or hang on chosen calls.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "fake_host_db.h"
#include "fake_host_files.h"
#include "mgrctl_call.h"

namespace pmtest {
namespace {

// An error BILLmanager itself would report, answered as <doc><error …/></doc>.
struct MgrError : std::runtime_error {
    MgrError(std::string error_type, std::string error_object, std::string error_value,
             const std::string& message)
        : std::runtime_error(message),
          type(std::move(error_type)),
          object(std::move(error_object)),
          value(std::move(error_value)) {}
    std::string type;
    std::string object;
    std::string value;
};

struct Context {
    DbConnection& db;
    const FakeHostConfig& config;
};

using Handler = std::function<std::string(Context&, const MgrctlCall&)>;

// Params of processing.import.service that describe the service rather than being itemparams.
const char* const kImportControlParams[] = {"module",
                                            "import_itemtype_intname",
                                            "import_pricelist_intname",
                                            "import_service_name",
                                            "status",
                                            "expiredate",
                                            "period",
                                            "sok"};

std::string xml_escape(const std::string& text) {
    std::string out;
    for (char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&apos;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string document(const std::string& body) {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<doc>" + body + "</doc>\n";
}

std::string ok_answer() {
    return document("<ok/>");
}

std::string error_answer(const std::string& type, const std::string& object,
                         const std::string& value, const std::string& message) {
    return document("<error type=\"" + xml_escape(type) + "\" object=\"" + xml_escape(object) +
                    "\" value=\"" + xml_escape(value) +
                    "\"><param name=\"object\" type=\"msg\" msg=\"" + xml_escape(object) + "\">" +
                    xml_escape(object) + "</param><param name=\"value\">" + xml_escape(value) +
                    "</param><msg>" + xml_escape(message) + "</msg></error>");
}

std::string error_answer(const MgrError& error) {
    return error_answer(error.type, error.object, error.value, error.what());
}

std::string require(const MgrctlCall& call, const std::string& name) {
    std::string value = call.param(name);
    if (value.empty())
        throw MgrError("missed", name, "", "Missing parameter " + name);
    return value;
}

std::string require_item(Context& ctx, const MgrctlCall& call) {
    std::string elid = require(call, "elid");
    if (!ctx.db.scalar("SELECT id FROM item WHERE id = ?", {elid}))
        throw MgrError("missing", "item", elid, "No service with id " + elid);
    return elid;
}

std::string require_running_operation(Context& ctx, const MgrctlCall& call) {
    std::string elid = require(call, "elid");
    if (!ctx.db.scalar("SELECT id FROM runningoperation WHERE id = ?", {elid}))
        throw MgrError("missing", "runningoperation", elid, "No running operation " + elid);
    return elid;
}

void upsert_item_param(Context& ctx, const std::string& item, const std::string& name,
                       const std::string& value) {
    ctx.db.execute(
        "INSERT INTO itemparam (item, intname, value) VALUES (?, ?, ?)"
        " ON DUPLICATE KEY UPDATE value = VALUES(value)",
        {item, name, value});
}

Handler set_status(int status) {
    return [status](Context& ctx, const MgrctlCall& call) {
        std::string item = require_item(ctx, call);
        ctx.db.execute("UPDATE item SET status = ? WHERE id = ?", {std::to_string(status), item});
        return ok_answer();
    };
}

bool has_fault(const FakeHostConfig& config, const std::string& func, Fault::Kind kind) {
    return std::any_of(config.faults.begin(), config.faults.end(),
                       [&](const Fault& f) { return f.kind == kind && f.func == func; });
}

// The credentials modules get: the sandbox's own, or a broken copy (kDbUnreachable,
// kDbBadLogin) while fake_mgrctl keeps its working connection.
DbParams handed_out_db(const FakeHostConfig& config) {
    DbParams db = config.db;
    if (has_fault(config, "paramlist", Fault::Kind::kDbUnreachable))
        db.socket += ".nobody-listens";
    if (has_fault(config, "paramlist", Fault::Kind::kDbBadLogin))
        db.password += "-wrong";
    return db;
}

std::string paramlist(Context& ctx, const MgrctlCall&) {
    const DbParams db = handed_out_db(ctx.config);
    const std::pair<const char*, std::string> params[] = {
        {"DBHost", "localhost"}, {"DBUser", db.user},     {"DBPassword", db.password},
        {"DBName", db.database}, {"DBSocket", db.socket}, {"CryptKey", "etc/billmgr.pem"}};
    std::string body;
    for (const auto& [name, value] : params) {
        body += std::string("<elem><") + name + ">" + xml_escape(value) + "</" + name + "></elem>";
    }
    return document(body);
}

std::string postprolong(Context& ctx, const MgrctlCall& call) {
    require_item(ctx, call);
    return ok_answer();
}

std::string setstatus(Context& ctx, const MgrctlCall& call) {
    std::string item = require_item(ctx, call);
    upsert_item_param(ctx, item, "service_status", require(call, "service_status"));
    return ok_answer();
}

// YYYY-MM-DD (no <regex>: GCC 12 with ASan warns inside it).
bool is_iso_date(const std::string& date) {
    if (date.size() != 10 || date[4] != '-' || date[7] != '-')
        return false;
    for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
        if (!std::isdigit(static_cast<unsigned char>(date[i])))
            return false;
    return true;
}

std::string setexpiredate(Context& ctx, const MgrctlCall& call) {
    std::string item = require_item(ctx, call);
    std::string date = require(call, "expiredate");
    if (!is_iso_date(date))
        throw MgrError("value", "expiredate", date, "Expected YYYY-MM-DD");
    ctx.db.execute("UPDATE item SET expiredate = ? WHERE id = ?", {date, item});
    return ok_answer();
}

std::string saveparam(Context& ctx, const MgrctlCall& call) {
    std::string item = require_item(ctx, call);
    std::string name = require(call, "name");
    std::string value = call.param("value");
    if (value.empty()) {
        ctx.db.execute("DELETE FROM itemparam WHERE item = ? AND intname = ?", {item, name});
    } else {
        upsert_item_param(ctx, item, name, value);
    }
    return ok_answer();
}

std::string certificate_save(Context& ctx, const MgrctlCall& call) {
    std::string item = require_item(ctx, call);
    ctx.db.execute(
        "INSERT INTO certificate (item, crt) VALUES (?, ?)"
        " ON DUPLICATE KEY UPDATE crt = VALUES(crt)",
        {item, require(call, "crt")});
    return ok_answer();
}

std::string certificate_failed(Context& ctx, const MgrctlCall& call) {
    upsert_item_param(ctx, require_item(ctx, call), "service_status", "6");
    return ok_answer();
}

std::string find_import_pricelist(Context& ctx, const MgrctlCall& call) {
    std::string intname = require(call, "import_pricelist_intname");
    std::string itemtype = call.param("import_itemtype_intname");
    DbValue id = ctx.db.scalar(
        "SELECT p.id FROM pricelist p LEFT JOIN itemtype t ON t.id = p.itemtype"
        " WHERE p.intname = ? AND (? = '' OR t.intname = ?) ORDER BY p.id LIMIT 1",
        {intname, itemtype, itemtype});
    if (!id)
        throw MgrError("missing", "pricelist", intname, "No tariff " + intname);
    return *id;
}

DbValue optional_param(const MgrctlCall& call, const std::string& name) {
    std::string value = call.param(name);
    return value.empty() ? DbValue() : DbValue(value);
}

bool is_import_control_param(const std::string& name) {
    for (const char* control : kImportControlParams) {
        if (name == control)
            return true;
    }
    return false;
}

std::string import_service(Context& ctx, const MgrctlCall& call) {
    std::string module = require(call, "module");
    std::string pricelist = find_import_pricelist(ctx, call);
    std::string status = call.has("status") ? call.param("status") : "2";
    uint64_t item = ctx.db.insert(
        "INSERT INTO item (pricelist, period, status, expiredate, processingmodule)"
        " VALUES (?, ?, ?, ?, ?)",
        {pricelist, optional_param(call, "period"), status, optional_param(call, "expiredate"),
         module});
    for (const auto& [name, value] : call.params) {
        if (!is_import_control_param(name))
            upsert_item_param(ctx, std::to_string(item), name, value);
    }
    return document("<service_id>" + std::to_string(item) + "</service_id>");
}

std::string require_module(Context& ctx, const MgrctlCall& call, const std::string& name) {
    std::string id = require(call, name);
    if (!ctx.db.scalar("SELECT id FROM processingmodule WHERE id = ?", {id}))
        throw MgrError("missing", "processingmodule", id, "No processing module " + id);
    return id;
}

// The dashboard balance of a processing module; currency and notify_time are kept as they
// were when the call has none (the two-param form of third-party modules).
std::string savebalance(Context& ctx, const MgrctlCall& call) {
    std::string id = require_module(ctx, call, "processingmodule");
    ctx.db.execute("UPDATE processingmodule SET balance = ? WHERE id = ?",
                   {require(call, "balance"), id});
    for (const char* column : {"currency", "notify_time"}) {
        if (call.has(column))
            ctx.db.execute(
                std::string("UPDATE processingmodule SET ") + column + " = ? WHERE id = ?",
                {call.param(column), id});
    }
    return ok_answer();
}

// One param of a processing module, in processingparam as the module's form saves it.
std::string processing_saveparam(Context& ctx, const MgrctlCall& call) {
    std::string id = require_module(ctx, call, "elid");
    std::string name = require(call, "param");
    ctx.db.execute("DELETE FROM processingparam WHERE processingmodule = ? AND intname = ?",
                   {id, name});
    ctx.db.execute(
        "INSERT INTO processingparam (processingmodule, intname, value) VALUES (?, ?, ?)",
        {id, name, call.param("value")});
    return ok_answer();
}

std::string runningoperation_edit(Context& ctx, const MgrctlCall& call) {
    std::string id = require_running_operation(ctx, call);
    if (call.has("errorxml")) {
        ctx.db.execute("UPDATE runningoperation SET errorxml = ? WHERE id = ?",
                       {call.param("errorxml"), id});
    }
    if (call.has("manual")) {
        ctx.db.execute("UPDATE runningoperation SET manual = ? WHERE id = ?",
                       {call.param("manual"), id});
    }
    return ok_answer();
}

std::string runningoperation_setmanual(Context& ctx, const MgrctlCall& call) {
    std::string id = require_running_operation(ctx, call);
    ctx.db.execute("UPDATE runningoperation SET manual = 'on' WHERE id = ?", {id});
    return ok_answer();
}

std::string task_gettype(Context& ctx, const MgrctlCall& call) {
    DbValue type = ctx.db.scalar("SELECT type FROM fake_tasktype WHERE operation = ?",
                                 {require(call, "operation")});
    return document("<task_type>" + (type ? *type : std::string("7")) + "</task_type>");
}

std::string task_edit(Context& ctx, const MgrctlCall& call) {
    ctx.db.execute("INSERT INTO task (item, runningoperation, type) VALUES (?, ?, ?)",
                   {optional_param(call, "item"), optional_param(call, "runningoperation"),
                    optional_param(call, "type")});
    return ok_answer();
}

std::string record_only(Context&, const MgrctlCall&) {
    return ok_answer();
}

// Back to the tariff the service had before the change.
std::string changepricelist_rollback(Context& ctx, const MgrctlCall& call) {
    std::string id = require_item(ctx, call);
    ctx.db.execute(
        "UPDATE item SET pricelist = COALESCE(lastpricelist, pricelist), lastpricelist = NULL"
        " WHERE id = ?",
        {id});
    return ok_answer();
}

const std::map<std::string, Handler>& handlers() {
    static const std::map<std::string, Handler> table = {
        {"paramlist", paramlist},
        {"service.postopen", set_status(2)},
        {"service.postclose", set_status(4)},
        {"service.postsuspend", set_status(3)},
        {"service.postresume", set_status(2)},
        {"service.postprolong", postprolong},
        {"service.postsetparam", record_only},
        {"service.postreopen", record_only},
        {"service.changepricelist.rollback", changepricelist_rollback},
        {"service.setstatus", setstatus},
        {"service.setexpiredate", setexpiredate},
        {"service.saveparam", saveparam},
        {"certificate.save", certificate_save},
        {"certificate.open", set_status(2)},
        {"certificate.failed", certificate_failed},
        {"processing.import.service", import_service},
        {"processing.savebalance", savebalance},
        {"processing.saveparam", processing_saveparam},
        {"runningoperation.edit", runningoperation_edit},
        {"runningoperation.setmanual", runningoperation_setmanual},
        {"task.gettype", task_gettype},
        {"task.edit", task_edit},
    };
    return table;
}

// Runs the handler in one transaction, so a failed call leaves the database untouched.
std::string apply(const FakeHostConfig& config, const Handler& handler, const MgrctlCall& call) {
    DbConnection db(config.db);
    Context ctx{db, config};
    db.execute_text("START TRANSACTION");
    try {
        std::string answer = handler(ctx, call);
        db.execute_text("COMMIT");
        return answer;
    } catch (...) {
        db.execute_text("ROLLBACK");
        throw;
    }
}

std::string unknown_function(const std::string& func) {
    return error_answer("missed", "func", func, "Unknown function " + func);
}

std::string dispatch(const FakeHostConfig& config, const MgrctlCall& call,
                     const std::optional<std::string>& env_problem) {
    if (env_problem)
        return error_answer("value", "-e", "", *env_problem);
    auto handler = handlers().find(call.func);
    if (handler == handlers().end())
        return unknown_function(call.func);
    try {
        return apply(config, handler->second, call);
    } catch (const MgrError& error) {
        return error_answer(error);
    }
}

bool fault_matches(const Fault& fault, const MgrctlCall& call) {
    if (fault.func != call.func)
        return false;
    if (fault.kind == Fault::Kind::kRefuseParam)
        return call.has(fault.match);
    if (fault.match.empty())
        return true;
    size_t eq = fault.match.find('=');
    if (eq == std::string::npos)
        return call.has(fault.match);
    std::string name = fault.match.substr(0, eq);
    return call.has(name) && call.param(name) == fault.match.substr(eq + 1);
}

const Fault* find_fault(const FakeHostConfig& config, const MgrctlCall& call, Fault::Kind kind,
                        HangWhen when = HangWhen::kBefore) {
    for (const Fault& fault : config.faults) {
        bool same_kind = fault.kind == kind && (kind == Fault::Kind::kFail || fault.when == when);
        if (same_kind && fault_matches(fault, call))
            return &fault;
    }
    return nullptr;
}

bool released(const std::string& root) {
    return ::access(mgrctl_release_path(root).c_str(), F_OK) == 0;
}

// Whether a hang with a skip has let enough matching calls through: this call is counted.
bool skipped_enough(const std::string& root, const Fault& hang) {
    if (hang.skip == 0)
        return true;
    const std::vector<std::string> key = {hang.func, hang.match, hang_when_name(hang.when)};
    append_record(mgrctl_hang_matches_path(root), key);
    int matched = 0;
    for (const auto& record : read_records(mgrctl_hang_matches_path(root)))
        matched += record == key ? 1 : 0;
    return matched > hang.skip;
}

void hang_if_asked(const std::string& root, const FakeHostConfig& config, const MgrctlCall& call,
                   HangWhen when) {
    const Fault* hang = find_fault(config, call, Fault::Kind::kHang, when);
    if (hang && skipped_enough(root, *hang)) {
        append_record(mgrctl_hangs_path(root),
                      {call.func, hang_when_name(when), std::to_string(::getpid())});
        const auto deadline =
            std::chrono::steady_clock::now() + std::chrono::duration<double>(hang->seconds);
        while (std::chrono::steady_clock::now() < deadline && !released(root))
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

// Half of `answer` on stdout, then death by SIGSEGV (no core file), as a crashing mgrctl.
[[noreturn]] void crash(const std::string& answer) {
    std::cout << answer.substr(0, answer.size() / 2) << std::flush;
    rlimit no_core{0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    std::signal(SIGSEGV, SIG_DFL);
    std::raise(SIGSEGV);
    std::abort();
}

std::optional<std::string> from_environment(const std::string& variable) {
    const char* value = std::getenv(variable.c_str());
    return value ? std::optional<std::string>(value) : std::nullopt;
}

std::string answer(const std::string& root, const std::vector<std::string>& argv) {
    FakeHostConfig config = load_fake_host_config(root);
    MgrctlCall call = interpret_mgrctl_argv(argv, from_environment);
    hang_if_asked(root, config, call, HangWhen::kBefore);
    append_record(mgrctl_calls_path(root), call_record(argv, from_environment));
    std::string reply;
    if (find_fault(config, call, Fault::Kind::kUnknown)) {
        reply = unknown_function(call.func);
    } else if (const Fault* refusal = find_fault(config, call, Fault::Kind::kRefuseParam)) {
        const std::string& param = refusal->match;
        reply = error_answer("value", param, call.param(param),
                             "The '" + param + "' field has invalid value");
    } else if (find_fault(config, call, Fault::Kind::kCrash)) {
        crash(ok_answer());
    } else if (find_fault(config, call, Fault::Kind::kGarbage)) {
        reply = "mgrctl: cannot connect to billmgr: Connection refused\n";
    } else if (find_fault(config, call, Fault::Kind::kFail)) {
        reply = error_answer("value", "fake_host", call.func, "Injected failure of " + call.func);
    } else {
        reply = dispatch(config, call, find_env_problem(argv, from_environment));
    }
    hang_if_asked(root, config, call, HangWhen::kAfter);
    return reply;
}

}  // namespace
}  // namespace pmtest

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    // R/sbin/mgrctl is a symlink to this program (no shell in between): R is where it was
    // started from. `--root R` names it outright.
    const std::string invoked = argv[0];
    const std::string suffix = "/sbin/mgrctl";
    std::string root;
    if (args.size() >= 2 && args[0] == "--root") {
        root = args[1];
        args.erase(args.begin(), args.begin() + 2);
    } else if (invoked.size() > suffix.size() &&
               invoked.compare(invoked.size() - suffix.size(), suffix.size(), suffix) == 0) {
        root = invoked.substr(0, invoked.size() - suffix.size());
    } else {
        std::cerr << "usage: fake_mgrctl --root R [mgrctl args…], or run as R/sbin/mgrctl\n";
        return 2;
    }
    try {
        std::cout << pmtest::answer(root, args) << std::flush;
        return 0;
    } catch (const std::exception& e) {
        std::cout << pmtest::error_answer("internal", "fake_host", "", e.what()) << std::flush;
        std::cerr << "fake_mgrctl: " << e.what() << "\n";
        return 1;
    }
}
