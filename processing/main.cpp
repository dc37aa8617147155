// pmbillmgrssl: BILLmanager runs this once per event, with the mgr root as working directory.
#include <cstdio>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>

#include "app/ssl_module.h"
#include "billmgr/cli.h"
#include "core/config.h"
#include "core/error.h"
#include "core/log.h"
#include "core/paths.h"

namespace {

// A broken config never stops the module silently: the command runs on the defaults far
// enough to log the error and report it as its own failure (features, which must never
// fail, just runs on the defaults).
struct LoadedConfig {
    pmb::Config config;
    std::optional<pmb::Error> error;
};

LoadedConfig load_config(const pmb::MgrRoot& root) {
    try {
        return {pmb::Config::load(root.config_file()), std::nullopt};
    } catch (const pmb::Error& e) {
        return {pmb::Config{}, e};
    }
}

// BILLmanager reads the answer from stdout: an answer that never arrived must not look like
// success (a full disk behind a redirect, a closed pipe).
int exit_code_after_flush(int code) {
    std::cout.flush();
    if (std::cout && std::fflush(stdout) == 0 && !std::ferror(stdout))
        return code;
    std::fputs("pmbillmgrssl: cannot write the answer to standard output\n", stderr);
    pmb::log_error("cannot write the answer to standard output");
    return code == 0 ? 1 : code;
}

}  // namespace

int main(int argc, char* argv[]) {
    try {
        pmb::Args args = pmb::Args::parse(argc, argv);
        if (args.help) {
            std::cout << pmb::Args::usage();
            return exit_code_after_flush(0);
        }
        if (args.version) {
            std::cout << "pmbillmgrssl " << PMB_VERSION << "\n";
            return exit_code_after_flush(0);
        }
        pmb::MgrRoot root = pmb::MgrRoot::from_environment();
        const pmb::Command* command = pmb::Module::find(args.command);
        LoadedConfig loaded = load_config(root);
        // features has no log: BILLmanager calls it often and it must stay quiet.
        if (!command || !command->tolerates_config_error)
            pmb::Log::open(root.log_file(), loaded.config.log_level);
        std::string input;
        if (command && command->reads_stdin)
            input.assign(std::istreambuf_iterator<char>(std::cin), {});
        pmb::SslModule module(root, loaded.config);
        if (loaded.error)
            module.fail_every_command_with(*loaded.error);
        return exit_code_after_flush(module.run(args, input, std::cout));
    } catch (const pmb::Error& e) {
        std::cout << e.to_xml();
        return exit_code_after_flush(1);
    }
}
