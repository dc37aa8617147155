// The command line, dispatch, features and the descriptor, without DB or network.
#include <doctest/doctest.h>

#include <set>
#include <sstream>

#include "app/ssl_module.h"
#include "billmgr/cli.h"
#include "core/error.h"
#include "core/xml.h"
#include "test_util.h"

using namespace pmb;

namespace {

Args parse(std::vector<const char*> argv) {
    argv.insert(argv.begin(), "pmbillmgrssl");
    return Args::parse(static_cast<int>(argv.size()), argv.data());
}

struct Output {
    int code;
    std::string xml;
};

Output run_module(const Args& args, const std::string& input = "") {
    SslModule module(MgrRoot("/nonexistent-root"), Config{},
                     [](const MgrRoot&) -> std::unique_ptr<Host> {
                         throw std::logic_error("this command must not touch the host");
                     });
    std::ostringstream out;
    int code = module.run(args, input, out);
    return {code, out.str()};
}

std::set<std::string> names_of(const XmlNode& parent, const std::string& child) {
    std::set<std::string> out;
    for (const auto& node : parent.children(child))
        out.insert(*node.attr("name"));
    return out;
}

}  // namespace

TEST_CASE("command line: every documented option, short forms, unknown options ignored") {
    Args a = parse({"--command",
                    "open",
                    "--item",
                    "12",
                    "--module",
                    "3",
                    "--runningoperation",
                    "99",
                    "--subcommand",
                    "pricelist",
                    "--id",
                    "5",
                    "--itemtype",
                    "certificate",
                    "--intname",
                    "positivessl",
                    "--domain",
                    "example.com",
                    "--param",
                    "p",
                    "--value",
                    "v",
                    "--lang",
                    "ru",
                    "--level",
                    "16",
                    "--addon",
                    "7",
                    "--brand-new-option",
                    "x",
                    "--another"});
    CHECK(a.command == "open");
    CHECK(a.item_id() == 12);
    CHECK(a.module_id() == 3);
    CHECK(a.running_operation_id() == 99);
    CHECK(a.subcommand == "pricelist");
    CHECK(a.id == "5");
    CHECK(a.itemtype == "certificate");
    CHECK(a.intname == "positivessl");
    CHECK(a.domain == "example.com");
    CHECK(a.param == "p");
    CHECK(a.value == "v");
    CHECK(a.lang == "ru");
    CHECK(a.level == "16");
    CHECK(a.addon == "7");
    CHECK(a.ignored.size() >= 2);
    Args s = parse({"-c", "close", "-i", "4", "-m", "2"});
    CHECK(s.command == "close");
    CHECK(s.item_id() == 4);
    CHECK(s.module_id() == 2);
    CHECK(parse({"--help"}).help);
    CHECK(parse({"--version"}).version);
}

TEST_CASE("command line: bad ids are clear errors") {
    CHECK_THROWS_WITH_AS(parse({"--command", "open"}).item_id(), "the option --item is required",
                         Error);
    CHECK_THROWS_WITH_AS(parse({"--command", "open", "--item", "12x"}).item_id(),
                         "--item must be a positive number", Error);
}

TEST_CASE("command line: a malformed one is a value error naming the option") {
    struct Case {
        const char* name;
        std::vector<const char*> argv;
        const char* option;
    };
    const std::vector<Case> cases = {
        {"an option without its value", {"--command", "open", "--item"}, "item"},
        {"an option given twice", {"--command", "open", "--item", "1", "--item", "2"}, "item"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.name);
        try {
            parse(c.argv);
            FAIL("no error");
        } catch (const Error& e) {
            CHECK(e.type() == errtype::kValue);
            CHECK(e.object() == "command line");
            CHECK(e.message().rfind("bad command line: ", 0) == 0);
            CHECK(e.message().find(c.option) != std::string::npos);
        }
    }
}

TEST_CASE("command line: --help names every option and where the BILLmanager root is") {
    const std::string usage = Args::usage();
    CHECK(usage.rfind("usage: pmbillmgrssl --command COMMAND [options]\n", 0) == 0);
    for (const char* option :
         {"--command", "--subcommand", "--item", "--module", "--runningoperation", "--id",
          "--itemtype", "--intname", "--domain", "--emails", "--searchstring", "--param", "--value",
          "--lang", "--level", "--addon", "--help", "--version"}) {
        CAPTURE(option);
        CHECK(usage.find(option) != std::string::npos);
    }
    CHECK(usage.find(std::string("$") + MgrRoot::kEnvVariable) != std::string::npos);
    CHECK(usage.find(MgrRoot::kDefaultDir) != std::string::npos);
    CHECK(usage.find("etc/pmbillmgrssl.conf") != std::string::npos);
}

TEST_CASE("unknown command: unsupported error naming it, exit 1") {
    Output o = run_module(parse({"--command", "transfer", "--item", "1"}));
    CHECK(o.code == 1);
    XmlDoc doc = XmlDoc::parse(o.xml, "test");
    auto error = doc.root().child("error");
    REQUIRE(error);
    CHECK(error->attr("type") == "unsupported");
    CHECK(error->attr("value") == "transfer");
    CHECK(error->child_text("msg").find("transfer") != std::string::npos);
}

TEST_CASE("features: itemtype, params with crypted password, implemented features") {
    Output o = run_module(parse({"--command", "features"}));
    CHECK(o.code == 0);
    XmlDoc doc = XmlDoc::parse(o.xml, "test");
    XmlNode root = doc.root();
    CHECK(names_of(*root.child("itemtypes"), "itemtype") == std::set<std::string>{"certificate"});
    auto params = root.child("params")->children("param");
    std::set<std::string> crypted;
    for (const auto& p : params)
        if (p.attr("crypted") == "yes")
            crypted.insert(*p.attr("name"));
    CHECK(names_of(*root.child("params"), "param") ==
          std::set<std::string>{"url", "username", "password", "timeout", "cafile", "markup",
                                "rounding"});
    CHECK(crypted == std::set<std::string>{"password"});
    CHECK(names_of(*root.child("features"), "feature") ==
          std::set<std::string>{"check_connection", "tune_connection", "open", "sync_item",
                                "reopen", "setparam", "prolong", "close", "suspend", "resume",
                                "send_dv_email", "send_dv_dns", "approver", "import_pricelist",
                                "import", "getbalance"});
    // The admin's own command is never announced: BILLmanager must not run it.
    CHECK(Module::find("probe_upstream"));
    CHECK(o.xml.find("probe_upstream") == std::string::npos);
    CHECK(root.child("templates"));
}

TEST_CASE("descriptor: form fields equal features params; ru and en hold the same messages") {
    XmlDoc descriptor = XmlDoc::parse(
        pmtest::read_text(std::string(SOURCE_DIR) + "/xml/billmgr_mod_pmbillmgrssl.xml"), "test");
    XmlDoc features = XmlDoc::parse(run_module(parse({"--command", "features"})).xml, "test");
    std::set<std::string> fields;
    std::map<std::string, std::set<std::string>> messages;
    for (const auto& node : descriptor.root().children()) {
        if (node.name() == "metadata" &&
            node.attr("name") == std::string("processing.edit.pmbillmgrssl")) {
            for (const auto& page : node.child("form")->children("page"))
                for (const auto& field : page.children("field"))
                    fields.insert(*field.attr("name"));
        }
        if (node.name() == "lang") {
            for (const auto& group : node.children("messages"))
                for (const auto& msg : group.children("msg"))
                    messages[*node.attr("name")].insert(*group.attr("name") + "/" +
                                                        *msg.attr("name"));
        }
    }
    CHECK(fields == names_of(*features.root().child("params"), "param"));
    REQUIRE(messages.count("ru"));
    REQUIRE(messages.count("en"));
    CHECK(messages["ru"] == messages["en"]);
    namespace t = pmb::errtype;
    for (const char* type :
         {t::kTwoFactor, t::kConnection, t::kUpstream, t::kBadResponse, t::kConfig, t::kDb,
          t::kMgrctl, t::kCrypt, t::kState, t::kInternal, t::kBalance}) {
        CHECK(std::string(type).rfind("pmbillmgrssl_", 0) == 0);
        CHECK(messages["en"].count(std::string("msgerror/msg_error_") + type) == 1);
    }
    // The msgerror table is the panel's one table: its own texts must stay its own.
    for (const char* type : {"unsupported", "missed", "value", "invalid_login_or_passwd",
                             "internal", "exist", "query", "not_implemented"})
        CHECK(messages["en"].count(std::string("msgerror/msg_error_") + type) == 0);
    for (const auto& message : messages["en"])
        if (message.rfind("msgerror/", 0) == 0)
            CHECK(message.rfind("msgerror/msg_error_pmbillmgrssl_", 0) == 0);
}

TEST_CASE("kill switch: item commands do nothing and succeed") {
    for (const char* kill_switch : {MgrRoot::kPanelKillSwitch, MgrRoot::kModuleKillSwitch}) {
        CAPTURE(kill_switch);
        std::string root = pmtest::temp_dir();
        pmtest::write_text(root + "/" + kill_switch, "");
        SslModule module(MgrRoot(root), Config{}, [](const MgrRoot&) -> std::unique_ptr<Host> {
            throw std::logic_error("the kill switch must stop before the host is used");
        });
        for (const char* command : {"open", "close", "sync_item", "prolong", "reopen", "suspend"}) {
            std::ostringstream out;
            CHECK(module.run(parse({"--command", command, "--item", "5"}), "", out) == 0);
        }
        std::ostringstream out;
        CHECK(module.run(parse({"--command", "approver", "--module", "1", "--domain", "a.com"}), "",
                         out) == 0);  // not an item command: still answers
        CHECK(out.str().find("admin@a.com") != std::string::npos);
    }
}
