#include "lifecycle/param_change.h"

#include <string>

#include "billmgr/writeback.h"
#include "core/log.h"
#include "lifecycle/csr.h"
#include "lifecycle/item_params.h"

namespace pmb {
namespace {

std::string tariff_change(const Item& item) {
    std::string now = "tariff " + std::to_string(item.pricelist) +
                      (item.pricelist_intname.empty() ? "" : " (" + item.pricelist_intname + ")");
    if (item.lastpricelist != 0 && item.lastpricelist != item.pricelist)
        return now + ", changed from tariff " + std::to_string(item.lastpricelist);
    return now + ", unchanged";
}

// Names only: values may be personal data or secrets.
std::string param_names(const Item& item) {
    std::string names;
    for (const auto& [name, value] : item.params)
        if (!param::written_by_module(name))
            names += (names.empty() ? "" : ", ") + name;
    return names.empty() ? "none" : names;
}

// The CSR last sent upstream is remembered by its hash; a different one needs a reissue.
bool csr_changed(const Item& item) {
    if (item.certificate.csr.empty() || !item.has_param(param::kCsrSha256))
        return false;
    try {
        return parse_csr(item.certificate.csr).sha256 != item.param(param::kCsrSha256);
    } catch (const std::exception&) {
        return true;
    }
}

void log_change(const Item& item) {
    log_info("setparam: service " + std::to_string(item.id) + ": " + tariff_change(item) +
             "; params: " + param_names(item) +
             "; nothing is sent upstream (an ordered certificate cannot be changed)");
    if (csr_changed(item))
        log_warning("setparam: service " + std::to_string(item.id) +
                    " has a CSR other than the one sent upstream; a reissue applies it");
}

void rollback_tariff(Writeback& writeback, const Item& item) {
    log_warning("setparam failed after a tariff change of service " + std::to_string(item.id) +
                ": rolling back to tariff " + std::to_string(item.lastpricelist));
    try {
        writeback.rollback_pricelist(item.id);
    } catch (const std::exception& e) {
        log_error("cannot roll back the tariff change: " + std::string(e.what()));
    }
}

}  // namespace

void apply_param_change(Host& host, long long item_id) {
    Item item = host.item(item_id);
    Writeback writeback(host);
    try {
        log_change(item);
        writeback.post_setparam(item.id);
    } catch (...) {
        if (item.lastpricelist != 0)
            rollback_tariff(writeback, item);
        throw;
    }
}

}  // namespace pmb
