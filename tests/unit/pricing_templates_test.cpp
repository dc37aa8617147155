// Import pricing (markup, rounding), the tariff template cache, and where an order's tariff
// capabilities come from.
#include <doctest/doctest.h>

#include <filesystem>

#include "core/error.h"
#include "lifecycle/order_builder.h"
#include "lifecycle/pricing.h"
#include "lifecycle/template_cache.h"
#include "test_util.h"

using namespace pmb;

TEST_CASE("pricing: markup then rounding up, in exact decimals") {
    struct Case {
        const char *markup, *rounding, *cost, *sold;
    };
    for (Case c : {
             Case{"", "", "10.00", "10.00"},         // nothing to do: the text as is
             Case{"", "", "9.999", "9.999"},         //
             Case{"0", "", "10.00", "10.00"},        //
             Case{"20", "", "10.00", "12.00"},       // not 12.000000000000002 → 12.01
             Case{"20", "", "10.01", "12.02"},       // 12.012 up to whole cents
             Case{"12.5", "", "10.01", "11.27"},     // 11.26125
             Case{"20", "1", "10.00", "12.00"},      //
             Case{"20", "1", "10.10", "13.00"},      // 12.12 up to a multiple of 1
             Case{"20", "10", "990.00", "1190.00"},  // 1188
             Case{"", "10", "990.00", "990.00"},     // already a multiple
             Case{"", "10", "991", "1000.00"},       //
             Case{"", "0.01", "9.999", "10.00"},     //
             Case{"20", "0.5", "10.30", "12.50"},    // 12.36
             Case{"20", "0.001", "1.234", "1.481"},  // 1.4808: more decimals when needed
             Case{"33.333333", "", "3", "4.00"},     // 3.99999999 up
             Case{"100", "", "0.00", "0.00"},        //
             Case{"1000", "", "999999999999.99", "10999999999999.89"},  // no overflow
         }) {
        CAPTURE(c.markup);
        CAPTURE(c.rounding);
        CAPTURE(c.cost);
        CHECK(Pricing::parse(c.markup, c.rounding).apply(c.cost) == c.sold);
    }
}

TEST_CASE("pricing: bad settings name the setting; a bad cost is a bad upstream answer") {
    for (const char* markup : {"abc", "-5", "20%", "1001", "1e3", "20.", ".5", "1.0000001"}) {
        CAPTURE(markup);
        try {
            Pricing::parse(markup, "");
            FAIL("accepted");
        } catch (const Error& e) {
            CHECK(e.type() == errtype::kValue);
            CHECK(e.object() == "markup");
            CHECK(e.value() == markup);
        }
    }
    for (const char* rounding : {"0", "0.00", "-1", "x", "1,5"}) {
        CAPTURE(rounding);
        CHECK_THROWS_WITH_AS(Pricing::parse("", rounding),
                             "rounding must be a positive step, e.g. 0.01, 1 or 10", Error);
    }
    try {
        Pricing::parse("20", "").apply("ten euros");
        FAIL("accepted");
    } catch (const Error& e) {
        CHECK(e.type() == errtype::kBadResponse);
        CHECK(e.value() == "ten euros");
    }
    CHECK(Pricing::parse("", "").apply("ten euros") == "ten euros");  // nothing to compute
}

TEST_CASE("template cache: merge, read, find; later imports replace and keep") {
    std::string root = pmtest::temp_dir();
    TemplateCache cache(root + "/var/pmbillmgrssl.templates.xml");
    CHECK(cache.read().empty());  // never imported: no file
    CHECK_FALSE(cache.find("115"));

    cache.merge({{"115", {}, {}},
                 {"116", {"wildcard"}, {}},
                 {"120", {"orginfo", "www", "csraltname"}, {}}});
    auto all = cache.read();
    REQUIRE(all.size() == 3);
    CHECK(all[0].name == "115");
    CHECK(all[0].flags.empty());
    CHECK(all[1].flags == std::set<std::string>{"wildcard"});
    CHECK(all[2].flags == std::set<std::string>{"orginfo", "www", "csraltname"});
    CHECK(cache.find("116")->has("wildcard"));
    CHECK_FALSE(cache.find("999"));

    cache.merge({{"116", {"wildcard", "multidomain"}, {}}, {"117", {"multidomain"}, {}}});
    all = cache.read();
    REQUIRE(all.size() == 4);
    CHECK(all[1].flags == std::set<std::string>{"wildcard", "multidomain"});
    CHECK(all[3].name == "117");
    CHECK(cache.find("120")->has("csraltname"));

    std::string text = pmtest::read_text(root + "/var/pmbillmgrssl.templates.xml");
    CHECK(text.find("<template name=\"116\" wildcard=\"yes\" multidomain=\"yes\"/>") !=
          std::string::npos);
    for (const auto& entry : std::filesystem::directory_iterator(root + "/var"))
        CHECK(entry.path().filename().string().find(".tmp.") == std::string::npos);
}

TEST_CASE("template cache: a corrupt file reads as no templates, and is replaced on merge") {
    std::string root = pmtest::temp_dir();
    std::string path = root + "/var/pmbillmgrssl.templates.xml";
    TemplateCache cache(path);
    for (const char* corrupt :
         {"<templates><template name=\"115\" wildcard=\"yes\"/><template name=", "not xml at all",
          "", "<other><template name=\"115\" wildcard=\"yes\"/></other>"}) {
        CAPTURE(corrupt);
        pmtest::write_text(path, corrupt);
        CHECK(cache.read().empty());
        CHECK_FALSE(cache.find("116"));
    }
    cache.merge({{"116", {"wildcard"}, {}}});
    REQUIRE(cache.read().size() == 1);
    CHECK(cache.find("116")->has("wildcard"));
}

TEST_CASE("template cache: an unwritable place is a clear error naming the file") {
    std::string root = pmtest::temp_dir();
    pmtest::write_text(root + "/var", "a file where the directory should be");
    TemplateCache cache(root + "/var/pmbillmgrssl.templates.xml");
    try {
        cache.merge({{"115", {}, {}}});
        FAIL("written");
    } catch (const Error& e) {
        CHECK(e.type() == errtype::kInternal);
        CHECK(e.message().find(root + "/var/pmbillmgrssl.templates.xml") != std::string::npos);
    }
}

TEST_CASE("template cache: which flags were guessed survives the file; features never shows it") {
    std::string root = pmtest::temp_dir();
    TemplateCache cache(root + "/var/pmbillmgrssl.templates.xml");
    cache.merge({{"116", {"wildcard"}, {"multidomain", "orginfo"}}, {"115", {}, {}}});
    auto found = cache.find("116");
    REQUIRE(found);
    CHECK(found->guessed == std::set<std::string>{"multidomain", "orginfo"});
    CHECK(found->states("wildcard"));
    CHECK_FALSE(found->states("multidomain"));
    CHECK(cache.find("115")->guessed.empty());

    XmlWriter features("templates");
    write_templates(features, cache.read());
    const std::string shown = features.finish();
    CHECK(shown.find("<template name=\"116\" wildcard=\"yes\" authemail=\"yes\" "
                     "authdnstxt=\"yes\"/>") != std::string::npos);
    CHECK(shown.find("guessed") == std::string::npos);
}

TEST_CASE("tariff capabilities: the guess from names") {
    CHECK(TariffCapabilities::guess("Sectigo PositiveSSL Wildcard").wildcard);
    CHECK(TariffCapabilities::guess("positivessl_multidomain").multidomain);
    CHECK(TariffCapabilities::guess("Sectigo InstantSSL (OV)").orginfo);
    CHECK(TariffCapabilities::guess("ev_ssl").orginfo);
    TariffCapabilities plain = TariffCapabilities::guess("Sectigo PositiveSSL");
    CHECK_FALSE(plain.wildcard);
    CHECK_FALSE(plain.multidomain);
    CHECK_FALSE(plain.orginfo);
    CHECK_FALSE(TariffCapabilities::guess("Sectigo PositiveSSL Everywhere").orginfo);  // "ev…"
}

TEST_CASE("templates: e-mail always, DNS unless the export says no; the cache keeps what it said") {
    std::string root = pmtest::temp_dir();
    TemplateCache cache(root + "/var/pmbillmgrssl.templates.xml");
    TariffTemplate no_dns{"115", {}, {}};
    no_dns.dns_validation = false;
    TariffTemplate dns{"116", {"wildcard"}, {}};
    dns.dns_validation = true;
    cache.merge({no_dns, dns, {"117", {}, {}}});
    CHECK(cache.find("115")->dns_validation == std::optional<bool>(false));
    CHECK(cache.find("116")->dns_validation == std::optional<bool>(true));
    CHECK_FALSE(cache.find("117")->dns_validation);
    const std::string file = pmtest::read_text(root + "/var/pmbillmgrssl.templates.xml");
    CHECK(file.find("<template name=\"115\" authdnstxt=\"no\"/>") != std::string::npos);
    CHECK(file.find("authemail") == std::string::npos);

    XmlWriter features("templates");
    write_templates(features, cache.read());
    const std::string shown = features.finish();
    CHECK(shown.find("<template name=\"115\" authemail=\"yes\"/>") != std::string::npos);
    CHECK(shown.find("<template name=\"116\" wildcard=\"yes\" authemail=\"yes\" "
                     "authdnstxt=\"yes\"/>") != std::string::npos);
    CHECK(shown.find("<template name=\"117\" authemail=\"yes\" authdnstxt=\"yes\"/>") !=
          std::string::npos);
}

TEST_CASE("DNS validation offered: the export's word, else the tariff's dcv_methods, else yes") {
    TariffTemplate stated_no{"115", {}, {}};
    stated_no.dns_validation = false;
    TariffTemplate stated_yes{"115", {}, {}};
    stated_yes.dns_validation = true;
    const TariffTemplate unstated{"115", {}, {}};
    CHECK_FALSE(offers_dns_validation(stated_no, "email,dns"));
    CHECK(offers_dns_validation(stated_yes, "email"));
    CHECK_FALSE(offers_dns_validation(unstated, "email"));
    CHECK(offers_dns_validation(unstated, "Email, DNS"));
    CHECK(offers_dns_validation(unstated, ""));
    CHECK(offers_dns_validation(std::nullopt, ""));
    CHECK_FALSE(offers_dns_validation(std::nullopt, "email"));
}
