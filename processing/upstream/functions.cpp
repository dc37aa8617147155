#include "upstream/functions.h"

#include "core/error.h"

namespace pmb::upstream::functions {
namespace {

void add_contact(Request& request, const std::string& prefix, const Contact& contact) {
    request.add(prefix + "fname", contact.fname)
        .add(prefix + "lname", contact.lname)
        .add(prefix + "jtitle", contact.jtitle)
        .add(prefix + "email", contact.email)
        .add(prefix + "phone", contact.phone)
        .add(prefix + "phone_country", contact.phone_country);
}

// approver_email_1..N, numbered from 1 (the CN's) in the given order; an empty one is left out
// and keeps its number.
void add_approver_emails(Request& request, const std::vector<std::string>& emails) {
    for (size_t i = 0; i < emails.size(); ++i)
        request.add_if("approver_email_" + std::to_string(i + 1), emails[i]);
}

// The approvers only by e-mail; the file method's protocol only with it.
void add_approval(Request& request, const Approval& approval) {
    request.add_if("approver_method", approval.method);
    if (approval.method == "auth_email")
        add_approver_emails(request, approval.emails);
    if (approval.method == "auth_file")
        request.add("auth_file_protocol", approval.file_protocol);
}

void add_tariff(Request& request, const OrderRequest& order) {
    request.add("pricelist", order.pricelist).add("period", std::to_string(order.period_months));
}

void add_subject(Request& request, const Subject& subject) {
    request.add("CN", subject.cn)
        .add("O", subject.o)
        .add("OU", subject.ou)
        .add("L", subject.l)
        .add("ST", subject.st)
        .add("emailAddress", subject.email);
}

void add_key_source(Request& request, const OrderRequest& order) {
    if (order.key.empty()) {
        request.add("crt_type", "manual").add("csr", order.csr);
        return;
    }
    // The upstream's own wizard sends the pair from certificate.order.csr back with the
    // subject it was made from.
    request.add("crt_type", "generate");
    add_subject(request, order.subject);
    request.add("csr", order.csr).add("key", order.key);
}

Request with_elid(const std::string& func, const std::string& id) {
    Request request(func);
    request.add("elid", id);
    return request;
}

}  // namespace

Request order(const OrderRequest& order) {
    Request request("certificate.order.param");
    request.mark_charging()
        .add("sok", "ok")
        .add("skipbasket", "on")
        .add("clicked_button", "finish");
    add_tariff(request, order);
    request.add("remoteid", order.remoteid);
    add_key_source(request, order);
    request.add_if("altname", order.altnames)
        .add("country", order.country)
        .add("field_country", order.country);
    add_contact(request, "adm_", order.admin);
    if (order.tech == order.admin) {
        request.add("like_admin", "on");
    } else {
        add_contact(request, "tech_", order.tech);
    }
    for (const auto& [name, value] : order.org)
        request.add(name, value);
    add_approval(request, order.approval);
    return request;
}

Request generate_key(const OrderRequest& order) {
    Request request("certificate.order.csr");
    request.add("sok", "ok").add("snext", "ok").add("crt_type", "generate");
    add_tariff(request, order);
    request.add("field_country", order.country);
    add_subject(request, order.subject);
    request.add_if("altname", order.altnames).add_if("altname_input", order.altnames);
    return request;
}

Request list() {
    return Request("certificate");
}

Request check_access() {
    return list();
}

Request get(const std::string& id) {
    return with_elid("certificate.edit", id);
}

Request download(const std::string& id) {
    return with_elid("certificate.file", id);
}

Request download_row(const std::string& id, const std::string& row) {
    Request request("certificate.file.edit");
    request.add("plid", id).add("elid", row).mark_answer_secret();
    return request;
}

Request reissue(const std::string& id, const ReissueRequest& reissue) {
    const std::string& type = reissue.crt_type;
    if (type != "oldrequest" && type != "manual" && type != "altname")
        throw Error(errtype::kValue, "crt_type", type,
                    "reissue type must be oldrequest, manual or altname");
    if (type == "manual" && reissue.csr.empty())
        throw Error(errtype::kValue, "csr", "", "a reissue with a new CSR needs the CSR");
    Request request = with_elid("certificate.reissue.step2", id);
    request.mark_charging().add("sok", "ok").add("crt_type", type);
    if (type == "manual")
        request.add("csr", reissue.csr);
    // With a new CSR the changed domains travel along, for CSRs that carry no SANs.
    if (type == "altname" || !reissue.altnames.empty())
        request.add("altname", reissue.altnames);
    add_approval(request, reissue.approval);
    return request;
}

Request remove(const std::string& id) {
    Request request = with_elid("certificate.delete", id);
    request.add("sok", "ok");
    return request;
}

Request prolong(const std::string& id, int period_months) {
    Request request = with_elid("service.prolong", id);
    request.mark_charging().add("period", std::to_string(period_months)).add("sok", "ok");
    return request;
}

Request pricelist_export(const std::string& only_id) {
    Request request("pricelist.export");
    request.add("itemtype", "certificate").add("onlyavailable", "on").add_if("pricelist", only_id);
    return request;
}

Request resend_approver_email(const std::string& function, const std::string& id,
                              const std::vector<std::string>& emails) {
    Request request = with_elid(function, id);
    request.mark_single_try().add("sok", "ok");
    add_approver_emails(request, emails);
    return request;
}

Request recheck_dns(const std::string& function, const std::string& id, const std::string& domain) {
    Request request = with_elid(function, id);
    request.mark_single_try().add("sok", "ok").add("domain", domain);
    return request;
}

Request whoami() {
    return Request("whoami");
}

Request subaccounts() {
    return Request("subaccount");
}

Request notices() {
    return Request("notify");
}

Request list_page(int page, int rows) {
    Request request = list();
    request.add("p_num", std::to_string(page)).add("p_cnt", std::to_string(rows));
    return request;
}

Request order_form(const std::string& pricelist, int period_months) {
    Request request("certificate.order.param");
    request.add("pricelist", pricelist).add("period", std::to_string(period_months));
    return request;
}

}  // namespace pmb::upstream::functions
