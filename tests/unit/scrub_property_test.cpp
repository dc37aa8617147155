// The scrubber fuzz target's property (tests/support/scrub_property.h) can fail: it catches
// broken scrubbers on the inputs the fuzz target builds, and holds for the real one.
#include <doctest/doctest.h>

#include <random>

#include "scrub_property.h"

using namespace pmtest::scrub;

namespace {

// Hides the given whole forms of the secret, and nothing else.
std::string hide_forms(const std::vector<std::string>& forms, std::string text) {
    for (const std::string& form : forms)
        for (size_t at = text.find(form); at != std::string::npos; at = text.find(form, at))
            text.replace(at, form.size(), pmb::Scrubber::kMask);
    return text;
}

std::string scrub_nothing(const std::string&, const std::string& text) {
    return text;
}

std::string scrub_raw_only(const std::string& secret, const std::string& text) {
    return hide_forms({secret}, text);
}

// What the e2e secret check searched before: the secret raw, %XX, %XX with '+' and XML-escaped.
std::string scrub_four_whole_forms(const std::string& secret, const std::string& text) {
    return hide_forms({secret, encode(secret, Form::kPercentUpper), encode(secret, Form::kPlus),
                       encode(secret, Form::kNamed)},
                      text);
}

const std::string kSecrets[] = {"p@ss&w0rd:+ \"x\"/y", "Пароль-1 \xF0\x9F\x94\x91",
                                "back\\slash\n\t'<q>"};

Case case_of(const std::string& secret, const std::vector<Form>& forms) {
    const std::vector<uint8_t> in = input_for(secret, forms, 128, "left <msg> right");
    std::optional<Case> c = case_from_input(in.data(), in.size());
    REQUIRE(c);
    REQUIRE(c->secret == secret);
    return *c;
}

std::vector<Form> every_form() {
    std::vector<Form> forms;
    for (int f = 0; f < kForms; ++f)
        forms.push_back(static_cast<Form>(f));
    return forms;
}

}  // namespace

TEST_CASE("scrub property: each form fails a scrubber that hides only the raw secret") {
    for (const std::string& secret : kSecrets) {
        for (Form form : every_form()) {
            const Case c = case_of(secret, {form});
            CAPTURE(c.encoded);
            CHECK_FALSE(violation(c, real_scrub));
            CHECK(violation(c, scrub_nothing));
            CHECK(violation(c, scrub_raw_only).has_value() == (c.encoded != secret));
        }
    }
}

TEST_CASE("scrub property: a mix of forms in one occurrence fails a whole-form scrubber") {
    for (const std::string& secret : kSecrets) {
        const Case c = case_of(secret, every_form());
        CAPTURE(c.encoded);
        CHECK_FALSE(violation(c, real_scrub));
        CHECK(violation(c, scrub_four_whole_forms));
        for (Form form : {Form::kRaw, Form::kPercentUpper, Form::kPlus, Form::kNamed})
            CHECK_FALSE(violation(case_of(secret, {form}), scrub_four_whole_forms));
    }
}

TEST_CASE("scrub property: the check decodes the text itself, not the encoder's output") {
    CHECK(surviving_at("x p%40ss&amp;w0rd%3a%2b+\\\"x&#34;\\u002fy", "p@ss&w0rd:+ \"x\"/y") == 2u);
    CHECK(surviving_at("%d0%9f&#1072;\\u0440\\u043E&#X43B;%D1%8C-1", "Пароль-1") == 0u);
    CHECK(surviving_at("key\\ud83d\\udd11!", "key\xF0\x9F\x94\x91!") == 0u);
    CHECK(surviving_at("a&#0000098;c", "abc") == 0u);
    // Not an encoding the scrubber claims: a double encoding, a lone surrogate, a cut mask.
    CHECK_FALSE(surviving_at("p%2541x", "pAx"));
    CHECK_FALSE(surviving_at("a\\ud800b",
                             "a\xED\xA0\x80"
                             "b"));
    CHECK_FALSE(surviving_at("ab[hidden]c", "abc"));
    CHECK_FALSE(surviving_at("ab[private key hidden]c", "abc"));
}

TEST_CASE("scrub property: seeded random inputs hold for the real scrubber only") {
    std::mt19937 rng(17);
    std::uniform_int_distribution<int> byte(0, 255), length(0, 60);
    const std::string alphabet = "ab &%+#;\\\"'<>/\xD0\x9F\xF0\x9F\x94\x91xu0123456789";
    int real_failures = 0, raw_only_failures = 0, inputs = 0;
    for (int i = 0; i < 3000; ++i) {
        std::vector<uint8_t> in;
        const int size = 8 + length(rng) + length(rng);
        for (int b = 0; b < size; ++b)  // mostly the characters escapes are made of
            in.push_back(b % 3 ? static_cast<uint8_t>(alphabet[byte(rng) % alphabet.size()])
                               : static_cast<uint8_t>(byte(rng)));
        std::optional<Case> c = case_from_input(in.data(), in.size());
        if (!c)
            continue;
        ++inputs;
        if (auto problem = violation(*c, real_scrub)) {
            if (real_failures++ == 0)
                MESSAGE(*problem);
        }
        raw_only_failures += violation(*c, scrub_raw_only) ? 1 : 0;
    }
    CHECK(inputs > 1000);
    CHECK(real_failures == 0);
    CHECK(raw_only_failures * 2 > inputs);
}
