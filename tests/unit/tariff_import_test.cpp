// import_pricelist: the available list, one tariff with markup, unknown ids, and the
// template cache that features prints afterwards; against a catalog streaming a fixture.
#include <doctest/doctest.h>

#include <sstream>

#include "app/ssl_module.h"
#include "fakes.h"
#include "lifecycle/tariff_import.h"
#include "test_util.h"
#include "upstream/doc_stream.h"
#include "upstream/response.h"

using namespace pmb;

namespace {

// The export of a fixture file, streamed through the real parser.
class FixtureCatalog : public TariffCatalog {
public:
    explicit FixtureCatalog(std::string name, std::vector<std::string>* requests = nullptr)
        : name_(std::move(name)), requests_(requests) {}

    void each_tariff(const TariffVisitor& visit, const std::string& only_id) override {
        if (requests_)
            requests_->push_back(only_id);
        upstream::DocStream stream(
            "pricelist", [&](const XmlNode& node) { visit(upstream::parse_exported_tariff(node)); },
            "https://upstream.test");
        stream.feed(pmtest::data_file("upstream/" + name_));
        stream.finish();
    }

private:
    std::string name_;
    std::vector<std::string>* requests_;
};

// A host whose processing module has settings.
struct ModuleHost : pmtest::FakeHost {
    std::map<std::string, std::string> params;
    ModuleSettings module(long long id) override {
        ModuleSettings m = FakeHost::module(id);
        m.params = params;
        return m;
    }
};

std::vector<std::string> texts(const XmlNode& parent, const std::string& child,
                               const std::string& field) {
    std::vector<std::string> out;
    for (const auto& node : parent.children(child))
        out.push_back(node.child_text(field));
    return out;
}

Args args_of(std::vector<const char*> argv) {
    argv.insert(argv.begin(), "pmbillmgrssl");
    return Args::parse(static_cast<int>(argv.size()), argv.data());
}

struct Run {
    int code;
    XmlDoc doc;
};

// The module over a fixture catalog and a host with these module settings.
struct ImportWorld {
    std::string root = pmtest::temp_dir();
    std::map<std::string, std::string> settings = {
        {"url", "https://upstream.test"}, {"username", "reseller"}, {"password", "secret-pass"}};
    std::vector<std::string> catalog_requests;

    Run run(std::vector<const char*> argv, const std::string& input = "") {
        SslModule module(
            MgrRoot(root), Config{},
            [this](const MgrRoot&) {
                auto host = std::make_unique<ModuleHost>();
                host->params = settings;
                return host;
            },
            [](const upstream::Connection&) -> std::unique_ptr<CertificateApi> {
                return std::make_unique<pmtest::FakeApi>();
            },
            [this](const upstream::Connection&) {
                return std::make_unique<FixtureCatalog>("export.xml", &catalog_requests);
            });
        std::ostringstream out;
        int code = module.run(args_of(argv), input, out);
        return {code, XmlDoc::parse(out.str(), "test")};
    }
};

std::string error_type(const Run& r) {
    auto error = r.doc.root().child("error");
    return error ? error->attr("type").value_or("") : "";
}

}  // namespace

TEST_CASE("tariff import: available lists the certificate tariffs on sale") {
    std::string root = pmtest::temp_dir();
    TemplateCache cache(root + "/var/pmbillmgrssl.templates.xml");
    FixtureCatalog catalog("export.xml");
    XmlDoc doc = XmlDoc::parse(TariffImport(catalog, cache).available(), "test");
    CHECK(doc.root().name() == "doc");
    CHECK(texts(doc.root(), "elem", "id") == std::vector<std::string>{"115", "116", "117", "120"});
    CHECK(texts(doc.root(), "elem", "name_ru") ==
          std::vector<std::string>{"Сертификат PositiveSSL (DV) — «быстрый»",
                                   "PositiveSSL Wildcard", "Sectigo PositiveSSL Multi-Domain",
                                   "Sectigo EV SSL (расширенная проверка)"});
    CHECK(texts(doc.root(), "elem", "name_en") ==
          std::vector<std::string>{"Sectigo PositiveSSL", "PositiveSSL Wildcard (EN)",
                                   "Sectigo PositiveSSL Multi-Domain", "Sectigo EV SSL"});
    CHECK(texts(doc.root(), "elem", "itemtype") == std::vector<std::string>(4, "certificate"));

    auto templates = cache.read();
    REQUIRE(templates.size() == 4);
    CHECK(templates[0].flags.empty());                                  // the export says off
    CHECK(templates[1].flags == std::set<std::string>{"wildcard"});     // the export says on
    CHECK(templates[2].flags == std::set<std::string>{"multidomain"});  // guessed from names
    CHECK(templates[2].guessed.count("multidomain") == 1);
    CHECK(templates[3].flags == std::set<std::string>{"www", "orginfo", "csraltname"});
}

TEST_CASE("tariff import: one tariff in the export's shape, intname = id, marked-up costs") {
    std::string root = pmtest::temp_dir();
    TemplateCache cache(root + "/var/pmbillmgrssl.templates.xml");
    std::vector<std::string> requests;
    FixtureCatalog catalog("export.xml", &requests);
    XmlDoc doc = XmlDoc::parse(
        TariffImport(catalog, cache).pricelist("115", Pricing::parse("20", "1")), "test");
    CHECK(requests == std::vector<std::string>{"115"});  // the upstream is asked for it alone
    auto pricelist = doc.root().child("pricelist");
    REQUIRE(pricelist);
    CHECK(pricelist->child_text("id") == "115");
    CHECK(pricelist->child_text("intname") == "115");
    CHECK(pricelist->child_text("name") == "Sectigo PositiveSSL");
    CHECK(pricelist->child_text("name_ru") == "Сертификат PositiveSSL (DV) — «быстрый»");
    CHECK(pricelist->child_text("name_en") == "Sectigo PositiveSSL");
    CHECK(pricelist->child_text("itemtype") == "certificate");
    CHECK(pricelist->child_text("description") ==
          "Domain validation & www; <b>issued</b> in minutes");
    auto prices = pricelist->children("price");
    REQUIRE(prices.size() == 2);
    CHECK(prices[0].attr("currency") == "EUR");
    auto periods = prices[0].children("period");
    REQUIRE(periods.size() == 2);
    CHECK(periods[0].attr("cost") == "12.00");  // 10.00 + 20 %
    CHECK(periods[0].attr("type") == "month");
    CHECK(periods[0].attr("length") == "12");
    CHECK(periods[0].text() == "12 months");
    CHECK(periods[1].attr("cost") == "22.00");  // 21.60 up to a multiple of 1
    CHECK(prices[1].attr("currency") == "RUB");
    CHECK(prices[1].children("period")[0].attr("cost") == "1188.00");
    REQUIRE(cache.read().size() == 1);
    CHECK(cache.find("115"));
}

TEST_CASE("tariff import: an unknown, archived or inactive id is missed, naming it") {
    std::string root = pmtest::temp_dir();
    TemplateCache cache(root + "/var/pmbillmgrssl.templates.xml");
    FixtureCatalog catalog("export.xml");
    for (const char* id : {"999", "118", "119", "200"}) {
        CAPTURE(id);
        try {
            TariffImport(catalog, cache).pricelist(id, Pricing::parse("", ""));
            FAIL("imported");
        } catch (const Error& e) {
            CHECK(e.type() == errtype::kMissed);
            CHECK(e.value() == id);
            CHECK(e.message() ==
                  std::string("the upstream offers no certificate tariff plan ") + id);
        }
    }
    CHECK(cache.read().empty());  // nothing imported, nothing cached
}

TEST_CASE("tariff import: a template keeps the export's flags over the name's guess") {
    ExportedTariff t;
    t.id = "300";
    t.name = "Something Wildcard Multi-Domain";
    CHECK(template_of(t).flags == std::set<std::string>{"wildcard", "multidomain"});
    t.properties["wildcard"] = "off";
    t.properties["idn"] = "on";
    CHECK(template_of(t).flags == std::set<std::string>{"multidomain", "idn"});
    CHECK(template_of(t).name == "300");
    // what the export did not state is marked guessed: never the ground for a refusal
    CHECK(template_of(t).guessed ==
          std::set<std::string>{"www", "multidomain", "orginfo", "csraltname"});
}

TEST_CASE("import_pricelist command: available, pricelist with module markup, then features") {
    ImportWorld w;
    w.settings["markup"] = "20";
    w.settings["rounding"] = "0.01";
    Run available =
        w.run({"--command", "import_pricelist", "--module", "3", "--subcommand", "available"});
    CHECK(available.code == 0);
    CHECK(texts(available.doc.root(), "elem", "id").size() == 4);
    Run one = w.run({"--command", "import_pricelist", "--module", "3", "--subcommand", "pricelist",
                     "--id", "116"});
    CHECK(one.code == 0);
    auto period = one.doc.root().child("pricelist")->child("price")->child("period");
    CHECK(period->attr("cost") == "114.00");
    CHECK(w.catalog_requests == std::vector<std::string>{"", "116"});

    Run features = w.run({"--command", "features"});
    auto templates = features.doc.root().child("templates")->children("template");
    REQUIRE(templates.size() == 4);
    CHECK(templates[1].attr("name") == "116");
    CHECK(templates[1].attr("wildcard") == "yes");
    CHECK_FALSE(templates[1].attr("multidomain"));  // only "yes" attributes
    CHECK(templates[3].attr("orginfo") == "yes");

    pmtest::write_text(w.root + "/var/pmbillmgrssl.templates.xml", "<templates><template");
    Run corrupt = w.run({"--command", "features"});
    CHECK(corrupt.code == 0);
    CHECK(corrupt.doc.root().child("templates")->children().empty());
}

TEST_CASE("import_pricelist command: bad options and settings fail before any upstream call") {
    ImportWorld w;
    CHECK(error_type(w.run({"--command", "import_pricelist", "--module", "3"})) == "missed");
    CHECK(error_type(w.run({"--command", "import_pricelist", "--module", "3", "--subcommand",
                            "everything"})) == "value");
    CHECK(error_type(w.run({"--command", "import_pricelist", "--module", "3", "--subcommand",
                            "pricelist"})) == "missed");
    w.settings["markup"] = "twenty";
    Run bad = w.run({"--command", "import_pricelist", "--module", "3", "--subcommand", "pricelist",
                     "--id", "115"});
    CHECK(bad.code == 1);
    CHECK(error_type(bad) == "value");
    CHECK(bad.doc.root().child("error")->attr("object") == "markup");
    CHECK(w.catalog_requests.empty());
    Run unknown = w.run({"--command", "import_pricelist", "--module", "3", "--subcommand",
                         "pricelist", "--id", "4242"});
    CHECK(error_type(unknown) == "value");  // the markup is checked before the id
}

TEST_CASE("check_connection refuses a bad markup or rounding before calling the upstream") {
    ImportWorld w;
    Run r = w.run({"--command", "check_connection"},
                  "<doc><processingmodule><url>https://upstream.test</url><username>u</username>"
                  "<password>p4ss</password><rounding>0</rounding></processingmodule></doc>");
    CHECK(r.code == 1);
    CHECK(error_type(r) == "value");
    CHECK(r.doc.root().child("error")->attr("object") == "rounding");
}

TEST_CASE("tariff import: DNS validation as the export states it, or unknown") {
    ExportedTariff t;
    t.id = "300";
    CHECK_FALSE(template_of(t).dns_validation);
    t.properties["dcv_methods"] = "email";
    CHECK(template_of(t).dns_validation == std::optional<bool>(false));
    t.properties["dcv_methods"] = "email,dns";
    CHECK(template_of(t).dns_validation == std::optional<bool>(true));
    t.properties["authdnstxt"] = "off";
    CHECK(template_of(t).dns_validation == std::optional<bool>(false));
    // not a capability flag: never guessed, never among the flags
    CHECK(template_of(t).flags.empty());
}
