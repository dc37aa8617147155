#include "lifecycle/balance_report.h"

#include <ctime>

#include "billmgr/writeback.h"
#include "core/log.h"

namespace pmb {
namespace {

// BILLmanager's datetime columns hold the server's local time.
std::string local_now() {
    std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &local);
    return stamp;
}

bool refuses_extra_params(const Error& error) {
    return refuses_param(error, "currency") || refuses_param(error, "notify_time");
}

void save(Writeback& writeback, long long module, const Balance& balance,
          const std::string& notify_time) {
    try {
        writeback.save_balance(module, balance.amount, balance.currency, notify_time);
        return;
    } catch (const Error& e) {
        if (!refuses_extra_params(e))
            throw;
        log_warning("processing.savebalance refused currency or notify_time (" + e.message() +
                    "): saving the balance alone, then both as module params");
    }
    writeback.save_balance_only(module, balance.amount);
    writeback.save_module_param(module, "currency", balance.currency);
    writeback.save_module_param(module, "notify_time", notify_time);
}

}  // namespace

Balance report_balance(Host& host, CertificateApi& api, long long module, BalanceRead how) {
    Balance balance = api.balance(how);
    Writeback writeback(host);
    save(writeback, module, balance, local_now());
    log_info("processing module " + std::to_string(module) + ": upstream balance " +
             balance.amount + " " + balance.currency + " (from " + balance.source + ") saved");
    return balance;
}

}  // namespace pmb
