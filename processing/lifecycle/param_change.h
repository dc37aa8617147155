// setparam: BILLmanager changed a service's params, tariff or addons. An ordered certificate
// cannot be changed at the CA, so nothing goes upstream: the change is logged and the
// operation finished with service.postsetparam. A new CSR or new names take a reissue.
#pragma once

#include "billmgr/host.h"

namespace pmb {

// When finishing fails after a tariff change (item.lastpricelist set), the change is rolled
// back with service.changepricelist.rollback, as ISPsystem's module base does, and the
// failure is rethrown.
void apply_param_change(Host& host, long long item_id);

}  // namespace pmb
