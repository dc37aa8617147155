// The command line BILLmanager gives a processing module: --command and the options of that
// command (--item, --module, --runningoperation, …). Unknown options are ignored:
// BILLmanager adds new ones over versions.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace pmb {

struct Args {
    std::string command;
    std::string subcommand;
    std::string item;
    std::string module;
    std::string runningoperation;
    std::string id;
    std::string itemtype;
    std::string intname;
    std::string domain;
    std::string emails;
    std::string searchstring;
    std::string param;
    std::string value;
    std::string lang;
    std::string level;
    std::string addon;
    bool help = false;
    bool version = false;
    std::vector<std::string> ignored;  // unknown options, logged at debug level

    // Parses argv; throws pmb::Error(value) for malformed known options.
    static Args parse(int argc, const char* const argv[]);
    static std::string usage();

    // Numeric ids; throw pmb::Error(missed/value) naming the option when absent or not a number.
    long long item_id() const;
    long long module_id() const;
    // The same for an option a command may go without: nullopt when absent.
    std::optional<long long> item_id_if_given() const;
    std::optional<long long> module_id_if_given() const;
    std::optional<long long> running_operation_id() const;
};

}  // namespace pmb
