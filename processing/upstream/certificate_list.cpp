#include "upstream/certificate_list.h"

#include <string>

#include "core/text.h"
#include "upstream/doc_stream.h"
#include "upstream/functions.h"
#include "upstream/response.h"

namespace pmb::upstream {
namespace {

// Thrown from the row handler to end a page's transfer early; never leaves this file.
struct StopPage {};

class PagedList {
public:
    PagedList(ApiClient& client, long page_size, const CertificateVisitor& visit)
        : client_(client), page_size_(page_size), visit_(visit) {}

    ListRead run() {
        for (int page = 1;; ++page) {
            long on_page = read_page(page);
            if (read_.stopped || repeated_ || on_page < page_size_)
                break;
            if (read_.declared >= 0 && read_.rows >= read_.declared)
                break;
        }
        return read_;
    }

private:
    // The rows of one page handed on (a repeated first row ends it before any).
    long read_page(int page) {
        long on_page = 0;
        DocStream parser("elem",
                         [&](const XmlNode& node) {
                             if (node.name() == "p_elems")
                                 read_.declared =
                                     parse_number(std::string(trim(node.text()))).value_or(-1);
                             else
                                 take_row(node, page, on_page);
                         },
                         client_.origin(), {"p_elems"});
        try {
            client_.stream(functions::list_page(page, static_cast<int>(page_size_)),
                           [&](std::string_view chunk) { parser.feed(chunk); });
            parser.finish();
        } catch (const StopPage&) {
        }
        return on_page;
    }

    void take_row(const XmlNode& node, int page, long& on_page) {
        auto certificate = parse_certificate_row(node);
        if (!certificate)
            return;
        if (on_page == 0) {
            if (page > 1 && certificate->id == first_of_last_page_) {
                repeated_ = true;  // paging ignored: this page is the one before again
                throw StopPage{};
            }
            first_of_last_page_ = certificate->id;
        }
        ++on_page;
        ++read_.rows;
        if (!visit_(*certificate)) {
            read_.stopped = true;
            throw StopPage{};
        }
    }

    ApiClient& client_;
    long page_size_;
    const CertificateVisitor& visit_;
    ListRead read_;
    std::string first_of_last_page_;
    bool repeated_ = false;
};

}  // namespace

ListRead read_certificate_list(ApiClient& client, long page_size, const CertificateVisitor& visit) {
    return PagedList(client, page_size, visit).run();
}

}  // namespace pmb::upstream
