#include "app/upstream_tariff_catalog.h"

#include "upstream/doc_stream.h"
#include "upstream/functions.h"
#include "upstream/response.h"

namespace pmb {

// The adapter speaks the upstream client's terms throughout.
using namespace upstream;

void UpstreamTariffCatalog::each_tariff(const TariffVisitor& visit, const std::string& only_id) {
    DocStream parser(
        "pricelist", [&](const XmlNode& pricelist) { visit(parse_exported_tariff(pricelist)); },
        client_.origin());
    client_.stream(functions::pricelist_export(only_id),
                   [&](std::string_view chunk) { parser.feed(chunk); });
    parser.finish();
}

}  // namespace pmb
