// Every BILLmanager function the module calls (the "written back" column of the README's
// command table), typed.
#pragma once

#include <string>
#include <vector>

#include "billmgr/host.h"
#include "core/error.h"

namespace pmb {

// Whether a failed call was refused because the panel has no such function (an older
// BILLmanager): mgrctl's error type is kept as the Error's value.
bool is_unknown_function(const Error& error);

// Whether a failed call was refused for the param name: the panel's error names it (as its
// object, or in its message).
bool refuses_param(const Error& error, const std::string& name);

class Writeback {
public:
    explicit Writeback(Host& host) : host_(host) {}

    void post_open(long long item) { post("service.postopen", item); }
    void post_close(long long item) { post("service.postclose", item); }
    void post_suspend(long long item) { post("service.postsuspend", item); }
    void post_resume(long long item) { post("service.postresume", item); }
    void post_prolong(long long item) { post("service.postprolong", item); }
    void post_setparam(long long item) { post("service.postsetparam", item); }
    void post_reopen(long long item) { post("service.postreopen", item); }
    // Undoes a tariff change BILLmanager made before a setparam that failed.
    void rollback_pricelist(long long item) { post("service.changepricelist.rollback", item); }
    void set_status(long long item, int service_status);
    void set_expiredate(long long item, const std::string& date);
    void save_param(long long item, const std::string& name, const std::string& value);
    void save_secret_param(long long item, const std::string& name, const std::string& value);
    void drop_param(long long item, const std::string& name);
    void save_certificate(long long item, const std::string& crt, bool zip);
    void certificate_open(long long item) { post("certificate.open", item); }
    void certificate_failed(long long item) { post("certificate.failed", item); }
    // Returns the id of the new local service.
    std::string import_service(const std::vector<MgrctlArg>& fields);

    // The upstream balance on the admin dashboard: processing.savebalance with the currency
    // (ISO) and the time of the reading (YYYY-MM-DD HH:MM:SS).
    void save_balance(long long module, const std::string& balance, const std::string& currency,
                      const std::string& notify_time);
    // The same for a panel that refuses currency or notify_time: the balance alone, as
    // third-party modules send it; the other two go with save_module_param.
    void save_balance_only(long long module, const std::string& balance);
    // processing.saveparam: one param of a processing module.
    void save_module_param(long long module, const std::string& name, const std::string& value);

    void save_operation_error(long long operation, const std::string& error_xml);
    void set_operation_manual(long long operation);
    std::string task_type(const std::string& command);
    void create_task(long long item, long long operation, const std::string& type);

private:
    void post(const std::string& func, long long item);
    Host& host_;
};

}  // namespace pmb
