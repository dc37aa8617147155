// Errors, XML output, the scrubber, the config file and the log line format.
#include <doctest/doctest.h>

#include <cctype>
#include <cstdio>
#include <vector>

#include "core/config.h"
#include "core/error.h"
#include "core/log.h"
#include "core/scrub.h"
#include "core/text.h"
#include "core/xml.h"

using namespace pmb;

TEST_CASE("error XML has BILLmanager's shape and escapes every value") {
    Error e("value", "CN <&\"'>", "пример.рф & co", "bad <value> & \"quote\" — кириллица");
    XmlDoc doc = XmlDoc::parse(e.to_xml(), "test");
    XmlNode error = *doc.root().child("error");
    CHECK(doc.root().name() == "doc");
    CHECK(error.attr("type") == "value");
    CHECK(error.attr("object") == "CN <&\"'>");
    CHECK(error.attr("value") == "пример.рф & co");
    auto params = error.children("param");
    REQUIRE(params.size() == 2);
    CHECK(params[0].attr("name") == "object");
    CHECK(params[0].attr("type") == "msg");
    CHECK(params[0].attr("msg") == "CN <&\"'>");
    CHECK(params[0].text() == "CN <&\"'>");
    CHECK(params[1].attr("name") == "value");
    CHECK(params[1].text() == "пример.рф & co");
    CHECK(error.child_text("msg") == "bad <value> & \"quote\" — кириллица");
}

TEST_CASE("text: invalid UTF-8 and XML-forbidden characters become U+FFFD") {
    const std::string fffd = "\xEF\xBF\xBD";
    CHECK(xml_safe_text("plain, ÿ Пароль 😀\t\n") == "plain, ÿ Пароль 😀\t\n");
    CHECK(xml_safe_text("a\xFF"
                        "b") == "a" + fffd + "b");
    CHECK(xml_safe_text("\xC3") == fffd);             // cut sequence
    CHECK(xml_safe_text("\xC0\xAF") == fffd + fffd);  // overlong '/'
    CHECK(xml_safe_text("\xED\xA0\x80") == fffd);     // a surrogate
    CHECK(xml_safe_text(std::string("a\0b\x01", 4)) == "a" + fffd + "b" + fffd);
    CHECK(xml_safe_text("\xEF\xBF\xBF") == fffd);  // U+FFFF
    CHECK(is_valid_utf8("Пароль 😀"));
    CHECK_FALSE(is_valid_utf8("\xD0"));
    CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));
}

TEST_CASE("text: shorten counts characters and marks the cut") {
    CHECK(shorten("abc", 3) == "abc");
    CHECK(shorten("abcd", 3) == "abc…");
    CHECK(shorten("ПарольПароль", 6) == "Пароль…");
    CHECK(shorten("", 0).empty());
}

TEST_CASE("error XML stays well-formed and short whatever the value holds") {
    std::string huge(100 * 1024, 'x');
    Error e(errtype::kValue, "item\xFF", "\xC3(" + huge, "bad value \x01" + huge);
    std::string xml = e.to_xml();
    CHECK(xml.size() < 2000);
    XmlDoc doc = XmlDoc::parse(xml, errtype::kInternal);  // throws when ill-formed
    auto error = doc.root().child("error");
    REQUIRE(error);
    CHECK(error->attr("value")->size() < 210 * 3);
    CHECK(error->attr("value")->find("…") != std::string::npos);
    CHECK(error->child_text("msg").find("bad value") == 0);
}

TEST_CASE("error XML never carries a registered secret") {
    Scrubber::global().add_secret("Err-Secret-42");
    Error e(pmb::errtype::kUpstream, "password", "Err-Secret-42",
            "upstream said: bad password Err-Secret-42");
    CHECK(e.to_xml().find("Err-Secret-42") == std::string::npos);
}

TEST_CASE("scrubber") {
    Scrubber s;
    s.add_secret("p@ss w&rd:Пароль");
    SUBCASE("registered secret, raw and encoded forms") {
        CHECK(s.clean("x p@ss w&rd:Пароль y") == "x [hidden] y");
        CHECK(s.clean("v=" + url_encode("p@ss w&rd:Пароль")) == "v=[hidden]");
        CHECK(s.clean("<v>p@ss w&amp;rd:Пароль</v>") == "<v>[hidden]</v>");
        CHECK(s.clean("v=p%40ss+w%26rd%3A%D0%9F%D0%B0%D1%80%D0%BE%D0%BB%D1%8C") == "v=[hidden]");
    }
    SUBCASE("authinfo in a form body, plain and URL-encoded") {
        Scrubber fresh;
        CHECK(fresh.clean("out=xml&authinfo=user%40x.com%3Aunknown1&func=certificate") ==
              "out=xml&authinfo=[hidden]&func=certificate");
        CHECK(fresh.clean("authinfo=user:pw func=x") == "authinfo=[hidden] func=x");
        CHECK(fresh.clean("AuthInfo=u:p") == "AuthInfo=[hidden]");
    }
    SUBCASE("password fields and elements, e.g. check_connection input") {
        Scrubber fresh;
        CHECK(fresh.clean("<doc><processingmodule><username>u</username><password>zz9</password>"
                          "</processingmodule></doc>") ==
              "<doc><processingmodule><username>u</username><password>[hidden]</password>"
              "</processingmodule></doc>");
        CHECK(fresh.clean("password=abc&x=1") == "password=[hidden]&x=1");
        CHECK(fresh.clean("<DBPassword>db</DBPassword>") == "<DBPassword>[hidden]</DBPassword>");
        // as an attribute, the quoted value is hidden and the quotes kept
        CHECK(fresh.clean("<val key=\"auth_email\">E-mail</val>") ==
              "<val key=\"[hidden]\">E-mail</val>");
        CHECK(fresh.clean("<user password='a b=c' name=\"u\"/>") ==
              "<user password='[hidden]' name=\"u\"/>");
        CHECK(fresh.clean("<val key=\"\">x</val>") == "<val key=\"[hidden]\">x</val>");
        CHECK(fresh.clean("key=\"unterminated") == "key=\"[hidden]");
    }
    SUBCASE("private keys, PEM and URL-encoded, also inside an upstream echo") {
        Scrubber fresh;
        std::string pem =
            "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n"
            "-----END PRIVATE KEY-----\n";
        CHECK(fresh.clean("key:\n" + pem + "tail").find("MIIEvQ") == std::string::npos);
        CHECK(fresh.clean("<doc><key>" + pem + "</key></doc>").find("MIIEvQ") == std::string::npos);
        std::string encoded = "csr=x&key=" + url_encode(pem) + "&y=1";
        CHECK(fresh.clean(encoded).find("MIIEvQ") == std::string::npos);
        std::string rsa =
            "-----BEGIN%20RSA%20PRIVATE%20KEY-----%0AMIIEpAIB%0A-----END%20RSA"
            "%20PRIVATE%20KEY-----";
        CHECK(fresh.clean("echo " + rsa + " done") == "echo [private key hidden] done");
        std::string cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
        CHECK(fresh.clean(cert) == cert);  // public material stays readable
    }
    SUBCASE("truncated key block is hidden to the end") {
        Scrubber fresh;
        CHECK(fresh.clean("a -----BEGIN EC PRIVATE KEY-----\nMHcCAQEE") ==
              "a [private key hidden]");
    }
}

namespace {

// One form of a secret a scrubbed text may carry.
struct SecretForm {
    const char* name;
    std::string secret;
    std::string text;
};

const std::string kFormPassword = "p@ss&w0rd:+ \"x\"/y";

// Every character as &#N; (or &#xH; when hex is set).
std::string references_of(const std::string& ascii, bool hex) {
    std::string out;
    for (unsigned char c : ascii) {
        char buf[16];
        std::snprintf(buf, sizeof buf, hex ? "&#x%x;" : "&#%d;", c);
        out += buf;
    }
    return out;
}

std::string lower_case_percent(std::string encoded) {
    for (size_t at = encoded.find('%'); at != std::string::npos; at = encoded.find('%', at + 1))
        for (size_t i = at + 1; i < at + 3; ++i)
            encoded[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(encoded[i])));
    return encoded;
}

std::vector<SecretForm> secret_forms() {
    const std::string& pw = kFormPassword;
    return {
        {"raw", pw, pw},
        {"%XX upper case", pw, url_encode(pw)},
        {"%xx lower case", pw, lower_case_percent(url_encode(pw))},
        {"+ for space (form encoding)", pw, "p%40ss%26w0rd%3A%2B+%22x%22%2Fy"},
        {"&#38; decimal reference for the specials", pw, "p@ss&#38;w0rd:+ &#34;x&#34;/y"},
        {"&#N; decimal reference for every character", pw, references_of(pw, false)},
        {"&#x26; hex reference, leading zeros", pw, "p@ss&#x0026;w0rd:+ &#X22;x&#x22;/y"},
        {"&#xH; hex reference for every character", pw, references_of(pw, true)},
        {"&amp; named entities", pw, "p@ss&amp;w0rd:+ &quot;x&quot;/y"},
        {"\\u0026 JSON escape", pw, "p@ss\\u0026w0rd:+ \\u0022x\\u0022\\u002Fy"},
        {"JSON \\\" and \\/", pw, "p@ss&w0rd:+ \\\"x\\\"\\/y"},
        {"mixed within one occurrence", pw, "p%40ss&amp;w0rd%3a%2b+\\\"x&#34;\\u002fy"},
        {"JSON \\\\ for a backslash", "back\\slash\"q", "back\\\\slash\\\"q"},
        {"non-ASCII as %xx, &#N; and \\uXXXX", "Пароль-1",
         "%d0%9f&#1072;\\u0440\\u043E&#x43b;%D1%8C-1"},
        {"past the BMP: a JSON surrogate pair", "key\xF0\x9F\x94\x91!", "key\\ud83d\\udd11!"},
    };
}

}  // namespace

TEST_CASE("scrubber hides a registered secret in every encoding, and nothing around it") {
    for (const SecretForm& form : secret_forms()) {
        CAPTURE(form.name);
        CAPTURE(form.text);
        Scrubber s;
        s.add_secret(form.secret);
        CHECK(s.clean("left " + form.text + " right") == "left [hidden] right");
        CHECK(s.clean("<msg>bad password " + form.text + "</msg>") ==
              "<msg>bad password [hidden]</msg>");
        CHECK(s.clean(form.text + form.text) == "[hidden][hidden]");
    }
}

TEST_CASE("scrubber leaves text that only looks like a registered secret") {
    Scrubber s;
    s.add_secret(kFormPassword);
    for (const std::string& near : {std::string("p@ss&w0rd:+ \"x\"/z"), std::string("p@ss&w0rd"),
                                    std::string("p%41ss%26w0rd"), std::string("p@ss&#39;w0rd"),
                                    std::string("p@ss\\u0027w0rd"), std::string("&#38;&amp;%26")})
        CHECK(s.clean("say " + near) == "say " + near);
}

TEST_CASE("scrubber hides the longest of overlapping secrets whole") {
    Scrubber s;
    s.add_secret("abc");
    s.add_secret("abcdef");
    CHECK(s.clean("1 abcdef 2 abc 3 ab%63d") == "1 [hidden] 2 [hidden] 3 [hidden]d");
    s.add_secret("ab");  // too short: would hide ordinary text
    CHECK(s.clean("ab") == "ab");
}

TEST_CASE("config defaults when the file is absent") {
    Config c = Config::load("/nonexistent/pmbillmgrssl.conf");
    CHECK(c.log_level == LogLevel::kInfo);
    CHECK(c.connect_timeout_s == 10);
    CHECK(c.timeout_s == 60);
    CHECK(c.ca_file.empty());
    CHECK(c.ca_path.empty());
    CHECK(c.max_response_bytes == 64L * 1024 * 1024);
    CHECK(c.read_retries == 3);
    CHECK(c.command_budget_s == 180);
    CHECK(Config::parse("CommandBudget 30\n", "t.conf").command_budget_s == 30);
}

TEST_CASE("config parsing") {
    Config c = Config::parse(
        "# comment\n\nLogLevel debug\nConnectTimeout 5\nTimeout   30\nCAFile /etc/ca.pem\n"
        "CAPath /etc/ssl/certs\nMaxResponseBytes 2048\nReadRetries 0\nRetryDelayMs 10\n",
        "t.conf");
    CHECK(c.log_level == LogLevel::kDebug);
    CHECK(c.connect_timeout_s == 5);
    CHECK(c.timeout_s == 30);
    CHECK(c.ca_file == "/etc/ca.pem");
    CHECK(c.ca_path == "/etc/ssl/certs");
    CHECK(c.max_response_bytes == 2048);
    CHECK(c.read_retries == 0);
    CHECK(c.retry_delay_ms == 10);
}

TEST_CASE("config: # after a blank starts a comment, # inside a word is kept") {
    Config c = Config::parse(
        "Timeout 120   # slow link\nReadRetries 2\t# tabs too\n   # indented comment\n"
        "CAFile /etc/ssl/a#b.pem # the bundle\n",
        "t.conf");
    CHECK(c.timeout_s == 120);
    CHECK(c.read_retries == 2);
    CHECK(c.ca_file == "/etc/ssl/a#b.pem");
    CHECK_THROWS_AS(Config::parse("LogLevel debug#x\n", "t.conf"), Error);
    CHECK_THROWS_AS(Config::parse("Timeout # no value\n", "t.conf"), Error);
}

TEST_CASE("config errors name the line") {
    auto message_of = [](const std::string& text) {
        try {
            Config::parse(text, "my.conf");
        } catch (const Error& e) {
            CHECK(e.type() == pmb::errtype::kConfig);
            return e.message();
        }
        return std::string("no error");
    };
    CHECK(message_of("LogLevel info\nBogus 1\n") == "my.conf:2: unknown setting 'Bogus'");
    CHECK(message_of("Timeout abc") == "my.conf:1: Timeout must be a whole number from 1 to 3600");
    CHECK(message_of("\n\nLogLevel loud") ==
          "my.conf:3: LogLevel must be one of error, warning, info, debug");
    CHECK(message_of("Timeout") == "my.conf:1: 'Timeout' needs a value");
}

TEST_CASE("split: the non-empty pieces between any separator") {
    using V = std::vector<std::string>;
    CHECK(pmb::split(" a.com, ,www.a.com,,", ", ") == V{"a.com", "www.a.com"});
    CHECK(pmb::split("one", ",") == V{"one"});
    CHECK(pmb::split(" ,\t", ", \t").empty());
    CHECK(pmb::split("", ",").empty());
}

TEST_CASE("log line format") {
    std::string line = Log::format_line(LogLevel::kWarning, "two\nlines", 77);
    // Mon d HH:MM:SS [pid] pmbillmgrssl LEVEL message
    CHECK(line.find(" [77] pmbillmgrssl WARNING two\\nlines\n") != std::string::npos);
    CHECK(line[3] == ' ');
    CHECK(line[4] != ' ');
}

TEST_CASE("config: the validation re-send functions, no default, function names only") {
    Config defaults = Config::parse("", "t.conf");
    CHECK(defaults.dcv_email_function.empty());
    CHECK(defaults.dcv_dns_function.empty());
    Config c = Config::parse(
        "DcvEmailFunction certificate.dcv.email\nDcvDnsFunction certificate.dcv_dns\n", "t.conf");
    CHECK(c.dcv_email_function == "certificate.dcv.email");
    CHECK(c.dcv_dns_function == "certificate.dcv_dns");
    CHECK_THROWS_AS(Config::parse("DcvEmailFunction a&func=b\n", "t.conf"), Error);
    CHECK_THROWS_AS(Config::parse("DcvDnsFunction a b\n", "t.conf"), Error);
}
