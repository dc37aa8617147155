// pmbillmgrssl: BILLmanager runs this once per event, with the mgr root as working directory.
#include <iostream>
#include <iterator>
#include <string>

#include "billmgr/cli.h"
#include "billmgr/ssl_module.h"
#include "core/config.h"
#include "core/error.h"
#include "core/log.h"
#include "core/paths.h"

namespace {

// Only commands documented to take XML on stdin read it; item commands get nothing and
// must not block on a terminal.
bool reads_stdin(const std::string& command) {
    return command == "check_connection" || command == "tune_connection";
}

// features must never fail (BILLmanager would try to rebuild the module), so a broken
// config only matters to the commands that use it.
pmb::Config load_config(const pmb::MgrRoot& root, const std::string& command) {
    try {
        return pmb::Config::load(root.config_file());
    } catch (const pmb::Error&) {
        if (command == "features")
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
        pmb::Config config = load_config(root, args.command);
        if (args.command != "features")
            pmb::Log::open(root.log_file(), config.log_level);
        std::string input;
        if (reads_stdin(args.command))
            input.assign(std::istreambuf_iterator<char>(std::cin), {});
        pmb::SslModule module(root, config);
        return module.run(args, input, std::cout);
    } catch (const pmb::Error& e) {
        std::cout << e.to_xml();
        return 1;
    }
}
