#include "billmgr/cli.h"

#include <boost/program_options.hpp>
#include <sstream>

#include "core/error.h"
#include "core/paths.h"
#include "core/text.h"

namespace po = boost::program_options;

namespace pmb {
namespace {

po::options_description describe(Args& a) {
    po::options_description options("pmbillmgrssl options");
    options.add_options()                                                             //
        ("command,c", po::value(&a.command), "command to run (features, open, …)")    //
        ("subcommand", po::value(&a.subcommand), "subcommand (import_pricelist)")     //
        ("item,i", po::value(&a.item), "service (item) id")                           //
        ("module,m", po::value(&a.module), "processing module id")                    //
        ("runningoperation", po::value(&a.runningoperation), "running operation id")  //
        ("id", po::value(&a.id), "object id (import_pricelist pricelist)")            //
        ("itemtype,t", po::value(&a.itemtype), "item type intname")                   //
        ("intname", po::value(&a.intname), "tariff intname (approver)")               //
        ("domain", po::value(&a.domain), "domains, comma-separated (approver)")       //
        ("emails", po::value(&a.emails), "approver e-mails, comma-separated")         //
        ("searchstring", po::value(&a.searchstring), "what to import (import)")       //
        ("param", po::value(&a.param), "parameter name")                              //
        ("value", po::value(&a.value), "parameter value")                             //
        ("lang,l", po::value(&a.lang), "language")                                    //
        ("level", po::value(&a.level), "access level")                                //
        ("addon,a", po::value(&a.addon), "addon item id")                             //
        ("help,h", po::bool_switch(&a.help), "print this help")                       //
        ("version", po::bool_switch(&a.version), "print the version");
    return options;
}

long long parse_id(const std::string& option, const std::string& text) {
    if (text.empty())
        throw Error(errtype::kMissed, option, "", "the option --" + option + " is required");
    if (auto id = parse_positive(text))
        return *id;
    throw Error(errtype::kValue, option, text, "--" + option + " must be a positive number");
}

std::optional<long long> optional_id(const std::string& option, const std::string& text) {
    if (text.empty())
        return std::nullopt;
    return parse_id(option, text);
}

}  // namespace

Args Args::parse(int argc, const char* const argv[]) {
    Args args;
    auto options = describe(args);
    try {
        auto parsed =
            po::command_line_parser(argc, argv).options(options).allow_unregistered().run();
        args.ignored = po::collect_unrecognized(parsed.options, po::include_positional);
        po::variables_map vm;
        po::store(parsed, vm);
        po::notify(vm);
    } catch (const po::error& e) {
        throw Error(errtype::kValue, "command line", "",
                    std::string("bad command line: ") + e.what());
    }
    return args;
}

std::string Args::usage() {
    Args scratch;
    std::ostringstream out;
    out << "usage: pmbillmgrssl --command COMMAND [options]\n"
        << describe(scratch) << "\n"
        << "BILLmanager root (config etc/pmbillmgrssl.conf, log var/pmbillmgrssl.log,\n"
        << "sbin/mgrctl, kill switches etc/billmgr.DoNothing and etc/pmbillmgrssl.DoNothing):\n"
        << "  $" << MgrRoot::kEnvVariable << " when set and not empty; otherwise <root> when\n"
        << "  this executable is <root>/processing/<name> (its real path, symlinks resolved);\n"
        << "  otherwise " << MgrRoot::kDefaultDir << ".\n";
    return out.str();
}

long long Args::item_id() const {
    return parse_id("item", item);
}
long long Args::module_id() const {
    return parse_id("module", module);
}

std::optional<long long> Args::running_operation_id() const {
    return optional_id("runningoperation", runningoperation);
}

std::optional<long long> Args::item_id_if_given() const {
    return optional_id("item", item);
}

std::optional<long long> Args::module_id_if_given() const {
    return optional_id("module", module);
}

}  // namespace pmb
