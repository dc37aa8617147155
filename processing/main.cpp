// pmbillmgrssl: BILLmanager runs this once per event, with the mgr root as working directory.
#include <iostream>
#include <iterator>
#include <string>

#include "app/ssl_module.h"
#include "billmgr/cli.h"
#include "core/config.h"
#include "core/error.h"
#include "core/log.h"
#include "core/paths.h"

namespace {

// A command that tolerates a broken config (features) runs on the defaults instead.
pmb::Config load_config(const pmb::MgrRoot& root, const pmb::Command* command) {
    try {
        return pmb::Config::load(root.config_file());
    } catch (const pmb::Error&) {
        if (command && command->tolerates_config_error)
            return pmb::Config{};
        throw;
    }
}

}  // namespace

int main(int argc, char* argv[]) {
    try {
        pmb::Args args = pmb::Args::parse(argc, argv);
        if (args.help) {
            std::cout << pmb::Args::usage();
            return 0;
        }
        if (args.version) {
            std::cout << "pmbillmgrssl " << PMB_VERSION << "\n";
            return 0;
        }
        pmb::MgrRoot root = pmb::MgrRoot::from_environment();
        const pmb::Command* command = pmb::Module::find(args.command);
        pmb::Config config = load_config(root, command);
        // Such a command does not know its log settings either, so it logs nothing.
        if (!command || !command->tolerates_config_error)
            pmb::Log::open(root.log_file(), config.log_level);
        std::string input;
        if (command && command->reads_stdin)
            input.assign(std::istreambuf_iterator<char>(std::cin), {});
        pmb::SslModule module(root, config);
        return module.run(args, input, std::cout);
    } catch (const pmb::Error& e) {
        std::cout << e.to_xml();
        return 1;
    }
}
