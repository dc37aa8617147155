// Test-control endpoints under /_admin/ (no auth): drive certificates, inspect and inject faults.
// Every endpoint is a GET with query parameters and answers <doc><ok/>...</doc> (HTTP 400 with an
// error document on a bad parameter). README.md says, per switch, which real upstream behaviour it
// models.
//
// Certificates and account:
//   advance?id=ID&to=issued|failed|pending  moves a certificate; answers <expiredate>
//   dcv_rotate?id=ID           a new DNS/file validation token for ID; answers <token>
//   bulk?count=N[&status=issued|pending|deleted][&remoteid_from=R][&prefix=P]  adds N cheap
//                              certificates (no key, CSR or file; CN P<id>.bulk.example, expiry
//                              a year ahead, remoteids R, R+1, … when given); answers <first>,
//                              <last>: their ids
//   expire?id=ID&date=D        sets the expiry (a change made on the upstream's side)
//   forget?id=ID               removes the certificate: not listed, certificate.edit missed
//   zip?id=ID&on=1|0           certificate.file answers XML crt_type=zip + base64 zip for ID
//   state                      <balance>, <two_factor>, one <certificate> per certificate
//   balance?amount=12.34       sets the account balance
//   twofactor?on=1|0           auth answers a totp error
// Requests (every API request is recorded with its params as sent, secrets included, and the
// client's source port: equal ports = one reused connection):
//   requests                   <request n method path query content_type func client_port>
//                              with <param name source> children
//   requests/clear             forgets them
//   counts                     <count func=F>N</count> per func, then <committing func=F>N
//                              </committing>: only the requests that carried a non-empty sok
// Faults (each targets one func=F, or "*" for all; the first matching fault fires):
//   fault?func=F&kind=K[&count=N][&skip=S][&delay_ms=D][&commit=1][&type=&object=&msg=]
//     count    how many matching requests it hits (default 1; 0 = every one, until cleared)
//     skip     lets the first S matching requests through untouched (S+1-th is hit)
//     delay_ms for delay (default 1000), hang/hang_after_commit (120000, ends with a dropped
//              connection, early once the client gave up) and trickle (500 ms per byte)
//     commit=1 for partial, trickle and proxy_4xx: apply the request before answering (default:
//     not)
//   kinds, "(commits)" = the request is applied before the broken answer:
//     delay                       waits delay_ms, then answers normally (commits after the wait)
//     hang / hang_after_commit    no answer until delay_ms, then the connection is dropped
//     http500 / http502           an HTML error page with that status
//     html                        HTTP 200 with an HTML page
//     empty                       HTTP 200, empty body
//     truncated                   HTTP 200, the first half of the XML with a matching length
//     error_xml                   <doc><error type= object=><msg>msg</msg></error></doc>
//                                 (defaults: type=value object=fault msg="Injected fault")
//     drop_after_commit           (commits) declares the full length, sends half, closes
//     drop_silently_after_commit  (commits) closes the TCP connection before a single byte
//     partial                     declares the full length, sends half, closes
//     trickle                     declares the full length, sends one byte every delay_ms
//     proxy_4xx                   an HTML 403 page (a proxy); with commit=1 applied first
//   fault/clear                removes every fault
// Answer shapes (global until switched off; on defaults to 1):
//   shape?name=N&on=1|0[&...]  with N one of
//     edit_without_service_status [&lang=ru|de]  certificate.edit and the certificate list
//                              carry no service_status, only status_msg (en "Issued", ru
//                              "Выпущен", de "Ausgestellt") and item_status (2 = active once
//                              issued)
//     file_as_zip [&layout=globalsign]  certificate.file answers the raw zip (Content-Type
//                              application/zip) holding CN.crt and CN.ca.crt; with
//                              layout=globalsign CN_.p7b (DER PKCS#7 of certificate and CA,
//                              CN's "*" and "." made "_"), CN.crt and CA.crt (this
//                              layout also applies to the zip?id= XML answer)
//     file_as_pem [&content_type=T]  certificate.file answers the PEM chain as text (default
//                              text/plain)
//     file_as_list [&id_field=id|elid|name][&p7b=pem]  certificate.file answers a list:
//                              <elem><id>N</id><name>F</name><size>S</size></elem> per file
//                              (the id in <elid>, or the name alone, with id_field): CN_.p7b
//                              (base64 of DER, or PEM with p7b=pem), CN.crt, CN.ca.crt, and
//                              CN.key under file_with_private_key; each file's content is
//                              certificate.file.edit plid=<certificate>&elid=<row>:
//                              <doc><plid/><elid/><name/><content/></doc>. file_as_zip,
//                              file_as_pem and file_as_list replace each other
//     file_with_private_key    a PRIVATE KEY block is appended to the certificate PEM, in every
//                              file format (a list also gets a CN.key row); the answer carries
//                              that key in <key>
//     file_garbage_pem         the certificate is PEM armour around "not a cert"
//     order_billorder_only     certificate.order.param answers <ok/><billorder.id>90001...
//                              and no id; the certificate is still created (find it by remoteid)
//     prolong_without_newexpiredate  service.prolong answers <ok/> only; the expiry still moves
//     export_numeric_itemtype  pricelist.export rows carry <itemtype>48</itemtype> and no
//                              itemtype_info; itemtype=48 filters like itemtype=certificate
//     export_addons            multi-domain plans (117, 120) carry an additional-domain <addon>
//                              (id = plan id + "1", addonlimit 3 included, addonmax 250, prices
//                              per extra domain = a tenth of the plan's, EUR and RUB)
//     export_without_flags     pricelist.export rows carry no wildcard, multidomain or orginfo
//                              element (the plans still allow what they allow when ordered)
//     reissue_keeps_issued     a reissue keeps service_status 5; item_status 5 and status_msg
//                              "Reissue requested" until issued again
//     views_lag [&reads=N]     the N reads (certificate, certificate.edit) after a charging
//                              call show the certificates as they were before it
//     whoami_balance_elements  whoami's <user> carries <balance>990,00</balance> (a Russian
//                              locale: no-break space groups, decimal comma) and <currency>
//                              as child elements instead of attributes
//     whoami_without_balance [&currency_field=currency|currency_iso|iso]  whoami names the
//                              currency only; subaccount's rows (RUB 0.00, then EUR with the
//                              balance) name their currency in that field (default currency)
//     dcv_fields [&txt=N][&names=N][&file_name=N][&file_value=N]  the names under which
//                              certificate.edit carries a DNS/file order's validation data
//                              (defaults auth_dnstxt_value, domains_list, auth_file_name,
//                              auth_file_value; only the names of issue 14 §4 are taken)
//     dcv_extra_fields         the same form also carries dcv_status and auth_dnstxt_host
//     dcv_functions &email=F&dns=G  the re-send functions exist under those names
//     toolbar_xjson_only       out=devel answers as out=xml (no metadata); out=xjson still
//                              answers the toolbar as JSON
//     list_ignores_paging      the certificate list answers every row, whatever p_cnt/p_num
//                              asked (p_elems still declared)
//     list_without_p_elems     the certificate list declares no p_elems
//     status_cells [&form=orig|real_status]  status cells (item_status, service_status) in
//                              the list and certificate.edit as localized text (status_msg's
//                              language, ru or en) with the number in orig=; with
//                              form=real_status without orig=, the item status number in a
//                              <real_status> column
//     list_hides &ids=ID,ID    those rows are left out of the list, p_elems still counts them
//   shape/clear                every shape back to the default
#pragma once

#include <string>

#include "shared.h"

namespace fake_upstream {

struct AdminAnswer {
    int status = 200;
    std::string body;  // an XML document
};

// path is the part after "/_admin/", e.g. "advance" or "requests/clear".
AdminAnswer handle_admin(Shared& shared, const std::string& path, const ApiRequest& params);

}  // namespace fake_upstream
