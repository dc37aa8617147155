// The certificate list (func=certificate) read page by page as it streams in: p_cnt rows per
// page, p_num from 1, until the rows seen reach p_elems or a page comes back empty or short.
// Each row is parsed on its own (DocStream) and handed on, so memory holds one row whatever
// the size of the list. An upstream that ignores paging and sends everything at once is read
// in one page: a page that starts with the same row as the one before ends the reading.
// Never certificate.filter/setfilter: a filter persists on the reseller account.
#pragma once

#include "model/certificate.h"
#include "upstream/client.h"

namespace pmb::upstream {

// Throws UpstreamError, or what visit throws.
ListRead read_certificate_list(ApiClient& client, long page_size, const CertificateVisitor& visit);

}  // namespace pmb::upstream
