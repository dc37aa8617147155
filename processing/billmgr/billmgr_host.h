// The real host: BILLmanager's database for reads, sbin/mgrctl for writes.
#pragma once

#include <memory>
#include <optional>

#include "billmgr/database.h"
#include "billmgr/host.h"
#include "billmgr/mgrctl.h"
#include "core/paths.h"

namespace pmb {

class BillmgrHost : public Host {
public:
    explicit BillmgrHost(const MgrRoot& root, long mgrctl_timeout_s = 60);

    Item item(long long id) override;
    long long item_module(long long id) override;
    ModuleSettings module(long long id) override;
    std::vector<long long> active_modules(const std::string& module) override;
    int trycount(long long running_operation) override;
    bool has_task(long long running_operation) override;
    bool item_exists(long long id) override;
    std::vector<std::pair<long long, std::string>> open_items_with_param(
        long long module, const std::string& name) override;
    std::optional<long long> find_item_by_param(long long module, const std::string& name,
                                                const std::string& value) override;
    XmlDoc call(const std::string& func, const std::vector<MgrctlArg>& args) override;

    // Reads DB credentials from mgrctl paramlist (exposed for tests).
    static DbSettings parse_paramlist(const XmlNode& doc);

private:
    Database& db();
    std::map<std::string, std::string> name_values(const std::string& sql, long long id);

    MgrRoot root_;
    Mgrctl mgrctl_;
    std::optional<DbSettings> settings_;
    std::unique_ptr<Database> db_;  // connected on first read: writes alone need no DB
};

}  // namespace pmb
