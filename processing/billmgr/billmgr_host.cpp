#include "billmgr/billmgr_host.h"

#include "billmgr/crypt.h"
#include "core/error.h"
#include "core/scrub.h"

namespace pmb {
namespace {

const char* const kItemQuery =
    "SELECT i.id, i.pricelist, i.lastpricelist, i.period, i.status, i.expiredate, i.remoteid,"
    " i.processingmodule, p.intname AS pricelist_intname, it.intname AS itemtype"
    " FROM item i LEFT JOIN pricelist p ON p.id = i.pricelist"
    " LEFT JOIN itemtype it ON it.id = p.itemtype WHERE i.id = ?";

std::string text(const Row& row, const std::string& column) {
    auto it = row.find(column);
    return it == row.end() || !it->second ? std::string() : *it->second;
}

long long number(const Row& row, const std::string& column) {
    std::string value = text(row, column);
    return value.empty() ? 0 : std::stoll(value);
}

std::string id_text(long long id) {
    return std::to_string(id);
}

Error no_such_item(long long id) {
    return Error(errtype::kMissed, "item", id_text(id),
                 "service " + id_text(id) + " does not exist in BILLmanager");
}

}  // namespace

std::string Item::param(const std::string& name) const {
    auto it = params.find(name);
    return it == params.end() ? std::string() : it->second;
}

bool Item::has_param(const std::string& name) const {
    return params.count(name) > 0;
}

std::string ModuleSettings::param(const std::string& name) const {
    auto it = params.find(name);
    return it == params.end() ? std::string() : it->second;
}

BillmgrHost::BillmgrHost(const MgrRoot& root, long mgrctl_timeout_s)
    : root_(root), mgrctl_(root.mgrctl(), mgrctl_timeout_s) {}

DbSettings BillmgrHost::parse_paramlist(const XmlNode& doc) {
    // Each param is an element, inside <elem> rows (as ISPsystem's base reads it) or directly.
    std::map<std::string, std::string> values;
    for (const XmlNode& node : doc.children()) {
        if (node.name() == "elem") {
            for (const XmlNode& param : node.children())
                values[param.name()] = param.text();
        } else {
            values[node.name()] = node.text();
        }
    }
    DbSettings s;
    auto take = [&](const char* name, std::string& into) {
        auto it = values.find(name);
        if (it != values.end() && !it->second.empty())
            into = it->second;
    };
    take("DBHost", s.host);
    take("DBUser", s.user);
    take("DBPassword", s.password);
    take("DBName", s.name);
    take("DBSocket", s.socket);
    take("CryptKey", s.crypt_key);
    return s;
}

Database& BillmgrHost::db() {
    if (!db_) {
        XmlDoc answer = mgrctl_.call("paramlist", {});
        settings_ = parse_paramlist(answer.root());
        Scrubber::global().add_secret(settings_->password);
        db_ = std::make_unique<Database>(*settings_);
    }
    return *db_;
}

std::map<std::string, std::string> BillmgrHost::name_values(const std::string& sql, long long id) {
    std::map<std::string, std::string> out;
    for (const Row& row : db().select(sql, {id}))
        out[text(row, "intname")] = text(row, "value");
    return out;
}

long long BillmgrHost::item_module(long long id) {
    auto rows = db().select("SELECT processingmodule FROM item WHERE id = ?", {id});
    if (rows.empty())
        throw no_such_item(id);
    return number(rows.front(), "processingmodule");
}

Item BillmgrHost::item(long long id) {
    auto rows = db().select(kItemQuery, {id});
    if (rows.empty())
        throw no_such_item(id);
    const Row& row = rows.front();
    Item item;
    item.id = id;
    item.pricelist = number(row, "pricelist");
    item.pricelist_intname = text(row, "pricelist_intname");
    item.lastpricelist = number(row, "lastpricelist");
    item.itemtype = text(row, "itemtype");
    item.period = static_cast<int>(number(row, "period"));
    item.status = static_cast<int>(number(row, "status"));
    item.expiredate = text(row, "expiredate");
    item.remoteid = text(row, "remoteid");
    item.processingmodule = number(row, "processingmodule");
    item.params = name_values("SELECT intname, value FROM itemparam WHERE item = ?", id);
    item.pricelist_params = name_values(
        "SELECT intname, value FROM pricelistparam WHERE pricelist = ?", item.pricelist);
    auto cert = db().select("SELECT csr, pkey, crt FROM certificate WHERE item = ?", {id});
    if (!cert.empty()) {
        item.certificate = {true, text(cert[0], "csr"), text(cert[0], "pkey"),
                            text(cert[0], "crt")};
        Scrubber::global().add_secret(item.certificate.pkey);
    }
    return item;
}

ModuleSettings BillmgrHost::module(long long id) {
    auto rows = db().select("SELECT id, module, name FROM processingmodule WHERE id = ?", {id});
    if (rows.empty())
        throw Error(errtype::kMissed, "processingmodule", id_text(id),
                    "processing module " + id_text(id) + " does not exist in BILLmanager");
    ModuleSettings settings;
    settings.id = id;
    settings.module = text(rows[0], "module");
    settings.name = text(rows[0], "name");
    settings.params =
        name_values("SELECT intname, value FROM processingparam WHERE processingmodule = ?", id);
    ParamDecryptor decryptor(root_.path(settings_->crypt_key));
    auto crypted = name_values(
        "SELECT intname, value FROM processingcryptedparam WHERE processingmodule = ?", id);
    for (const auto& [name, value] : crypted) {
        std::string plain = decryptor.decrypt(name, value);
        Scrubber::global().add_secret(plain);
        settings.params[name] = plain;
    }
    return settings;
}

std::vector<long long> BillmgrHost::active_modules(const std::string& module) {
    std::vector<long long> ids;
    for (const Row& row :
         db().select("SELECT id FROM processingmodule WHERE module = ? AND active = 'on'"
                     " ORDER BY id",
                     {module}))
        ids.push_back(number(row, "id"));
    return ids;
}

int BillmgrHost::trycount(long long running_operation) {
    auto rows =
        db().select("SELECT trycount FROM runningoperation WHERE id = ?", {running_operation});
    if (rows.empty())
        throw Error(errtype::kMissed, "runningoperation", id_text(running_operation),
                    "running operation " + id_text(running_operation) + " does not exist");
    return static_cast<int>(number(rows[0], "trycount"));
}

bool BillmgrHost::has_task(long long running_operation) {
    return !db().select("SELECT id FROM task WHERE runningoperation = ? LIMIT 1",
                        {running_operation})
                .empty();
}

bool BillmgrHost::item_exists(long long id) {
    return !db().select("SELECT id FROM item WHERE id = ?", {id}).empty();
}

std::optional<long long> BillmgrHost::find_item_by_param(long long module, const std::string& name,
                                                         const std::string& value) {
    auto rows = db().select(
        "SELECT p.item FROM itemparam p JOIN item i ON i.id = p.item"
        " WHERE i.processingmodule = ? AND p.intname = ? AND p.value = ? ORDER BY p.item LIMIT 1",
        {module, name, value});
    if (rows.empty())
        return std::nullopt;
    return number(rows[0], "item");
}

std::vector<std::pair<long long, std::string>> BillmgrHost::open_items_with_param(
    long long module, const std::string& name) {
    std::vector<std::pair<long long, std::string>> items;
    for (const Row& row :
         db().select("SELECT i.id, p.value FROM item i JOIN itemparam p ON p.item = i.id"
                     " WHERE i.processingmodule = ? AND i.status IN (2, 3, 5) AND p.intname = ?"
                     " AND p.value <> '' ORDER BY i.id",
                     {module, name}))
        items.emplace_back(number(row, "id"), text(row, "value"));
    return items;
}

XmlDoc BillmgrHost::call(const std::string& func, const std::vector<MgrctlArg>& args) {
    return mgrctl_.call(func, args);
}

}  // namespace pmb
