// The module base: one virtual per BILLmanager command, as ISPsystem's own C++ module base
// has. run() parses nothing itself; it dispatches, applies the kill switch, turns every
// failure into error XML, and stores it on the running operation.
#pragma once

#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "billmgr/cli.h"
#include "billmgr/host.h"
#include "core/config.h"
#include "core/error.h"
#include "core/paths.h"

namespace pmb {

class Module {
public:
    using HostFactory = std::function<std::unique_ptr<Host>(const MgrRoot&)>;
    Module(MgrRoot root, Config config, HostFactory host_factory = {});
    virtual ~Module() = default;

    // Runs one command; writes the answer XML to out; returns the process exit code.
    int run(const Args& args, const std::string& input, std::ostream& out);

    // The commands this module implements, in features order.
    std::vector<std::string> implemented_commands() const;

    // How often BILLmanager may retry a command before staff get a task (SPEC §2).
    static int max_tries(const std::string& command);

protected:
    // Handlers return the XML to print; an empty string prints <doc/>.
    virtual std::string features();
    virtual std::string check_connection(const std::string& input);
    virtual std::string tune_connection(const std::string& input);
    virtual std::string open(long long item);
    virtual std::string sync_item(long long item);
    virtual std::string reopen(long long item);
    virtual std::string prolong(long long item);
    virtual std::string close(long long item);
    virtual std::string suspend(long long item);
    virtual std::string resume(long long item);
    virtual std::string approver(long long module, const std::string& domain,
                                 const std::string& intname);
    virtual std::string import_pricelist(long long module, const std::string& subcommand,
                                         const std::string& id);
    // The command `import`: services bought upstream become local services.
    virtual std::string import_services(long long module, const std::string& itemtype);

    // Which of the virtuals above the concrete module really implements.
    virtual bool implements(const std::string& command) const = 0;

    Host& host();
    const MgrRoot& root() const { return root_; }
    const Config& config() const { return config_; }

private:
    struct Command;
    static const std::vector<Command>& commands();
    static std::string canonical(const std::string& command);

    std::string dispatch(const Args& args, const std::string& input);
    void report_failure(const Args& args, const Error& error);
    bool kill_switch_on() const;

    MgrRoot root_;
    Config config_;
    HostFactory host_factory_;
    std::unique_ptr<Host> host_;
};

}  // namespace pmb
