// Tariff import driven as BILLmanager drives it: the available list, one tariff with the
// module's markup, the templates features shows afterwards and the order checks use, an
// unknown id, faults of the streamed export, and a 20000-tariff export whose peak memory
// stays small.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <regex>

#include "e2e_util.h"

extern char** environ;

using namespace pmtest;

namespace {

std::vector<std::string> import_args(const World& w, const std::string& subcommand,
                                     const std::string& id = "", int module = 0) {
    std::vector<std::string> args = {"--command",    "import_pricelist",
                                     "--module",     std::to_string(module ? module : w.module),
                                     "--subcommand", subcommand};
    if (!id.empty())
        args.insert(args.end(), {"--id", id});
    return args;
}

std::string template_flag(const std::string& features, const std::string& name,
                          const std::string& flag) {
    return xpath(features, "/doc/templates/template[@name='" + name + "']/@" + flag);
}

struct MeasuredRun {
    int exit_code = -1;
    std::string out;
    long max_rss_kb = 0;
    double seconds = 0;
};

// Runs the module under a forked waiter whose only child it is, so the waiter's
// getrusage(RUSAGE_CHILDREN) is the module's own peak RSS. (This process's own figure also
// covers mariadb-install-db, which peaks above 100 MB.) Only async-signal-safe calls
// between fork and exec.
MeasuredRun run_measured(World& w, const std::vector<std::string>& args) {
    std::vector<std::string> argv_text{PMBILLMGRSSL_EXE};
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    std::map<std::string, std::string> env_map;
    for (char** e = environ; *e; ++e) {
        std::string entry(*e);
        size_t eq = entry.find('=');
        env_map[entry.substr(0, eq)] = eq == std::string::npos ? "" : entry.substr(eq + 1);
    }
    for (const auto& [name, value] : w.host.env())
        env_map[name] = value;
    std::vector<std::string> env_text;
    for (const auto& [name, value] : env_map)
        env_text.push_back(name + "=" + value);
    std::vector<char*> argv, envp;
    for (auto& a : argv_text)
        argv.push_back(a.data());
    for (auto& e : env_text)
        envp.push_back(e.data());
    argv.push_back(nullptr);
    envp.push_back(nullptr);
    const std::string out_path = w.host.root() + "/measured.out";
    const std::string root = w.host.root();

    int report_pipe[2];
    REQUIRE(pipe(report_pipe) == 0);
    auto started = std::chrono::steady_clock::now();
    pid_t waiter = fork();
    REQUIRE(waiter >= 0);
    if (waiter == 0) {
        close(report_pipe[0]);
        pid_t module = fork();
        if (module == 0) {
            int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            int in = open("/dev/null", O_RDONLY);
            if (out < 0 || in < 0 || dup2(out, 1) < 0 || dup2(in, 0) < 0 || chdir(root.c_str()))
                _exit(126);
            execve(argv[0], argv.data(), envp.data());
            _exit(127);
        }
        int status = 0;
        waitpid(module, &status, 0);
        rusage usage{};
        getrusage(RUSAGE_CHILDREN, &usage);
        long report[2] = {WIFEXITED(status) ? WEXITSTATUS(status) : -1, usage.ru_maxrss};
        ssize_t written = write(report_pipe[1], report, sizeof report);
        _exit(written == sizeof report ? 0 : 1);
    }
    close(report_pipe[1]);
    long report[2] = {-1, 0};
    ssize_t got = read(report_pipe[0], report, sizeof report);
    close(report_pipe[0]);
    waitpid(waiter, nullptr, 0);
    REQUIRE(got == sizeof report);
    MeasuredRun r;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    r.exit_code = static_cast<int>(report[0]);
    r.max_rss_kb = report[1];
    r.out = read_file(out_path);
    return r;
}

// The size the module's log reports for the streamed export.
long long streamed_bytes(const std::string& log) {
    std::smatch match;
    std::regex line(
        "upstream response to pricelist\\.export [^\\n]*HTTP 200, (\\d+) bytes streamed");
    return std::regex_search(log, match, line) ? std::stoll(match[1]) : -1;
}

// A second processing module on the same upstream, with 12.5 % markup rounded up to 1.
int marked_up_module(World& w) {
    return w.host.add_module("marked up",
                             {{"url", w.upstream.base_url()},
                              {"username", kUpstreamUser},
                              {"markup", "12.5"},
                              {"rounding", "1"}},
                             {{"password", kUpstreamPassword}});
}

}  // namespace

TEST_CASE(
    "available: the upstream's tariffs from one authenticated export; features shows "
    "their templates") {
    World w;
    ModuleResult r = w.run(import_args(w, "available"));
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    CHECK(xpath(r.out, "count(/doc/elem)") == "6");
    CHECK(xpath(r.out, "/doc/elem[id='116']/name") == "Sectigo PositiveSSL Wildcard");
    CHECK(xpath(r.out, "/doc/elem[id='117']/name_ru") == "Sectigo PositiveSSL Мультидомен");
    CHECK(xpath(r.out, "/doc/elem[id='117']/name_en") == "Sectigo PositiveSSL Multi-Domain");
    CHECK(xpath(r.out, "count(/doc/elem[itemtype='certificate'])") == "6");
    CHECK(w.upstream_funcs() == Funcs{"pricelist.export"});
    Request request = w.upstream_calls("pricelist.export").at(0);
    expect_request(request, "pricelist.export",
                   {{"itemtype", "certificate"},
                    {"onlyavailable", "on"},
                    {"authinfo", std::string(kUpstreamUser) + ":" + kUpstreamPassword}});
    CHECK_FALSE(request.has("pricelist"));
    CHECK(w.host_funcs().empty());  // reads only: nothing written to BILLmanager

    ModuleResult features = w.run({"--command", "features"});
    REQUIRE(features.exit_code == 0);
    CHECK(xpath(features.out, "count(/doc/templates/template)") == "6");
    // a plain plan: its name and the validation methods (the export states none: e-mail and
    // DNS, the default)
    CHECK(xpath(features.out, "count(/doc/templates/template[@name='115']/@*)") == "3");
    CHECK(xpath(features.out, "count(/doc/templates/template[@authemail='yes'])") == "6");
    CHECK(xpath(features.out, "count(/doc/templates/template[@authdnstxt='yes'])") == "6");
    CHECK(template_flag(features.out, "116", "wildcard") == "yes");
    CHECK(template_flag(features.out, "117", "multidomain") == "yes");
    CHECK(template_flag(features.out, "118", "orginfo") == "yes");
    CHECK(template_flag(features.out, "120", "wildcard") == "yes");
    CHECK(template_flag(features.out, "120", "multidomain") == "yes");
    CHECK(template_flag(features.out, "116", "multidomain").empty());  // only "yes" attributes
}

TEST_CASE("pricelist: one tariff in the export's shape with the module's markup and rounding") {
    World w;
    int module = marked_up_module(w);
    ModuleResult r = w.run(import_args(w, "pricelist", "117", module));
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    CHECK(xpath(r.out, "count(/doc/pricelist)") == "1");
    CHECK(xpath(r.out, "/doc/pricelist/id") == "117");
    CHECK(xpath(r.out, "/doc/pricelist/intname") == "117");
    CHECK(xpath(r.out, "/doc/pricelist/name") == "Sectigo PositiveSSL Multi-Domain");
    CHECK(xpath(r.out, "/doc/pricelist/name_ru") == "Sectigo PositiveSSL Мультидомен");
    CHECK(xpath(r.out, "/doc/pricelist/itemtype") == "certificate");
    const std::string eur = "/doc/pricelist/price[@currency='EUR']/period";
    CHECK(xpath(r.out, eur + "[@length='12']/@cost") == "34.00");  // 30.00 + 12.5 % = 33.75
    CHECK(xpath(r.out, eur + "[@length='12']/@type") == "month");
    CHECK(xpath(r.out, eur + "[@length='12']") == "12 months");
    CHECK(xpath(r.out, eur + "[@length='24']/@cost") == "62.00");  // 61.875
    CHECK(xpath(r.out, "/doc/pricelist/price[@currency='RUB']/period[@length='12']/@cost") ==
          "3263.00");  // 2900.00 + 12.5 % = 3262.50
    Request request = w.upstream_calls("pricelist.export").at(0);
    CHECK(request.param("pricelist") == "117");
    CHECK(template_flag(w.run({"--command", "features"}).out, "117", "multidomain") == "yes");

    ModuleResult plain = w.run(import_args(w, "pricelist", "115"));
    CHECK(xpath(plain.out, "/doc/pricelist/price[@currency='EUR']/period[@length='12']/@cost") ==
          "10.00");  // no markup on the first module: the upstream cost as is
}

TEST_CASE("pricelist: an unknown tariff id is missed, naming it") {
    World w;
    ModuleResult r = w.run(import_args(w, "pricelist", "4242"));
    INFO(r.out);
    CHECK(r.exit_code == 1);
    CHECK(error_type(r) == "missed");
    CHECK(xpath(r.out, "/doc/error/@value") == "4242");
    CHECK(xpath(r.out, "/doc/error/msg").find("4242") != std::string::npos);
    CHECK(xpath(w.run({"--command", "features"}).out, "count(/doc/templates/template)") == "0");
}

// An imported tariff's intname is the upstream id, which says nothing; with no settings and no
// import cache, the module asks the upstream's export of that one tariff, then caches it.
CertificateOrder wildcard_order(World& w, const std::string& upstream_tariff,
                                const std::string& cn) {
    CertificateOrderOptions options;
    options.tariff = upstream_tariff;
    options.upstream_pricelist = upstream_tariff;
    options.cn = cn;
    return w.add_order(options);
}

TEST_CASE("a wildcard order on a tariff nothing describes: the export of that tariff decides") {
    World w;
    ModuleResult allowed = w.run_item("open", wildcard_order(w, "116", "*.wild.example").item);
    INFO(allowed.out);
    CHECK(allowed.exit_code == 0);
    const auto exports = w.upstream_calls("pricelist.export");
    REQUIRE(exports.size() == 1);
    expect_request(exports[0], "pricelist.export",
                   {{"pricelist", "116"}, {"itemtype", "certificate"}});
    CHECK(w.upstream.count("certificate.order.param") == 1);
    CHECK(template_flag(w.run({"--command", "features"}).out, "116", "wildcard") == "yes");

    w.clear_records();
    CHECK(w.run_item("open", wildcard_order(w, "116", "*.other.example").item).exit_code == 0);
    CHECK(w.upstream.count("pricelist.export") == 0);  // cached by the first order
    CHECK(w.upstream.count("certificate.order.param") == 1);

    w.clear_records();
    CertificateOrder refused = wildcard_order(w, "115", "*.single.example");
    ModuleResult r = w.run_item("open", refused.item, w.host.add_running_operation(0));
    INFO(r.out);
    CHECK(r.exit_code == 1);
    CHECK(error_type(r) == "value");
    CHECK(xpath(r.out, "/doc/error/@object") == "CN");
    CHECK(w.host_funcs() == Funcs{"runningoperation.edit"});  // the error, stored; nothing else
    CHECK(w.upstream.count("pricelist.export") == 1);
    CHECK(w.upstream.count("certificate.order.param") == 0);  // refused before any money moved
    CHECK(orders_of(w, refused.item).empty());
}

TEST_CASE(
    "a wildcard order whose tariff the export cannot describe is sent: the upstream decides") {
    World w;
    w.upstream.fault("pricelist.export", "html", FaultOptions(0));
    ModuleResult allowed = w.run_item("open", wildcard_order(w, "116", "*.wild.example").item);
    INFO(allowed.out);
    CHECK(allowed.exit_code == 0);
    CHECK(w.upstream.count("certificate.order.param") == 1);
    CHECK(w.log().find("the upstream decides") != std::string::npos);

    w.clear_records();
    CertificateOrder refused = wildcard_order(w, "115", "*.single.example");
    ModuleResult r = w.run_item("open", refused.item);
    INFO(r.out);
    CHECK(r.exit_code == 1);  // the upstream itself refuses what the plan does not cover
    CHECK(xpath(r.out, "/doc/error/msg").find("wildcard") != std::string::npos);
    CHECK(orders_of(w, refused.item).empty());
}

TEST_CASE("an export that states no flags: the order form gets the guess, orders are not refused") {
    World w;
    w.upstream.set_shape("export_without_flags");
    REQUIRE(w.run(import_args(w, "available")).exit_code == 0);
    const std::string features = w.run({"--command", "features"}).out;
    CHECK(template_flag(features, "116", "wildcard") == "yes");  // "…Wildcard" in its name
    CHECK(template_flag(features, "115", "wildcard") == "");

    w.clear_records();
    CertificateOrder guessed_no = wildcard_order(w, "115", "*.single.example");
    ModuleResult r = w.run_item("open", guessed_no.item);
    INFO(r.out);
    CHECK(r.exit_code == 1);  // refused by the upstream, which knows; not on the module's guess
    CHECK(w.upstream.count("certificate.order.param") == 1);
    CHECK(w.upstream.count("pricelist.export") == 0);  // the cached template was asked already
    CHECK(orders_of(w, guessed_no.item).empty());

    w.clear_records();
    CHECK(w.run_item("open", wildcard_order(w, "116", "*.wild.example").item).exit_code == 0);
    CHECK(w.upstream.count("pricelist.export") == 0);
    CHECK(w.upstream.count("certificate.order.param") == 1);
}

TEST_CASE("export faults: retried before the stream starts, never after") {
    World w;
    w.upstream.fault("pricelist.export", "http500");
    ModuleResult retried = w.run(import_args(w, "available"));
    CHECK(retried.exit_code == 0);
    CHECK(w.upstream.count("pricelist.export") == 2);

    struct Case {
        const char* kind;
        const char* type;
    };
    for (Case c :
         {Case{"drop_after_commit", pmb::errtype::kConnection},
          Case{"truncated", pmb::errtype::kBadResponse}, Case{"html", pmb::errtype::kBadResponse},
          Case{"empty", pmb::errtype::kBadResponse}}) {
        CAPTURE(c.kind);
        w.clear_records();
        w.upstream.fault("pricelist.export", c.kind);
        ModuleResult r = w.run(import_args(w, "available"));
        INFO(r.out);
        CHECK(r.exit_code == 1);
        CHECK(error_type(r) == c.type);
        // A body that arrived has fed the parser: a retry would feed it twice.
        CHECK(w.upstream.count("pricelist.export") == 1);
    }

    w.clear_records();
    w.upstream.fault("pricelist.export", "error_xml",
                     {1, -1, "auth", "badpassword", "Invalid username or password"});
    ModuleResult denied = w.run(import_args(w, "available"));
    CHECK(error_type(denied) == "invalid_login_or_passwd");
}

TEST_CASE("a 20000-tariff export streams through in small memory") {
    WorldOptions options;
    options.upstream.large_export = 20000;
    options.extra_config = "Timeout 300\n";
    World w(options);
    MeasuredRun r = run_measured(w, import_args(w, "available"));
    REQUIRE(r.exit_code == 0);
    long long bytes = streamed_bytes(w.log());
    MESSAGE("export " << bytes << " bytes, " << r.seconds << " s, peak RSS " << r.max_rss_kb
                      << " KiB");
    CHECK(bytes > 40LL * 1000 * 1000);
#ifndef __SANITIZE_ADDRESS__  // ASan's shadow memory and quarantine say nothing about ours
    CHECK(r.max_rss_kb < 60 * 1024);
#endif
    CHECK(xpath(r.out, "count(/doc/elem)") == "20006");
    CHECK(xpath(r.out, "/doc/elem[id='120000']/name_ru") == "Сгенерированный тариф 20000");

    ModuleResult features = w.run({"--command", "features"});
    CHECK(xpath(features.out, "count(/doc/templates/template)") == "20006");
}

TEST_CASE("available: rows naming their item type by number, without itemtype_info, are kept") {
    World w;
    w.upstream.set_shape("export_numeric_itemtype");
    ModuleResult r = w.run(import_args(w, "available"));
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    CHECK(xpath(r.out, "count(/doc/elem)") == "6");
    CHECK(w.upstream_calls("pricelist.export").at(0).param("itemtype") == "certificate");
}

TEST_CASE("pricelist: a multi-domain tariff keeps its additional-domain addon, re-priced") {
    World w;
    w.upstream.set_shape("export_addons");
    int module = marked_up_module(w);
    ModuleResult r = w.run(import_args(w, "pricelist", "117", module));
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    const std::string addon = "/doc/pricelist/addon";
    CHECK(xpath(r.out, "count(" + addon + ")") == "1");
    CHECK(xpath(r.out, addon + "/id") == "1171");
    CHECK(xpath(r.out, addon + "/intname") == "additional_domain");
    CHECK(xpath(r.out, addon + "/addonlimit") == "3");
    CHECK(xpath(r.out, addon + "/addonmax") == "250");
    CHECK(xpath(r.out, addon + "/measure") == "domain");
    // 3.00 per extra domain upstream, + 12.5 % = 3.375, rounded up to a multiple of 1
    CHECK(xpath(r.out, addon + "/price[@currency='EUR']/period[@length='12']/@cost") == "4.00");
    // the plan's own prices are unchanged by the addon
    CHECK(xpath(r.out, "/doc/pricelist/price[@currency='EUR']/period[@length='12']/@cost") ==
          "34.00");

    ModuleResult single = w.run(import_args(w, "pricelist", "115", module));
    CHECK(xpath(single.out, "count(/doc/pricelist/addon)") == "0");
}
