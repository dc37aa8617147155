// The BILLmanager host as the module sees it: reads from BILLmanager's database (and the
// module's own files under the mgr root), writes through BILLmanager functions (mgrctl).
// Behind an interface, so the lifecycle can run against an in-memory host in unit tests and
// against a real one in integration tests.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/xml.h"

namespace pmb {

struct CertificateRow {
    bool present = false;
    std::string csr, pkey, crt;
};

struct Item {
    long long id = 0;
    std::string itemtype;  // itemtype intname, "certificate"
    long long pricelist = 0;
    std::string pricelist_intname;  // = the template name
    // The tariff before a tariff change still being applied (setparam); 0 when none.
    long long lastpricelist = 0;
    int period = 0;  // months
    int status = 0;  // 1 ordered, 2 active, 3 suspended, 4 deleted, 5 processing
    std::string expiredate;
    std::string remoteid;
    long long processingmodule = 0;
    std::map<std::string, std::string> params;            // itemparam
    std::map<std::string, std::string> pricelist_params;  // pricelistparam
    CertificateRow certificate;

    std::string param(const std::string& name) const;
    bool has_param(const std::string& name) const;
};

struct ModuleSettings {
    long long id = 0;
    std::string module;  // binary name, must be pmbillmgrssl
    std::string name;
    std::map<std::string, std::string> params;  // plain and (decrypted) crypted params

    std::string param(const std::string& name) const;
};

struct MgrctlArg {
    std::string name;
    std::string value;
    bool secret = false;  // passed through the environment, never on argv
};

class Host {
public:
    virtual ~Host() = default;
    // Each read throws pmb::Error(missed) naming what is missing.
    virtual Item item(long long id) = 0;
    // Just the item's processing module: picks the upstream before the item is read whole.
    virtual long long item_module(long long id) = 0;
    virtual ModuleSettings module(long long id) = 0;
    // The active processing modules (active = 'on') that run the binary named module, by id.
    virtual std::vector<long long> active_modules(const std::string& module) = 0;
    virtual int trycount(long long running_operation) = 0;
    // Whether staff already have a task for the running operation (task.runningoperation).
    virtual bool has_task(long long running_operation) = 0;
    // Lookups of service import: does the item exist, and which item of the module carries
    // the itemparam name = value.
    virtual bool item_exists(long long id) = 0;
    virtual std::optional<long long> find_item_by_param(long long module, const std::string& name,
                                                        const std::string& value) = 0;
    // The open services of the module (active, suspended or processing) that carry the
    // itemparam name (e.g. upstream_id), by id, with its value.
    virtual std::vector<std::pair<long long, std::string>> open_items_with_param(
        long long module, const std::string& name) = 0;
    // Runs one BILLmanager function; throws pmb::Error(mgrctl) when it answers an error.
    virtual XmlDoc call(const std::string& func, const std::vector<MgrctlArg>& args) = 0;
};

}  // namespace pmb
