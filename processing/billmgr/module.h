// The module base: one virtual per BILLmanager command, as ISPsystem's own C++ module base
// has, and one table row per command with everything else about it. run() parses nothing
// itself; it looks the command up, applies the kill switch, turns every failure into error
// XML, and stores it on the running operation. A new command is one row plus one virtual.
#pragma once

#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "billmgr/cli.h"
#include "billmgr/host.h"
#include "core/config.h"
#include "core/error.h"
#include "core/paths.h"

namespace pmb {

// The binary's name: processingmodule.module of the modules it runs.
inline constexpr const char* kModuleBinary = "pmbillmgrssl";

class Module;

// One BILLmanager command: the row of Module::commands().
struct Command {
    // kItem commands act on one service: the kill switch applies and failures go to the
    // running operation. kItemOrModule: the same with --item; with --module alone, on every
    // open service of that module, each under its own lock taken by the handler.
    enum class Kind { kStandalone, kItem, kItemOrModule };
    using Handler = std::string (*)(Module& module, const Args& args, const std::string& input);

    const char* name;
    std::vector<const char*> aliases;  // other names BILLmanager uses for it
    Kind kind;
    bool reads_stdin;  // only commands documented to take XML on stdin; others must not block
    int max_tries;     // failures before BILLmanager hands the operation to staff
    // features must never fail (BILLmanager would try to rebuild the module): it runs with
    // the default config when the config file is broken.
    bool tolerates_config_error;
    // Listed by features. features itself is not, nor the admin's own commands, which
    // BILLmanager must never run.
    bool announced;
    Handler handler;  // calls the command's virtual

    bool named(const std::string& command) const;
};

class Module {
public:
    using HostFactory = std::function<std::unique_ptr<Host>(const MgrRoot&)>;
    Module(MgrRoot root, Config config, HostFactory host_factory = {});
    virtual ~Module() = default;

    // The config could not be read: every command but one that tolerates it fails with
    // this error, reported as any other failure (log, running operation, staff task).
    void fail_every_command_with(Error config_error) { config_error_ = std::move(config_error); }

    // Runs one command; writes the answer XML to out; returns the process exit code.
    int run(const Args& args, const std::string& input, std::ostream& out);

    // Every command, in features order; find() takes a name or an alias, nullptr if unknown.
    static const std::vector<Command>& commands();
    static const Command* find(const std::string& command);

    // The commands features announces: the announced rows of the table.
    static std::vector<std::string> feature_names();

protected:
    // Handlers return the XML to print; an empty string prints <doc/>. Every command of the
    // table has one, so none has a default.
    virtual std::string features() = 0;
    virtual std::string check_connection(const std::string& input) = 0;
    virtual std::string tune_connection(const std::string& input) = 0;
    virtual std::string open(long long item) = 0;
    virtual std::string sync_item(long long item) = 0;
    // sync_item --module M without --item: every open service of the module, one list read.
    virtual std::string sync_module(long long module) = 0;
    virtual std::string reopen(long long item) = 0;
    // The service's params, tariff or addons were changed in BILLmanager.
    virtual std::string setparam(long long item) = 0;
    virtual std::string prolong(long long item) = 0;
    virtual std::string close(long long item) = 0;
    virtual std::string suspend(long long item) = 0;
    virtual std::string resume(long long item) = 0;
    virtual std::string approver(long long module, const std::string& domain,
                                 const std::string& intname) = 0;
    virtual std::string import_pricelist(long long module, const std::string& subcommand,
                                         const std::string& id) = 0;
    // The command `import`: services bought upstream become local services; a non-empty
    // searchstring limits it to the certificates it names.
    virtual std::string import_services(long long module, const std::string& itemtype,
                                        const std::string& searchstring) = 0;
    // Domain validation again (ISPsystem's feature names): the approver mail re-sent to
    // emails (comma-separated), which become the service's approvers; the DNS record of
    // domain checked again. Each then syncs the service.
    virtual std::string send_dv_email(long long item, const std::string& emails) = 0;
    virtual std::string send_dv_dns(long long item, const std::string& domain) = 0;
    // The upstream balance on the admin dashboard: of one module, or of every active module
    // of this binary when BILLmanager names none.
    virtual std::string getbalance(std::optional<long long> module) = 0;
    // The admin's, never announced: what the upstream answers to the calls whose shape is
    // not documented, scrubbed of secrets; item picks the certificate and tariff to ask about.
    virtual std::string probe_upstream(long long module, std::optional<long long> item) = 0;

    Host& host();
    const MgrRoot& root() const { return root_; }
    const Config& config() const { return config_; }
    // --runningoperation of this run, empty when BILLmanager gave none.
    const std::string& running_operation() const { return running_operation_; }

private:
    std::string dispatch(const Args& args, const std::string& input);
    void report_failure(const Args& args, const Error& error);
    // The kill switch that exists, relative to the root; nullptr when none does.
    const char* active_kill_switch() const;

    MgrRoot root_;
    Config config_;
    HostFactory host_factory_;
    std::unique_ptr<Host> host_;
    std::optional<Error> config_error_;
    std::string running_operation_;
};

}  // namespace pmb
