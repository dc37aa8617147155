#include "billmgr/module.h"

#include <sys/stat.h>

#include <ostream>

#include "billmgr/billmgr_host.h"
#include "billmgr/item_lock.h"
#include "billmgr/writeback.h"
#include "core/log.h"

namespace pmb {

namespace {

constexpr size_t kStoredErrorText = 5 * 1024;  // value (twice) and message: 16 KiB in all

[[noreturn]] void unsupported(const std::string& command) {
    throw Error(errtype::kUnsupported, "command", command,
                "the command '" + command + "' is not supported by pmbillmgrssl");
}

// BILLmanager's retry budget for a command, before staff get a task.
constexpr int kDefaultTries = 10;

// As ISPsystem's module base does it: one task per running operation, only for a service,
// and only of a type the panel knows for the command.
void hand_to_staff(Host& host, const Args& args, const std::string& command, long long operation) {
    if (host.has_task(operation)) {
        log_info("running operation " + args.runningoperation + " already has a staff task");
        return;
    }
    Writeback writeback(host);
    writeback.set_operation_manual(operation);
    if (args.item.empty())
        return;
    std::string type = writeback.task_type(command);
    if (type.empty()) {
        log_warning("task.gettype gives no task type for " + command + ": no staff task");
        return;
    }
    writeback.create_task(args.item_id(), operation, type);
}

}  // namespace

bool Command::named(const std::string& command) const {
    if (command == name)
        return true;
    for (const char* alias : aliases)
        if (command == alias)
            return true;
    return false;
}

const std::vector<Command>& Module::commands() {
    using Kind = Command::Kind;
    using A = const Args&;
    using In = const std::string&;
    constexpr int kTries = kDefaultTries;
    constexpr int kCharged = 1;  // a renewal is charged upstream: one try, then staff decide
    constexpr bool kStdin = true, kNoStdin = false;
    constexpr bool kAnyConfig = true, kValidConfig = false;
    constexpr bool kAnnounced = true, kHidden = false;
    // BILLmanager's own modules call reissue "reopen"; both names are accepted.
    // clang-format off
    static const std::vector<Command> table = {
        {"features",         {},          Kind::kStandalone, kNoStdin, kTries,   kAnyConfig,   kHidden,
         [](Module& m, A, In) { return m.features(); }},
        {"check_connection", {},          Kind::kStandalone, kStdin,   kTries,   kValidConfig, kAnnounced,
         [](Module& m, A, In in) { return m.check_connection(in); }},
        {"tune_connection",  {},          Kind::kStandalone, kStdin,   kTries,   kValidConfig, kAnnounced,
         [](Module& m, A, In in) { return m.tune_connection(in); }},
        {"open",             {},          Kind::kItem,       kNoStdin, kTries,   kValidConfig, kAnnounced,
         [](Module& m, A a, In) { return m.open(a.item_id()); }},
        {"sync_item",        {},          Kind::kItemOrModule, kNoStdin, kTries, kValidConfig, kAnnounced,
         [](Module& m, A a, In) {
             return a.item.empty() && !a.module.empty() ? m.sync_module(a.module_id())
                                                        : m.sync_item(a.item_id());
         }},
        {"reopen",           {"reissue"}, Kind::kItem,       kNoStdin, kTries,   kValidConfig, kAnnounced,
         [](Module& m, A a, In) { return m.reopen(a.item_id()); }},
        {"setparam",         {},          Kind::kItem,       kNoStdin, kTries,   kValidConfig, kAnnounced,
         [](Module& m, A a, In) { return m.setparam(a.item_id()); }},
        {"prolong",          {},          Kind::kItem,       kNoStdin, kCharged, kValidConfig, kAnnounced,
         [](Module& m, A a, In) { return m.prolong(a.item_id()); }},
        {"close",            {},          Kind::kItem,       kNoStdin, kTries,   kValidConfig, kAnnounced,
         [](Module& m, A a, In) { return m.close(a.item_id()); }},
        {"suspend",          {},          Kind::kItem,       kNoStdin, kTries,   kValidConfig, kAnnounced,
         [](Module& m, A a, In) { return m.suspend(a.item_id()); }},
        {"resume",           {},          Kind::kItem,       kNoStdin, kTries,   kValidConfig, kAnnounced,
         [](Module& m, A a, In) { return m.resume(a.item_id()); }},
        {"send_dv_email",    {},          Kind::kItem,       kNoStdin, kTries,   kValidConfig, kAnnounced,
         [](Module& m, A a, In) { return m.send_dv_email(a.item_id(), a.emails); }},
        {"send_dv_dns",      {},          Kind::kItem,       kNoStdin, kTries,   kValidConfig, kAnnounced,
         [](Module& m, A a, In) { return m.send_dv_dns(a.item_id(), a.domain); }},
        {"approver",         {},          Kind::kStandalone, kNoStdin, kTries,   kValidConfig, kAnnounced,
         [](Module& m, A a, In) { return m.approver(a.module_id(), a.domain, a.intname); }},
        {"import_pricelist", {},          Kind::kStandalone, kNoStdin, kTries,   kValidConfig, kAnnounced,
         [](Module& m, A a, In) { return m.import_pricelist(a.module_id(), a.subcommand, a.id); }},
        {"import",           {},          Kind::kStandalone, kNoStdin, kTries,   kValidConfig, kAnnounced,
         [](Module& m, A a, In) { return m.import_services(a.module_id(), a.itemtype, a.searchstring); }},
        {"getbalance",       {},          Kind::kStandalone, kNoStdin, kTries,   kValidConfig, kAnnounced,
         [](Module& m, A a, In) { return m.getbalance(a.module_id_if_given()); }},
        {"probe_upstream",   {},          Kind::kStandalone, kNoStdin, kTries,   kValidConfig, kHidden,
         [](Module& m, A a, In) { return m.probe_upstream(a.module_id(), a.item_id_if_given()); }},
    };
    // clang-format on
    return table;
}

const Command* Module::find(const std::string& command) {
    for (const auto& c : commands())
        if (c.named(command))
            return &c;
    return nullptr;
}

std::vector<std::string> Module::feature_names() {
    std::vector<std::string> out;
    for (const auto& c : commands())
        if (c.announced)
            out.emplace_back(c.name);
    return out;
}

Module::Module(MgrRoot root, Config config, HostFactory host_factory)
    : root_(std::move(root)), config_(std::move(config)), host_factory_(std::move(host_factory)) {
    if (!host_factory_) {
        host_factory_ = [timeout = config_.mgrctl_timeout_s](const MgrRoot& r) {
            return std::make_unique<BillmgrHost>(r, timeout);
        };
    }
}

Host& Module::host() {
    if (!host_)
        host_ = host_factory_(root_);
    return *host_;
}

const char* Module::active_kill_switch() const {
    for (const char* kill_switch : {MgrRoot::kPanelKillSwitch, MgrRoot::kModuleKillSwitch}) {
        struct stat st {};
        if (stat(root_.path(kill_switch).c_str(), &st) == 0)
            return kill_switch;
    }
    return nullptr;
}

std::string Module::dispatch(const Args& args, const std::string& input) {
    const Command* command = find(args.command);
    if (!command)
        unsupported(args.command);
    const char* kill_switch =
        command->kind != Command::Kind::kStandalone ? active_kill_switch() : nullptr;
    if (kill_switch) {
        log_info(std::string(command->name) + ": " + kill_switch + " exists, doing nothing");
        return "";
    }
    if (config_error_ && !command->tolerates_config_error)
        throw *config_error_;
    const bool module_wide =
        command->kind == Command::Kind::kItemOrModule && args.item.empty() && !args.module.empty();
    if (command->kind == Command::Kind::kStandalone || module_wide)
        return command->handler(*this, args, input);
    const long long item = args.item_id();
    ItemLock lock(root_.item_lock(item), item, config_.lock_wait_s);
    return command->handler(*this, args, input);
}

int Module::run(const Args& args, const std::string& input, std::ostream& out) {
    if (args.command.empty()) {
        Error missing(errtype::kMissed, "command", "", "the option --command is required");
        out << missing.to_xml();
        return 1;
    }
    log_info("command " + args.command + (args.item.empty() ? "" : " item " + args.item) +
             (args.runningoperation.empty() ? "" : " runningoperation " + args.runningoperation));
    running_operation_ = args.runningoperation;
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
        // Bounded, so it always fits one mgrctl argument and BILLmanager's column.
        Writeback(host()).save_operation_error(operation,
                                               error.shortened(kStoredErrorText).to_xml());
        const Command* command = find(args.command);
        const int tries = host().trycount(operation);
        if (tries < (command ? command->max_tries : kDefaultTries))
            return;
        log_warning("try " + std::to_string(tries) + " of " + args.command +
                    " reached the limit: handing the operation to staff");
        hand_to_staff(host(), args, command ? command->name : args.command, operation);
    } catch (const std::exception& e) {
        log_error("could not store the error on running operation " + args.runningoperation + ": " +
                  e.what());
    }
}

}  // namespace pmb
