// Money as billing panels print it: an amount in the account's locale ("1 234,50",
// "-12.5", "12221243.00"), sometimes with its currency ("12221243.00 RUB", "€12.50").
// The upstream's balance is read from such text, so the reading is lenient, but never
// guesses: what it cannot read for sure is no amount.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pmb {

// The amount as plain decimal text: an optional "-", the digits, and "." with the fraction
// digits as given ("1 234,50" -> "1234.50", "+7" -> "7", "−3,5" -> "-3.5"). Accepted:
// a sign (+, -, U+2212), spaces, no-break spaces (U+00A0, U+202F, U+2009) and apostrophes
// between digit groups, and "," or "." as the decimal mark. With both marks the last one is
// decimal and the other groups thousands ("1,234.50", "1.234,50"); a mark that repeats
// groups thousands ("1.234.567"); a single one is the decimal mark ("12,5"). nullopt for
// anything else: no digit, letters, groups of the wrong size, two decimal marks.
std::optional<std::string> parse_amount(std::string_view text);

// The ISO 4217 code of a currency as panels show it: three Latin letters in any case
// ("rub" -> "RUB"), or a common sign or abbreviation (₽, руб., €, $, £, ₴, грн, ₸);
// empty for anything else (a currency id, a name).
std::string iso_currency(std::string_view text);

struct MoneyText {
    std::string amount;    // as parse_amount gives it
    std::string currency;  // as iso_currency gives it; empty when the text names none known
};

// An amount with its currency before or after it ("12221243.00 RUB", "RUB 5", "€12.50",
// "1 234,50 руб."); nullopt when the amount cannot be read.
std::optional<MoneyText> parse_money_text(std::string_view text);

}  // namespace pmb
