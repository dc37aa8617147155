// pricelist.export parsed as it streams in (DocStream + parse_exported_tariff): one tariff
// at a time whatever the chunking, error documents and broken answers failing exactly as
// parse_document fails on the same text.
#include <doctest/doctest.h>

#include <fstream>
#include <stdexcept>
#include <string>

#include "test_util.h"
#include "upstream/doc_stream.h"
#include "upstream/response.h"

using namespace pmb;
using namespace pmb::upstream;
using Failure = UpstreamError::Failure;

namespace {

const std::string kOrigin = "https://api.ispmanager.com";

std::string fixture(const std::string& name) {
    return pmtest::data_file("upstream/" + name);
}

// Feeds text in pieces of chunk bytes; returns the tariffs handed over, in order.
std::vector<ExportedTariff> stream_tariffs(const std::string& text, size_t chunk) {
    std::vector<ExportedTariff> tariffs;
    DocStream stream(
        "pricelist",
        [&](const pmb::XmlNode& node) { tariffs.push_back(parse_exported_tariff(node)); }, kOrigin);
    for (size_t at = 0; at < text.size(); at += chunk)
        stream.feed(std::string_view(text).substr(at, chunk));
    stream.finish();
    return tariffs;
}

UpstreamError stream_error(const std::string& text, size_t chunk = 4096) {
    try {
        stream_tariffs(text, chunk);
    } catch (const UpstreamError& error) {
        return error;
    }
    throw std::logic_error("no UpstreamError thrown");
}

UpstreamError document_error(const std::string& text) {
    try {
        parse_document(200, text, kOrigin);
    } catch (const UpstreamError& error) {
        return error;
    }
    throw std::logic_error("no UpstreamError thrown");
}

void check_same_failure(const UpstreamError& streamed, const UpstreamError& parsed) {
    CHECK(streamed.failure() == parsed.failure());
    CHECK(streamed.type() == parsed.type());
    CHECK(streamed.object() == parsed.object());
    CHECK(streamed.value() == parsed.value());
    CHECK(streamed.message() == parsed.message());
}

}  // namespace

TEST_CASE("export stream: every tariff, in order, whatever the chunk size") {
    const std::string text = fixture("export.xml");
    for (size_t chunk : {size_t{1}, size_t{7}, size_t{4096}, text.size()}) {
        CAPTURE(chunk);
        std::vector<ExportedTariff> tariffs = stream_tariffs(text, chunk);
        REQUIRE(tariffs.size() == 7);  // not the <pricelist> nested in <metadata>
        std::vector<std::string> ids;
        for (const auto& t : tariffs)
            ids.push_back(t.id);
        CHECK(ids == std::vector<std::string>{"115", "116", "117", "118", "119", "200", "120"});
        const ExportedTariff& first = tariffs[0];
        CHECK(first.name == "Sectigo PositiveSSL");
        CHECK(first.name_ru == "Сертификат PositiveSSL (DV) — «быстрый»");
        CHECK(first.description == "Domain validation & www; <b>issued</b> in minutes");
        CHECK(first.itemtype == "certificate");  // from itemtype_info, not the numeric id
        CHECK(first.intname == "positivessl");
        CHECK(first.properties.at("wildcard") == "off");
        CHECK(first.properties.count("addon") == 0);  // not text-only
        REQUIRE(first.prices.size() == 2);
        CHECK(first.prices[0].currency == "EUR");
        REQUIRE(first.prices[0].periods.size() == 2);
        const TariffPeriod& year = first.prices[0].periods[0];
        CHECK(year.cost == "10.00");
        CHECK(year.type == "month");
        CHECK(year.length == "12");
        CHECK(year.label == "12 months");
        CHECK(first.prices[1].currency == "RUB");  // a character reference in an attribute
        CHECK(first.prices[1].periods[0].label == "12 месяцев");
    }
}

TEST_CASE("export stream: active, archived and itemtype as the export says") {
    std::vector<ExportedTariff> tariffs = stream_tariffs(fixture("export.xml"), 512);
    CHECK(tariffs[1].itemtype == "certificate");  // plain <itemtype> text
    CHECK(tariffs[1].name_en == "PositiveSSL Wildcard (EN)");
    CHECK(tariffs[2].active);  // no <active>: on sale
    CHECK_FALSE(tariffs[2].archived);
    CHECK(tariffs[3].archived);
    CHECK_FALSE(tariffs[4].active);
    CHECK(tariffs[5].itemtype == "domain");
}

TEST_CASE("export stream: an error document fails exactly as parse_document does") {
    for (const char* name : {"error_auth.xml", "error_2fa.xml", "error_balance.xml",
                             "error_missed.xml", "error_value.xml"}) {
        CAPTURE(name);
        std::string text = fixture(name);
        check_same_failure(stream_error(text, 3), document_error(text));
    }
}

TEST_CASE("export stream: an error after some tariffs stops the stream with that error") {
    std::vector<std::string> seen;
    DocStream stream(
        "pricelist", [&](const pmb::XmlNode& node) { seen.push_back(node.child_text("id")); },
        kOrigin);
    CHECK_THROWS_AS(stream.feed(fixture("export_error_midway.xml")), UpstreamError);
    CHECK(seen == std::vector<std::string>{"115"});
    UpstreamError error = stream_error(fixture("export_error_midway.xml"));
    CHECK(error.failure() == Failure::kAuth);
    CHECK(error.type() == pmb::errtype::kAuth);
}

TEST_CASE("export stream: broken answers are bad_response with parse_document's words") {
    for (const char* name : {"html.html", "empty.txt", "truncated.xml", "malformed.xml",
                             "garbage.txt", "not_doc.xml", "export_truncated.xml"}) {
        CAPTURE(name);
        std::string text = fixture(name);
        UpstreamError streamed = stream_error(text, 5);
        CHECK(streamed.failure() == Failure::kBadResponse);
        CHECK(streamed.type() == pmb::errtype::kBadResponse);
        check_same_failure(streamed, document_error(text));
    }
    CHECK(stream_error(fixture("export_truncated.xml")).message().find("truncated") !=
          std::string::npos);
}

TEST_CASE("export stream: one element beyond the size bound is refused, not buffered") {
    std::string huge = "<doc><pricelist><id>1</id><description>" +
                       std::string(DocStream::kMaxElementBytes, 'x') +
                       "</description></pricelist></doc>";
    UpstreamError error = stream_error(huge, 64 * 1024);
    CHECK(error.failure() == Failure::kBadResponse);
    CHECK(error.message().find("larger than") != std::string::npos);
}

TEST_CASE("export stream: what the handler throws reaches the caller unchanged") {
    DocStream stream(
        "pricelist", [](const pmb::XmlNode&) { throw std::runtime_error("handler says no"); },
        kOrigin);
    CHECK_THROWS_WITH_AS(stream.feed(fixture("export.xml")), "handler says no", std::runtime_error);
}

// The export comes from the network: a document using a declared entity (internal, or an
// external file) is refused, never expanded; predefined and character references decode.
TEST_CASE("stream: declared entities are refused, never expanded; predefined references decode") {
    const std::string file = pmtest::temp_dir() + "/secret.txt";
    std::ofstream(file) << "LOCALFILECONTENT";
    const std::string tariff =
        "<doc><pricelist><id>115</id><name>A &amp; B &#x41;NAME</name>"
        "<intname>x</intname><itemtype>certificate</itemtype></pricelist></doc>";
    for (const std::string& entity :
         {"<!ENTITY e SYSTEM \"file://" + file + "\">", std::string("<!ENTITY e \"EXPANDED\">")}) {
        CAPTURE(entity);
        std::string text = "<?xml version=\"1.0\"?>\n<!DOCTYPE doc [" + entity + "]>\n" + tariff;
        text.replace(text.find("NAME"), 4, "&e;");
        CHECK(stream_error(text, 7).failure() == Failure::kBadResponse);
    }
    std::vector<ExportedTariff> plain = stream_tariffs(tariff, 7);
    REQUIRE(plain.size() == 1);
    CHECK(plain[0].name == "A & B ANAME");
}
