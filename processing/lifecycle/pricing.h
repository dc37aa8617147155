// Selling prices from upstream costs, for tariff import: the module's markup percentage,
// then rounded up to a multiple of its rounding step. The arithmetic is exact decimal:
// 10.00 plus 20 % is 12.00, never 12.000000000000002 rounded up to 12.01.
#pragma once

#include <optional>
#include <string>

namespace pmb {

class Pricing {
public:
    // From the module settings `markup` (percent, 0 to 1000) and `rounding` (a positive step
    // such as 0.01, 1 or 10); empty means none. Throws Error(value) naming the setting.
    static Pricing parse(const std::string& markup, const std::string& rounding);

    // The selling cost of an upstream cost. With neither setting, the upstream text as is;
    // with a markup alone, rounded up to whole cents. Throws Error(bad_response) for a cost
    // that is not a decimal number.
    std::string apply(const std::string& cost) const;

private:
    std::optional<long long> markup_;    // millionths of a percent
    std::optional<long long> rounding_;  // millionths of the currency unit
};

}  // namespace pmb
