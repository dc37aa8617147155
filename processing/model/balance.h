// The balance of the upstream account, as the upstream reports it and the panel shows it on
// the admin dashboard.
#pragma once

#include <string>

namespace pmb {

struct Balance {
    std::string amount;    // plain decimal text ("-12.50"), see core/money.h; empty: unknown
    std::string currency;  // ISO 4217 ("RUB"); empty: unknown
    std::string source;    // the upstream function it came from, for the log

    bool complete() const { return !amount.empty() && !currency.empty(); }
};

// How hard to try. A refresh after a paid call must cost next to nothing: no retries and at
// most two round trips; getbalance itself may take every fallback and the read retries.
enum class BalanceRead { kThorough, kQuick };

}  // namespace pmb
