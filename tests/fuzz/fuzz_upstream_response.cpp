// The upstream answer parsers: the bytes as an answer body, through parse_document and then
// every parser of a document, as the module applies them to what the upstream sends.
#include "core/money.h"
#include "core/text.h"
#include "fuzz_input.h"
#include "upstream/response.h"

using namespace pmb;
using namespace pmb::upstream;

namespace {

const std::string kOrigin = "https://upstream.example";

void parse_every_way(const XmlDoc& doc) {
    pmfuzz::refusing_is_fine([&] { expect_ok(doc, "certificate.edit"); });
    pmfuzz::refusing_is_fine([&] { find_new_id(doc); });
    pmfuzz::refusing_is_fine([&] { parse_order(doc); });
    pmfuzz::refusing_is_fine([&] { parse_generated_key(doc); });
    pmfuzz::refusing_is_fine([&] { parse_certificate_list(doc); });
    pmfuzz::refusing_is_fine([&] { parse_certificate_form(doc, "101"); });
    pmfuzz::refusing_is_fine([&] { parse_file_document(doc); });
    pmfuzz::refusing_is_fine([&] { parse_file_row(doc, {"1", "1"}); });
    pmfuzz::refusing_is_fine([&] { parse_new_expire_date(doc); });
    pmfuzz::refusing_is_fine([&] { parse_whoami_balance(doc); });
    pmfuzz::refusing_is_fine([&] { parse_subaccount_balance(doc, "EUR"); });
    pmfuzz::refusing_is_fine([&] { parse_notify_balance(doc); });
    pmfuzz::refusing_is_fine([&] { slist_keys(doc, "approver_method"); });
    pmfuzz::refusing_is_fine([&] { validation_field_names(doc); });
    for (const XmlNode& pricelist : doc.root().children("pricelist"))
        pmfuzz::refusing_is_fine([&] { parse_exported_tariff(pricelist); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string body = pmfuzz::as_text(data, size);
    unusable_start(body);
    date_part(body);
    item_status_from_text(body);
    parse_money_text(body);
    offered_functions(body, "certificate");
    pmfuzz::refusing_is_fine([&] { parse_every_way(parse_document(200, body, kOrigin)); });
    return 0;
}
