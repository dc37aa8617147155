#include "billmgr/module.h"

#include <sys/stat.h>

#include <ostream>

#include "billmgr/billmgr_host.h"
#include "billmgr/writeback.h"
#include "core/log.h"

namespace pmb {

namespace {

[[noreturn]] void unsupported(const std::string& command) {
    throw Error(errtype::kUnsupported, "command", command,
                "the command '" + command + "' is not supported by pmbillmgrssl");
}

}  // namespace

// kItem commands act on one service: the kill switch applies and failures go to the
// running operation.
struct Module::Command {
    enum Kind { kStandalone, kItem };
    const char* name;
    Kind kind;
};

const std::vector<Module::Command>& Module::commands() {
    static const std::vector<Command> table = {
        {"check_connection", Command::kStandalone},
        {"tune_connection", Command::kStandalone},
        {"open", Command::kItem},
        {"sync_item", Command::kItem},
        {"reopen", Command::kItem},
        {"prolong", Command::kItem},
        {"close", Command::kItem},
        {"suspend", Command::kItem},
        {"resume", Command::kItem},
        {"approver", Command::kStandalone},
        {"import_pricelist", Command::kStandalone},
        {"import", Command::kStandalone},
    };
    return table;
}

Module::Module(MgrRoot root, Config config, HostFactory host_factory)
    : root_(std::move(root)), config_(std::move(config)), host_factory_(std::move(host_factory)) {
    if (!host_factory_) {
        host_factory_ = [](const MgrRoot& r) { return std::make_unique<BillmgrHost>(r); };
    }
}

std::string Module::canonical(const std::string& command) {
    // BILLmanager's own modules call reissue "reopen"; accept both names.
    return command == "reissue" ? "reopen" : command;
}

int Module::max_tries(const std::string& command) {
    // A renewal is charged upstream: one try, then staff decide.
    return canonical(command) == "prolong" ? 1 : 10;
}

std::vector<std::string> Module::implemented_commands() const {
    std::vector<std::string> out;
    for (const auto& c : commands())
        if (implements(c.name))
            out.emplace_back(c.name);
    return out;
}

Host& Module::host() {
    if (!host_)
        host_ = host_factory_(root_);
    return *host_;
}

bool Module::kill_switch_on() const {
    struct stat st {};
    return stat(root_.kill_switch().c_str(), &st) == 0;
}

std::string Module::dispatch(const Args& args, const std::string& input) {
    const std::string command = canonical(args.command);
    if (command == "features")
        return features();
    const Command* spec = nullptr;
    for (const auto& c : commands())
        if (command == c.name)
            spec = &c;
    if (!spec || !implements(command))
        unsupported(args.command);
    if (spec->kind == Command::kItem && kill_switch_on()) {
        log_info(command + ": etc/billmgr.DoNothing exists, doing nothing");
        return "";
    }
    if (command == "check_connection")
        return check_connection(input);
    if (command == "tune_connection")
        return tune_connection(input);
    if (command == "approver")
        return approver(args.module_id(), args.domain, args.intname);
    if (command == "import_pricelist")
        return import_pricelist(args.module_id(), args.subcommand, args.id);
    if (command == "import")
        return import_services(args.module_id(), args.itemtype);
    const long long item = args.item_id();
    if (command == "open")
        return open(item);
    if (command == "sync_item")
        return sync_item(item);
    if (command == "reopen")
        return reopen(item);
    if (command == "prolong")
        return prolong(item);
    if (command == "close")
        return close(item);
    if (command == "suspend")
        return suspend(item);
    return resume(item);
}

int Module::run(const Args& args, const std::string& input, std::ostream& out) {
    if (args.command.empty()) {
        Error missing(errtype::kMissed, "command", "", "the option --command is required");
        out << missing.to_xml();
        return 1;
    }
    log_info("command " + args.command + (args.item.empty() ? "" : " item " + args.item) +
             (args.runningoperation.empty() ? "" : " runningoperation " + args.runningoperation));
    for (const auto& ignored : args.ignored)
        log_debug("ignoring unknown option " + ignored);
    try {
        std::string answer = dispatch(args, input);
        out << (answer.empty() ? XmlDoc("doc").to_string() : answer);
        return 0;
    } catch (const Error& e) {
        report_failure(args, e);
        out << e.to_xml();
    } catch (const std::exception& e) {
        Error internal(errtype::kInternal, "module", "",
                       std::string("internal error: ") + e.what());
        report_failure(args, internal);
        out << internal.to_xml();
    }
    return 1;
}

// Stores the error on the running operation; at the try limit, hands it to staff as a task.
void Module::report_failure(const Args& args, const Error& error) {
    log_error(args.command + " failed: [" + error.type() + "] " + error.message());
    if (args.runningoperation.empty())
        return;
    try {
        const long long operation = *args.running_operation_id();
        Writeback writeback(host());
        writeback.save_operation_error(operation, error.to_xml());
        const int tries = host().trycount(operation);
        if (tries < max_tries(args.command))
            return;
        log_warning("try " + std::to_string(tries) + " of " + args.command +
                    " reached the limit: handing the operation to staff");
        writeback.set_operation_manual(operation);
        std::string type = writeback.task_type(canonical(args.command));
        long long item = args.item.empty() ? 0 : args.item_id();
        writeback.create_task(item, operation, type);
    } catch (const std::exception& e) {
        log_error("could not store the error on running operation " + args.runningoperation + ": " +
                  e.what());
    }
}

std::string Module::features() {
    return "";
}
std::string Module::check_connection(const std::string&) {
    unsupported("check_connection");
}
std::string Module::tune_connection(const std::string&) {
    unsupported("tune_connection");
}
std::string Module::open(long long) {
    unsupported("open");
}
std::string Module::sync_item(long long) {
    unsupported("sync_item");
}
std::string Module::reopen(long long) {
    unsupported("reopen");
}
std::string Module::prolong(long long) {
    unsupported("prolong");
}
std::string Module::close(long long) {
    unsupported("close");
}
std::string Module::suspend(long long) {
    unsupported("suspend");
}
std::string Module::resume(long long) {
    unsupported("resume");
}
std::string Module::approver(long long, const std::string&, const std::string&) {
    unsupported("approver");
}
std::string Module::import_pricelist(long long, const std::string&, const std::string&) {
    unsupported("import_pricelist");
}
std::string Module::import_services(long long, const std::string&) {
    unsupported("import");
}

}  // namespace pmb
