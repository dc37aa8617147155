// The upstream balance on BILLmanager's admin dashboard ("Reselling services balance"): read
// through the lifecycle's port, saved on the processing module with processing.savebalance.
// BILLmanager compares it with the module's minimal balance and sends the low-balance notice
// itself (its processing.checkbalance cron).
#pragma once

#include "billmgr/host.h"
#include "lifecycle/certificate_api.h"

namespace pmb {

// Reads the balance and saves it on the processing module, with the local time of the
// reading as notify_time; returns what was saved. A panel that refuses currency or
// notify_time gets the balance alone, then each of the two as a module param.
Balance report_balance(Host& host, CertificateApi& api, long long module, BalanceRead how);

}  // namespace pmb
