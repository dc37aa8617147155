// Money text as billing panels print it: the amount and the currency of the upstream balance.
#include <doctest/doctest.h>

#include "core/money.h"

using namespace pmb;

TEST_CASE("money: amounts in the locales panels print") {
    const std::pair<const char*, const char*> cases[] = {
        {"12221243.00", "12221243.00"},
        {"1 234,50", "1234.50"},
        {"1\xC2\xA0"
         "234,50",
         "1234.50"},  // no-break space
        {"1\xE2\x80\xAF"
         "234\xE2\x80\xAF"
         "567.5",
         "1234567.5"},  // narrow no-break space
        {"-12.5", "-12.5"},
        {"+7", "7"},
        {"\xE2\x88\x92"
         "3,5",
         "-3.5"},  // U+2212 minus
        {"  42  ", "42"},
        {"1,234.50", "1234.50"},
        {"1.234,50", "1234.50"},
        {"1.234.567", "1234567"},
        {"1,234,567", "1234567"},
        {"1.234.567,89", "1234567.89"},
        {"12'345.50", "12345.50"},
        {"12,5", "12.5"},
        {".5", "0.5"},
        {"007", "7"},
        {"0", "0"},
        {"-0,00", "-0.00"},
    };
    for (const auto& [text, amount] : cases) {
        CAPTURE(text);
        CHECK(parse_amount(text) == std::optional<std::string>(amount));
    }
}

TEST_CASE("money: what is no amount for sure is none") {
    for (const char* text : {"",    " ",         "-",     "abc",     "12 RUB",    "12..5",   "1,,5",
                             "12.", "1 23,5",    "10 00", "1,2,3.5", "1.5.5,5,5", "--5",     "- 5",
                             "5-",  "1 234.5.6", ",",     "1e5",     "0x10",      "12,5.000"}) {
        CAPTURE(text);
        CHECK_FALSE(parse_amount(text));
    }
}

TEST_CASE("money: ISO codes from codes, signs and abbreviations") {
    CHECK(iso_currency("RUB") == "RUB");
    CHECK(iso_currency(" eur ") == "EUR");
    CHECK(iso_currency("₽") == "RUB");
    CHECK(iso_currency("руб.") == "RUB");
    CHECK(iso_currency("€") == "EUR");
    CHECK(iso_currency("$") == "USD");
    CHECK(iso_currency("грн") == "UAH");
    CHECK(iso_currency("126").empty());
    CHECK(iso_currency("Russian ruble").empty());
    CHECK(iso_currency("").empty());
    CHECK(iso_currency("RU").empty());
}

TEST_CASE("money: an amount with its currency before or after it") {
    struct Case {
        const char* text;
        const char* amount;
        const char* currency;
    };
    const Case cases[] = {
        {"12221243.00 RUB", "12221243.00", "RUB"},
        {"RUB 5", "5", "RUB"},
        {"€12.50", "12.50", "EUR"},
        {"1 234,50 руб.", "1234.50", "RUB"},
        {"-12,00\xC2\xA0₽", "-12.00", "RUB"},
        {"Balance: 12.00 EUR", "12.00", "EUR"},
        {"12.00", "12.00", ""},
        {"12.00 credits", "12.00", ""},
        {".5 USD", "0.5", "USD"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.text);
        auto money = parse_money_text(c.text);
        REQUIRE(money);
        CHECK(money->amount == c.amount);
        CHECK(money->currency == c.currency);
    }
    CHECK_FALSE(parse_money_text("no money here"));
    CHECK_FALSE(parse_money_text("12 RUB 5"));
    CHECK_FALSE(parse_money_text(""));
}
