#include "lifecycle/pricing.h"

#include <cctype>

#include "core/error.h"

namespace pmb {
namespace {

using Wide = __int128;  // a marked-up cost in millionths can exceed 64 bits

constexpr long long kScale = 1000000;  // amounts are kept in millionths
constexpr long long kHundredPercent = 100 * kScale;
constexpr long long kMaxMarkup = 1000 * kScale;
constexpr long long kCent = kScale / 100;
constexpr size_t kMaxWholeDigits = 12;
constexpr size_t kMaxFractionDigits = 6;

bool all_digits(const std::string& text) {
    for (char c : text)
        if (!std::isdigit(static_cast<unsigned char>(c)))
            return false;
    return true;
}

// "12.5" → 12500000; nullopt for anything but a non-negative decimal within the limits.
std::optional<long long> parse_millionths(const std::string& text) {
    size_t dot = text.find('.');
    std::string whole = text.substr(0, dot);
    std::string fraction = dot == std::string::npos ? "" : text.substr(dot + 1);
    bool valid = !whole.empty() && whole.size() <= kMaxWholeDigits && all_digits(whole) &&
                 (dot == std::string::npos || !fraction.empty()) &&
                 fraction.size() <= kMaxFractionDigits && all_digits(fraction);
    if (!valid)
        return std::nullopt;
    fraction.resize(kMaxFractionDigits, '0');
    return std::stoll(whole) * kScale + std::stoll(fraction);
}

Wide divide_rounding_up(Wide value, Wide divisor) {
    return (value + divisor - 1) / divisor;
}
Wide round_up(Wide value, Wide step) {
    return divide_rounding_up(value, step) * step;
}

// Two decimals at least, more only when the step needs them: 12.00, 0.125.
std::string format_millionths(Wide value) {
    std::string fraction = std::to_string(static_cast<long long>(value % kScale));
    fraction.insert(0, kMaxFractionDigits - fraction.size(), '0');
    while (fraction.size() > 2 && fraction.back() == '0')
        fraction.pop_back();
    return std::to_string(static_cast<long long>(value / kScale)) + "." + fraction;
}

}  // namespace

Pricing Pricing::parse(const std::string& markup, const std::string& rounding) {
    Pricing pricing;
    if (!markup.empty()) {
        pricing.markup_ = parse_millionths(markup);
        if (!pricing.markup_ || *pricing.markup_ > kMaxMarkup)
            throw Error(errtype::kValue, "markup", markup,
                        "markup must be a percentage from 0 to 1000, e.g. 20");
    }
    if (!rounding.empty()) {
        pricing.rounding_ = parse_millionths(rounding);
        if (!pricing.rounding_ || *pricing.rounding_ == 0)
            throw Error(errtype::kValue, "rounding", rounding,
                        "rounding must be a positive step, e.g. 0.01, 1 or 10");
    }
    return pricing;
}

std::string Pricing::apply(const std::string& cost) const {
    if (!markup_ && !rounding_)
        return cost;
    std::optional<long long> upstream = parse_millionths(cost);
    if (!upstream)
        throw Error(errtype::kBadResponse, "cost", cost,
                    "the upstream tariff cost '" + cost + "' is not a decimal number");
    Wide value = *upstream;
    if (markup_)
        value = divide_rounding_up(value * (kHundredPercent + *markup_), kHundredPercent);
    return format_millionths(round_up(value, rounding_.value_or(kCent)));
}

}  // namespace pmb
