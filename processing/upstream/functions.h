// The one place that maps our operations to upstream function names and parameters (the
// README's "How it maps BILLmanager to the upstream"). Everything here is pure: no I/O, so
// the exact wire shape is unit-tested.
#pragma once

#include <string>
#include <vector>

#include "model/certificate.h"
#include "upstream/request.h"

namespace pmb::upstream::functions {

// certificate.order.csr: the upstream makes a key and CSR (orders without a local CSR).
Request generate_key(const OrderRequest& order);
// order, reissue and prolong are marked charging (Request::mark_charging).
// certificate.order.param, paid at once from the upstream balance.
Request order(const OrderRequest& order);
// The certificate list; also the cheap authenticated call of check_connection.
Request list();
Request check_access();
// certificate.edit without sok: the form view of one certificate.
Request get(const std::string& id);
// certificate.file: the certificate's files (the file itself, or a list of them).
Request download(const std::string& id);
// certificate.file.edit plid=<certificate> elid=<row>: one file of certificate.file's list.
// Its answer is never logged: the row may be the private key.
Request download_row(const std::string& id, const std::string& row);
// certificate.reissue.step2; throws pmb::Error(value) on an unknown crt_type or a manual
// reissue without a CSR.
Request reissue(const std::string& id, const ReissueRequest& reissue);
Request remove(const std::string& id);
Request prolong(const std::string& id, int period_months);
// The certificate tariffs on sale; with only_id, just that one (pricelist=).
Request pricelist_export(const std::string& only_id);

// The upstream's re-send functions, named by the config (DcvEmailFunction, DcvDnsFunction):
// func=<name> elid=<id> sok=ok with approver_email_1..N, or with domain. Not charging, and
// sent once: a lost answer is not worth a second mail.
Request resend_approver_email(const std::string& function, const std::string& id,
                              const std::vector<std::string>& emails);
Request recheck_dns(const std::string& function, const std::string& id, const std::string& domain);

// The upstream account's balance, in the order it is looked for: whoami (its <user> carries
// balance and currency), the account's personal accounts (subaccount: one row per
// currency), the desktop notices (notify: an item with balance="yes").
Request whoami();
Request subaccounts();
Request notices();

// For probe_upstream. One page of the certificate list.
Request list_page(int page, int rows);
// The order form of a tariff, without sok: what the tariff offers (approver_method), never
// an order.
Request order_form(const std::string& pricelist, int period_months);

}  // namespace pmb::upstream::functions
