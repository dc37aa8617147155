#include "core/money.h"

#include <cctype>
#include <vector>

#include "core/text.h"

namespace pmb {
namespace {

// What locales put between digit groups: a space, the no-break spaces, an apostrophe.
constexpr std::string_view kGroupSeparators[] = {" ", "\xC2\xA0", "\xE2\x80\xAF", "\xE2\x80\x89",
                                                 "'"};
constexpr std::string_view kUnicodeMinus = "\xE2\x88\x92";

bool is_digit(char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0;
}

size_t group_separator_at(std::string_view text, size_t at) {
    for (std::string_view separator : kGroupSeparators)
        if (text.substr(at, separator.size()) == separator)
            return separator.size();
    return 0;
}

// Without blanks around it, no-break spaces included.
std::string_view trim_blanks(std::string_view text) {
    for (;;) {
        std::string_view before = text;
        text = trim(text);
        for (std::string_view space : {"\xC2\xA0", "\xE2\x80\xAF", "\xE2\x80\x89"}) {
            if (text.substr(0, space.size()) == space)
                text.remove_prefix(space.size());
            if (text.size() >= space.size() && text.substr(text.size() - space.size()) == space)
                text.remove_suffix(space.size());
        }
        if (text == before)
            return text;
    }
}

// The digits of an amount, each run with the mark that follows it (0 after the last run):
// ',' or '.', or ' ' for any group separator.
struct Run {
    std::string digits;
    char mark = 0;
};

std::optional<std::vector<Run>> digit_runs(std::string_view text) {
    std::vector<Run> runs(1);
    for (size_t at = 0; at < text.size();) {
        char mark = 0;
        size_t length = 1;
        if (is_digit(text[at])) {
            runs.back().digits += text[at++];
            continue;
        }
        if (text[at] == ',' || text[at] == '.')
            mark = text[at];
        else if ((length = group_separator_at(text, at)) > 0)
            mark = ' ';
        else
            return std::nullopt;  // a letter, a second sign, …
        // Two marks in a row, or one after nothing but a leading decimal mark (".5").
        if (runs.back().mark || (runs.back().digits.empty() && (runs.size() > 1 || mark == ' ')))
            return std::nullopt;
        runs.back().mark = mark;
        runs.emplace_back();
        at += length;
    }
    if (runs.back().digits.empty())
        return std::nullopt;  // ends with a mark, or no digit at all
    return runs;
}

// The decimal mark of an amount, 0 when it has none: see parse_amount.
std::optional<char> decimal_mark(const std::vector<Run>& runs) {
    int commas = 0, dots = 0;
    char last = 0;
    for (const Run& run : runs) {
        commas += run.mark == ',';
        dots += run.mark == '.';
        if (run.mark)
            last = run.mark;
    }
    if (commas == 0 && dots == 0)
        return char(0);
    char mark = commas && dots ? last : (commas == 1 ? ',' : dots == 1 ? '.' : 0);
    if (mark == 0)
        return char(0);  // a repeated mark groups thousands
    if (last != mark || (mark == ',' ? commas : dots) != 1)
        return std::nullopt;  // the decimal mark must be the last one, and only once
    return mark;
}

bool well_grouped(const std::vector<Run>& runs, size_t integer_runs) {
    if (integer_runs < 2)
        return true;
    if (runs[0].digits.empty() || runs[0].digits.size() > 3)
        return false;
    for (size_t i = 1; i < integer_runs; ++i)
        if (runs[i].digits.size() != 3)
            return false;
    return true;
}

std::string without_leading_zeros(const std::string& digits) {
    size_t first = digits.find_first_not_of('0');
    return first == std::string::npos ? "0" : digits.substr(first);
}

// Where the amount in a money text begins: its first digit, with a decimal mark and a sign
// right before it.
size_t amount_start(std::string_view text, size_t first_digit) {
    size_t start = first_digit;
    if (start > 0 && (text[start - 1] == '.' || text[start - 1] == ','))
        --start;
    if (start > 0 && (text[start - 1] == '-' || text[start - 1] == '+'))
        return start - 1;
    if (start >= kUnicodeMinus.size() &&
        text.substr(start - kUnicodeMinus.size(), kUnicodeMinus.size()) == kUnicodeMinus)
        return start - kUnicodeMinus.size();
    return start;
}

}  // namespace

std::optional<std::string> parse_amount(std::string_view text) {
    text = trim_blanks(text);
    bool negative = false;
    if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
        negative = text.front() == '-';
        text.remove_prefix(1);
    } else if (text.substr(0, kUnicodeMinus.size()) == kUnicodeMinus) {
        negative = true;
        text.remove_prefix(kUnicodeMinus.size());
    }
    auto runs = digit_runs(text);
    if (!runs)
        return std::nullopt;
    auto mark = decimal_mark(*runs);
    if (!mark)
        return std::nullopt;
    size_t integer_runs = *mark ? runs->size() - 1 : runs->size();
    if (!well_grouped(*runs, integer_runs))
        return std::nullopt;
    std::string integer;
    for (size_t i = 0; i < integer_runs; ++i)
        integer += (*runs)[i].digits;
    std::string amount = (negative ? "-" : "") + without_leading_zeros(integer);
    if (*mark)
        amount += "." + runs->back().digits;
    return amount;
}

std::string iso_currency(std::string_view text) {
    text = trim_blanks(text);
    bool letters = text.size() == 3;
    for (char c : text)
        letters = letters && std::isalpha(static_cast<unsigned char>(c));
    if (letters)
        return uppercase(text);
    static const std::pair<const char*, const char*> kSigns[] = {
        {"₽", "RUB"},  {"руб", "RUB"}, {"руб.", "RUB"}, {"р.", "RUB"},  {"€", "EUR"},
        {"$", "USD"},    {"us$", "USD"}, {"£", "GBP"},    {"₴", "UAH"},   {"грн", "UAH"},
        {"грн.", "UAH"}, {"₸", "KZT"},   {"тг", "KZT"},   {"тг.", "KZT"},
    };
    std::string lowered = lowercase(text);
    for (const auto& [sign, code] : kSigns)
        if (lowered == sign)
            return code;
    return {};
}

std::optional<MoneyText> parse_money_text(std::string_view text) {
    text = trim_blanks(text);
    size_t first_digit = 0;
    while (first_digit < text.size() && !is_digit(text[first_digit]))
        ++first_digit;
    if (first_digit == text.size())
        return std::nullopt;
    size_t last_digit = text.size() - 1;
    while (!is_digit(text[last_digit]))
        --last_digit;
    size_t start = amount_start(text, first_digit);
    auto amount = parse_amount(text.substr(start, last_digit + 1 - start));
    if (!amount)
        return std::nullopt;
    // "Balance: 12.00 RUB" has words before it: the sign after the amount goes first.
    std::string currency = iso_currency(text.substr(last_digit + 1));
    if (currency.empty())
        currency = iso_currency(text.substr(0, start));
    return MoneyText{*amount, currency};
}

}  // namespace pmb
